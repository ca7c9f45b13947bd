/**
 * Weight-only int8 quantisation of a transformer's linear layers, for the `gptWeights: 'int8'` option of GptModel.
 *
 * Each nn.Linear weight W [out, in] becomes `weight_q8` [out, in/32, 32] uint8 and `weight_scales` [out·in/32]
 * float32: per block of 32 inputs of one output row, scale = max|w| / 127 and q = round(w / scale) + 128
 * (symmetric, zero point 128: onnxruntime's MatMulNBits default for 8 bits). A token step then reads a quarter of
 * the fp32 weight bytes; the error is at most scale / 2 per weight. Biases, LayerNorms and the embedding tables
 * stay float32 (they are read one row per token). Activations stay float32 between layers; the CPU kernel
 * quantises each block of x to int8 for its dot products (accuracy level 4, nn/linear.ts).
 */
import { INT8_BLOCK } from '../nn/linear';
import type { NamedTensor, WeightMap } from './param-spec';

export interface Int8Linear {
  /** [out, in/32, 32], value + 128. */
  q: Uint8Array;
  /** [out · in/32]. */
  scales: Float32Array;
}

/** Blockwise symmetric int8 of W [out, in] (row-major, nn.Linear layout); `in` must be a multiple of 32. */
export function quantizeInt8(w: Float32Array, outFeatures: number, inFeatures: number): Int8Linear {
  if (inFeatures % INT8_BLOCK !== 0) throw new Error(`quantizeInt8: in_features ${inFeatures} is not a multiple of ${INT8_BLOCK}.`);
  if (w.length !== outFeatures * inFeatures) throw new Error(`quantizeInt8: ${w.length} values are not [${outFeatures}, ${inFeatures}].`);
  const q = new Uint8Array(w.length);
  const scales = new Float32Array(w.length / INT8_BLOCK);
  for (let b = 0; b < scales.length; b++) {
    const o = b * INT8_BLOCK;
    let max = 0;
    for (let i = 0; i < INT8_BLOCK; i++) max = Math.max(max, Math.abs(w[o + i]!));
    const scale = max / 127 || 1; // an all-zero block: any scale, q = 128
    scales[b] = scale;
    for (let i = 0; i < INT8_BLOCK; i++) q[o + i] = Math.max(-127, Math.min(127, Math.round(w[o + i]! / scale))) + 128;
  }
  return { q, scales };
}

/** The float32 weights an Int8Linear stands for (tests, error reports). */
export function dequantizeInt8(l: Int8Linear): Float32Array {
  const w = new Float32Array(l.q.length);
  for (let k = 0; k < w.length; k++) w[k] = (l.q[k]! - 128) * l.scales[Math.floor(k / INT8_BLOCK)]!;
  return w;
}

/** Rank-2 `*.weight` tensors of a GPT that nn/linear reads as int8 (every linear; not the embedding table). */
export function int8LinearNames(weights: WeightMap): string[] {
  return [...weights].filter(([n, t]) => n.endsWith('.weight') && n !== 'tok_emb.weight' && t.shape.length === 2 && t.shape[1]! % INT8_BLOCK === 0).map(([n]) => n);
}

/** `<layer>.weight_q8` and `<layer>.weight_scales` for every int8 linear of `weights`, by graph param name. */
export function int8Feeds(weights: WeightMap): Map<string, Uint8Array | Float32Array> {
  const out = new Map<string, Uint8Array | Float32Array>();
  for (const name of int8LinearNames(weights)) {
    const t = weights.get(name) as NamedTensor;
    const l = quantizeInt8(t.data, t.shape[0]!, t.shape[1]!);
    const layer = name.slice(0, -'.weight'.length);
    out.set(`${layer}.weight_q8`, l.q);
    out.set(`${layer}.weight_scales`, l.scales);
  }
  return out;
}
