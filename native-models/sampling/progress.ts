/**
 * Progress of a sampling run: token i of N, elapsed time, a recency-weighted ETA, and partial previews.
 *
 * ETA: an exponential moving average of the time per token, ema ← α·dt + (1 − α)·ema (α = 0.15 by default,
 * seeded with the first token's time), times the number of tokens left. Recent tokens dominate, so the
 * estimate follows the sliding window's changing cost (cached edge windows are cheap, centred ones are not).
 */

export interface ProgressInfo {
  done: number;
  total: number;
  elapsedMs: number;
  /** null until the first token is done. */
  etaMs: number | null;
  tokensPerSecond: number | null;
}

export class ProgressTracker {
  private readonly start: number;
  private last: number;
  private ema: number | null = null;
  private done = 0;

  constructor(
    readonly total: number,
    private readonly alpha = 0.15,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(alpha > 0 && alpha <= 1)) throw new Error(`ProgressTracker: alpha must be in (0, 1], got ${alpha}.`);
    this.start = now();
    this.last = this.start;
  }

  /** Record that `done` targets are finished (monotone) and return the current progress. */
  update(done: number): ProgressInfo {
    const t = this.now();
    const steps = done - this.done;
    if (steps > 0) {
      const perToken = (t - this.last) / steps;
      this.ema = this.ema === null ? perToken : this.alpha * perToken + (1 - this.alpha) * this.ema;
      this.done = done;
      this.last = t;
    }
    return this.info(t);
  }

  info(t = this.now()): ProgressInfo {
    const left = this.total - this.done;
    return {
      done: this.done,
      total: this.total,
      elapsedMs: t - this.start,
      etaMs: this.ema === null ? null : left * this.ema,
      tokensPerSecond: this.ema === null || this.ema <= 0 ? null : 1000 / this.ema,
    };
  }
}

/** Copy of `tokens` [B, H*W] with every position whose `final` flag is 0 replaced by `neutral`. */
export function previewTokens(tokens: Int32Array, final: Uint8Array, neutral: number): Int32Array {
  const n = final.length;
  if (tokens.length % n !== 0) throw new Error(`previewTokens: ${tokens.length} tokens is not a multiple of the grid size ${n}.`);
  const out = Int32Array.from(tokens);
  for (let base = 0; base < out.length; base += n) {
    for (let q = 0; q < n; q++) if (!final[q]) out[base + q] = neutral;
  }
  return out;
}

/** True when a preview is due after `done` of `total` tokens with one every `every` tokens (0 = never). */
export function previewDue(done: number, total: number, every: number): boolean {
  if (every <= 0) return false;
  return done % every === 0 && done < total;
}

/** "1:05" / "12s" style duration for progress bars. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}:${String(s % 60).padStart(2, '0')}`;
  return `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}
