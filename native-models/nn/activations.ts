// Pointwise activations as compositions of primitives (softmax and logSoftmax are primitives: use
// `x.softmax(axis)` / `x.logSoftmax(axis)`).
import type { Tensor } from '../graph/graph';

/** SiLU / swish: x·σ(x) (taming's `nonlinearity`). */
export function silu(x: Tensor): Tensor {
  return x.mul(x.sigmoid()); // [...]
}

/** Exact GELU: ½·x·(1 + erf(x/√2)) (PyTorch nn.GELU() default, used by minGPT's MLP). */
export function gelu(x: Tensor): Tensor {
  return x.mul(x.mul(Math.SQRT1_2).erf().add(1)).mul(0.5); // [...]
}

/**
 * softplus(x) = log(1 + eˣ), computed stably as max(x, 0) + log(1 + e^(−|x|)). At x = 0 the Max tie
 * splits its gradient, giving σ(0) = ½ like PyTorch.
 */
export function softplus(x: Tensor): Tensor {
  return x.maximum(0).add(x.abs().neg().exp().add(1).log()); // [...]
}
