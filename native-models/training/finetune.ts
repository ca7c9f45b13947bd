/**
 * Fine-tuning a model bundle on a folder of images (issue 6): the one call behind `tessera finetune` and the
 * `jobs.finetune` API. Scans the folder, trains the VQGAN and/or the transformer in run folders, and writes a new
 * bundle beside the base whose manifest records the base model's weights hash, the dataset summary, the steps and
 * the held-out losses before/after (provenance notes; the full summary also goes to `finetune.json`).
 *
 * Stages: `vqgan` (first stage only), `transformer` (GPT on tokens of the frozen first stage and condition stage),
 * `both` (VQGAN first, then the transformer on tokens of the fine-tuned VQGAN; two run folders, the second
 * recording the first). Data modes follow the bundle's condition: unconditional (SOS) → plain images,
 * segmentation → `<stem>.seg.png` label maps, edge → Canny edges, pose → `<stem>.pose.json`. Class, coord, depth
 * and image-conditioned bundles cannot be fine-tuned from a folder (their conditions are not in the images).
 *
 * Defaults (each overridable): batch 4; lr = batch × 4.5e-6 (the reference's rule); crop size = the largest
 * multiple of the token alignment whose c+z sequence fits the transformer's block size (for a VQGAN bundle, its
 * training resolution); checkpoints and sample previews every `every` (default 100) steps, last 3 checkpoints kept; PatchGAN (3 layers — fewer
 * below 24-pixel crops —, 64 filters, BatchNorm) with disc_start = steps / 2, the discriminator starting
 * min(100, disc_start / 5) steps earlier, disc_weight 0.8; GPT warmup 10% of steps, pkeep 1, clip 1.
 * Perceptual loss (VQGAN stage): `lpips` = a folder (or files) with torchvision's VGG16 and LPIPS's vgg.pth
 * (models/lpips-weights.ts); the reconstruction term becomes |x − x̂| + perceptualWeight (default 1) · LPIPS(x, x̂)
 * as in taming. Without it the run logs that the perceptual loss is off.
 * Resume: pass `resume` (a run folder); the run's own config.json decides every setting.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { bytesToFloat32 } from '../formats/dtype';
import { readBundle, writeBundle, type BundleManifest, type ManifestDraft } from '../formats/bundle';
import type { TensorSource } from '../formats/safetensors';
import { gptParameters } from '../models/gpt';
import { gptConfigFromArchitecture, VqganModel, vqganConfigFromArchitecture } from '../models/load';
import { lpipsTerm } from '../models/lpips';
import { loadLpipsWeights } from '../models/lpips-weights';
import { makePermutation, type PermuterName } from '../models/permuters';
import type { CompileOptions } from '../runtime/program';
import { loadLatestCheckpoint, type TrainingState } from './checkpoint';
import type { JsonValue } from './data/cache';
import { ImageSet } from './data/dataset';
import type { TrainingDataMode } from './data/scan';
import { GptPreviews, previewTokens } from './gpt-previews';
import { trainGpt, type TokenSource } from './gpt-trainer';
import type { TrainProgress } from './progress';
import { resumeRun, Run } from './run';
import { scaledLr } from './schedule';
import { imageTokenSource, type TokenCondition } from './token-source';
import { imageSetSource, trainVqgan } from './vqgan-trainer';
import { FINETUNE_BASE_LR, FINETUNE_DEFAULT_BATCH, planFinetune, type FinetuneStage } from './finetune-plan';

export type { FinetuneStage };

export interface FinetuneRequest {
  /** Base bundle folder. */
  model: string;
  /** Folder of training images. */
  images: string;
  stage: FinetuneStage;
  /** Optimizer steps per stage. */
  steps: number;
  /** Output bundle folder. */
  out: string;
  /** Display name of the new bundle (default: the output folder's name). */
  name?: string;
  /** Folder holding run folders. */
  runsDir: string;
  batch?: number;
  lr?: number;
  /** Checkpoint and sample-preview interval in steps (VQGAN: input | reconstruction; transformer: condition | sample | held-out). */
  every?: number;
  /** Crop size in pixels. */
  size?: number;
  seed?: number;
  /** Disk cache for prepared images and token grids. */
  cacheDir?: string;
  /** A run folder to continue. */
  resume?: string;
  /** VQGAN stage: LPIPS + VGG16 weights (a folder, or the files) to add the perceptual loss. */
  lpips?: string | readonly string[];
  /** Weight of the perceptual loss (default 1, taming's perceptual_weight). */
  perceptualWeight?: number;
  compile?: CompileOptions;
  signal?: AbortSignal;
  onProgress?(stage: 'vqgan' | 'transformer', p: TrainProgress): void;
  /** A stage wrote the sample previews of `step` (PNG files in its run folder), after that step's onProgress. */
  onSample?(stage: 'vqgan' | 'transformer', step: number, files: readonly string[]): void;
  onLog?(line: string): void;
}

export interface StageSummary {
  stage: 'vqgan' | 'transformer';
  runDir: string;
  steps: number;
  stopped: boolean;
  /** 'heldOutL1' (VQGAN) or 'heldOutNll' (transformer, nats per token). */
  metric: string;
  before: number | null;
  after: number | null;
}

export interface FinetuneResult {
  /** null when the run was cancelled (resume it with `resume`). */
  bundleDir: string | null;
  stopped: boolean;
  dataset: { folder: string; found: number; usable: number; skipped: number; train: number; heldOut: number; mode: TrainingDataMode };
  stages: StageSummary[];
  baseSha256: string;
}

/** Settings a run stores in its config.json (all a resume needs). */
interface RunPlan {
  [k: string]: JsonValue;
  kind: 'tessera-finetune';
  stage: 'vqgan' | 'transformer';
  plan: FinetuneStage;
  model: string;
  images: string;
  out: string;
  steps: number;
  batch: number;
  lr: number;
  every: number;
  size: number;
  seed: number;
  cacheDir: string | null;
  /** transformer after a VQGAN stage: the run whose final weights are the first stage. */
  firstStageRun: string | null;
  /** LPIPS weight sources, null = perceptual loss off (configs of older runs lack both fields: read as off / 1). */
  lpips: string[] | null;
  perceptualWeight: number;
  /** Display name of the new bundle (older configs lack it: the request's name or the output folder's). */
  name: string | null;
}

async function readWeights(dir: string): Promise<{ manifest: BundleManifest; weights: Map<string, Float32Array>; raw: TensorSource[] }> {
  const b = await readBundle(dir, { verify: true });
  const weights = new Map<string, Float32Array>();
  const raw: TensorSource[] = [];
  try {
    for (const [name, t] of b.weights.tensors) {
      const bytes = await t.read();
      raw.push({ name, dtype: t.dtype, shape: [...t.shape], data: new Uint8Array(bytes) });
      if (t.dtype === 'float32' || t.dtype === 'float16' || t.dtype === 'bfloat16' || t.dtype === 'float64') weights.set(name, bytesToFloat32(t.dtype, bytes));
    }
  } finally {
    await b.close();
  }
  return { manifest: b.manifest, weights, raw };
}

function sub(all: Map<string, Float32Array>, prefix: string): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [k, v] of all) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

function shapesUnder(raw: readonly TensorSource[], prefix: string): Map<string, number[]> {
  return new Map(raw.filter((t) => t.name.startsWith(prefix)).map((t) => [t.name.slice(prefix.length), [...t.shape]]));
}

function hashWeights(w: Record<string, Float32Array>): string {
  const h = createHash('sha256');
  for (const k of Object.keys(w).sort()) h.update(k).update(Buffer.from(w[k]!.buffer, w[k]!.byteOffset, w[k]!.byteLength));
  return h.digest('hex');
}

function finalParams(state: TrainingState): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [n, t] of Object.entries(state.params)) if (t.data instanceof Float32Array) out[n] = t.data;
  return out;
}

export async function finetune(req: FinetuneRequest): Promise<FinetuneResult> {
  const log = (line: string): void => req.onLog?.(line);
  // A resume takes every setting from the run's config.
  let resumeDir = req.resume ?? null;
  let plan: RunPlan;
  if (resumeDir) {
    const cfg = JSON.parse(await readFile(join(resumeDir, 'config.json'), 'utf8')) as RunPlan;
    if (cfg.kind !== 'tessera-finetune') throw new Error(`${resumeDir} is not a fine-tuning run.`);
    plan = cfg;
  } else {
    plan = {
      kind: 'tessera-finetune', stage: req.stage === 'transformer' ? 'transformer' : 'vqgan', plan: req.stage, model: req.model, images: req.images,
      out: req.out, steps: req.steps, batch: req.batch ?? FINETUNE_DEFAULT_BATCH, lr: 0, every: req.every ?? 100, size: req.size ?? 0, seed: req.seed ?? 0,
      cacheDir: req.cacheDir ?? null, firstStageRun: null,
      lpips: req.lpips === undefined ? null : typeof req.lpips === 'string' ? [req.lpips] : [...req.lpips], perceptualWeight: req.perceptualWeight ?? 1,
      name: req.name ?? null,
    };
    plan.lr = req.lr ?? scaledLr(FINETUNE_BASE_LR, plan.batch);
  }
  if (!Number.isInteger(plan.steps) || plan.steps < 1) throw new Error(`finetune: steps must be a positive integer, got ${plan.steps}.`);

  const base = await readWeights(plan.model);
  const m = base.manifest;
  const baseSha256 = m.weights.sha256;
  if (m.kind === 'vqgan' && plan.plan !== 'vqgan') throw new Error(`${m.name} is a VQGAN bundle: only --stage vqgan applies to it.`);
  const planned = planFinetune(m);
  const mode = planned.dataMode;
  const fsArch = m.kind === 'vqgan' ? m.vqgan! : m.firstStage!;
  const fsCfg = vqganConfigFromArchitecture(fsArch);
  const fsPrefix = m.kind === 'vqgan' ? '' : 'first_stage_model.';
  const fz = 2 ** (fsCfg.chMult.length - 1);
  const condArch = m.kind === 'cond-transformer' && m.condStage!.kind === 'vqgan' ? m.condStage!.architecture : null;
  const fc = condArch ? 2 ** (condArch.ch_mult.length - 1) : 1;
  const align = planned.align;
  if (!plan.size) plan.size = planned.cropSize;
  if (plan.size % align !== 0) throw new Error(`finetune: crop size ${plan.size} must be a multiple of ${align}.`);

  const set = await ImageSet.open({
    folder: plan.images, mode, size: plan.size, ...(plan.cacheDir ? { cacheDir: join(plan.cacheDir, 'prepared') } : {}),
    ...(m.palette ? { palette: m.palette.colors.map((c) => [c[0], c[1], c[2]] as const) } : {}),
  });
  const dataset = {
    folder: plan.images, found: set.report.found, usable: set.report.usable.length, skipped: set.report.skipped.length,
    train: set.train.length, heldOut: set.heldOut.length, mode,
  };
  log(`dataset: ${dataset.usable} usable of ${dataset.found} files (${dataset.skipped} skipped), ${dataset.train} train / ${dataset.heldOut} held out; crop ${plan.size}`);
  for (const s of set.report.skipped.slice(0, 20)) log(`  skipped ${s.relPath}: ${s.reason} (${s.detail})`);
  if (plan.plan === 'transformer' && plan.lpips?.length) log('note: the LPIPS weights apply to the VQGAN stage only; they are not used for --stage transformer');

  const stages: StageSummary[] = [];
  let firstStage = sub(base.weights, fsPrefix);
  let transformer = m.kind === 'cond-transformer' ? sub(base.weights, 'transformer.') : null;
  let stopped = false;

  const startRun = async (p: RunPlan): Promise<{ run: Run; resume: TrainingState | undefined }> => {
    if (resumeDir) {
      const r = await resumeRun(resumeDir);
      resumeDir = null;
      return { run: r.run, resume: r.checkpoint?.state };
    }
    return { run: await Run.create(req.runsDir, { name: `${m.name}-${p.stage}`, config: p, totalSteps: p.steps }), resume: undefined };
  };

  // ---- VQGAN stage ----
  if (plan.stage === 'vqgan') {
    let perceptual: { perceptual: ReturnType<typeof lpipsTerm>; perceptualWeight: number; perceptualNote: string } | null = null;
    if (plan.lpips && plan.lpips.length > 0) {
      if (fsCfg.inChannels !== 3) throw new Error(`${m.name}: LPIPS compares RGB images, but this VQGAN has ${fsCfg.inChannels} input channels; leave out --lpips.`);
      if (plan.size < 16) throw new Error(`finetune: LPIPS's VGG16 pools four times and needs crops of at least 16 pixels (crop ${plan.size}).`);
      const w = await loadLpipsWeights(plan.lpips.length === 1 ? plan.lpips[0]! : plan.lpips);
      perceptual = { perceptual: lpipsTerm(w), perceptualWeight: plan.perceptualWeight ?? 1, perceptualNote: `LPIPS from ${w.files.map((f) => basename(f)).join(' + ')}` };
      log(`perceptual loss: ${perceptual.perceptualNote}, weight ${perceptual.perceptualWeight}`);
    }
    const { run, resume } = await startRun(plan);
    log(`VQGAN stage: run ${run.dir}`);
    const discStart = Math.floor(plan.steps / 2);
    const res = await trainVqgan(run, imageSetSource(set), {
      // 3 layers as in taming, fewer for small crops (the patch map must stay ≥ 1×1: S / 2^L ≥ 3).
      vqgan: fsCfg, disc: { inChannels: fsCfg.inChannels, ndf: 64, nLayers: Math.max(1, Math.min(3, Math.floor(Math.log2(plan.size / 3)))), norm: 'batchnorm' },
      init: { ...firstStage, ...Object.fromEntries(Object.entries(sub(base.weights, `${fsPrefix}loss.discriminator.`)).map(([n, v]) => [`loss.discriminator.${n}`, v])) }, steps: plan.steps, batchSize: plan.batch, lr: plan.lr,
      discStart, discWarmup: Math.min(100, Math.floor(discStart / 5)), seed: plan.seed, checkpointEvery: plan.every,
      sampleEvery: plan.every, ...(req.compile ? { compile: req.compile } : {}), ...(perceptual ?? {}),
    }, { ...(req.signal ? { signal: req.signal } : {}), onProgress: (p) => req.onProgress?.('vqgan', p), onSample: (step, files) => req.onSample?.('vqgan', step, files), ...(resume ? { resume } : {}) });
    stages.push({ stage: 'vqgan', runDir: run.dir, steps: res.step, stopped: res.stopped, metric: 'heldOutL1', before: res.heldOutBefore, after: res.heldOutAfter });
    firstStage = Object.fromEntries(Object.entries(res.params).filter(([n]) => !n.startsWith('loss.')));
    stopped = res.stopped;
    if (!stopped && plan.plan === 'both') plan = { ...plan, stage: 'transformer', firstStageRun: run.dir };
    if (plan.plan === 'vqgan' && m.kind === 'cond-transformer') {
      log('note: only the first stage was fine-tuned; the transformer still expects the old codes (use --stage both to retrain it too)');
    }
  } else if (plan.firstStageRun) {
    const ck = await loadLatestCheckpoint(join(plan.firstStageRun, 'checkpoints'));
    if (!ck) throw new Error(`The VQGAN stage run ${plan.firstStageRun} has no readable checkpoint; resume that run first.`);
    firstStage = Object.fromEntries(Object.entries(finalParams(ck.state)).filter(([n]) => !n.startsWith('loss.')));
  }

  // ---- transformer stage ----
  if (!stopped && plan.stage === 'transformer' && transformer) {
    const gptCfg = gptConfigFromArchitecture(m.transformer!);
    const zShapes = shapesUnder(base.raw, fsPrefix);
    const zWeights = new Map(Object.entries(firstStage).map(([n, d]) => [n, { shape: zShapes.get(n) ?? [d.length], data: d }]));
    const zEncoder = new VqganModel(fsCfg, zWeights, { runtime: { intraOpThreads: 1 } }, 'first stage');
    let condition: TokenCondition;
    let cModel: VqganModel | null = null;
    if (condArch) {
      const cw = sub(base.weights, 'cond_stage_model.');
      const cShapes = shapesUnder(base.raw, 'cond_stage_model.');
      cModel = new VqganModel(vqganConfigFromArchitecture(condArch), new Map(Object.entries(cw).map(([n, d]) => [n, { shape: cShapes.get(n)!, data: d }])), { runtime: { intraOpThreads: 1 } }, 'condition stage');
      const cm = m.condition!.mode;
      condition = { kind: 'vq', mode: cm === 'segmentation' ? 'semantic' : cm === 'edge' ? 'edge' : 'pose', encoder: cModel, encoderId: `${baseSha256}:cond`, ...(m.condition?.n_labels ? { numClasses: m.condition.n_labels } : {}) };
    } else {
      condition = { kind: 'sos', token: m.sosToken ?? 0 };
    }
    let source: TokenSource = await imageTokenSource({
      set, firstStage: zEncoder, firstStageId: hashWeights(firstStage), condition, ...(plan.cacheDir ? { cacheDir: join(plan.cacheDir, 'tokens') } : {}),
    });
    const side = plan.size / fz;
    let unpermute = (z: Int32Array): Int32Array => z; // the GPT's token order -> raster order (for decoding previews)
    if (m.permuter && m.permuter.kind !== 'identity') {
      const names: Record<string, PermuterName> = { subsample: 'subsample', zcurve: 'zcurve', 'spiral-in': 'spiral_in', 'spiral-out': 'spiral_out', random: 'random', 'alternate-parsing': 'alternate' };
      if (m.permuter.H !== side || m.permuter.W !== side) throw new Error(`${m.name}: its ${m.permuter.kind} permuter is for a ${m.permuter.H}×${m.permuter.W} grid; fine-tune with --size ${(m.permuter.H ?? 0) * fz}.`);
      const perm = makePermutation(names[m.permuter.kind]!, side, side);
      const inner = source;
      source = {
        cLen: inner.cLen, zLen: inner.zLen, trainSize: inner.trainSize, heldOutSize: inner.heldOutSize,
        async batch(split, indices, rng, augment) {
          const t = await inner.batch(split, indices, rng, augment);
          const z = new Int32Array(t.z.length);
          for (let b = 0; b < indices.length; b++) for (let p = 0; p < inner.zLen; p++) z[b * inner.zLen + p] = t.z[b * inner.zLen + perm.forward[p]!]!;
          return { c: t.c, z };
        },
      };
      unpermute = (z) => {
        const out = new Int32Array(z.length);
        for (let b = 0; b < z.length / inner.zLen; b++) for (let p = 0; p < inner.zLen; p++) out[b * inner.zLen + perm.forward[p]!] = z[b * inner.zLen + p]!;
        return out;
      };
    }
    // Sample previews every `every` steps: 4 images from fixed held-out conditions, seed = the run's seed.
    const count = 4;
    const cm = cModel;
    const previews = new GptPreviews({
      gpt: gptCfg, tokens: await previewTokens(source, count), count, cLen: source.cLen, grid: { h: side, w: side },
      decode: (z, b, h, w) => zEncoder.decode(unpermute(z), b, h, w),
      ...(cm ? { decodeCondition: (c: Int32Array) => cm.decode(c, 1, plan.size / fc, plan.size / fc) } : {}),
      ...(m.palette ? { palette: m.palette.colors.map((c) => [c[0], c[1], c[2]] as const) } : {}),
      seed: plan.seed, ...(req.compile ? { runtime: req.compile } : {}),
    }, new Map(gptParameters(gptCfg).filter((p) => !p.buffer).map((p) => [p.name, p.shape])));
    const { run, resume } = await startRun(plan);
    log(`transformer stage: run ${run.dir}`);
    const res = await trainGpt(run, source, {
      gpt: gptCfg, init: transformer, steps: plan.steps, batchSize: plan.batch, lr: plan.lr, warmupSteps: Math.floor(plan.steps / 10),
      seed: plan.seed, checkpointEvery: plan.every, clipGradNorm: 1, sampleEvery: plan.every, previews, ...(req.compile ? { compile: req.compile } : {}),
    }, { ...(req.signal ? { signal: req.signal } : {}), onProgress: (p) => req.onProgress?.('transformer', p), onSample: (step, files) => req.onSample?.('transformer', step, files), ...(resume ? { resume } : {}) });
    stages.push({ stage: 'transformer', runDir: run.dir, steps: res.step, stopped: res.stopped, metric: 'heldOutNll', before: res.heldOutBefore, after: res.heldOutAfter });
    transformer = res.params;
    stopped = res.stopped;
  }
  if (stopped) {
    log('cancelled: the run is saved; resume it to continue');
    return { bundleDir: null, stopped, dataset, stages, baseSha256 };
  }

  // ---- the new bundle ----
  const replaced = new Map<string, Float32Array>();
  for (const [n, v] of Object.entries(firstStage)) replaced.set(fsPrefix + n, v);
  if (transformer && m.kind === 'cond-transformer') for (const [n, v] of Object.entries(transformer)) replaced.set(`transformer.${n}`, v);
  const tensors: TensorSource[] = base.raw.map((t) => {
    const v = replaced.get(t.name);
    return v ? { name: t.name, dtype: 'float32' as const, shape: t.shape, data: new Uint8Array(v.buffer, v.byteOffset, v.byteLength) } : t;
  });
  const { weights: _w, format: _f, formatVersion: _v, ...rest } = m;
  const notes = [
    `fine-tuned from ${m.name} (weights sha256 ${baseSha256})`,
    `dataset: ${basename(plan.images)}: ${dataset.usable} usable of ${dataset.found} files (${dataset.skipped} skipped); ${dataset.train} train, ${dataset.heldOut} held out; crop ${plan.size}; mode ${mode}`,
    ...stages.map((s) => `${s.stage}: ${s.steps} steps, ${s.metric} ${s.before?.toFixed(4) ?? 'n/a'} -> ${s.after?.toFixed(4) ?? 'n/a'}`),
  ];
  const draft: ManifestDraft = {
    ...rest,
    name: plan.name ?? req.name ?? basename(plan.out),
    provenance: { source: `fine-tuned from ${m.name}`, importedAt: new Date().toISOString(), tool: 'tessera finetune', globalStep: stages.reduce((a, s) => a + s.steps, 0), notes, finetunedFrom: { name: m.name, sha256: baseSha256 } },
  };
  await writeBundle(plan.out, draft, tensors);
  const result: FinetuneResult = { bundleDir: plan.out, stopped: false, dataset, stages, baseSha256 };
  await writeFile(join(plan.out, 'finetune.json'), JSON.stringify(result, null, 2) + '\n');
  log(`wrote ${plan.out}`);
  return result;
}
