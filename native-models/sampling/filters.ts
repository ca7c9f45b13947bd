/**
 * Logit filters for token sampling, in the reference order (taming-transformers `sample_with_past`, which calls
 * HuggingFace `top_k_top_p_filtering` v4.3.1):
 *   1. logits / temperature;
 *   2. top-k: every logit strictly below the k-th largest becomes -inf (ties with the k-th value are kept);
 *   3. top-p (nucleus): sort descending, cumulative softmax; a token is removed when the cumulative probability
 *      of the tokens ranked before it already exceeds p (HF's "cum > p, shifted right by one"), so the first token
 *      crossing p and the top token are always kept;
 *   4. softmax, then a categorical draw with the seeded RNG.
 * Greedy takes the arg-max of the raw logits (lowest index on ties) and draws nothing from the RNG.
 * All arithmetic after reading the logits is float64. Sorting is by value descending, index ascending (stable),
 * so ties resolve the same way everywhere.
 */
import type { Pcg32 } from './rng';

export interface SamplerSettings {
  /** > 0; divides the logits. 1 = unchanged. */
  temperature: number;
  /** Keep the k most likely tokens; 0 or null = off. */
  topK: number | null;
  /** Nucleus mass in (0, 1]; 1 or null = off. */
  topP: number | null;
  /** Arg-max instead of a random draw. */
  greedy: boolean;
}

export const DEFAULT_SAMPLER: SamplerSettings = { temperature: 1, topK: 100, topP: null, greedy: false };

/** What a request that names no temperature samples at: the model's own (its manifest's), else DEFAULT_SAMPLER's. */
export function modelTemperature(model: { temperature?: number | null }): number {
  return model.temperature ?? DEFAULT_SAMPLER.temperature;
}

/** Throws a clear error when a setting is out of range. */
export function validateSettings(s: SamplerSettings): void {
  if (!Number.isFinite(s.temperature) || s.temperature <= 0) {
    throw new Error(`temperature must be a positive number (got ${s.temperature}); use --greedy for arg-max.`);
  }
  if (s.topK !== null && (!Number.isInteger(s.topK) || s.topK < 0)) {
    throw new Error(`top-k must be a non-negative integer (got ${s.topK}); 0 turns it off.`);
  }
  if (s.topP !== null && (!Number.isFinite(s.topP) || s.topP <= 0 || s.topP > 1)) {
    throw new Error(`top-p must be in (0, 1] (got ${s.topP}); 1 turns it off.`);
  }
}

/** Index of the largest value; the lowest index wins ties. */
export function argmax(values: ArrayLike<number>, offset = 0, length = values.length - offset): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let i = 0; i < length; i++) {
    const v = values[offset + i]!;
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}

/** Order of indices by value descending, index ascending. */
function sortedOrder(values: Float64Array): Int32Array {
  const order = Int32Array.from({ length: values.length }, (_, i) => i);
  order.sort((a, b) => {
    const va = values[a]!;
    const vb = values[b]!;
    if (va === vb) return a - b;
    return va > vb ? -1 : 1;
  });
  return order;
}

/**
 * The k-th largest of `values` (1-based; duplicates count), by quickselect on a copy: O(n) on average where a
 * sort is O(n log n) — it runs once per sampled token, 1024 values for the starters.
 */
export function kthLargest(values: Float64Array, k: number): number {
  if (!Number.isInteger(k) || k < 1 || k > values.length) throw new Error(`kthLargest: k must be in 1..${values.length} (got ${k}).`);
  const a = Float64Array.from(values);
  const want = a.length - k; // index of the answer in ascending order
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    // Hoare partition around the median of three
    const mid = (lo + hi) >> 1;
    const x = a[lo]!, y = a[mid]!, z = a[hi]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (want <= j) hi = j;
    else if (want >= i) lo = i;
    else return a[want]!;
  }
  return a[want]!;
}

/** Softmax in float64 (entries at -inf become 0). */
export function softmax(logits: Float64Array): Float64Array {
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = logits[i] === -Infinity ? 0 : Math.exp(logits[i]! - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}

/** Temperature, then top-k, then top-p, applied to one row of logits; removed entries are -inf. */
export function filterLogits(
  logits: ArrayLike<number>,
  s: SamplerSettings,
  offset = 0,
  vocab = logits.length - offset,
): Float64Array {
  const out = new Float64Array(vocab);
  for (let i = 0; i < vocab; i++) out[i] = logits[offset + i]! / s.temperature;
  const k = s.topK ?? 0;
  if (k > 0 && k < vocab) {
    // The k-th largest value (taming's top_k_logits keeps every logit ≥ it, ties included).
    const kth = kthLargest(out, k);
    for (let i = 0; i < vocab; i++) if (out[i]! < kth) out[i] = -Infinity;
  }
  const p = s.topP ?? 1;
  if (p < 1) {
    const order = sortedOrder(out);
    const sorted = new Float64Array(vocab);
    for (let r = 0; r < vocab; r++) sorted[r] = out[order[r]!]!;
    const probs = softmax(sorted);
    let cumBefore = 0;
    for (let r = 0; r < vocab; r++) {
      if (r > 0 && cumBefore > p) out[order[r]!] = -Infinity;
      cumBefore += probs[r]!;
    }
  }
  return out;
}

/** Sampling probabilities of one row after all filters. */
export function filteredProbabilities(logits: ArrayLike<number>, s: SamplerSettings, offset = 0, vocab?: number): Float64Array {
  return softmax(filterLogits(logits, s, offset, vocab ?? logits.length - offset));
}

/** Choose one token from one row of logits. */
export function pickToken(logits: ArrayLike<number>, s: SamplerSettings, rng: Pcg32, offset = 0, vocab?: number): number {
  const v = vocab ?? logits.length - offset;
  if (s.greedy) return argmax(logits, offset, v);
  return rng.categorical(filteredProbabilities(logits, s, offset, v));
}

/** One token per batch row from logits [B, V], with per-row settings and RNGs. */
export function pickTokens(logits: Float32Array, vocab: number, settings: readonly SamplerSettings[], rngs: readonly Pcg32[]): Int32Array {
  const batch = settings.length;
  if (logits.length !== batch * vocab) {
    throw new Error(`pickTokens: logits have ${logits.length} values, expected batch ${batch} × vocab ${vocab}.`);
  }
  const out = new Int32Array(batch);
  for (let b = 0; b < batch; b++) out[b] = pickToken(logits, settings[b]!, rngs[b]!, b * vocab, vocab);
  return out;
}
