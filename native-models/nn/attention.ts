// minGPT / taming causal multi-head self-attention (keys `key`, `query`, `value`, `proj`, each a Linear with bias),
// in two forms:
// - full:     every position of x attends to itself and the positions before it (training, prefill); with `at`
//             (a runtime position) only that position's output is computed (window logits: every position's k and
//             v are still needed, its query, projection and what follows are not);
// - KV cache: n new tokens attend to a fixed-capacity cache and causally to each other (the token step). The cache
//             is per layer keys transposed [B, nh, hs, S] and values [B, nh, S, hs], S = its capacity, written in
//             place by the host; positions ≥ the cache length are masked out by an additive mask [1, 1, 1, S].
import type { Scope, Tensor } from '../graph/graph';
import { concat } from '../graph/graph';
import { linear } from './linear';

export interface AttentionResult {
  y: Tensor; // [B, T, C] (full), [B, 1, C] (full at one position), [B, n, C] (KV cache)
  k: Tensor; // full: [B, nh, T, hs]; KV cache: the new keys transposed [B, nh, hs, n]
  v: Tensor; // full: [B, nh, T, hs]; KV cache: the new values [B, nh, n, hs]
}

/** The KV cache one attention layer reads: keys [B, nh, hs, S], values [B, nh, S, hs], additive mask [1, 1, 1, S]. */
export interface KvCache {
  keys: Tensor;
  values: Tensor;
  mask: Tensor;
}

function checkHeads(x: Tensor, nHead: number): [number, number, number, number] {
  const [b, t, c] = x.shape as [number, number, number];
  if (x.rank !== 3) throw new Error(`causalSelfAttention: x must be [B, T, C], got [${x.shape.join(', ')}]`);
  if (c % nHead !== 0) throw new Error(`causalSelfAttention: n_embd ${c} is not divisible by n_head ${nHead}`);
  return [b, t, c, c / nHead];
}

/** Linear projection `name` of x [B, T, C] split into heads: [B, nh, T, hs]. */
function heads(s: Scope, name: string, x: Tensor, nHead: number): Tensor {
  const [b, t, c, hs] = checkHeads(x, nHead);
  return linear(s.child(name), x, c, c) // [B, T, C]
    .reshape([b, t, nHead, hs]) // [B, T, nh, hs]
    .transpose([0, 2, 1, 3]); // [B, nh, T, hs]
}

/** Heads merged back and projected: y [B, nh, T, hs] → [B, T, C]. */
function project(s: Scope, y: Tensor): Tensor {
  const [b, nh, t, hs] = y.shape as [number, number, number, number];
  const merged = y.transpose([0, 2, 1, 3]).reshape([b, t, nh * hs]); // [B, T, C]
  return linear(s.child('proj'), merged, nh * hs, nh * hs); // [B, T, C]
}

/** An additive causal mask [tq, tk]: 0 where query i (absolute position offset + i) may see key j, else −∞. */
function causalMask(x: Tensor, tq: number, tk: number, offset: number): Tensor {
  const data = new Float32Array(tq * tk);
  for (let i = 0; i < tq; i++) for (let j = 0; j < tk; j++) data[i * tk + j] = j <= offset + i ? 0 : -Infinity;
  return x.graph.constant(data, [tq, tk]).cast(x.dtype); // [tq, tk]
}

/** softmax(q kᵀ / √hs + mask) v, projected: [B, Tq, C]. */
function attend(s: Scope, q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null): Tensor {
  const hs = q.shape[3] as number;
  let att = q.mul(1 / Math.sqrt(hs)).matmul(k.transpose([0, 1, 3, 2])); // [B, nh, Tq, Tk]
  if (mask) att = att.add(mask); // [B, nh, Tq, Tk]
  return project(s, att.softmax(-1).matmul(v)); // [B, Tq, C]
}

/**
 * Full causal self-attention of x [B, T, C]; k and v are returned for a KV cache (prefill). With `at` (int64 [1],
 * a position 0 ≤ at < T) only that position's output is computed: y [B, 1, C], the same values as row `at` of the
 * full output.
 */
export function causalSelfAttention(s: Scope, x: Tensor, nHead: number, at?: Tensor): AttentionResult {
  const t = x.shape[1] as number;
  const k = heads(s, 'key', x, nHead); // [B, nh, T, hs]
  const v = heads(s, 'value', x, nHead); // [B, nh, T, hs]
  if (!at) {
    const q = heads(s, 'query', x, nHead); // [B, nh, T, hs]
    return { y: attend(s, q, k, v, t > 1 ? causalMask(x, t, t, 0) : null), k, v }; // y [B, T, C]
  }
  const q = heads(s, 'query', x.gather(at, 1), nHead); // [B, nh, 1, hs]
  const positions = x.graph.constant(BigInt64Array.from({ length: t }, (_, i) => BigInt(i)), [t]); // [T]
  const mask = positions.lessOrEqual(at).where(0, -Infinity).cast(x.dtype).reshape([1, t]); // [1, T]
  return { y: attend(s, q, k, v, mask), k, v }; // y [B, 1, C]
}

/**
 * n new tokens x [B, n, C] after the positions held by `cache`: each attends to the cache (through its mask) and
 * to the new tokens up to itself. Returns y [B, n, C] and the new keys transposed [B, nh, hs, n] and values
 * [B, nh, n, hs], which the host writes into the cache at its length.
 */
export function cachedSelfAttention(s: Scope, x: Tensor, cache: KvCache, nHead: number): AttentionResult {
  const n = x.shape[1] as number;
  const hs = (x.shape[2] as number) / nHead;
  const q = heads(s, 'query', x, nHead).mul(1 / Math.sqrt(hs)); // [B, nh, n, hs]
  const kT = heads(s, 'key', x, nHead).transpose([0, 1, 3, 2]); // [B, nh, hs, n]
  const v = heads(s, 'value', x, nHead); // [B, nh, n, hs]
  const capacity = cache.keys.shape[3] as number; // S
  const scorePast = q.matmul(cache.keys).add(cache.mask); // [B, nh, n, S]
  const scoreNew = n > 1 ? q.matmul(kT).add(causalMask(x, n, n, 0)) : q.matmul(kT); // [B, nh, n, n]
  const [wPast, wNew] = concat([scorePast, scoreNew], 3).softmax(-1).split([capacity, n], 3); // [B, nh, n, S], [B, nh, n, n]
  const y = wPast!.matmul(cache.values).add(wNew!.matmul(v)); // [B, nh, n, hs]
  return { y: project(s, y), k: kT, v }; // y [B, n, C]
}
