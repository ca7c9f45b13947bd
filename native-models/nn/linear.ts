// Linear layer (PyTorch nn.Linear; keys `weight` [out, in] and `bias` [out]).
import type { Scope, Tensor } from '../graph/graph';
import { param } from './state';

export interface LinearOptions {
  /** default true */
  bias?: boolean;
}

/**
 * y = x Wᵀ + b with W [out, in] (nn.Linear). Inputs of rank > 2 are flattened to one GEMM so that
 * the weight gradient is a single MatMul, not a batched one followed by a sum.
 */
export function linear(s: Scope, x: Tensor, inFeatures: number, outFeatures: number, o: LinearOptions = {}): Tensor {
  const w = param(s, 'weight', [outFeatures, inFeatures], x.dtype); // [out, in]
  const lead = x.shape.slice(0, -1); // [...]
  const x2 = x.rank > 2 ? x.reshape([-1, inFeatures]) : x; // [N, in]
  let y = x2.matmul(w.transpose([1, 0])); // [N, out]
  if (o.bias ?? true) y = y.add(param(s, 'bias', [outFeatures], x.dtype)); // [N, out]
  return x.rank > 2 ? y.reshape([...lead, outFeatures]) : y; // [..., out]
}

