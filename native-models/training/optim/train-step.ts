// The train-step program: forward + loss + reverse-mode gradients + (clipping) + Adam(W) update, as one
// ONNX graph whose inputs are params + optimizer state + batch + step + lr and whose outputs are the losses,
// the new params and the new optimizer state. With gradient accumulation a second program from the
// same graph adds one micro-batch's gradients into accumulators; the step program then averages them.
//
// Value names (ONNX inputs/outputs):
//   <param>             a trainable param (its state_dict key)       -> new:<param>
//   opt.m:<param>       Adam first moment                             -> new:opt.m:<param>
//   opt.v:<param>       Adam second moment                            -> new:opt.v:<param>
//   acc:<param>         gradient sum of earlier micro-batches         -> new:acc:<param> (accumulate program)
//   <buffer>            a buffer with an update (BatchNorm running stats) -> new:<buffer>
//   opt.step, opt.lr    float32 scalars: the 1-based step number and the learning rate
//   loss, <metric>      scalar outputs; grad_norm when clipping is on
import type { Graph, Tensor } from '../../graph/graph';
import { grad } from '../../graph/autodiff';
import { isBuffer } from '../../nn/state';
import { adamScalars, adamUpdate } from './adam';
import type { AdamConfig } from './adam';
import { clipGradNorm } from './clip';

export const stateNames = {
  m: (param: string): string => `opt.m:${param}`,
  v: (param: string): string => `opt.v:${param}`,
  acc: (param: string): string => `acc:${param}`,
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
}

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
  const trainable = [...(o.trainable ?? dependsOn(loss, graph.params.filter((p) => !isBuffer(p))))];
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

  const grads = grad(loss, trainable); // one per trainable param, same shapes
  const scalars: Record<string, Tensor> = { [stateNames.loss]: loss, ...(o.metrics ?? {}) };
  for (const [name, t] of Object.entries(scalars)) {
    if (t.size !== 1) throw new Error(`buildTrainStep: metric "${name}" must be a scalar, got ${t}`);
  }
  const newBuffers = Object.fromEntries(Object.entries(o.bufferUpdates ?? {}).map(([n, t]) => [stateNames.next(n), t]));

  // accumulation: acc inputs (gradient sums of the earlier micro-batches of this step)
  const acc = k > 1 ? trainable.map((p) => graph.input(stateNames.acc(p.name), p.dtype, p.shape)) : [];
  const accumulateOutputs = k > 1
    ? { ...scalars, ...newBuffers, ...Object.fromEntries(trainable.map((p, i) => [stateNames.next(stateNames.acc(p.name)), (acc[i] as Tensor).add(grads[i] as Tensor)])) }
    : null;
  let g = k > 1 ? grads.map((gi, i) => (acc[i] as Tensor).add(gi).mul(1 / k)) : grads; // mean over micro-batches

  const stepOutputs: Record<string, Tensor> = { ...scalars, ...newBuffers };
  if (o.clipGradNorm !== undefined) {
    const c = clipGradNorm(g, o.clipGradNorm);
    g = c.grads;
    stepOutputs[stateNames.gradNorm] = c.norm;
  }
  const step = graph.input(stateNames.step, 'float32', []);
  const lr = graph.input(stateNames.lr, 'float32', []);
  const s = adamScalars(step, lr, o.optimizer);
  const moments: Tensor[] = [];
  trainable.forEach((p, i) => {
    const m = graph.input(stateNames.m(p.name), p.dtype, p.shape);
    const v = graph.input(stateNames.v(p.name), p.dtype, p.shape);
    moments.push(m, v);
    const u = adamUpdate(p, g[i] as Tensor, m, v, s, o.optimizer);
    stepOutputs[stateNames.next(p.name)] = u.param;
    stepOutputs[stateNames.next(m.name)] = u.m;
    stepOutputs[stateNames.next(v.name)] = u.v;
  });

  const special = new Set([...trainable, ...buffers, ...acc, ...moments, step, lr].map((t) => t.id));
  const batch = graph.inputs.filter((t) => !special.has(t.id));
  const frozen = graph.params.filter((p) => !special.has(p.id));
  return {
    graph, optimizer: o.optimizer, accumulationSteps: k, trainable, buffers, batch, frozen, stepOutputs, accumulateOutputs,
    scalarNames: Object.keys(scalars),
  };
}
