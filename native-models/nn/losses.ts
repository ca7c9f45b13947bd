// Losses as compositions of primitives: cross-entropy (ignore index, label smoothing), L1/MSE, and the
// GAN losses of taming's VQLPIPSWithDiscriminator (hinge and vanilla/non-saturating).
import type { Tensor } from '../graph/graph';
import { softplus } from './activations';

export interface CrossEntropyOptions {
  /** targets equal to this are skipped (and excluded from the mean); default -100 (PyTorch) */
  ignoreIndex?: number;
  /** ε of label smoothing: the target distribution is (1−ε)·onehot + ε/C; default 0 */
  labelSmoothing?: number;
}

/**
 * F.cross_entropy(logits.view(-1, C), targets.view(-1)) with mean reduction over the non-ignored targets.
 * logits [..., C] float, targets [...] int64 class ids (or ignoreIndex). All targets ignored gives NaN, as in PyTorch.
 */
export function crossEntropy(logits: Tensor, targets: Tensor, o: CrossEntropyOptions = {}): Tensor {
  const c = logits.shape[logits.rank - 1] as number;
  const lead = logits.shape.slice(0, -1);
  if (targets.shape.length !== lead.length || targets.shape.some((d, i) => d !== lead[i])) {
    throw new Error(`crossEntropy: targets [${targets.shape.join(', ')}] must have the shape of logits without the class axis [${lead.join(', ')}]`);
  }
  const eps = o.labelSmoothing ?? 0;
  const ignore = o.ignoreIndex ?? -100;
  const logp = logits.reshape([-1, c]).logSoftmax(-1); // [N, C]
  const t = targets.reshape([-1, 1]); // [N, 1]
  const keep = t.equal(t.graph.scalar(ignore, t.dtype)).not(); // [N, 1] bool
  const safe = keep.where(t, t.graph.scalar(0, t.dtype)); // [N, 1] ignored -> class 0
  let perToken = logp.gatherElements(safe, 1).neg(); // [N, 1] −log p(target)
  if (eps > 0) perToken = perToken.mul(1 - eps).add(logp.mean(1, true).neg().mul(eps)); // [N, 1]
  const weight = keep.cast(logits.dtype); // [N, 1]
  return perToken.mul(weight).sum().div(weight.sum()); // []
}

/** mean(|x − y|) */
export function l1Loss(x: Tensor, y: Tensor): Tensor {
  return x.sub(y).abs().mean(); // []
}

/** mean((x − y)²) */
export function mseLoss(x: Tensor, y: Tensor): Tensor {
  const d = x.sub(y); // [...]
  return d.mul(d).mean(); // []
}

/** Discriminator hinge loss: ½·(mean(relu(1 − D(real))) + mean(relu(1 + D(fake)))). */
export function hingeDLoss(logitsReal: Tensor, logitsFake: Tensor): Tensor {
  const real = logitsReal.neg().add(1).relu().mean(); // []
  const fake = logitsFake.add(1).relu().mean(); // []
  return real.add(fake).mul(0.5); // []
}

/** Discriminator non-saturating ("vanilla") loss: ½·(mean(softplus(−D(real))) + mean(softplus(D(fake)))). */
export function nonSaturatingDLoss(logitsReal: Tensor, logitsFake: Tensor): Tensor {
  return softplus(logitsReal.neg()).mean().add(softplus(logitsFake).mean()).mul(0.5); // []
}

/** Generator non-saturating loss: mean(softplus(−D(fake))) = −mean(log σ(D(fake))). */
export function nonSaturatingGLoss(logitsFake: Tensor): Tensor {
  return softplus(logitsFake.neg()).mean(); // []
}

/** Generator loss used with the hinge discriminator in taming: −mean(D(fake)). */
export function hingeGLoss(logitsFake: Tensor): Tensor {
  return logitsFake.mean().neg(); // []
}
