/**
 * Codebook health for VQGAN training: usage statistics and dead-code restarts.
 *
 * `CodebookUsage` accumulates code counts over a sliding window of batches (the trainer feeds it the indices of
 * a periodic encode pass) and reports used codes, the usage fraction and the perplexity exp(H(p)) of the code
 * distribution (n_e when every code is equally used, 1 when one code takes everything).
 * `restartDeadCodes` (optional, off in the reference) moves each dead code — unused over the window — onto a
 * randomly chosen encoder output of the current batch plus small Gaussian noise (std `noise` × that output's
 * RMS), so it can win assignments again; its Adam moments should be zeroed by the caller (`zeroRows`).
 */
import type { TrainRng } from './rng';

export interface UsageReport {
  nEmbed: number;
  /** Codes used at least once in the window. */
  used: number;
  usedFraction: number;
  /** exp(entropy) of the code distribution over the window. */
  perplexity: number;
  /** Codes never used in the window (ascending). */
  dead: number[];
  /** Indices counted in the window. */
  samples: number;
}

export class CodebookUsage {
  private readonly window: Uint32Array[] = [];
  private readonly totals: Float64Array;

  constructor(readonly nEmbed: number, readonly windowBatches = 50) {
    if (!Number.isInteger(nEmbed) || nEmbed < 1) throw new Error(`CodebookUsage: nEmbed=${nEmbed} must be a positive integer.`);
    this.totals = new Float64Array(nEmbed);
  }

  /** Count one batch of code indices (any shape, flattened). */
  add(indices: ArrayLike<number | bigint>): void {
    const counts = new Uint32Array(this.nEmbed);
    for (let i = 0; i < indices.length; i++) {
      const k = Number(indices[i]);
      if (!(k >= 0 && k < this.nEmbed)) throw new Error(`CodebookUsage: index ${k} is outside 0..${this.nEmbed - 1}.`);
      counts[k]!++;
    }
    this.window.push(counts);
    for (let k = 0; k < this.nEmbed; k++) this.totals[k]! += counts[k]!;
    if (this.window.length > this.windowBatches) {
      const old = this.window.shift()!;
      for (let k = 0; k < this.nEmbed; k++) this.totals[k]! -= old[k]!;
    }
  }

  /** Forget the window (e.g. after restarting codes, so they get a fresh chance). */
  reset(): void {
    this.window.length = 0;
    this.totals.fill(0);
  }

  report(): UsageReport {
    let samples = 0;
    for (const c of this.totals) samples += c;
    const dead: number[] = [];
    let entropy = 0;
    for (let k = 0; k < this.nEmbed; k++) {
      const c = this.totals[k]!;
      if (c === 0) dead.push(k);
      else {
        const p = c / samples;
        entropy -= p * Math.log(p);
      }
    }
    const used = this.nEmbed - dead.length;
    return { nEmbed: this.nEmbed, used, usedFraction: used / this.nEmbed, perplexity: samples ? Math.exp(entropy) : 0, dead, samples };
  }
}

/**
 * Re-seed `dead` rows of `codebook` [n_e, E] from `encodings` [N, E] (encoder outputs, channels last).
 * Returns the encoding row chosen for each dead code.
 */
export function restartDeadCodes(codebook: Float32Array, embedDim: number, dead: readonly number[], encodings: Float32Array, rng: TrainRng, noise = 0.01): number[] {
  const n = encodings.length / embedDim;
  if (!Number.isInteger(n) || n < 1) throw new Error(`restartDeadCodes: encodings hold ${encodings.length} values, not a multiple of embed_dim ${embedDim}.`);
  const chosen: number[] = [];
  for (const k of dead) {
    if (!(k >= 0 && (k + 1) * embedDim <= codebook.length)) throw new Error(`restartDeadCodes: code ${k} is outside the codebook.`);
    const r = rng.nextInt(n);
    const row = encodings.subarray(r * embedDim, (r + 1) * embedDim);
    let rms = 0;
    for (const v of row) rms += v * v;
    rms = Math.sqrt(rms / embedDim);
    for (let e = 0; e < embedDim; e++) codebook[k * embedDim + e] = row[e]! + noise * rms * rng.nextNormal();
    chosen.push(r);
  }
  return chosen;
}

/** Zero the given rows of a [rows, width] array (e.g. Adam moments of restarted codes). */
export function zeroRows(a: Float32Array, width: number, rows: readonly number[]): void {
  for (const r of rows) a.fill(0, r * width, (r + 1) * width);
}

/** [B, E, h, w] encoder output -> [B·h·w, E] rows (channels last), the layout `restartDeadCodes` takes. */
export function channelsLast(x: Float32Array, b: number, e: number, h: number, w: number): Float32Array {
  const out = new Float32Array(x.length); // [B·h·w, E]
  const plane = h * w;
  for (let i = 0; i < b; i++) {
    for (let c = 0; c < e; c++) {
      for (let p = 0; p < plane; p++) out[(i * plane + p) * e + c] = x[(i * e + c) * plane + p]!;
    }
  }
  return out;
}
