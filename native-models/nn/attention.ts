// minGPT / taming causal multi-head self-attention (keys `key`, `query`, `value`, `proj`, each a
// Linear with bias), in three forms:
// - full:        every position of x attends to itself and the positions before it (training, prefill);
// - with past:   new tokens attend to given past K/V plus themselves; returns the concatenated K/V;
// - cached step: one token at a runtime position writes into fixed-capacity K/V caches and attends
//                to positions ≤ pos (static shapes, so one program serves every step of sampling).
import type { Scope, Tensor } from '../graph/graph';
import { concat } from '../graph/graph';
import { linear } from './linear';

export interface AttentionResult {
  y: Tensor; // [B, T, C]
  k: Tensor; // [B, nh, T_total, hs]
  v: Tensor; // [B, nh, T_total, hs]
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

/** An additive mask [tq, tk]: 0 where query i (absolute position offset + i) may see key j, else −∞. */
function causalMask(x: Tensor, tq: number, tk: number, offset: number): Tensor {
  const data = new Float32Array(tq * tk);
  for (let i = 0; i < tq; i++) for (let j = 0; j < tk; j++) data[i * tk + j] = j <= offset + i ? 0 : -Infinity;
  return x.graph.constant(data, [tq, tk]).cast(x.dtype); // [tq, tk]
}

/** softmax(q kᵀ / √hs + mask) v, heads merged back and projected: [B, Tq, C]. */
function attend(s: Scope, q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null): Tensor {
  const [b, nh, tq, hs] = q.shape as [number, number, number, number];
  let att = q.mul(1 / Math.sqrt(hs)).matmul(k.transpose([0, 1, 3, 2])); // [B, nh, Tq, Tk]
  if (mask) att = att.add(mask); // [B, nh, Tq, Tk]
  const y = att.softmax(-1).matmul(v) // [B, nh, Tq, hs]
    .transpose([0, 2, 1, 3]) // [B, Tq, nh, hs]
    .reshape([b, tq, nh * hs]); // [B, Tq, C]
  return linear(s.child('proj'), y, nh * hs, nh * hs); // [B, Tq, C]
}

/** Full causal self-attention of x [B, T, C]; k and v are returned for a KV cache (prefill). */
export function causalSelfAttention(s: Scope, x: Tensor, nHead: number): AttentionResult {
  const t = x.shape[1] as number;
  const k = heads(s, 'key', x, nHead); // [B, nh, T, hs]
  const q = heads(s, 'query', x, nHead); // [B, nh, T, hs]
  const v = heads(s, 'value', x, nHead); // [B, nh, T, hs]
  const y = attend(s, q, k, v, t > 1 ? causalMask(x, t, t, 0) : null); // [B, T, C]
  return { y, k, v };
}

/**
 * New tokens x [B, Tn, C] after `pastK`/`pastV` [B, nh, P, hs]: each new token sees all P past positions
 * and the new ones up to itself (with Tn = 1 no mask is needed, as in minGPT's forward_with_past).
 * Returns k, v = past ++ new: [B, nh, P + Tn, hs].
 */
export function causalSelfAttentionWithPast(s: Scope, x: Tensor, pastK: Tensor, pastV: Tensor, nHead: number): AttentionResult {
  const tn = x.shape[1] as number;
  const p = pastK.shape[2] as number;
  const k = concat([pastK, heads(s, 'key', x, nHead)], 2); // [B, nh, P + Tn, hs]
  const v = concat([pastV, heads(s, 'value', x, nHead)], 2); // [B, nh, P + Tn, hs]
  const q = heads(s, 'query', x, nHead); // [B, nh, Tn, hs]
  const y = attend(s, q, k, v, tn > 1 ? causalMask(x, tn, p + tn, p) : null); // [B, Tn, C]
  return { y, k, v };
}

/**
 * One token x [B, 1, C] at runtime position `pos` (int64, shape [] or [1]) with fixed-capacity caches
 * cacheK/cacheV [B, nh, Tmax, hs]: writes this token's k/v at `pos`, attends to positions ≤ pos.
 * Returns the updated caches (same shape), so step programs have static shapes for every position.
 */
export function causalSelfAttentionCached(s: Scope, x: Tensor, cacheK: Tensor, cacheV: Tensor, pos: Tensor, nHead: number): AttentionResult {
  if (x.shape[1] !== 1) throw new Error(`causalSelfAttentionCached: x must hold one token [B, 1, C], got [${x.shape.join(', ')}]`);
  const tmax = cacheK.shape[2] as number;
  const g = x.graph;
  const positions = g.constant(BigInt64Array.from({ length: tmax }, (_, i) => BigInt(i)), [tmax]); // [Tmax]
  const at = pos.reshape([1]); // [1]
  const here = positions.equal(at).reshape([tmax, 1]); // [Tmax, 1] bool
  const k = here.where(heads(s, 'key', x, nHead), cacheK); // [B, nh, Tmax, hs]
  const v = here.where(heads(s, 'value', x, nHead), cacheV); // [B, nh, Tmax, hs]
  const q = heads(s, 'query', x, nHead); // [B, nh, 1, hs]
  const mask = positions.lessOrEqual(at).where(0, -Infinity).cast(x.dtype).reshape([1, tmax]); // [1, Tmax]
  return { y: attend(s, q, k, v, mask), k, v };
}
