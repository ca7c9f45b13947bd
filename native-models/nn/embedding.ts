// Embedding table (PyTorch nn.Embedding; key `weight` [num, dim]).
import type { Scope, Tensor } from '../graph/graph';
import { param } from './state';

/** Rows of the table W [num, dim] at integer `ids` [...]: [..., dim]. Its gradient scatter-adds into W. */
export function embedding(s: Scope, ids: Tensor, num: number, dim: number): Tensor {
  const w = param(s, 'weight', [num, dim]); // [num, dim]
  return w.gather(ids, 0); // [..., dim]
}
