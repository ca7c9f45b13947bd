// Linear layer (PyTorch nn.Linear; keys `weight` [out, in] and `bias` [out]).
import type { Scope, Tensor } from '../graph/graph';
import { param } from './state';

/** Block length along `in` of int8 linear weights (one float32 scale per block of one output row). */
export const INT8_BLOCK = 32;

export interface LinearOptions {
  /** default true */
  bias?: boolean;
}

/**
 * y = x Wᵀ + b with W [out, in] (nn.Linear). Inputs of rank > 2 are flattened to one GEMM so that
 * the weight gradient is a single MatMul, not a batched one followed by a sum.
 */
export function linear(s: Scope, x: Tensor, inFeatures: number, outFeatures: number, o: LinearOptions = {}): Tensor {
  const w = int8Weights(s, inFeatures) ? null : param(s, 'weight', [outFeatures, inFeatures], x.dtype); // [out, in]
  const lead = x.shape.slice(0, -1); // [...]
  const x2 = x.rank > 2 ? x.reshape([-1, inFeatures]) : x; // [N, in]
  let y = w ? x2.matmul(w.transpose([1, 0])) : int8MatMul(s, x2, inFeatures, outFeatures); // [N, out]
  if (o.bias ?? true) y = y.add(param(s, 'bias', [outFeatures], x.dtype)); // [N, out]
  return x.rank > 2 ? y.reshape([...lead, outFeatures]) : y; // [..., out]
}

/** Whether this linear reads int8 weights: the graph asks for them and `in` is a whole number of blocks. */
export function int8Weights(s: Scope, inFeatures: number): boolean {
  return s.graph.linearWeights === 'int8' && inFeatures % INT8_BLOCK === 0;
}

/** x [N, in] · Wᵀ with W stored as `weight_q8` [out, in/32, 32] uint8 + `weight_scales` [out·in/32] → [N, out]. */
function int8MatMul(s: Scope, x: Tensor, inFeatures: number, outFeatures: number): Tensor {
  const blocks = inFeatures / INT8_BLOCK;
  const q = param(s, 'weight_q8', [outFeatures, blocks, INT8_BLOCK], 'uint8'); // [out, in/32, 32]
  const scales = param(s, 'weight_scales', [outFeatures * blocks]); // [out·in/32]
  return x.graph.apply('MatMulNBits', [x, q, scales], { k: inFeatures, n: outFeatures, bits: 8, blockSize: INT8_BLOCK, accuracyLevel: 4 })[0]!; // [N, out]
}
