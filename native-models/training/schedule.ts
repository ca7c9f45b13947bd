/**
 * Learning-rate schedules and the transformer's pkeep token corruption.
 *
 * - `warmupCosine`: linear warmup from lr/warmup to lr over `warmupSteps`, then a half cosine from lr down to
 *   `minLr` at `totalSteps` (held at `minLr` afterwards). The reference trains at a constant LR (cond_transformer.py configure_optimizers);
 *   issue 6 asks for warmup + cosine for fine-tuning, which is what this gives.
 * - `scaledLr`: the reference's LR rule, lr = accumulate × gpus × batch × base_lr (taming's main.py).
 * - `corruptTokens`: taming's pkeep (cond_transformer.py) — each input z token is kept with probability pkeep and
 *   otherwise replaced by a uniform random id in [0, vocabSize) (which may equal the original, as in the
 *   reference's `randint_like`). Targets stay clean: apply it only to the model's input copy.
 */
import type { TrainRng } from './rng';

/** The loop settings both trainers (trainGpt, trainVqgan) share: length, batch, schedule, seed, checkpoints. */
export interface TrainLoopOptions {
  steps: number;
  batchSize: number;
  /** Micro-batches per optimizer step (default 1). */
  accumulate?: number;
  /** Peak learning rate (warmupCosine). */
  lr: number;
  warmupSteps?: number;
  /** LR at the end of the cosine (default: trainGpt 0; trainVqgan lr, i.e. constant after warmup as in the reference). */
  minLr?: number;
  seed: number;
  checkpointEvery: number;
  keepCheckpoints?: number;
  /** Held-out evaluation every N steps (default: only before and after). */
  evalEvery?: number;
  /** Write previews every N steps (0 / absent = never). */
  sampleEvery?: number;
}

export interface WarmupCosineOptions {
  /** Peak learning rate reached at the end of warmup. */
  lr: number;
  /** Steps of linear warmup (0 = none). */
  warmupSteps: number;
  /** Step at which the cosine reaches minLr (the planned run length). */
  totalSteps: number;
  /** Final learning rate (default 0). */
  minLr?: number;
}

/** Returns lr(step) for 0-based optimizer steps. */
export function warmupCosine(opts: WarmupCosineOptions): (step: number) => number {
  const { lr, warmupSteps, totalSteps } = opts;
  const minLr = opts.minLr ?? 0;
  if (!(lr > 0) || !Number.isFinite(lr)) throw new Error(`warmupCosine: lr=${lr} must be a positive number.`);
  if (!(minLr >= 0) || minLr > lr) throw new Error(`warmupCosine: minLr=${minLr} must be in [0, lr].`);
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0) throw new Error(`warmupCosine: warmupSteps=${warmupSteps} must be a non-negative integer.`);
  if (!Number.isInteger(totalSteps) || totalSteps < warmupSteps) {
    throw new Error(`warmupCosine: totalSteps=${totalSteps} must be an integer ≥ warmupSteps (${warmupSteps}).`);
  }
  return (step: number): number => {
    if (!Number.isInteger(step) || step < 0) throw new Error(`warmupCosine: step=${step} must be a non-negative integer.`);
    if (step < warmupSteps) return (lr * (step + 1)) / warmupSteps;
    const span = totalSteps - warmupSteps;
    if (span === 0) return lr;
    const progress = Math.min(1, (step - warmupSteps) / span);
    return minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * progress));
  };
}

/** The reference LR rule: accumulate × gpus × batch × base_lr (base_lr 4.5e-6 in every shipped config). */
export function scaledLr(baseLr: number, batchSize: number, accumulate = 1, gpus = 1): number {
  return accumulate * gpus * batchSize * baseLr;
}

/**
 * pkeep corruption: a copy of `tokens` where each entry is replaced, with probability 1 − pkeep, by a uniform
 * random id in [0, vocabSize). Draw order: for each position in order, one uniform for the keep test, and one
 * integer only when the position is replaced. pkeep = 1 returns an exact copy and draws nothing.
 */
export function corruptTokens(tokens: Int32Array, pkeep: number, vocabSize: number, rng: TrainRng): Int32Array {
  if (!(pkeep >= 0 && pkeep <= 1)) throw new Error(`corruptTokens: pkeep=${pkeep} must be in [0, 1].`);
  if (!Number.isInteger(vocabSize) || vocabSize <= 0) throw new Error(`corruptTokens: vocabSize=${vocabSize} must be a positive integer.`);
  const out = new Int32Array(tokens);
  if (pkeep === 1) return out;
  for (let i = 0; i < out.length; i++) {
    if (rng.nextFloat() >= pkeep) out[i] = rng.nextInt(vocabSize);
  }
  return out;
}
