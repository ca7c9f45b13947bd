// The TypeScript training loop around the train-step programs (optim/train-step.ts). Two modes:
//
// Host mode (every provider except device-resident WebGPU): onnxruntime runs the *gradient program* (losses,
// metrics, extra outputs, BatchNorm buffer updates and one micro-batch's gradients, written straight into one
// preallocated flat gradient array), then the Trainer averages accumulated micro-batches, clips and applies
// Adam(W) in one fused JavaScript pass (optim/adam-host.ts) that updates the params and the flat moments in
// place. Updated buffers live in two preallocated arrays ("front" = current, "back" receives the next; they
// swap). No per-step allocation or copy of model-sized arrays.
//
// Device-resident mode: when the step program runs on WebGPU with `keepOutputsOnDevice` (the one provider
// whose Node binding can hand outputs back as GPU buffers), the optimizer runs inside the step program and the
// state tensors are fed back to the next step as they come out, never downloaded; only the scalar outputs are
// read each step. `sync()` downloads the state into the host buffers (before get()/snapshot()).
import type { DType, TypedArray } from '../graph/dtype';
import { allocate, sizeOf } from '../graph/dtype';
import { compile } from '../runtime/program';
import type { CompileOptions, Feed, Program } from '../runtime/program';
import type { Tensor } from '../graph/graph';
import { weightDecayOf } from './optim/adam';
import { hostAdamStep, prepareGradient, type HostParam } from './optim/adam-host';
import { stateNames } from './optim/train-step';
import type { MomentSlice, TrainStepGraph } from './optim/train-step';

export interface TrainerState {
  /** optimizer steps taken so far */
  step: number;
  /** trainable params, updated buffers and frozen params by state_dict key */
  params: Record<string, Float32Array>;
  /** Adam moments by `opt.m:<param>` / `opt.v:<param>` */
  moments: Record<string, Float32Array>;
}

export interface StepResult {
  /** optimizer step count after this call */
  step: number;
  /** false for a micro-batch that was only accumulated */
  applied: boolean;
  /** loss, metrics (and grad_norm when clipping) of this (micro-)batch */
  scalars: Record<string, number>;
  /** wall time of the program run (and, in host mode, of the optimizer update), ms */
  ms: number;
  /** the extra outputs (`buildTrainStep`'s `outputs`) of this (micro-)batch: live buffers, overwritten by the next call */
  outputs: Record<string, TypedArray>;
}

interface Slot { front: TypedArray; back: TypedArray }

function summarise(ms: readonly number[]): { count: number; medianMs: number; meanMs: number } {
  if (ms.length === 0) return { count: 0, medianMs: 0, meanMs: 0 };
  const s = [...ms].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { count: s.length, medianMs: s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2, meanMs: s.reduce((a, b) => a + b, 0) / s.length };
}

export class Trainer {
  private readonly slots = new Map<string, Slot>();
  private readonly fixed = new Map<string, TypedArray>();
  private readonly scalarsOut = new Map<string, Float32Array>();
  private readonly extrasOut = new Map<string, TypedArray>();
  /** `opt.m:<param>` / `opt.v:<param>` → its part of the flat moment vector */
  private readonly momentViews = new Map<string, { flat: string; slice: MomentSlice }>();
  /** host mode: one micro-batch's gradients [N] (moment layout); the program writes each param's part in place */
  private readonly gradFlat: Float32Array | null = null;
  /** host mode with accumulation: the sum of the step's earlier micro-batches' gradients [N] */
  private readonly accFlat: Float32Array | null = null;
  /** host mode: the params the optimizer updates in place, with their offsets in the flat arrays */
  private readonly hostParams: HostParam[] = [];
  /** host mode: `grad:<param>` output → its part of gradFlat */
  private readonly gradViews = new Map<string, Float32Array>();
  private readonly stepScalar = new Float32Array(1);
  private readonly lrScalar = new Float32Array(1);
  private micro = 0;
  private steps: number;
  private readonly times: number[] = [];
  /** device mode: the current state tensors by name (GPU buffers after the first step); null in host mode */
  private readonly onDevice: Map<string, Feed> | null;
  /** device mode: the host buffers are older than the device state until sync() */
  private hostStale = false;

  /**
   * Host mode: `gradProgram` computes gradients, the optimizer runs in JavaScript. Device mode: `stepProgram`
   * (and `accumulateProgram`) run the whole step on the device.
   */
  private constructor(
    readonly spec: TrainStepGraph,
    private readonly stepProgram: Program | null,
    private readonly accumulateProgram: Program | null,
    private readonly gradProgram: Program | null,
    state: TrainerState,
    deviceResident: boolean,
  ) {
    this.steps = state.step;
    this.onDevice = deviceResident ? new Map() : null;
    const host = gradProgram !== null;
    // In host mode params and moments are updated in place (one buffer); program outputs need a second one.
    const slot = (name: string, dtype: DType, shape: readonly number[], init?: Float32Array, inPlace = false): void => {
      const n = sizeOf(shape);
      if (init && init.length !== n) throw new Error(`Trainer: "${name}" has ${init.length} values, the model needs [${shape.join(', ')}] = ${n}`);
      const front = allocate(dtype, n);
      if (init) front.set(init as never);
      this.slots.set(name, { front, back: inPlace ? front : allocate(dtype, n) });
    };
    const need = (t: Tensor): Float32Array => {
      const v = state.params[t.name];
      if (!v) throw new Error(`Trainer: no initial value for "${t.name}" (pass every trainable param, buffer and frozen param)`);
      return v;
    };
    const total = spec.momentLayout.reduce((a, l) => a + l.size, 0);
    slot(stateNames.flatM, 'float32', [total], undefined, host);
    slot(stateNames.flatV, 'float32', [total], undefined, host);
    for (const l of spec.momentLayout) {
      for (const [flat, name] of [[stateNames.flatM, stateNames.m(l.param)], [stateNames.flatV, stateNames.v(l.param)]] as const) {
        this.momentViews.set(name, { flat, slice: l });
        const init = state.moments[name];
        if (!init) continue; // missing moments start at zero
        if (init.length !== l.size) throw new Error(`Trainer: moment "${name}" has ${init.length} values, the param has ${l.size}`);
        (this.slot(flat).front as Float32Array).set(init, l.offset);
      }
    }
    for (const p of spec.trainable) {
      slot(p.name, p.dtype, p.shape, need(p), host);
      if (spec.accumulationSteps > 1 && !host) slot(stateNames.acc(p.name), p.dtype, p.shape);
    }
    if (host) {
      this.gradFlat = new Float32Array(total);
      this.accFlat = spec.accumulationSteps > 1 ? new Float32Array(total) : null;
      spec.trainable.forEach((p, i) => {
        const l = spec.momentLayout[i] as MomentSlice;
        this.hostParams.push({ data: this.slot(p.name).front as Float32Array, offset: l.offset, weightDecay: weightDecayOf(p, spec.optimizer) });
        this.gradViews.set(stateNames.grad(p.name), (this.gradFlat as Float32Array).subarray(l.offset, l.offset + l.size));
      });
    }
    for (const b of spec.buffers) slot(b.name, b.dtype, b.shape, need(b));
    for (const f of spec.frozen) {
      const v = need(f);
      if (v.length !== f.size) throw new Error(`Trainer: "${f.name}" has ${v.length} values, the model needs [${f.shape.join(', ')}] = ${f.size}`);
      this.fixed.set(f.name, v);
    }
    for (const name of spec.scalarNames.concat(stateNames.gradNorm)) this.scalarsOut.set(name, new Float32Array(1));
    for (const name of spec.outputNames) {
      const t = spec.stepOutputs[name] as Tensor;
      this.extrasOut.set(name, allocate(t.dtype, t.size));
    }
  }

  /**
   * Compiles the step (and accumulate) programs and sets up the buffers. `init` holds the starting
   * params (and, to resume, the step count and Adam moments; missing moments start at zero).
   */
  static async create(spec: TrainStepGraph, init: TrainerState | Record<string, Float32Array>, opts: CompileOptions = {}): Promise<Trainer> {
    const state: TrainerState = 'params' in init && 'moments' in init && typeof init.step === 'number'
      ? (init as TrainerState)
      : { step: 0, params: init as Record<string, Float32Array>, moments: {} };
    if (opts.keepOutputsOnDevice === true && (opts.provider === 'webgpu' || opts.provider === 'auto')) {
      const step = await compile(spec.graph, spec.stepOutputs, { ...opts, name: 'train-step' });
      const acc = spec.accumulateOutputs ? await compile(spec.graph, spec.accumulateOutputs, { ...opts, name: 'accumulate' }) : null;
      if (step.provider === 'webgpu' && (!acc || acc.provider === 'webgpu')) return new Trainer(spec, step, acc, null, state, true);
    }
    const grad = await compile(spec.graph, spec.gradOutputs, { ...opts, name: 'train-grad' });
    return new Trainer(spec, null, null, grad, state, false);
  }

  /** True when params and optimizer state stay on the device between steps (WebGPU + keepOutputsOnDevice). */
  get deviceResident(): boolean { return this.onDevice !== null; }

  /** Optimizer steps taken. */
  get step(): number { return this.steps; }

  /** The execution provider the step (or gradient) program runs on. */
  get provider(): string { return ((this.stepProgram ?? this.gradProgram) as Program).provider; }

  /**
   * Runs one micro-batch: with accumulation, the first k−1 calls of a step only add gradients; the
   * k-th applies the optimizer. `batch` feeds the data inputs by name; `lr` is this step's learning rate.
   */
  async trainStep(batch: Record<string, TypedArray>, lr: number): Promise<StepResult> {
    const apply = this.micro === this.spec.accumulationSteps - 1;
    if (this.gradProgram) return this.hostStep(this.gradProgram, batch, lr, apply);
    const program = apply ? (this.stepProgram as Program) : (this.accumulateProgram as Program);
    if (this.spec.accumulationSteps > 1 && this.micro === 0) {
      for (const p of this.spec.trainable) {
        const name = stateNames.acc(p.name);
        this.slot(name).front.fill(0 as never);
        this.replaceOnDevice(name, undefined);
      }
    }
    this.stepScalar[0] = this.steps + 1;
    this.lrScalar[0] = lr;
    const feeds: Record<string, Feed> = {};
    for (const io of program.inputs) {
      const name = io.name;
      if (name === stateNames.step) feeds[name] = this.stepScalar;
      else if (name === stateNames.lr) feeds[name] = this.lrScalar;
      else if (this.slots.has(name)) feeds[name] = this.onDevice?.get(name) ?? this.slot(name).front;
      else feeds[name] = this.fixedOrBatch(name, batch);
    }
    const t0 = performance.now();
    const scalars = this.onDevice ? await this.runOnDevice(program, feeds) : await this.runOnHost(program, feeds);
    return this.finishStep(scalars, t0, apply);
  }

  /** Host mode: gradient program, then accumulation or the JavaScript optimizer update. */
  private async hostStep(program: Program, batch: Record<string, TypedArray>, lr: number, apply: boolean): Promise<StepResult> {
    const feeds: Record<string, Feed> = {};
    for (const io of program.inputs) {
      const name = io.name;
      if (this.slots.has(name)) feeds[name] = this.slot(name).front;
      else feeds[name] = this.fixedOrBatch(name, batch);
    }
    const t0 = performance.now();
    const scalars = await this.runOnHost(program, feeds);
    const grad = this.gradFlat as Float32Array;
    const acc = this.accFlat;
    if (!apply) {
      if (this.micro === 0) (acc as Float32Array).set(grad);
      else for (let i = 0; i < grad.length; i++) (acc as Float32Array)[i]! += grad[i]!;
    } else {
      const { norm, coef } = prepareGradient({ grad, acc, k: this.spec.accumulationSteps, clip: this.spec.clipGradNorm });
      if (this.spec.clipGradNorm !== null) scalars[stateNames.gradNorm] = norm;
      hostAdamStep(this.hostParams, grad, coef, this.slot(stateNames.flatM).front as Float32Array, this.slot(stateNames.flatV).front as Float32Array, this.steps + 1, lr, this.spec.optimizer);
    }
    return this.finishStep(scalars, t0, apply);
  }

  /** A program input that is neither optimizer state nor a slot: a fixed tensor or this step's batch. */
  private fixedOrBatch(name: string, batch: Record<string, TypedArray>): TypedArray {
    const fixed = this.fixed.get(name);
    if (fixed) return fixed;
    const b = batch[name];
    if (b) return b;
    throw new Error(`Trainer.trainStep: missing batch input "${name}" (batch inputs: ${this.spec.batch.map((x) => x.name).join(', ')})`);
  }

  /** Times the step (last 1000 kept), advances the micro-batch and step counters. */
  private finishStep(scalars: Record<string, number>, t0: number, apply: boolean): StepResult {
    const ms = performance.now() - t0;
    this.times.push(ms);
    if (this.times.length > 1000) this.times.shift();
    this.micro = apply ? 0 : this.micro + 1;
    if (apply) this.steps++;
    return { step: this.steps, applied: apply, scalars, ms, outputs: Object.fromEntries(this.extrasOut) };
  }

  private async runOnHost(program: Program, feeds: Record<string, Feed>): Promise<Record<string, number>> {
    const pre: Record<string, TypedArray> = {};
    const swaps: Slot[] = [];
    for (const io of program.outputs) {
      const scalar = this.scalarsOut.get(io.name) ?? this.extrasOut.get(io.name);
      if (scalar) {
        pre[io.name] = scalar;
        continue;
      }
      const grad = this.gradViews.get(io.name);
      if (grad) {
        pre[io.name] = grad;
        continue;
      }
      const s = this.slot(io.name.slice(stateNames.next('').length));
      pre[io.name] = s.back;
      swaps.push(s);
    }
    await program.run(feeds, undefined, pre);
    for (const s of swaps) if (s.front !== s.back) [s.front, s.back] = [s.back, s.front];
    const scalars: Record<string, number> = {};
    for (const io of program.outputs) {
      const v = this.scalarsOut.get(io.name);
      if (v) scalars[io.name] = v[0] as number;
    }
    return scalars;
  }

  private async runOnDevice(program: Program, feeds: Record<string, Feed>): Promise<Record<string, number>> {
    const res = await program.runTensors(feeds);
    const scalars: Record<string, number> = {};
    for (const io of program.outputs) {
      const t = res[io.name];
      if (!t) throw new Error(`Trainer: the program returned no "${io.name}"`);
      if (this.scalarsOut.has(io.name)) scalars[io.name] = Number((await t.getData())[0]);
      else if (this.extrasOut.has(io.name)) this.extrasOut.get(io.name)!.set((await t.getData()) as never);
      else this.replaceOnDevice(io.name.slice(stateNames.next('').length), t);
    }
    this.hostStale = true;
    return scalars;
  }

  /** Device mode: make `value` the current state of `name` (undefined: the host buffer), freeing the old GPU buffer. */
  private replaceOnDevice(name: string, value: Feed | undefined): void {
    if (!this.onDevice) return;
    this.slot(name); // throws for an unknown state name
    const old = this.onDevice.get(name);
    if (value === undefined) this.onDevice.delete(name);
    else this.onDevice.set(name, value);
    if (old && old !== value && 'dispose' in old && old.location === 'gpu-buffer') old.dispose();
  }

  /**
   * Device mode: download the device state into the host buffers and release the device copies, so that
   * get()/snapshot() see it and host edits (e.g. resetting rows of a moment) are uploaded by the next step.
   * A no-op in host mode.
   */
  async sync(): Promise<void> {
    if (!this.onDevice) return;
    for (const [name, t] of [...this.onDevice]) {
      if ('getData' in t) this.slot(name).front.set((await t.getData()) as never);
      this.replaceOnDevice(name, undefined);
    }
    this.hostStale = false;
  }

  /**
   * Current value of a param, buffer or moment (`opt.m:<param>`: a view into the flat moments) — a live view:
   * writes go into the next step; copy it to keep it past the next step.
   */
  get(name: string): Float32Array {
    if (this.hostStale) throw new Error(`Trainer.get("${name}"): the state is on the device; await trainer.sync() first`);
    const view = this.momentViews.get(name);
    if (view) return (this.slot(view.flat).front as Float32Array).subarray(view.slice.offset, view.slice.offset + view.slice.size);
    const v = this.slots.get(name)?.front ?? this.fixed.get(name);
    if (!v) throw new Error(`Trainer.get: no param or state named "${name}"`);
    return v as Float32Array;
  }

  /** A copy of everything needed to resume (checkpoint), keyed like `create`'s TrainerState. */
  snapshot(): TrainerState {
    const params: Record<string, Float32Array> = {};
    const moments: Record<string, Float32Array> = {};
    for (const t of [...this.spec.trainable, ...this.spec.buffers]) params[t.name] = Float32Array.from(this.get(t.name));
    for (const [name, v] of this.fixed) params[name] = Float32Array.from(v as Float32Array);
    for (const p of this.spec.trainable) {
      for (const k of [stateNames.m(p.name), stateNames.v(p.name)]) moments[k] = Float32Array.from(this.get(k));
    }
    return { step: this.steps, params, moments };
  }

  /** Step-time statistics over the last (up to 1000) program runs. */
  timings(): { count: number; medianMs: number; meanMs: number } {
    return summarise(this.times);
  }

  private slot(name: string): Slot {
    const s = this.slots.get(name);
    if (!s) throw new Error(`Trainer: program output refers to unknown state "${name}"`);
    return s;
  }
}
