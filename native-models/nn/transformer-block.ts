// minGPT's pre-LN transformer Block as used by taming: keys ln1, attn.{key,query,value,proj}, ln2,
// mlp.0 (Linear d -> 4d) and mlp.2 (Linear 4d -> d) with an exact GELU between them.
import type { Scope, Tensor } from '../graph/graph';
import { gelu } from './activations';
import { cachedSelfAttention, causalSelfAttention } from './attention';
import type { AttentionResult, KvCache } from './attention';
import { layerNorm } from './norm';
import { linear } from './linear';

/** mlp(x) = Linear(4d -> d)(GELU(Linear(d -> 4d)(x))) on x [B, T, d]. */
function mlp(s: Scope, x: Tensor, d: number): Tensor {
  const h = gelu(linear(s.child(0), x, d, 4 * d)); // [B, T, 4d]
  return linear(s.child(2), h, 4 * d, d); // [B, T, d]
}

/** The residual MLP half of the block: x + mlp(ln2(x)) (also the MLP half of the models' cached GPT step). */
export function feedForward(s: Scope, x: Tensor, d: number): Tensor {
  return x.add(mlp(s.child('mlp'), layerNorm(s.child('ln2'), x, d), d)); // [B, T, d]
}

export type BlockAttention =
  /** Full causal attention; with `at` (int64 [1]) only that position's output is computed (y [B, 1, d]). */
  | { kind: 'full'; at?: Tensor }
  /** New tokens after a KV cache (the token step); k/v are the new positions' keys (transposed) and values. */
  | { kind: 'cache'; cache: KvCache };

/**
 * x [B, T, d] -> x + attn(ln1(x)), then + mlp(ln2(·)). `attention` picks the full causal form (default)
 * or the KV-cache form; the returned k/v are the block's present keys/values for the cache.
 */
export function transformerBlock(s: Scope, x: Tensor, nHead: number, attention: BlockAttention = { kind: 'full' }): AttentionResult {
  const d = x.shape[2] as number;
  const a = s.child('attn');
  const h = layerNorm(s.child('ln1'), x, d); // [B, T, d]
  if (attention.kind === 'cache') {
    const r = cachedSelfAttention(a, h, attention.cache, nHead); // y [B, n, d]
    return { y: feedForward(s, x.add(r.y), d), k: r.k, v: r.v }; // y [B, n, d]
  }
  const r = causalSelfAttention(a, h, nHead, attention.at); // y [B, T, d] or [B, 1, d]
  const residual = attention.at ? x.gather(attention.at, 1) : x; // [B, T, d] or [B, 1, d]
  return { y: feedForward(s, residual.add(r.y), d), k: r.k, v: r.v };
}
