// Global-norm gradient clipping (torch.nn.utils.clip_grad_norm_): all gradients are scaled by
// min(1, maxNorm / (‖g‖₂ + 1e-6)), where ‖g‖₂ is the norm of all of them concatenated.
import type { Tensor } from '../../graph/graph';

export interface ClipResult {
  grads: Tensor[];
  /** the global norm before clipping [] */
  norm: Tensor;
}

/** The global L2 norm of `grads` []. */
export function globalNorm(grads: readonly Tensor[]): Tensor {
  const first = grads[0];
  if (!first) throw new Error('globalNorm: no gradients given');
  return grads.map((g) => g.mul(g).sum()).reduce((a, b) => a.add(b)).sqrt(); // []
}

/** Scale `grads` so their global norm is at most `maxNorm`. */
export function clipGradNorm(grads: readonly Tensor[], maxNorm: number): ClipResult {
  if (!(maxNorm > 0)) throw new Error(`clipGradNorm: maxNorm must be > 0, got ${maxNorm}`);
  const norm = globalNorm(grads); // []
  const coef = norm.graph.scalar(maxNorm, norm.dtype).div(norm.add(1e-6)).minimum(1); // []
  return { grads: grads.map((g) => g.mul(coef)), norm };
}
