/**
 * Decoding loops over a latent token grid.
 *
 * - `sampleGridReference`: the plain reference. For every target token it builds the window of the reference
 *   rule (window.ts), feeds the whole window `[condition] + window[:-1]` (stale, not-yet-sampled tokens
 *   included, exactly as the reference scripts do) and reads the logits at the target's local position.
 *   For grids that fit one window this is the reference `sample()` up to causality.
 * - `sampleGrid`: the optimized loop; token for token the same result for a causal model. It feeds only the
 *   tokens before the target (causal attention makes the rest irrelevant), keeps a KV cache per window
 *   position while that window will be used again (the whole grid when it fits one window: prefill once,
 *   then one step per token; the edge-anchored windows of larger grids across a row and across rows), and
 *   runs the B variations of a batch together. `maxCaches: 0` turns caching off, which gives the
 *   full-recompute loop (reference `Net2NetTransformer.sample()` semantics, one prefix forward per token).
 *
 * Targets (which positions are sampled) are visited in raster order. Positions that are not targets keep the
 * tokens of `initial`: image completion = every position from a start index on; masked resampling = the
 * positions inside a mask, each conditioned on everything before it in raster order (tokens after it are kept
 * as they are and, attention being causal, never seen by the model for that token).
 * Note: for completion starting mid-row the reference scripts start every later row at column start_j too
 * (leaving columns < start_j of those rows at token 0); Tessera samples every position from the start on.
 *
 * Cancellation: the AbortSignal is checked before every model call, so an abort is honoured within one
 * token step; the signal's reason is thrown.
 */
import { pickTokens } from './filters';
import type { SamplerSettings } from './filters';
import type { Pcg32 } from './rng';
import type { TokenModel } from './token-model';
import { cropWindow, effectiveWindow, placeWindowStrided, validateGrid, validateStride } from './window';
import type { GridShape, WindowPlacement } from './window';

/** The condition part of every window. */
export type Condition =
  /** Constant tokens before every window: [B, length]; the SOS token, a class id, or a flat c-sequence. */
  | { kind: 'prefix'; tokens: Int32Array; length: number }
  /** A condition token grid [B, H, W] on the same grid as the image; each window takes the same crop of it. */
  | { kind: 'grid'; tokens: Int32Array };

export interface TokenEvent {
  /** Number of targets sampled so far (1-based after the first token). */
  done: number;
  total: number;
  i: number;
  j: number;
  /** The live grid [B, H, W]; read only. */
  tokens: Int32Array;
  /** [H*W]: 1 where the token is final (kept or already sampled). */
  final: Uint8Array;
}

export interface SampleJob {
  batch: number;
  grid: GridShape;
  /** The window the model was trained on, in tokens (16 × 16 for the released models). */
  window: GridShape;
  condition: Condition;
  /** Start tokens [B, H, W]; kept where not a target. Default: all 0 (the reference's fill value). */
  initial?: Int32Array;
  /** [H*W]: 1 = sample this position. Default: every position. */
  targets?: Uint8Array;
  /**
   * Targets per shared window, rows × columns (window.ts placeWindowStrided): 1 × 1 (default) is the reference
   * rule; larger strides trade a little context for far fewer window prefills.
   */
  windowStride?: GridShape;
  /** One entry per batch row. */
  settings: readonly SamplerSettings[];
  rngs: readonly Pcg32[];
  signal?: AbortSignal;
  onToken?: (event: TokenEvent) => void | Promise<void>;
}

export interface LoopOptions {
  /** Most KV caches held at once (least recently used evicted). 0 = no caching (full recompute). Default 64. */
  maxCaches?: number;
  /**
   * Bound the number of distinct sequence lengths the model sees (models with static-shape programs compile one
   * program per length): a new cache is prefilled up to the last whole window row before the target and
   * extended from there, and multi-token extensions go in power-of-two chunks. Default true.
   */
  shapeBuckets?: boolean;
}

/** Counters filled by the loops (tokens fed to the model, by kind of call). */
export interface LoopStats {
  forwardTokens: number;
  prefillTokens: number;
  stepTokens: number;
  calls: number;
}

const NO_STRIDE: GridShape = { h: 1, w: 1 };

/** Targets for image completion: every position from flat raster index `start` on. */
export function completionTargets(grid: GridShape, start: number): Uint8Array {
  const n = grid.h * grid.w;
  if (!Number.isInteger(start) || start < 0 || start > n) {
    throw new Error(`Completion start ${start} is outside the ${grid.h}×${grid.w} token grid (0..${n}).`);
  }
  const t = new Uint8Array(n);
  t.fill(1, start);
  return t;
}

interface Prepared {
  win: GridShape;
  condLength: number;
  tokens: Int32Array;
  final: Uint8Array;
  order: number[];
}

function prepare<C>(model: TokenModel<C>, job: SampleJob): Prepared {
  const { batch, grid, window, condition } = job;
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`Batch size must be a positive integer (got ${batch}).`);
  validateGrid(grid, window, condition.kind === 'grid');
  const win = effectiveWindow(grid, window);
  if (job.windowStride) validateStride(job.windowStride, win);
  const n = grid.h * grid.w;
  let condLength: number;
  if (condition.kind === 'prefix') {
    condLength = condition.length;
    if (!Number.isInteger(condLength) || condLength < 1) {
      throw new Error('The condition prefix needs at least one token (the SOS token for unconditional models).');
    }
    if (condition.tokens.length !== batch * condLength) {
      throw new Error(`Condition prefix has ${condition.tokens.length} tokens, expected batch ${batch} × ${condLength}.`);
    }
  } else {
    condLength = win.h * win.w;
    if (condition.tokens.length !== batch * n) {
      throw new Error(
        `Condition grid has ${condition.tokens.length} tokens, expected batch ${batch} × ${grid.h} × ${grid.w}: ` +
          'the condition must be encoded at the same grid size as the image.',
      );
    }
  }
  const longest = condLength + win.h * win.w - 1;
  if (longest > model.blockSize) {
    throw new Error(
      `A window needs ${longest} positions (condition ${condLength} + window ${win.h}×${win.w} − 1) but the model's ` +
        `block size is ${model.blockSize}: the window or condition does not match this model.`,
    );
  }
  if (job.settings.length !== batch || job.rngs.length !== batch) {
    throw new Error(`Need one sampler setting and one RNG per batch row (batch ${batch}).`);
  }
  const tokens = job.initial ? Int32Array.from(job.initial) : new Int32Array(batch * n);
  if (tokens.length !== batch * n) throw new Error(`Initial tokens: expected ${batch * n} values, got ${tokens.length}.`);
  for (const t of tokens) {
    if (t < 0 || t >= model.vocabSize) throw new Error(`Initial token ${t} is outside the vocabulary (0..${model.vocabSize - 1}).`);
  }
  const targets = job.targets ?? new Uint8Array(n).fill(1);
  if (targets.length !== n) throw new Error(`Target mask has ${targets.length} entries, expected ${grid.h}×${grid.w} = ${n}.`);
  const final = new Uint8Array(n);
  const order: number[] = [];
  for (let q = 0; q < n; q++) {
    if (targets[q]) order.push(q);
    else final[q] = 1;
  }
  return { win, condLength, tokens, final, order };
}

/** Build [B, condLength + count] = condition part + the first `count` window tokens (raster order). */
function buildSequence(job: SampleJob, prep: Prepared, place: WindowPlacement, count: number): Int32Array {
  const { batch, grid, condition } = job;
  const { win, condLength, tokens } = prep;
  const len = condLength + count;
  const seq = new Int32Array(batch * len);
  const cropC = condition.kind === 'grid' ? cropWindow(condition.tokens, batch, grid, place.i0, place.j0, win) : null;
  for (let b = 0; b < batch; b++) {
    const row = b * len;
    if (cropC) seq.set(cropC.subarray(b * condLength, (b + 1) * condLength), row);
    else seq.set((condition as { tokens: Int32Array }).tokens.subarray(b * condLength, (b + 1) * condLength), row);
    const gridBase = b * grid.h * grid.w;
    for (let q = 0; q < count; q++) {
      const r = Math.floor(q / win.w);
      const c = q - r * win.w;
      seq[row + condLength + q] = tokens[gridBase + (place.i0 + r) * grid.w + place.j0 + c]!;
    }
  }
  return seq;
}

async function commit(job: SampleJob, prep: Prepared, q: number, picked: Int32Array, done: number): Promise<void> {
  const { batch, grid } = job;
  const n = grid.h * grid.w;
  for (let b = 0; b < batch; b++) prep.tokens[b * n + q] = picked[b]!;
  prep.final[q] = 1;
  if (job.onToken) {
    await job.onToken({ done, total: prep.order.length, i: Math.floor(q / grid.w), j: q % grid.w, tokens: prep.tokens, final: prep.final });
  }
}

/** The plain reference loop (full window forward per token). */
export async function sampleGridReference<C>(model: TokenModel<C>, job: SampleJob, stats?: LoopStats): Promise<Int32Array> {
  const prep = prepare(model, job);
  const { grid, window, batch } = job;
  const windowTokens = prep.win.h * prep.win.w;
  let done = 0;
  for (const q of prep.order) {
    job.signal?.throwIfAborted();
    const i = Math.floor(q / grid.w);
    const j = q % grid.w;
    const place = placeWindowStrided(i, j, grid, window, job.windowStride ?? NO_STRIDE);
    const p = place.li * prep.win.w + place.lj;
    const seq = buildSequence(job, prep, place, windowTokens - 1);
    const len = prep.condLength + windowTokens - 1;
    const logits = await model.logitsAt(seq, batch, len, prep.condLength + p - 1);
    if (stats) {
      stats.forwardTokens += len;
      stats.calls++;
    }
    done++;
    await commit(job, prep, q, pickTokens(logits, model.vocabSize, job.settings, job.rngs), done);
  }
  return prep.tokens;
}

interface CacheEntry<C> {
  cache: C;
  fed: Int32Array;
  length: number;
}

function sameTokens(a: Int32Array, aLen: number, b: Int32Array, bLen: number, batch: number, count: number): boolean {
  for (let r = 0; r < batch; r++) {
    for (let k = 0; k < count; k++) if (a[r * aLen + k] !== b[r * bLen + k]) return false;
  }
  return true;
}

/** True when the B rows of `seq` [B, len] are the same tokens (variations before their samples diverge). */
function rowsEqual(seq: Int32Array, batch: number, len: number): boolean {
  for (let b = 1; b < batch; b++) {
    for (let k = 0; k < len; k++) if (seq[b * len + k] !== seq[k]) return false;
  }
  return true;
}

/**
 * model.prefill of `head` [B, len]; when every row is the same (variations of one request sharing a condition)
 * and the model can repeat a cache, one row is prefilled and its cache and logits repeated: the same values as
 * prefilling all B rows, at 1/B of the cost.
 */
async function prefillShared<C>(model: TokenModel<C>, head: Int32Array, batch: number, len: number): Promise<{ logits: Float32Array; cache: C }> {
  if (batch === 1 || !model.repeatCache || !rowsEqual(head, batch, len)) return model.prefill(head, batch, len);
  const one = await model.prefill(head.subarray(0, len), 1, len);
  const logits = new Float32Array(batch * one.logits.length);
  for (let b = 0; b < batch; b++) logits.set(one.logits, b * one.logits.length);
  return { logits, cache: model.repeatCache(one.cache, batch) };
}

/** The optimized loop (prefix-only forwards, KV caches per window position, batched variations). */
export async function sampleGrid<C>(
  model: TokenModel<C>,
  job: SampleJob,
  options: LoopOptions = {},
  stats?: LoopStats,
): Promise<Int32Array> {
  const prep = prepare(model, job);
  const { grid, window, batch } = job;
  const maxCaches = options.maxCaches ?? 64;
  const buckets = options.shapeBuckets ?? true;
  const keyOf = (place: WindowPlacement): number => place.i0 * grid.w + place.j0;
  const stride = job.windowStride ?? NO_STRIDE;
  const placements = prep.order.map((q) => placeWindowStrided(Math.floor(q / grid.w), q % grid.w, grid, window, stride));
  // With shape buckets a feed goes in power-of-two chunks, plus one more length: the step from a block row's last
  // target to the next row's first (the sampled token and the window row's tokens left of the block), which every
  // block of a strided window repeats; fed whole it is one call instead of two or three.
  const rowStep = prep.win.w - stride.w + 1;
  const lastUse = new Map<number, number>();
  placements.forEach((pl, t) => lastUse.set(keyOf(pl), t));
  const caches = new Map<number, CacheEntry<C>>();
  const drop = (key: number): void => {
    const e = caches.get(key);
    if (e) {
      model.release?.(e.cache);
      caches.delete(key);
    }
  };
  /** Feed seq[from, len) into `cache`; logits of the last token. */
  const feed = async (cache: C, seq: Int32Array, len: number, from: number): Promise<{ logits: Float32Array; cache: C }> => {
    let current = cache;
    let logits: Float32Array | null = null;
    let at = from;
    while (at < len) {
      job.signal?.throwIfAborted();
      const left = len - at;
      const count = model.extend ? (!buckets || left === rowStep ? left : 2 ** Math.floor(Math.log2(left))) : 1;
      const add = new Int32Array(batch * count);
      for (let b = 0; b < batch; b++) add.set(seq.subarray(b * len + at, b * len + at + count), b * count);
      const r = count > 1 && model.extend ? await model.extend(current, add, count) : await model.step(current, add);
      current = r.cache;
      logits = r.logits;
      at += count;
      if (stats) {
        stats.stepTokens += count;
        stats.calls++;
      }
    }
    return { logits: logits!, cache: current };
  };
  let done = 0;
  try {
    for (let t = 0; t < prep.order.length; t++) {
      job.signal?.throwIfAborted();
      const q = prep.order[t]!;
      const place = placements[t]!;
      const key = keyOf(place);
      const p = place.li * prep.win.w + place.lj;
      const len = prep.condLength + p;
      const seq = buildSequence(job, prep, place, p);
      const reuse = maxCaches > 0 && lastUse.get(key)! > t;
      const entry = caches.get(key);
      let logits: Float32Array;
      if (entry && !sameTokens(entry.fed, entry.length, seq, len, batch, entry.length)) {
        throw new Error('Internal error in the sampling loop: a cached window no longer matches the grid.');
      }
      const missing = entry ? len - entry.length : len;
      if (missing < 1) throw new Error('Internal error in the sampling loop: targets of one window are out of raster order.');
      const extendWorthIt = entry && (model.extend !== undefined || missing <= Math.max(1, len / 2));
      if (entry && extendWorthIt) {
        caches.delete(key);
        const r = await feed(entry.cache, seq, len, entry.length);
        logits = r.logits;
        if (reuse) caches.set(key, { cache: r.cache, fed: seq, length: len });
        else model.release?.(r.cache);
      } else {
        if (entry) drop(key);
        if (reuse) {
          const start = buckets && model.extend ? prep.condLength + Math.floor(p / prep.win.w) * prep.win.w : len;
          const head = new Int32Array(batch * start);
          for (let b = 0; b < batch; b++) head.set(seq.subarray(b * len, b * len + start), b * start);
          job.signal?.throwIfAborted();
          const r0 = await prefillShared(model, head, batch, start);
          if (stats) {
            stats.prefillTokens += start;
            stats.calls++;
          }
          const r = start < len ? await feed(r0.cache, seq, len, start) : r0;
          logits = r.logits;
          caches.set(key, { cache: r.cache, fed: seq, length: len });
          while (caches.size > maxCaches) drop(caches.keys().next().value!);
        } else {
          logits = await model.logitsAt(seq, batch, len, len - 1);
          if (stats) {
            stats.forwardTokens += len;
            stats.calls++;
          }
        }
      }
      done++;
      await commit(job, prep, q, pickTokens(logits, model.vocabSize, job.settings, job.rngs), done);
    }
  } finally {
    for (const key of [...caches.keys()]) drop(key);
  }
  return prep.tokens;
}
