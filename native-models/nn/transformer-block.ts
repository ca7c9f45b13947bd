// minGPT's pre-LN transformer Block as used by taming: keys ln1, attn.{key,query,value,proj}, ln2,
// mlp.0 (Linear d -> 4d) and mlp.2 (Linear 4d -> d) with an exact GELU between them.
import type { Scope, Tensor } from '../graph/graph';
import { gelu } from './activations';
import { causalSelfAttention, causalSelfAttentionCached, causalSelfAttentionWithPast } from './attention';
import type { AttentionResult } from './attention';
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
  | { kind: 'full' }
  | { kind: 'past'; pastK: Tensor; pastV: Tensor }
  | { kind: 'cached'; cacheK: Tensor; cacheV: Tensor; pos: Tensor };

/**
 * x [B, T, d] -> x + attn(ln1(x)), then + mlp(ln2(·)). `attention` picks the full causal form (default)
 * or a KV-cache form; the returned k/v are the block's present keys/values for the cache.
 */
export function transformerBlock(s: Scope, x: Tensor, nHead: number, attention: BlockAttention = { kind: 'full' }): AttentionResult {
  const d = x.shape[2] as number;
  const a = s.child('attn');
  const h = layerNorm(s.child('ln1'), x, d); // [B, T, d]
  const r = attention.kind === 'full' ? causalSelfAttention(a, h, nHead)
    : attention.kind === 'past' ? causalSelfAttentionWithPast(a, h, attention.pastK, attention.pastV, nHead)
      : causalSelfAttentionCached(a, h, attention.cacheK, attention.cacheV, attention.pos, nHead);
  const y = feedForward(s, x.add(r.y), d); // [B, T, d]
  return { y, k: r.k, v: r.v };
}
