/**
 * VQGAN fine-tuning loop (issue 6, taming/modules/losses/vqperceptual.py): autoencoder and PatchGAN discriminator trained by two
 * engine Trainers with Adam β = (0.5, 0.9) at the same LR, inside a Run folder, with atomic checkpoints,
 * cancel and exact resume, held-out reconstruction loss, codebook usage and optional dead-code restarts,
 * and preview samples.
 *
 * Phases (the reference's pitfall of issue #44 fixed):
 *  - before `discStart − discWarmup`: autoencoder only (L1 [+ perceptual] + codebook loss); the discriminator is
 *    not run at all (the reference runs it with a zero factor, which costs compute and trains nothing);
 *  - from `discStart − discWarmup`: the discriminator trains every step (hinge loss on x and the current x̂);
 *  - from `discStart`: the generator adds λ·disc_factor·g (adaptive λ from decoder.conv_out.weight gradients).
 *  Each phase change compiles the next program and carries params and Adam moments over (Trainer snapshot).
 * Order within a step: generator update, then the discriminator update on x and the x̂ the generator step computed
 * (its program also outputs x̂, the code indices and the quantizer input, so no second autoencoder pass runs: ~14 %
 * of an adversarial iteration on the training bench). That x̂ comes from the autoencoder before this step's update,
 * as in the PyTorch reference loop of bench/reference/training_bench.py (taming's Lightning loop re-runs the
 * updated autoencoder for the discriminator; one step of Adam at these learning rates moves x̂ very little). The
 * generator program reads the discriminator's current weights (copied after each discriminator step).
 * Perceptual loss: off unless a `perceptual` term is supplied (logged).
 */
import sharp from 'sharp';
import { Graph, type Tensor } from '../graph/graph';
import { discriminatorParameters, type DiscriminatorConfig } from '../models/discriminator';
import { vqganDecode, vqganEncode, vqganFactor, vqganParameters, type VqganConfig } from '../models/vqgan';
import type { CompileOptions, Program } from '../runtime/program';
import { compile } from '../runtime/program';
import { saveCheckpoint, type CheckpointTensor } from './checkpoint';
import { channelsLast, CodebookUsage, restartDeadCodes, zeroRows, type UsageReport } from './codebook';
import type { ImageSet } from './data/dataset';
import { DataOrder } from './data/order';
import { initParams } from './init';
import { buildTrainStep, stateNames, type TrainStepGraph } from './optim/train-step';
import { formatProgress, ProgressMeter, type TrainHooks } from './progress';
import { TrainRng } from './rng';
import type { Run } from './run';
import { warmupCosine, type TrainLoopOptions } from './schedule';
import { Trainer } from './trainer';
import { buildVqganDiscriminatorStep, buildVqganGeneratorStep, type VqganLossOptions } from './vqgan-loss';

/** Training images as NCHW batches in [-1, 1]. */
export interface ImageSource {
  readonly size: number;
  readonly trainSize: number;
  readonly heldOutSize: number;
  /** [B, 3, S, S] for the given items; `augment` = random crop + flip from `rng`. */
  images(split: 'train' | 'heldOut', indices: readonly number[], rng: TrainRng, augment: boolean): Promise<Float32Array>;
}

/** An ImageSet as an ImageSource. */
export function imageSetSource(set: ImageSet): ImageSource {
  return {
    size: set.size,
    trainSize: set.train.length,
    heldOutSize: set.heldOut.length,
    images: async (split, indices, rng, augment) => (await set.batch(split, indices, rng, augment)).images,
  };
}

/** trainVqgan's options; its previews (`sampleEvery`) are input | reconstruction of a fixed held-out (or train) batch. */
export interface VqganTrainOptions extends TrainLoopOptions {
  vqgan: VqganConfig;
  /** null = no adversarial training. ActNorm discriminators are not supported (BatchNorm, as in taming). */
  disc: DiscriminatorConfig | null;
  /** Starting weights by VQModel state_dict key; discriminator weights (`loss.discriminator.*`) optional. */
  init: Record<string, Float32Array>;
  discStart: number;
  /** Discriminator steps before the generator uses it (default 0). */
  discWarmup?: number;
  discWeight?: number;
  discFactor?: number;
  codebookWeight?: number;
  beta?: number;
  legacy?: boolean;
  /** Per-image perceptual term, e.g. `lpipsTerm(weights)` (models/lpips.ts); logged as metric `p` (unweighted). */
  perceptual?: VqganLossOptions['perceptual'];
  /** Weight of the perceptual term in the reconstruction loss (taming's perceptual_weight, default 1). */
  perceptualWeight?: number;
  /** Says where the perceptual term comes from in the run log (e.g. the LPIPS files). */
  perceptualNote?: string;
  /** Count code usage every N steps (default 10) over a window of 50 counts. */
  usageEvery?: number;
  restartDeadCodes?: boolean;
  /**
   * Train the decoder alone (`decoder.*`, `post_quant_conv.*`); encoder, quant_conv and codebook stay frozen, so
   * every image keeps its codes and a transformer trained on them stays valid (the way Stable Diffusion's
   * ft-MSE autoencoder fine-tuned its decoder only). Dead-code restarts are off (the codebook is frozen).
   */
  decoderOnly?: boolean;
  compile?: CompileOptions;
}

/** The autoencoder parameters `decoderOnly` trains: the decoder and the 1×1 convolution in front of it. */
export function isDecoderParam(name: string): boolean {
  return name.startsWith('decoder.') || name.startsWith('post_quant_conv.');
}

/** Hooks of trainVqgan (onSample: the preview of a step, inputs over reconstructions). */
export type VqganTrainHooks = TrainHooks;

export interface VqganTrainResult {
  step: number;
  stopped: boolean;
  /** Held-out mean L1 reconstruction loss (images in [-1, 1]) at the start and the end. */
  heldOutBefore: number | null;
  heldOutAfter: number | null;
  usage: UsageReport | null;
  /** Autoencoder and discriminator weights (`loss.discriminator.*`). */
  params: Record<string, Float32Array>;
}

const DISC = 'loss.discriminator.';

function f32(t: CheckpointTensor, name: string): Float32Array {
  if (!(t.data instanceof Float32Array)) throw new Error(`checkpoint tensor ${name} is ${t.dtype}; the trainer needs float32.`);
  return t.data;
}

export async function trainVqgan(run: Run, source: ImageSource, o: VqganTrainOptions, hooks: VqganTrainHooks = {}): Promise<VqganTrainResult> {
  const B = o.batchSize;
  const S = source.size;
  const k = o.accumulate ?? 1;
  const c = o.vqgan;
  if (o.disc && o.disc.norm !== 'batchnorm') throw new Error('trainVqgan: only BatchNorm discriminators are supported (ActNorm needs a data-dependent initialisation).');
  if (S % vqganFactor(c) !== 0) throw new Error(`trainVqgan: crop size ${S} must be a multiple of the VQGAN factor ${vqganFactor(c)}.`);
  const disc = o.disc;
  const discWarmup = Math.min(o.discWarmup ?? 0, o.discStart);
  const optimizer = { kind: 'adam' as const, beta1: 0.5, beta2: 0.9, weightDecay: 0 };
  const lossOpts: VqganLossOptions = {
    discWeight: o.discWeight ?? 0.8, codebookWeight: o.codebookWeight ?? 1, beta: o.beta ?? 0.25, legacy: o.legacy ?? true,
    ...(o.perceptual ? { perceptual: o.perceptual, perceptualWeight: o.perceptualWeight ?? 1 } : {}),
  };
  const copts = { intraOpThreads: 1, ...o.compile };

  // Shapes of everything a checkpoint holds.
  const shapes = new Map<string, readonly number[]>();
  for (const p of vqganParameters(c)) shapes.set(p.name, p.shape);
  const discSpecs = disc ? discriminatorParameters(disc) : [];
  for (const p of discSpecs) if (p.dtype !== 'int64') shapes.set(DISC + p.name, p.shape);

  // Values: resume > init > seeded initialisation (discriminator only).
  const r = hooks.resume;
  const values: Record<string, Float32Array> = {};
  const moments: Record<string, Float32Array> = {};
  if (r) {
    for (const [n, t] of Object.entries(r.params)) values[n] = Float32Array.from(f32(t, n));
    for (const [n, t] of Object.entries(r.optimizer.tensors)) moments[n] = Float32Array.from(f32(t, n));
  } else {
    for (const p of vqganParameters(c)) {
      const v = o.init[p.name];
      if (!v) throw new Error(`trainVqgan: the starting weights lack "${p.name}".`);
      values[p.name] = Float32Array.from(v);
    }
    if (disc) {
      const fresh = initParams('discriminator', discSpecs, new TrainRng(o.seed ^ 0x5eed));
      for (const [n, v] of Object.entries(fresh)) values[DISC + n] = Float32Array.from(o.init[DISC + n] ?? v);
    }
  }
  const extra = r?.extra ?? {};
  let dStep = typeof extra.dStep === 'number' ? extra.dStep : 0;
  let numBatchesTracked = typeof extra.numBatchesTracked === 'number' ? extra.numBatchesTracked : 0;
  let step = r?.step ?? 0;

  const rng = r ? TrainRng.fromState(r.rng) : new TrainRng(o.seed);
  const order = r ? DataOrder.fromState(r.data, source.trainSize) : DataOrder.create(source.trainSize, o.seed);
  const schedule = warmupCosine({ lr: o.lr, warmupSteps: Math.min(o.warmupSteps ?? 0, o.steps), totalSteps: o.steps, minLr: o.minLr ?? o.lr });

  // Generator trainer for the current phase.
  const adversarial = (s: number): boolean => disc !== null && s >= o.discStart;
  const discActive = (s: number): boolean => disc !== null && s >= o.discStart - discWarmup;
  const buildG = (withDisc: boolean): TrainStepGraph => {
    const st = buildVqganGeneratorStep(c, withDisc ? disc : null, B, S, lossOpts);
    const metrics: Record<string, Tensor> = { nll: st.nll, q: st.qLoss };
    if (st.gLoss && st.lambda) Object.assign(metrics, { g: st.gLoss, lambda: st.lambda });
    if (st.perceptual) metrics.p = st.perceptual;
    const trainable = o.decoderOnly ? st.aeParams.filter((p) => isDecoderParam(p.name)) : st.aeParams;
    return buildTrainStep(st.graph, st.loss, {
      optimizer, trainable, accumulationSteps: k, metrics, objective: st.objective, outputs: { xrec: st.xrec, indices: st.indices, pre: st.pre },
    });
  };
  const makeG = async (withDisc: boolean): Promise<{ trainer: Trainer; withDisc: boolean }> => {
    const spec = buildG(withDisc);
    const names = new Set([...spec.trainable, ...spec.frozen].map((t) => t.name));
    const params = Object.fromEntries(Object.entries(values).filter(([n]) => names.has(n)));
    const ms = Object.fromEntries(Object.entries(moments).filter(([n]) => !n.slice(6).startsWith(DISC)));
    return { trainer: await Trainer.create(spec, { step, params, moments: ms }, copts), withDisc };
  };
  let G = await makeG(adversarial(step));

  // Discriminator trainer (created when its phase starts).
  let D: Trainer | null = null;
  const makeD = async (): Promise<Trainer> => {
    const st = buildVqganDiscriminatorStep(disc!, B, S);
    const spec = buildTrainStep(st.graph, st.dLoss, {
      optimizer, trainable: st.params, accumulationSteps: k, bufferUpdates: st.bufferUpdates,
      metrics: { logitsReal: st.logitsReal, logitsFake: st.logitsFake },
    });
    const names = new Set([...spec.trainable, ...spec.buffers, ...spec.frozen].map((t) => t.name));
    const params = Object.fromEntries(Object.entries(values).filter(([n]) => names.has(n)));
    const ms = Object.fromEntries(Object.entries(moments).filter(([n]) => n.slice(6).startsWith(DISC)));
    return Trainer.create(spec, { step: dStep, params, moments: ms }, copts);
  };
  if (discActive(step)) D = await makeD();

  // Reconstruction program: x -> pre, indices, x̂ = decode(indices) (the straight-through value), for previews;
  // and its batch-1 twin for held-out loss. (Training steps take x̂, indices and pre from the generator step.)
  const reconProgram = async (batch: number): Promise<Program> => {
    const g = new Graph();
    const x = g.input('x', 'float32', [batch, c.inChannels, S, S]); // [B, C, S, S]
    const enc = vqganEncode(g.scope(), x, c);
    const xrec = vqganDecode(g.scope(), enc.indices, c); // [B, C, S, S]
    const l1 = x.sub(xrec).abs().mean(); // []
    return compile(g, { pre: enc.pre, indices: enc.indices, xrec, l1 }, copts);
  };
  const recon = await reconProgram(B);
  const recon1 = source.heldOutSize > 0 ? await reconProgram(1) : null;
  const aeValue = (name: string): Float32Array => G.trainer.get(name);
  const runRecon = async (p: Program, x: Float32Array) => {
    const feeds: Record<string, Float32Array> = { x };
    for (const io of p.inputs) if (io.name !== 'x') feeds[io.name] = aeValue(io.name);
    return p.run(feeds);
  };
  const heldOut = async (): Promise<number | null> => {
    if (!recon1) return null;
    let sum = 0;
    for (let i = 0; i < source.heldOutSize; i++) {
      sum += Number((await runRecon(recon1, await source.images('heldOut', [i], new TrainRng(0), false))).l1!.data[0]);
    }
    return sum / source.heldOutSize;
  };

  const usage = new CodebookUsage(c.nEmbed);
  const usageEvery = o.usageEvery ?? 10;
  const codebookName = 'quantize.embedding.weight';

  const syncDiscIntoG = (): void => {
    if (!D || !G.withDisc) return;
    for (const t of [...D.spec.trainable]) G.trainer.get(t.name).set(D.get(t.name));
  };
  const collect = (): void => {
    const g = G.trainer.snapshot();
    for (const [n, v] of Object.entries(g.params)) values[n] = v;
    for (const [n, v] of Object.entries(g.moments)) moments[n] = v;
    if (D) {
      const d = D.snapshot();
      for (const [n, v] of Object.entries(d.params)) values[n] = v;
      for (const [n, v] of Object.entries(d.moments)) moments[n] = v;
    }
  };
  const tensors = (rec: Record<string, Float32Array>): Record<string, CheckpointTensor> => Object.fromEntries(Object.entries(rec).map(([n, v]) => {
    const shape = shapes.get(n.replace(/^opt\.[mv]:/, ''));
    if (!shape) throw new Error(`vqgan-trainer: no shape known for "${n}".`);
    return [n, { dtype: 'float32', shape: [...shape], data: v }];
  }));
  const save = async (more: Record<string, number | null>): Promise<void> => {
    collect();
    const saved = await saveCheckpoint(run.checkpointsDir, {
      step, params: tensors(values), optimizer: { tensors: tensors(moments), meta: { kind: 'adam', beta1: 0.5, beta2: 0.9 } },
      rng: rng.state(), data: order.state(), extra: { dStep, numBatchesTracked, ...more },
    }, { keep: o.keepCheckpoints ?? 3 });
    await run.log(`checkpoint step ${step} (${(saved.bytes / 1e6).toFixed(1)} MB, ${saved.ms.toFixed(0)} ms)`);
  };

  const previewBatch = await source.images(source.heldOutSize >= B ? 'heldOut' : 'train', Array.from({ length: B }, (_, i) => i % (source.heldOutSize >= B ? source.heldOutSize : source.trainSize)), new TrainRng(1), false);
  const writePreview = async (): Promise<void> => {
    const xrec = (await runRecon(recon, previewBatch)).xrec!.data as Float32Array;
    const plane = S * S;
    const out = Buffer.alloc(2 * S * B * S * 3); // rows: inputs, reconstructions
    for (let b = 0; b < B; b++) {
      for (let row = 0; row < 2; row++) {
        const src = row === 0 ? previewBatch : xrec;
        for (let y = 0; y < S; y++) {
          for (let x = 0; x < S; x++) {
            for (let ch = 0; ch < 3; ch++) {
              const v = src[(b * 3 + ch) * plane + y * S + x]!;
              out[((row * S + y) * B * S + b * S + x) * 3 + ch] = Math.max(0, Math.min(255, Math.round((v + 1) * 127.5)));
            }
          }
        }
      }
    }
    await sharp(out, { raw: { width: B * S, height: 2 * S, channels: 3 } }).png().toFile(run.samplePath(step));
  };

  const heldOutBefore = typeof extra.heldOutBefore === 'number' ? extra.heldOutBefore : await heldOut();
  if (!r) {
    await run.log([
      `training the VQGAN${o.decoderOnly ? "'s decoder (encoder and codebook frozen: the codes do not change)" : ''}: ${o.steps} steps, batch ${B}×${k}, crop ${S}, lr ${o.lr}; held-out L1 ${heldOutBefore?.toFixed(4) ?? 'n/a'}`,
      disc ? `discriminator from step ${o.discStart - discWarmup}, generator adversarial term from step ${o.discStart} (disc_weight ${lossOpts.discWeight})` : 'no discriminator: adversarial loss off',
      o.perceptual
        ? `perceptual loss on: weight ${lossOpts.perceptualWeight}${o.perceptualNote ? ` (${o.perceptualNote})` : ''}; logged as p`
        : 'perceptual loss off (give the LPIPS and VGG16 weights, e.g. tessera finetune --lpips <folder>, to enable it)',
    ].join('\n'));
    if (heldOutBefore !== null) await run.metric({ step: 0, heldOutL1: heldOutBefore });
  }
  const meter = new ProgressMeter(o.steps, B * k);
  let stopped = false;
  let lastUsage: UsageReport | null = null;
  try {
    while (step < o.steps) {
      if (hooks.signal?.aborted) {
        stopped = true;
        break;
      }
      if (adversarial(step) && !G.withDisc) {
        collect();
        G = await makeG(true);
        await run.log(`step ${step}: generator adversarial term on`);
      }
      if (discActive(step) && !D) {
        D = await makeD();
        await run.log(`step ${step}: discriminator training on`);
      }
      syncDiscIntoG();
      const lr = schedule(step);
      const sums: Record<string, number> = {};
      const add = (s: Record<string, number>): void => { for (const [n, v] of Object.entries(s)) sums[n] = (sums[n] ?? 0) + v / k; };
      let indices: ArrayLike<bigint> | null = null;
      let pre: Float32Array | null = null;
      const countUsage = (step + 1) % usageEvery === 0;
      for (let m = 0; m < k; m++) {
        const x = await source.images('train', order.next(B), rng, true);
        const g = await G.trainer.trainStep({ x, disc_factor: new Float32Array([o.discFactor ?? 1]) }, lr);
        add(g.scalars);
        if (D || countUsage) {
          indices = g.outputs.indices as BigInt64Array;
          pre = g.outputs.pre as Float32Array;
          if (D) {
            const d = await D.trainStep({ x, xrec: g.outputs.xrec as Float32Array, disc_factor: new Float32Array([o.discFactor ?? 1]) }, lr);
            add(Object.fromEntries(Object.entries(d.scalars).map(([n, v]) => [n === 'loss' ? 'd' : n, v])));
            numBatchesTracked += 2;
          }
        }
      }
      step = G.trainer.step;
      if (D) dStep = D.step;
      if (!Number.isFinite(sums.loss!)) throw new Error(`the loss became ${sums.loss} at step ${step}; lower the learning rate (now ${lr}).`);
      if (indices && (D || countUsage)) {
        usage.add(indices);
        if (countUsage) {
          lastUsage = usage.report();
          if (o.restartDeadCodes && !o.decoderOnly && lastUsage.dead.length > 0 && lastUsage.samples >= 4 * c.nEmbed && pre) {
            const h = S / vqganFactor(c);
            const chosen = restartDeadCodes(G.trainer.get(codebookName), c.embedDim, lastUsage.dead, channelsLast(pre, B, c.embedDim, h, h), rng);
            zeroRows(G.trainer.get(stateNames.m(codebookName)), c.embedDim, lastUsage.dead);
            zeroRows(G.trainer.get(stateNames.v(codebookName)), c.embedDim, lastUsage.dead);
            await run.log(`step ${step}: restarted ${chosen.length} dead codes`);
            usage.reset();
          }
        }
      }
      const p = meter.tick(step, { loss: sums.loss!, rec: sums.nll!, ...(sums.p !== undefined ? { p: sums.p } : {}), ...(sums.d !== undefined ? { d: sums.d } : {}) }, lr);
      hooks.onProgress?.(p);
      await run.metric({
        step, lr, ...sums, imagesPerSec: p.imagesPerSec,
        ...(countUsage && lastUsage ? { codesUsed: lastUsage.used, perplexity: lastUsage.perplexity } : {}),
      });
      await run.heartbeat(step);
      if (step % 10 === 0 || step === o.steps) await run.log(formatProgress(p));
      if (o.evalEvery && step % o.evalEvery === 0 && step < o.steps) await run.metric({ step, heldOutL1: await heldOut() });
      if (o.sampleEvery && step % o.sampleEvery === 0) {
        await writePreview();
        hooks.onSample?.(step, [run.samplePath(step)]);
      }
      if (step % o.checkpointEvery === 0 && step < o.steps) await save({ heldOutBefore });
    }
  } catch (e) {
    await run.end('failed', e instanceof Error ? e.message : String(e));
    throw e;
  }
  const heldOutAfter = stopped ? null : await heldOut();
  await save({ heldOutBefore, heldOutAfter });
  if (heldOutAfter !== null) await run.metric({ step, heldOutL1: heldOutAfter });
  await run.heartbeat(step, true);
  await run.end(stopped ? 'stopped' : 'finished', stopped ? 'cancelled; resume continues from the saved checkpoint' : `held-out L1 ${heldOutBefore?.toFixed(4) ?? 'n/a'} -> ${heldOutAfter?.toFixed(4) ?? 'n/a'}`);
  collect();
  return { step, stopped, heldOutBefore, heldOutAfter, usage: lastUsage, params: { ...values } };
}
