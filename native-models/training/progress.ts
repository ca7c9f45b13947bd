/**
 * Training progress: step of N, losses, learning rate, images/s and ETA, as one plain record the trainers
 * emit (jobs forward it as events, the CLI draws a bar from it, metrics.jsonl stores it).
 *
 * Rates: an exponential moving average of the seconds per step, ema ← α·dt + (1 − α)·ema (α = 0.1, seeded
 * with the first measured step), so a slow first step (program compilation) stops dominating quickly.
 * images/s = batch size (× accumulation) / ema; ETA = steps left × ema.
 */

import type { TrainingState } from './checkpoint';

export interface TrainProgress {
  step: number;
  totalSteps: number;
  /** Named losses of the latest step (e.g. rec, nll, g, d, codebook). */
  losses: Record<string, number>;
  lr: number;
  /** null until a step has been timed. */
  imagesPerSec: number | null;
  stepsPerSec: number | null;
  etaSec: number | null;
  elapsedSec: number;
}

/** What a caller hands a trainer (trainGpt, trainVqgan): cancellation, progress, previews, a checkpoint to resume. */
export interface TrainHooks {
  signal?: AbortSignal;
  onProgress?(p: TrainProgress): void;
  /** Sample previews of `step` were written (after that step's onProgress): their files. */
  onSample?(step: number, files: readonly string[]): void;
  /** Continue from this checkpoint (from resumeRun / loadLatestCheckpoint). */
  resume?: TrainingState;
}

export class ProgressMeter {
  private ema: number | null = null;
  private last: number;
  private readonly start: number;

  /**
   * @param totalSteps planned optimizer steps
   * @param imagesPerStep images consumed per optimizer step (batch × accumulation)
   * @param now clock in milliseconds (injectable for tests)
   */
  constructor(
    readonly totalSteps: number,
    readonly imagesPerStep: number,
    private readonly alpha = 0.1,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(alpha > 0 && alpha <= 1)) throw new Error(`ProgressMeter: alpha must be in (0, 1], got ${alpha}.`);
    this.start = now();
    this.last = this.start;
  }

  /** Record that optimizer step `step` (1-based count of steps done) finished. */
  tick(step: number, losses: Record<string, number>, lr: number): TrainProgress {
    const t = this.now();
    const dt = (t - this.last) / 1000;
    this.last = t;
    this.ema = this.ema === null ? dt : this.alpha * dt + (1 - this.alpha) * this.ema;
    const perStep = this.ema;
    return {
      step,
      totalSteps: this.totalSteps,
      losses: { ...losses },
      lr,
      imagesPerSec: perStep > 0 ? this.imagesPerStep / perStep : null,
      stepsPerSec: perStep > 0 ? 1 / perStep : null,
      etaSec: Math.max(0, this.totalSteps - step) * perStep,
      elapsedSec: (t - this.start) / 1000,
    };
  }
}

/** One line for logs and the CLI, e.g. `step 120/1000  rec 0.1234  lr 4.50e-4  12.3 img/s  ETA 1m12s`. */
export function formatProgress(p: TrainProgress): string {
  const losses = Object.entries(p.losses).map(([k, v]) => `${k} ${v.toFixed(4)}`).join('  ');
  const rate = p.imagesPerSec === null ? '' : `  ${p.imagesPerSec.toFixed(1)} img/s`;
  const eta = p.etaSec === null ? '' : `  ETA ${formatDuration(p.etaSec)}`;
  return `step ${p.step}/${p.totalSteps}${losses ? `  ${losses}` : ''}  lr ${p.lr.toExponential(2)}${rate}${eta}`;
}

export function formatDuration(sec: number): string {
  const s = Math.round(sec);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
