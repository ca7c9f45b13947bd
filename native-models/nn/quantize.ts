// The VQ bottleneck of taming's VectorQuantizer2 (key `embedding.weight` [n_e, e_dim]): nearest
// codebook entry, codebook + commitment loss, and the straight-through estimator.
import type { Scope, Tensor } from '../graph/graph';
import { param } from './state';

export interface VectorQuantizeOptions {
  /** number of codebook entries n_e */
  codes: number;
  /** default 0.25 */
  beta?: number;
  /**
   * true (default; what every taming VQModel runs): loss = mean((sg[z_q] − z)²) + β·mean((z_q − sg[z])²),
   * i.e. β weights the codebook term. false: β·mean((sg[z_q] − z)²) + mean((z_q − sg[z])²).
   */
  legacy?: boolean;
}

export interface VectorQuantizeResult {
  /** z + sg(z_q − z): the value of z_q with the gradient of z [B, C, H, W] */
  zq: Tensor;
  /** codebook + commitment loss [] */
  loss: Tensor;
  /** chosen codes in raster order (b, h, w) [B·H·W] int64 */
  indices: Tensor;
}

/** Quantize z [B, C, H, W] against the codebook under `s` (`s.child('embedding').weight`). */
export function vqStraightThrough(s: Scope, z: Tensor, o: VectorQuantizeOptions): VectorQuantizeResult {
  const [b, c, h, w] = z.shape as [number, number, number, number];
  const e = param(s.child('embedding'), 'weight', [o.codes, c], z.dtype); // [n_e, C]
  const zf = z.transpose([0, 2, 3, 1]).reshape([b * h * w, c]); // [BHW, C]
  const dist = zf.mul(zf).sum(1, true) // [BHW, 1]
    .add(e.mul(e).sum(1).reshape([1, o.codes])) // [BHW, n_e]
    .sub(zf.matmul(e.transpose([1, 0])).mul(2)); // [BHW, n_e]
  const indices = dist.stopGradient().argmin(1); // [BHW]
  const zq = e.gather(indices, 0) // [BHW, C]
    .reshape([b, h, w, c]) // [B, H, W, C]
    .transpose([0, 3, 1, 2]); // [B, C, H, W]
  const beta = o.beta ?? 0.25;
  const toCodes = zq.stopGradient().sub(z); // [B, C, H, W] moves z (commitment)
  const toInputs = zq.sub(z.stopGradient()); // [B, C, H, W] moves the codebook
  const a = toCodes.mul(toCodes).mean(); // []
  const bTerm = toInputs.mul(toInputs).mean(); // []
  const loss = (o.legacy ?? true) ? a.add(bTerm.mul(beta)) : a.mul(beta).add(bTerm); // []
  return { zq: z.add(zq.sub(z).stopGradient()), loss, indices };
}
