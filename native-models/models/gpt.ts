/**
 * taming's minGPT (taming/modules/transformer/mingpt.py): configuration and parameter list (state_dict keys of `GPT`, without the
 * `transformer.` prefix a Net2Net checkpoint adds).
 */
import type { Scope, Tensor } from '../graph/graph';
import { embedding } from '../nn/embedding';
import { linear } from '../nn/linear';
import { layerNorm } from '../nn/norm';
import { param } from '../nn/state';
import { transformerBlock } from '../nn/transformer-block';
import { affine, linear as linearParams, type ParamSpec } from './param-spec';

export interface GptConfig {
  vocabSize: number;
  blockSize: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
}

export function validateGptConfig(c: GptConfig): void {
  for (const k of ['vocabSize', 'blockSize', 'nLayer', 'nHead', 'nEmbd'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new Error(`Invalid GPT config: ${k}=${c[k]} must be a positive integer.`);
  }
  if (c.nEmbd % c.nHead !== 0) {
    throw new Error(`Invalid GPT config: n_embd=${c.nEmbd} is not divisible by n_head=${c.nHead}; check --n-head.`);
  }
}

/** Parameters in taming's order; `attn.mask` is listed as a buffer (regenerated, never loaded). */
export function gptParameters(c: GptConfig): ParamSpec[] {
  validateGptConfig(c);
  const d = c.nEmbd;
  const out: ParamSpec[] = [{ name: 'pos_emb', shape: [1, c.blockSize, d] }, { name: 'tok_emb.weight', shape: [c.vocabSize, d] }];
  for (let i = 0; i < c.nLayer; i++) {
    const p = `blocks.${i}`;
    out.push(...affine(`${p}.ln1`, d), ...affine(`${p}.ln2`, d),
      { name: `${p}.attn.mask`, shape: [1, 1, c.blockSize, c.blockSize], buffer: true },
      ...linearParams(`${p}.attn.key`, d, d), ...linearParams(`${p}.attn.query`, d, d), ...linearParams(`${p}.attn.value`, d, d),
      ...linearParams(`${p}.attn.proj`, d, d), ...linearParams(`${p}.mlp.0`, 4 * d, d), ...linearParams(`${p}.mlp.2`, d, 4 * d));
  }
  out.push(...affine('ln_f', d), ...linearParams('head', c.vocabSize, d, false));
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The model on the graph (minGPT style). Scopes are rooted at the GPT (`blocks.0.attn.key.weight`, …); a Net2Net
// checkpoint's `transformer.` prefix is stripped when its weights are loaded.
// KV cache layout (per layer, so the step program reads the cache in place): keys transposed [B, nh, hs, S],
// values [B, nh, S, hs], S = the cache capacity (block_size), positions ≥ the cache length masked out
// (nn/attention.ts, the one KV-cache attention).
// ---------------------------------------------------------------------------------------------------------------

/** Token + learned position embedding of tokens [B, T] int64 at positions offset … offset+T-1. */
function embed(root: Scope, tokens: Tensor, c: GptConfig, positions: Tensor | number = 0): Tensor {
  const [, t] = tokens.shape as [number, number];
  const tok = embedding(root.child('tok_emb'), tokens, c.vocabSize, c.nEmbd); // [B, T, d]
  const pos = param(root, 'pos_emb', [1, c.blockSize, c.nEmbd]); // [1, block, d]
  if (typeof positions === 'number') {
    if (positions + t > c.blockSize) throw new Error(`GPT: ${positions + t} positions exceed block_size ${c.blockSize}.`);
    return tok.add(pos.slice([positions], [positions + t], [1])); // [B, T, d]
  }
  return tok.add(pos.reshape([c.blockSize, c.nEmbd]).gather(positions, 0).reshape([1, t, c.nEmbd])); // [B, T, d]
}

/**
 * Hidden states after all blocks (before ln_f) of tokens [B, T] from position 0, with every layer's k and v.
 * With `at` (int64 [1]) the last block computes only that position: hidden [B, 1, d] (window logits).
 */
export function gptTrunk(root: Scope, tokens: Tensor, c: GptConfig, at?: Tensor): { hidden: Tensor; keys: Tensor[]; values: Tensor[] } {
  const t = tokens.shape[1]!;
  if (t > c.blockSize) throw new Error(`GPT: sequence of ${t} tokens exceeds block_size ${c.blockSize}.`);
  let x = embed(root, tokens, c); // [B, T, d] (embd dropout 0)
  const keys: Tensor[] = [];
  const values: Tensor[] = [];
  for (let i = 0; i < c.nLayer; i++) {
    const last = i === c.nLayer - 1;
    // minGPT pre-LN block, full causal attention
    const r = transformerBlock(root.child('blocks').child(i), x, c.nHead, { kind: 'full', at: last ? at : undefined });
    x = r.y; // [B, T, d] ([B, 1, d] after the last block with `at`)
    keys.push(r.k);
    values.push(r.v);
  }
  return { hidden: x, keys, values };
}

/** ln_f then the bias-free head: [..., d] → [..., V]. */
export function gptHead(root: Scope, hidden: Tensor, c: GptConfig): Tensor {
  return linear(root.child('head'), layerNorm(root.child('ln_f'), hidden, c.nEmbd), c.nEmbd, c.vocabSize, { bias: false }); // [..., V]
}

/** Full-sequence logits: tokens [B, T] int64 → [B, T, V] (the training forward and `debug logits`). */
export function gptLogits(root: Scope, tokens: Tensor, c: GptConfig): Tensor {
  return gptHead(root, gptTrunk(root, tokens, c).hidden, c); // [B, T, V]
}

/** Window logits: tokens [B, T], `at` [1] int64 → logits of position `at` only, [B, V] (sliding-window sampling). */
export function gptLogitsAt(root: Scope, tokens: Tensor, at: Tensor, c: GptConfig): Tensor {
  const { hidden } = gptTrunk(root, tokens, c, at); // [B, 1, d]
  const [b] = hidden.shape as [number];
  return gptHead(root, hidden, c).reshape([b, c.vocabSize]); // [B, V]
}

/**
 * Prefill: tokens [B, T] from position 0 → logits of the last position [B, V], keys per layer [B, nh, hs, T],
 * values per layer [B, nh, T, hs] (copied by the host into the cache).
 */
export function gptPrefill(root: Scope, tokens: Tensor, c: GptConfig): { logits: Tensor; keys: Tensor[]; values: Tensor[] } {
  const { hidden, keys, values } = gptTrunk(root, tokens, c); // [B, T, d]
  const [b, t] = hidden.shape as [number, number];
  const last = hidden.slice([t - 1], [t], [1]); // [B, 1, d]
  return {
    logits: gptHead(root, last, c).reshape([b, c.vocabSize]), // [B, V]
    keys: keys.map((k) => k.transpose([0, 1, 3, 2])), // [B, nh, hs, T]
    values, // [B, nh, T, hs]
  };
}

/**
 * Step: `count` new tokens [B, n] at positions `positions` [n] int64 (pos … pos+n−1), attending to the cache
 * (pastKeys[l] [B, nh, hs, S], pastValues[l] [B, nh, S, hs], `pastMask` [1, 1, 1, S] additive: 0 for held positions,
 * −1e9 beyond the cache length) and causally to each other. Returns the logits of the last new token [B, V] and the
 * new keys [B, nh, hs, n] / values [B, nh, n, hs] per layer.
 */
export function gptStep(root: Scope, tokens: Tensor, positions: Tensor, pastKeys: readonly Tensor[], pastValues: readonly Tensor[],
  pastMask: Tensor, c: GptConfig): { logits: Tensor; keys: Tensor[]; values: Tensor[] } {
  const [b, n] = tokens.shape as [number, number];
  let x = embed(root, tokens, c, positions); // [B, n, d]
  const keys: Tensor[] = [];
  const values: Tensor[] = [];
  for (let i = 0; i < c.nLayer; i++) {
    const cache = { keys: pastKeys[i]!, values: pastValues[i]!, mask: pastMask };
    const r = transformerBlock(root.child('blocks').child(i), x, c.nHead, { kind: 'cache', cache });
    x = r.y; // [B, n, d]
    keys.push(r.k); // [B, nh, hs, n]
    values.push(r.v); // [B, nh, n, hs]
  }
  const last = x.slice([n - 1], [n], [1]); // [B, 1, d]
  return { logits: gptHead(root, last, c).reshape([b, c.vocabSize]), keys, values };
}
