/**
 * Transformer fine-tuning loop (issue 6): the GPT loss graph (gpt-loss.ts) → buildTrainStep (AdamW β = (0.9,
 * 0.95), weight decay, optional global-norm clipping, gradient accumulation) → the engine's Trainer, driven over
 * a TokenSource with pkeep corruption, warmup + cosine LR, held-out NLL, atomic checkpoints, cancel and exact
 * resume, inside a Run folder (run.ts).
 *
 * Exact resume: a checkpoint holds the params, Adam moments and step (Trainer snapshot), the TrainRng state
 * (crops, flips, pkeep) and the DataOrder state, taken at an optimizer-step boundary after all of that step's
 * draws; resuming from it replays the same batches and corruption as the uninterrupted run.
 *
 * Previews: with `sampleEvery` and `previews` (gpt-previews.ts `GptPreviews`), every `sampleEvery` steps a few images
 * are sampled from the current weights with a fixed seed and fixed held-out conditions and written to the run's
 * samples folder (`samplePath(step, i)`). They draw from their own RNGs, so they never change the training itself.
 *
 * Known deviation: the engine's AdamW decays every parameter of rank ≥ 2, which includes tok_emb and pos_emb;
 * the reference decays Linear weights only (gpt-loss.ts `gptDecays`).
 */
import { gptParameters, type GptConfig } from '../models/gpt';
import type { CompileOptions } from '../runtime/program';
import { compile } from '../runtime/program';
import { saveCheckpoint, type CheckpointTensor } from './checkpoint';
import { DataOrder } from './data/order';
import { buildGptLoss, gptDecays, gptLossFeeds } from './gpt-loss';
import { buildTrainStep } from './optim/train-step';
import { ProgressMeter, formatProgress, type TrainHooks } from './progress';
import { TrainRng } from './rng';
import type { Run } from './run';
import { corruptTokens, warmupCosine, type TrainLoopOptions } from './schedule';
import { Trainer } from './trainer';

/** c- and z-token grids of a batch: c [B, Tc], z [B, Tz] (row-major). */
export interface TokenBatch {
  c: Int32Array;
  z: Int32Array;
}

/** Where training tokens come from (images through frozen VQGANs, or anything else with this shape). */
export interface TokenSource {
  readonly cLen: number;
  readonly zLen: number;
  readonly trainSize: number;
  readonly heldOutSize: number;
  /** Tokens of the given items; `augment` = random crop/flip drawn from `rng` (train), false for held-out. */
  batch(split: 'train' | 'heldOut', indices: readonly number[], rng: TrainRng, augment: boolean): Promise<TokenBatch>;
}

export interface GptTrainOptions extends TrainLoopOptions {
  gpt: GptConfig;
  /** Starting weights by GPT state_dict key (no `transformer.` prefix). */
  init: Record<string, Float32Array>;
  /** Probability of keeping each input z token (default 1 = no corruption; taming issue #48 used 0.9). */
  pkeep?: number;
  clipGradNorm?: number;
  weightDecay?: number;
  /** What writes the previews (gpt-previews.ts `GptPreviews`). */
  previews?: GptPreviewWriter;
  compile?: CompileOptions;
}

/** Writes the previews of one step from the current weights; returns the files written. */
export interface GptPreviewWriter {
  write(samplePath: (step: number, index: number) => string, step: number, weight: (name: string) => Float32Array): Promise<string[]>;
}

/** Hooks of trainGpt (onSample: the sample previews of a step). */
export type GptTrainHooks = TrainHooks;

export interface GptTrainResult {
  step: number;
  stopped: boolean;
  /** Held-out mean NLL (nats per z token) at the start of this run and at its end. */
  heldOutBefore: number | null;
  heldOutAfter: number | null;
  params: Record<string, Float32Array>;
}

function tensorsOf(values: Record<string, Float32Array>, shapes: Map<string, readonly number[]>): Record<string, CheckpointTensor> {
  const out: Record<string, CheckpointTensor> = {};
  for (const [name, data] of Object.entries(values)) {
    const shape = shapes.get(name.replace(/^opt\.[mv]:/, ''));
    if (!shape) throw new Error(`gpt-trainer: no shape known for "${name}".`);
    out[name] = { dtype: 'float32', shape: [...shape], data };
  }
  return out;
}

function asFloat32(t: CheckpointTensor, name: string): Float32Array {
  if (!(t.data instanceof Float32Array)) throw new Error(`checkpoint tensor ${name} is ${t.dtype}; the trainer needs float32.`);
  return t.data;
}

export async function trainGpt(run: Run, source: TokenSource, o: GptTrainOptions, hooks: GptTrainHooks = {}): Promise<GptTrainResult> {
  const B = o.batchSize;
  const k = o.accumulate ?? 1;
  const vocab = o.gpt.vocabSize;
  const shapes = new Map(gptParameters(o.gpt).filter((p) => !p.buffer).map((p) => [p.name, p.shape] as const));
  if (source.trainSize < 1) throw new Error('trainGpt: the training split is empty.');

  const lossGraph = buildGptLoss(o.gpt, B, source.cLen, source.zLen);
  const spec = buildTrainStep(lossGraph.graph, lossGraph.loss, {
    optimizer: { kind: 'adamw', beta1: 0.9, beta2: 0.95, weightDecay: o.weightDecay ?? 0.01, decay: gptDecays },
    accumulationSteps: k,
    ...(o.clipGradNorm !== undefined ? { clipGradNorm: o.clipGradNorm } : {}),
  });
  const r = hooks.resume;
  const trainer = await Trainer.create(spec, r
    ? {
      step: r.step,
      params: Object.fromEntries(Object.entries(r.params).map(([n, t]) => [n, asFloat32(t, n)])),
      moments: Object.fromEntries(Object.entries(r.optimizer.tensors).map(([n, t]) => [n, asFloat32(t, n)])),
    }
    : { step: 0, params: o.init, moments: {} }, { intraOpThreads: 1, ...o.compile });
  const rng = r ? TrainRng.fromState(r.rng) : new TrainRng(o.seed);
  const order = r ? DataOrder.fromState(r.data, source.trainSize) : DataOrder.create(source.trainSize, o.seed);
  const schedule = warmupCosine({ lr: o.lr, warmupSteps: Math.min(o.warmupSteps ?? 0, o.steps), totalSteps: o.steps, minLr: o.minLr ?? 0 });

  // Held-out NLL: a batch-1 loss program fed the trainer's live params; centre crops, no corruption.
  const evalGraph = buildGptLoss(o.gpt, 1, source.cLen, source.zLen);
  const evalProgram = source.heldOutSize > 0 ? await compile(evalGraph.graph, { loss: evalGraph.loss }, { intraOpThreads: 1, ...o.compile }) : null;
  const heldOut = async (): Promise<number | null> => {
    if (!evalProgram) return null;
    let sum = 0;
    const evalRng = new TrainRng(0);
    for (let i = 0; i < source.heldOutSize; i++) {
      const t = await source.batch('heldOut', [i], evalRng, false);
      const feeds: Record<string, Float32Array | BigInt64Array> = { ...gptLossFeeds(t.c, t.z, t.z, 1, source.cLen, source.zLen, vocab) };
      for (const io of evalProgram.inputs) if (!(io.name in feeds)) feeds[io.name] = trainer.get(io.name);
      sum += Number((await evalProgram.run(feeds)).loss!.data[0]);
    }
    return sum / source.heldOutSize;
  };

  const save = async (extra: Record<string, number | null>): Promise<void> => {
    const snap = trainer.snapshot();
    const saved = await saveCheckpoint(run.checkpointsDir, {
      step: snap.step,
      params: tensorsOf(snap.params, shapes),
      optimizer: { tensors: tensorsOf(snap.moments, shapes), meta: { kind: 'adamw', beta1: 0.9, beta2: 0.95, weightDecay: o.weightDecay ?? 0.01 } },
      rng: rng.state(),
      data: order.state(),
      extra,
    }, { keep: o.keepCheckpoints ?? 3 });
    await run.log(`checkpoint step ${snap.step} (${(saved.bytes / 1e6).toFixed(1)} MB, ${saved.ms.toFixed(0)} ms)`);
  };

  const heldOutBefore = typeof r?.extra?.heldOutBefore === 'number' ? r.extra.heldOutBefore : await heldOut();
  if (!r) await run.log(`training the transformer: ${o.steps} steps, batch ${B}×${k}, lr ${o.lr}, pkeep ${o.pkeep ?? 1}; held-out NLL ${heldOutBefore?.toFixed(4) ?? 'n/a'}`);
  if (!r && heldOutBefore !== null) await run.metric({ step: 0, heldOutNll: heldOutBefore });
  const meter = new ProgressMeter(o.steps, B * k);
  let stopped = false;
  try {
    while (trainer.step < o.steps) {
      if (hooks.signal?.aborted) {
        stopped = true;
        break;
      }
      const lr = schedule(trainer.step);
      let loss = 0;
      let gradNorm: number | undefined;
      for (let m = 0; m < k; m++) {
        const t = await source.batch('train', order.next(B), rng, true);
        const zIn = corruptTokens(t.z, o.pkeep ?? 1, vocab, rng);
        const res = await trainer.trainStep(gptLossFeeds(t.c, zIn, t.z, B, source.cLen, source.zLen, vocab), lr);
        loss += res.scalars.loss! / k;
        if (res.scalars.grad_norm !== undefined) gradNorm = res.scalars.grad_norm;
      }
      if (!Number.isFinite(loss)) throw new Error(`the loss became ${loss} at step ${trainer.step}; lower the learning rate (now ${lr}).`);
      const p = meter.tick(trainer.step, { nll: loss }, lr);
      hooks.onProgress?.(p);
      await run.metric({ step: trainer.step, loss, lr, ...(gradNorm !== undefined ? { gradNorm } : {}), imagesPerSec: p.imagesPerSec });
      await run.heartbeat(trainer.step);
      if (trainer.step % 10 === 0 || trainer.step === o.steps) await run.log(formatProgress(p));
      if (o.evalEvery && trainer.step % o.evalEvery === 0 && trainer.step < o.steps) {
        await run.metric({ step: trainer.step, heldOutNll: await heldOut() });
      }
      if (o.sampleEvery && o.previews && trainer.step % o.sampleEvery === 0) {
        const t0 = performance.now();
        const files = await o.previews.write((st, i) => run.samplePath(st, i), trainer.step, (name) => trainer.get(name));
        await run.log(`step ${trainer.step}: ${files.length} sample previews (${(performance.now() - t0).toFixed(0)} ms)`);
        if (files.length) hooks.onSample?.(trainer.step, files);
      }
      if (trainer.step % o.checkpointEvery === 0 && trainer.step < o.steps) await save({ heldOutBefore });
    }
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    await run.end('failed', msg);
    throw e;
  }
  const heldOutAfter = stopped ? null : await heldOut();
  await save({ heldOutBefore, heldOutAfter });
  if (heldOutAfter !== null) await run.metric({ step: trainer.step, heldOutNll: heldOutAfter });
  await run.heartbeat(trainer.step, true);
  await run.end(stopped ? 'stopped' : 'finished', stopped ? 'cancelled; resume continues from the saved checkpoint' : `held-out NLL ${heldOutBefore?.toFixed(4) ?? 'n/a'} -> ${heldOutAfter?.toFixed(4) ?? 'n/a'}`);
  const params: Record<string, Float32Array> = {};
  for (const name of shapes.keys()) params[name] = Float32Array.from(trainer.get(name));
  return { step: trainer.step, stopped, heldOutBefore, heldOutAfter, params };
}
