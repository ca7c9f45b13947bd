// Adam and AdamW as graph builders: the update of one parameter is a few elementwise nodes inside the
// train-step program (PyTorch torch.optim.Adam / AdamW semantics, bias-corrected, eps outside the sqrt).
import type { Tensor } from '../../graph/graph';

export interface AdamConfig {
  /** 'adam': L2 penalty added to the gradient; 'adamw': decoupled decay p ← p·(1 − lr·wd) (Loshchilov & Hutter) */
  kind: 'adam' | 'adamw';
  /** default 0.9 */
  beta1?: number;
  /** default 0.999 (minGPT / taming use 0.95 for the transformer) */
  beta2?: number;
  /** default 1e-8 */
  eps?: number;
  /** default 0 for adam, 0.01 for adamw (PyTorch defaults); applied only to weights of rank ≥ 2 (nanoGPT's rule) */
  weightDecay?: number;
  /** which parameters decay, by name; default `decays` (rank ≥ 2). taming's GPT decays Linear weights only. */
  decay?: (paramName: string) => boolean;
}

/** Per-program scalars shared by every parameter's update. */
export interface AdamScalars {
  /** learning rate [] */
  lr: Tensor;
  /** lr / (1 − β1^t) [] */
  stepSize: Tensor;
  /** √(1 − β2^t) [] */
  bc2Sqrt: Tensor;
}

/** Bias-correction scalars from the 1-based step t [] and the learning rate [] (both float32 inputs). */
export function adamScalars(step: Tensor, lr: Tensor, c: AdamConfig): AdamScalars {
  const g = step.graph;
  const bc1 = g.scalar(1).sub(g.scalar(c.beta1 ?? 0.9).pow(step)); // []
  const bc2 = g.scalar(1).sub(g.scalar(c.beta2 ?? 0.999).pow(step)); // []
  return { lr, stepSize: lr.div(bc1), bc2Sqrt: bc2.sqrt() };
}

/** Whether `param` receives weight decay: rank ≥ 2 (matmul / conv weights, embeddings), never biases or norms. */
export function decays(param: Tensor): boolean {
  return param.rank >= 2;
}

/** The weight decay `param` receives under `c` (0 when it does not decay). */
export function weightDecayOf(param: Tensor, c: AdamConfig): number {
  return (c.decay ? c.decay(param.name) : decays(param)) ? (c.weightDecay ?? (c.kind === 'adamw' ? 0.01 : 0)) : 0;
}

export interface AdamResult { param: Tensor; m: Tensor; v: Tensor }

/** One Adam(W) update of `param` with gradient `grad` and moments `m`, `v` (all of the param's shape). */
export function adamUpdate(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, s: AdamScalars, c: AdamConfig): AdamResult {
  const b1 = c.beta1 ?? 0.9, b2 = c.beta2 ?? 0.999;
  const wd = weightDecayOf(param, c);
  let g = grad; // [...p]
  let p = param; // [...p]
  if (wd > 0 && c.kind === 'adam') g = g.add(p.mul(wd)); // [...p] L2 penalty
  if (wd > 0 && c.kind === 'adamw') p = p.mul(s.lr.mul(-wd).add(1)); // [...p] decoupled decay
  const m2 = m.mul(b1).add(g.mul(1 - b1)); // [...p]
  const v2 = v.mul(b2).add(g.mul(g).mul(1 - b2)); // [...p]
  const denom = v2.sqrt().div(s.bc2Sqrt).add(c.eps ?? 1e-8); // [...p]
  return { param: p.sub(m2.div(denom).mul(s.stepSize)), m: m2, v: v2 };
}
