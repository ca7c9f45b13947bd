// The train-step program: forward + loss + reverse-mode gradients + (clipping) + Adam(W) update, as one
// ONNX graph whose inputs are params + optimizer state + batch + step + lr and whose outputs are the losses,
// the new params and the new optimizer state. With gradient accumulation a second program from the
// same graph adds one micro-batch's gradients into accumulators; the step program then averages them.
//
// Two ways to run a step, chosen by the Trainer:
//  - host (every provider but device-resident WebGPU): the *gradient program* (`gradOutputs`: losses, metrics,
//    extra outputs, buffer updates and `grad:<param>`) runs in onnxruntime, and the Trainer applies gradient
//    averaging, clipping and Adam(W) in one fused JavaScript pass over the params (optim/adam-host.ts): on the
//    training bench's GPT (3.7 M params) ~19 ms against ~45-50 ms for the same update as ~13 onnxruntime passes.
//  - device-resident: the *step program* below does everything in the graph, so the state never leaves the GPU.
// In the step program the Adam update runs once over all trainable params flattened into one vector (Concat of the gradients and
// params, the elementwise update, Split back): ~13 nodes instead of ~13 per param. Measured on the training
// bench's VQGAN generator step (183 params, 1.1 M values): ~20 ms of ~145 ms in per-param updates, mostly
// per-node overhead. The moments are stored flat (`opt.m`, `opt.v`, in `momentLayout` order); the Trainer
// exposes each param's part as `opt.m:<param>` / `opt.v:<param>` (checkpoints keep those names).
//
// Value names (ONNX inputs/outputs):
//   <param>             a trainable param (its state_dict key)       -> new:<param>
//   opt.m, opt.v        Adam moments of all trainable params, flat    -> new:opt.m, new:opt.v
//   acc:<param>         gradient sum of earlier micro-batches         -> new:acc:<param> (accumulate program)
//   <buffer>            a buffer with an update (BatchNorm running stats) -> new:<buffer>
//   opt.step, opt.lr    float32 scalars: the 1-based step number and the learning rate
//   loss, <metric>      scalar outputs; grad_norm when clipping is on
//   <output>            extra non-scalar outputs (`outputs` option: e.g. the reconstruction a loss computed)
import { concat, type Graph, type Tensor } from '../../graph/graph';
import { grad } from '../../graph/autodiff';
import { isBuffer } from '../../nn/state';
import { adamScalars, weightDecayOf } from './adam';
import type { AdamConfig } from './adam';
import { clipGradNorm } from './clip';

export const stateNames = {
  m: (param: string): string => `opt.m:${param}`,
  v: (param: string): string => `opt.v:${param}`,
  /** the flat moment vectors of all trainable params */
  flatM: 'opt.m',
  flatV: 'opt.v',
  acc: (param: string): string => `acc:${param}`,
  grad: (param: string): string => `grad:${param}`,
  next: (name: string): string => `new:${name}`,
  step: 'opt.step',
  lr: 'opt.lr',
  loss: 'loss',
  gradNorm: 'grad_norm',
} as const;

export interface TrainStepOptions {
  optimizer: AdamConfig;
  /** params to train; default: every param the loss depends on that is not a buffer */
  trainable?: readonly Tensor[];
  /** clip the global gradient norm to this value (after averaging accumulated micro-batches) */
  clipGradNorm?: number;
  /** micro-batches per optimizer step (default 1: no accumulation program) */
  accumulationSteps?: number;
  /** extra scalar outputs by name (other loss terms, accuracy, …) */
  metrics?: Record<string, Tensor>;
  /** new values of buffers by buffer name, e.g. BatchNorm's running stats from `batchNorm().updates` */
  bufferUpdates?: Record<string, Tensor>;
  /**
   * The scalar to differentiate when it differs from the reported `loss`: a surrogate with the same gradients
   * but cheaper to differentiate (vqgan-loss.ts `objective`). Default: the loss.
   */
  objective?: Tensor;
  /** extra non-scalar outputs of both programs by name (values the forward computed anyway: x̂, code indices) */
  outputs?: Record<string, Tensor>;
}

/** Where each trainable param's moments lie in the flat `opt.m` / `opt.v` vectors. */
export interface MomentSlice { param: string; offset: number; size: number }

export interface TrainStepGraph {
  graph: Graph;
  optimizer: AdamConfig;
  accumulationSteps: number;
  trainable: Tensor[];
  /** buffers updated by the step (fed and returned like params, never touched by the optimizer) */
  buffers: Tensor[];
  /** graph inputs that are data: fed fresh every call (images, tokens, targets) */
  batch: Tensor[];
  /** params that are neither trained nor updated (frozen layers, buffers in eval mode): fed unchanged */
  frozen: Tensor[];
  /** outputs of the step program */
  stepOutputs: Record<string, Tensor>;
  /** outputs of the accumulate program (null without accumulation) */
  accumulateOutputs: Record<string, Tensor> | null;
  /** scalar outputs common to both programs: loss and metrics (and grad_norm in the step program) */
  scalarNames: string[];
  /** extra non-scalar outputs common to both programs */
  outputNames: string[];
  /** the flat moments' layout, in trainable order; total = sum of sizes */
  momentLayout: MomentSlice[];
  /** outputs of the gradient program: scalars, extra outputs, buffer updates and `grad:<param>` (one micro-batch's gradients) */
  gradOutputs: Record<string, Tensor>;
  /** the global-norm clipping threshold (null = no clipping) */
  clipGradNorm: number | null;
}

function dependsOn(loss: Tensor, candidates: readonly Tensor[]): Tensor[] {
  const seen = new Set<number>();
  const stack = [loss];
  while (stack.length) {
    const t = stack.pop() as Tensor;
    if (seen.has(t.id)) continue;
    seen.add(t.id);
    if (t.producer && t.producer.op !== 'StopGradient') stack.push(...t.producer.inputs);
  }
  return candidates.filter((c) => seen.has(c.id));
}

/** Builds the train-step (and, with accumulation, the accumulate) outputs on the model's graph. */
export function buildTrainStep(graph: Graph, loss: Tensor, o: TrainStepOptions): TrainStepGraph {
  if (loss.size !== 1) throw new Error(`buildTrainStep: the loss must be a scalar, got ${loss}`);
  const k = o.accumulationSteps ?? 1;
  if (!Number.isInteger(k) || k < 1) throw new Error(`buildTrainStep: accumulationSteps must be a positive integer, got ${k}`);
  const trainable = [...(o.trainable ?? dependsOn(o.objective ?? loss, graph.params.filter((p) => !isBuffer(p))))];
  if (trainable.length === 0) throw new Error('buildTrainStep: the loss depends on no trainable param');
  for (const p of trainable) {
    if (isBuffer(p)) throw new Error(`buildTrainStep: "${p.name}" is a buffer; buffers are never trained`);
    if (p.dtype !== 'float32') throw new Error(`buildTrainStep: param "${p.name}" is ${p.dtype}; training needs float32 params`);
  }
  const buffers = Object.keys(o.bufferUpdates ?? {}).map((name) => {
    const b = graph.get(name);
    if (!b || !isBuffer(b)) throw new Error(`buildTrainStep: bufferUpdates names "${name}", which is not a buffer of this graph`);
    return b;
  });

  const objective = o.objective ?? loss;
  if (objective.size !== 1) throw new Error(`buildTrainStep: the objective must be a scalar, got ${objective}`);
  const grads = grad(objective, trainable); // one per trainable param, same shapes
  const scalars: Record<string, Tensor> = { [stateNames.loss]: loss, ...(o.metrics ?? {}) };
  for (const [name, t] of Object.entries(scalars)) {
    if (t.size !== 1) throw new Error(`buildTrainStep: metric "${name}" must be a scalar, got ${t}`);
  }
  const extras = o.outputs ?? {};
  for (const name of Object.keys(extras)) {
    if (name in scalars || name.startsWith(stateNames.next('')) || name === stateNames.gradNorm) {
      throw new Error(`buildTrainStep: output name "${name}" clashes with a scalar or state output; pick another name`);
    }
  }
  const newBuffers = Object.fromEntries(Object.entries(o.bufferUpdates ?? {}).map(([n, t]) => [stateNames.next(n), t]));

  // accumulation: acc inputs (gradient sums of the earlier micro-batches of this step)
  const acc = k > 1 ? trainable.map((p) => graph.input(stateNames.acc(p.name), p.dtype, p.shape)) : [];
  const accumulateOutputs = k > 1
    ? { ...scalars, ...extras, ...newBuffers, ...Object.fromEntries(trainable.map((p, i) => [stateNames.next(stateNames.acc(p.name)), (acc[i] as Tensor).add(grads[i] as Tensor)])) }
    : null;
  const g = k > 1 ? grads.map((gi, i) => (acc[i] as Tensor).add(gi).mul(1 / k)) : grads; // mean over micro-batches

  // One flat Adam(W) update over every trainable param.
  const sizes = trainable.map((p) => p.size);
  const total = sizes.reduce((a, b) => a + b, 0);
  const momentLayout: MomentSlice[] = [];
  let offset = 0;
  trainable.forEach((p, i) => {
    momentLayout.push({ param: p.name, offset, size: sizes[i] as number });
    offset += sizes[i] as number;
  });
  let gFlat = concat(g.map((t) => t.reshape([t.size])), 0); // [N]
  const pFlat = concat(trainable.map((p) => p.reshape([p.size])), 0); // [N]
  const stepOutputs: Record<string, Tensor> = { ...scalars, ...extras, ...newBuffers };
  if (o.clipGradNorm !== undefined) {
    const c = clipGradNorm([gFlat], o.clipGradNorm); // the global norm of the flat vector = of all gradients
    gFlat = c.grads[0] as Tensor; // [N]
    stepOutputs[stateNames.gradNorm] = c.norm;
  }
  const step = graph.input(stateNames.step, 'float32', []);
  const lr = graph.input(stateNames.lr, 'float32', []);
  const m = graph.input(stateNames.flatM, 'float32', [total]); // [N]
  const v = graph.input(stateNames.flatV, 'float32', [total]); // [N]
  const u = adamFlat(pFlat, gFlat, m, v, adamScalars(step, lr, o.optimizer), o.optimizer, trainable, sizes);
  u.param.split(sizes, 0).forEach((t, i) => {
    const p = trainable[i] as Tensor;
    stepOutputs[stateNames.next(p.name)] = t.reshape(p.shape);
  });
  stepOutputs[stateNames.next(stateNames.flatM)] = u.m;
  stepOutputs[stateNames.next(stateNames.flatV)] = u.v;
  const moments = [m, v];

  const special = new Set([...trainable, ...buffers, ...acc, ...moments, step, lr].map((t) => t.id));
  const batch = graph.inputs.filter((t) => !special.has(t.id));
  const frozen = graph.params.filter((p) => !special.has(p.id));
  return {
    graph, optimizer: o.optimizer, accumulationSteps: k, trainable, buffers, batch, frozen, stepOutputs, accumulateOutputs,
    scalarNames: Object.keys(scalars), outputNames: Object.keys(extras), momentLayout,
    gradOutputs: { ...scalars, ...extras, ...newBuffers, ...Object.fromEntries(trainable.map((p, i) => [stateNames.grad(p.name), grads[i] as Tensor])) },
    clipGradNorm: o.clipGradNorm ?? null,
  };
}

/**
 * Adam(W) on flat vectors p, g, m, v [N] (PyTorch semantics, as adam.ts `adamUpdate` per param; the same float32
 * operations in the same order, so the values are identical). Weight decay per param becomes a per-element
 * vector when the params differ in it.
 */
function adamFlat(p: Tensor, g: Tensor, m: Tensor, v: Tensor, s: ReturnType<typeof adamScalars>, c: AdamConfig, params: readonly Tensor[], sizes: readonly number[]): { param: Tensor; m: Tensor; v: Tensor } {
  const b1 = c.beta1 ?? 0.9, b2 = c.beta2 ?? 0.999;
  const wds = params.map((t) => weightDecayOf(t, c));
  let decay: Tensor | number | null = null; // [N] or a scalar: the weight decay of each element
  if (wds.some((w) => w > 0)) {
    if (wds.every((w) => w === wds[0])) decay = wds[0] as number;
    else {
      const vec = new Float32Array(p.size);
      let at = 0;
      wds.forEach((w, i) => { vec.fill(w, at, at + (sizes[i] as number)); at += sizes[i] as number; });
      decay = p.graph.constant(vec, [p.size]);
    }
  }
  let grad = g; // [N]
  let param = p; // [N]
  if (decay !== null && c.kind === 'adam') grad = grad.add(typeof decay === 'number' ? p.mul(decay) : p.mul(decay)); // [N] L2 penalty
  if (decay !== null && c.kind === 'adamw') {
    // p·(1 − lr·wd): the scalar form as in adamUpdate; the vector form computes lr·(−wd) + 1 per element (exactly 1 where wd = 0)
    param = typeof decay === 'number' ? p.mul(s.lr.mul(-decay).add(1)) : p.mul(decay.neg().mul(s.lr).add(1)); // [N]
  }
  const m2 = m.mul(b1).add(grad.mul(1 - b1)); // [N]
  const v2 = v.mul(b2).add(grad.mul(grad).mul(1 - b2)); // [N]
  const denom = v2.sqrt().div(s.bc2Sqrt).add(c.eps ?? 1e-8); // [N]
  return { param: param.sub(m2.div(denom).mul(s.stepSize)), m: m2, v: v2 };
}
