/**
 * The VQGAN's training objective (taming/modules/losses/vqperceptual.py, VQLPIPSWithDiscriminator), as two graphs:
 *
 * Generator step (autoencoder parameters):
 *   rec   = |x − x̂| (+ perceptual_weight · LPIPS(x, x̂) when a perceptual term is supplied; otherwise off)
 *   nll   = mean(rec)
 *   g     = −mean(D(x̂))                                   (hinge generator loss; D in training mode)
 *   λ     = clamp(‖∇_W nll‖ / (‖∇_W g‖ + 1e-4), 0, 1e4) · disc_weight, detached; W = decoder.conv_out.weight
 *   loss  = nll + λ · disc_factor · g + codebook_weight · q_loss
 *   objective = nll + λ · disc_factor · ⟨sg(∂g/∂x̂), x̂⟩ + codebook_weight · q_loss: the tensor the train step
 *   differentiates. Same gradients as `loss` with respect to the autoencoder (g depends on it only through x̂),
 *   but the discriminator's backward runs once (for ∂g/∂x̂, shared by λ and the update) instead of twice.
 *   disc_factor is a graph input (0 before disc_start, `disc_factor` after — `discFactorAt`), so one program
 *   serves both phases; with no discriminator configured the adversarial terms are left out entirely.
 *   The quantizer loss uses β on the intended term unless `legacy` (taming's VQModel default: legacy = true).
 * Discriminator step (D parameters), from x and the detached x̂ the generator step returned:
 *   d_loss = disc_factor · ½(mean relu(1 − D(x)) + mean relu(1 + D(x̂)))
 * Unlike the reference (issue #44: D is not trained at all before disc_start because the factor is 0), Tessera
 * trains D from the start of its phase: callers use `discFactorAt(step, discStart)` for both steps.
 */
import { grad } from '../graph/autodiff';
import { Graph, type Tensor } from '../graph/graph';
import { discriminatorForward, discriminatorLayers, type DiscriminatorConfig } from '../models/discriminator';
import { vqganTrainingForward, type VqganConfig } from '../models/vqgan';
import { hingeDLoss, hingeGLoss } from '../nn/losses';
import { buffer } from '../nn/state';

export interface VqganLossOptions {
  /** Multiplies λ (taming: 0.8 in most configs). */
  discWeight?: number;
  codebookWeight?: number;
  beta?: number;
  legacy?: boolean;
  /** Optional perceptual term per image, [B] or [] (e.g. LPIPS); weight 1 as in the reference. */
  perceptual?: (x: Tensor, xrec: Tensor) => Tensor;
  perceptualWeight?: number;
}

export interface GeneratorStepGraph {
  graph: Graph;
  /** [B, 3, S, S] in [-1, 1] */
  x: Tensor;
  /** [] float: 0 before disc_start */
  discFactor: Tensor;
  /** the reported loss (nll + λ·disc_factor·g + codebook_weight·q) */
  loss: Tensor;
  /** what to differentiate: equals `loss` without a discriminator; with one, a surrogate with `loss`'s gradients */
  objective: Tensor;
  nll: Tensor;
  qLoss: Tensor;
  /** present when a discriminator is configured */
  gLoss: Tensor | null;
  lambda: Tensor | null;
  /** [] batch mean of the perceptual term (unweighted), present when one is supplied */
  perceptual: Tensor | null;
  /** [B, 3, S, S] */
  xrec: Tensor;
  /** [B, h, w] int64 */
  indices: Tensor;
  /** [B, embed_dim, h, w] the quantizer's input (for dead-code restarts) */
  pre: Tensor;
  /** Autoencoder parameters (the ones this step trains). */
  aeParams: Tensor[];
  /** Discriminator parameters read (not trained) by this step. */
  discParams: Tensor[];
}

/** 0 before `discStart`, `factor` from it on (taming's adopt_weight). */
export function discFactorAt(step: number, discStart: number, factor = 1): number {
  return step < discStart ? 0 : factor;
}

function l2norm(t: Tensor): Tensor {
  return t.pow(2).sum().sqrt(); // []
}

export function buildVqganGeneratorStep(
  cfg: VqganConfig, disc: DiscriminatorConfig | null, batch: number, size: number, o: VqganLossOptions = {},
): GeneratorStepGraph {
  const g = new Graph();
  const x = g.input('x', 'float32', [batch, cfg.inChannels, size, size]); // [B, C, S, S]
  const discFactor = g.input('disc_factor', 'float32', []); // []
  const fwd = vqganTrainingForward(g.scope(), x, cfg, { beta: o.beta ?? 0.25, legacy: o.legacy ?? true });
  let rec = x.sub(fwd.xrec).abs(); // [B, C, S, S]
  let perceptual: Tensor | null = null;
  if (o.perceptual) {
    const p = o.perceptual(x, fwd.xrec); // [B] or []
    perceptual = p.rank === 0 ? p : p.mean(); // []
    const pb = p.rank === 0 ? p : p.reshape([batch, 1, 1, 1]);
    rec = rec.add(pb.mul(o.perceptualWeight ?? 1)); // broadcast over pixels, as in the reference
  }
  const nll = rec.mean(); // []
  const aeParams = [...g.params];
  const codebookWeight = o.codebookWeight ?? 1;
  let loss = nll.add(fwd.qLoss.mul(codebookWeight)); // []
  let objective = loss; // []
  let gLoss: Tensor | null = null;
  let lambda: Tensor | null = null;
  if (disc) {
    const last = aeParams.find((p) => p.name === 'decoder.conv_out.weight');
    if (!last) throw new Error('buildVqganGeneratorStep: decoder.conv_out.weight not found; the adaptive weight needs it.');
    const d = discriminatorForward(g.scope('loss.discriminator'), fwd.xrec, disc, { training: true });
    gLoss = hingeGLoss(d.logits); // []
    const [gx] = grad(gLoss, [fwd.xrec]); // [B, C, S, S] ∂g/∂x̂: the one backward through the discriminator
    const gSurrogate = gx!.stopGradient().mul(fwd.xrec).sum(); // [] ⟨sg(∂g/∂x̂), x̂⟩: g's gradients w.r.t. the autoencoder
    const [gn] = grad(nll, [last]);
    const [gg] = grad(gSurrogate, [last]);
    lambda = l2norm(gn!).div(l2norm(gg!).add(1e-4)).maximum(0).minimum(1e4).mul(o.discWeight ?? 0.8).stopGradient(); // []
    const weight = lambda.mul(discFactor); // []
    loss = loss.add(weight.mul(gLoss)); // []
    objective = objective.add(weight.mul(gSurrogate)); // []
  }
  const aeSet = new Set(aeParams);
  return {
    graph: g, x, discFactor, loss, objective, nll, qLoss: fwd.qLoss, gLoss, lambda, perceptual, xrec: fwd.xrec, indices: fwd.indices, pre: fwd.pre,
    aeParams, discParams: g.params.filter((p) => !aeSet.has(p)),
  };
}

export interface DiscriminatorStepGraph {
  graph: Graph;
  x: Tensor;
  xrec: Tensor;
  discFactor: Tensor;
  dLoss: Tensor;
  /** mean logits, for logging */
  logitsReal: Tensor;
  logitsFake: Tensor;
  /** BatchNorm batch statistics of the real pass then the fake pass (for the running-stat update). */
  batchStats: { name: string; mean: Tensor; variance: Tensor }[];
  /**
   * New BatchNorm running statistics by buffer name (`…running_mean`, `…running_var`), for buildTrainStep's
   * `bufferUpdates`: PyTorch's update (momentum 0.1, unbiased variance) applied for the real pass, then the fake
   * pass, as the reference's two discriminator calls do. num_batches_tracked (+2 per step) is kept by the host.
   */
  bufferUpdates: Record<string, Tensor>;
  params: Tensor[];
}

export function buildVqganDiscriminatorStep(disc: DiscriminatorConfig, batch: number, size: number): DiscriminatorStepGraph {
  const g = new Graph();
  const x = g.input('x', 'float32', [batch, disc.inChannels, size, size]); // [B, C, S, S]
  const xrec = g.input('xrec', 'float32', [batch, disc.inChannels, size, size]); // [B, C, S, S]
  const discFactor = g.input('disc_factor', 'float32', []); // []
  const s = g.scope('loss.discriminator');
  const real = discriminatorForward(s, x, disc, { training: true });
  const fake = discriminatorForward(s, xrec, disc, { training: true });
  const dLoss = hingeDLoss(real.logits, fake.logits).mul(discFactor); // []
  const params = [...g.params];
  const bufferUpdates: Record<string, Tensor> = {};
  if (disc.norm === 'batchnorm') {
    // Elements per channel at each BatchNorm: B · h · w of the conv before it (k4, p1).
    const count = new Map<number, number>();
    let hw = size;
    for (const l of discriminatorLayers(disc)) {
      hw = Math.floor((hw + 2 - 4) / l.stride) + 1;
      if (l.norm !== null) count.set(l.norm, batch * hw * hw);
    }
    for (let i = 0; i < real.batchStats.length; i++) {
      const r = real.batchStats[i]!;
      const f = fake.batchStats[i]!;
      const idx = Number(r.name.split('.').pop());
      const n = count.get(idx)!;
      const bs = g.scope(r.name);
      const c = r.mean.shape[0]!;
      const rm = buffer(bs, 'running_mean', [c]); // [C]
      const rv = buffer(bs, 'running_var', [c]); // [C]
      const unbiased = n / Math.max(1, n - 1);
      const m1 = rm.mul(0.9).add(r.mean.mul(0.1)); // [C]
      const v1 = rv.mul(0.9).add(r.variance.mul(0.1 * unbiased)); // [C]
      bufferUpdates[rm.name] = m1.mul(0.9).add(f.mean.mul(0.1)).stopGradient(); // [C]
      bufferUpdates[rv.name] = v1.mul(0.9).add(f.variance.mul(0.1 * unbiased)).stopGradient(); // [C]
    }
  }
  return {
    graph: g, x, xrec, discFactor, dLoss, logitsReal: real.logits.mean(), logitsFake: fake.logits.mean(),
    batchStats: [...real.batchStats, ...fake.batchStats], bufferUpdates, params,
  };
}
