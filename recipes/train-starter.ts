/**
 * `npm run train:starter -- <name> [options]` (issue 9): trains a starter bundle from scratch with Tessera's own
 * trainers, on data the landscapes recipe generates into a cache folder outside the repository.
 *
 * starter-landscapes (semantic → image), three stages, each in its own resumable run folder:
 *  1. condition VQGAN on one-hot label crops [8, 64, 64] (f = 8, no discriminator), 64×64 → 8×8 c-tokens. As in
 *     taming's VQSegmentationModel the decoder's output is per-class logits trained with a classification loss
 *     (here softmax cross-entropy over the class channels, added through the trainer's per-image `perceptual`
 *     hook; L1 alone on sparse one-hot targets collapses to the all-zero median);
 *  2. first-stage VQGAN on image crops [3, 64, 64] (f = 8) → 8×8 z-tokens;
 *  3. GPT on cat(c, z) token sequences (block 128), taming's shared token table (vocab = max codebook size), on
 *     8×8 windows of whole-scene token grids (scene-token-source.ts), as the sliding window sees them.
 * Crops are 64×64 from 256×256 scenes (resize 256), so one training window is one sliding-window position of a
 * 256×256 generation. The bundle (fp16 weights) is written to native-models/zoo/<name> (or --out).
 *
 * Resume: rerunning the same command continues. `<cache>/<name>/state.json` records each stage's run folder;
 * an unfinished run is resumed from its newest checkpoint, a finished one is reused.
 *
 * Options: --cache DIR (default <user cache>/tessera/starter), --out DIR, --scenes N, --vq-steps N,
 * --cond-steps N, --gpt-steps N, --cond-lr X, --gpt-lr X, --batch N, --vq-batch N (first stage; default --batch),
 * --threads N, --stop-after cond|vqgan (end after that stage, e.g. to check the condition stage's code purity before
 * the transformer), --cond-from DIR (adopt the condition stage of a bundle or run folder instead of training one),
 * --first-stage-from DIR (likewise the first stage: the transformer alone trains, on the tokens it already has),
 * --init-from BUNDLE (start the first stage and the transformer from a shipped bundle's weights: how a later session
 * continues a starter with a fresh cache — the bundle in the repository is the checkpoint), --decoder-only (with
 * --init-from: fine-tune the first stage's decoder alone for --vq-steps; encoder and codebook stay frozen, so the
 * codes and the bundle's transformer stay as they are and are not retrained), --smoke (a few steps of each stage, to
 * check the pipeline).
 *
 * Condition-stage learning rate: runs 1 and 2 used 2e-3; with the ×LOGIT_SCALE logits the cross-entropy then stayed
 * at the class-prior level (≈ 2 nats) until the cosine schedule had brought the rate below ≈ 1e-3 (DATA.md), so the
 * default is 5e-4 with a longer schedule.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ManifestDraft, VqganArchitecture } from '../native-models/formats/bundle';
import type { TensorSource } from '../native-models/formats/safetensors';
import { gptParameters, type GptConfig } from '../native-models/models/gpt';
import { gptConfigFromArchitecture, VqganModel, vqganConfigFromArchitecture } from '../native-models/models/load';
import { vqganParameters } from '../native-models/models/vqgan';
import type { JsonValue } from '../native-models/training/data/cache';
import { oneHot } from '../native-models/training/data/crops';
import { ImageSet } from '../native-models/training/data/dataset';
import { trainGpt } from '../native-models/training/gpt-trainer';
import { initParams } from '../native-models/training/init';
import { toHalfBits } from '../native-models/graph/dtype';
import type { Tensor } from '../native-models/graph/graph';
import { randomFeaturesPerceptual } from '../native-models/training/random-features-perceptual';
import { TrainRng } from '../native-models/training/rng';
import type { DiscriminatorConfig } from '../native-models/models/discriminator';
import { imageSetSource, type ImageSource } from '../native-models/training/vqgan-trainer';
import { LANDSCAPE_CLASSES, LANDSCAPE_RECIPE_VERSION, writeLandscapeDataset } from './landscapes';
import { labelCondition, sceneTokenSource } from './scene-token-source';
import { defaultStarterCache, recipeFlags } from './recipe-flags';
import { adoptVqganStage, decoderOnlyFlag, initialWeights, keptTransformer, openStarterRun, runVqganStage, starterLog, writeStarterBundle, type StageState } from './starter-stages';
import { LANDSCAPES_COND_STAGE, LANDSCAPES_FIRST_STAGE, LANDSCAPES_GPT, STARTER_CROP, STARTER_DATA_SEED, STARTER_DISCRIMINATOR, STARTER_NAMES, STARTER_PERCEPTUAL_SEED, STARTER_SCENE, STARTER_TOKEN_SCALES } from './starter-presets';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The first stage's loss beyond L1 + codebook (DATA.md): the random-feature perceptual term (weight 0.1) from the
 * start, the discriminator from 70 % of the steps (it trains 200 steps before its adversarial term starts), with the
 * adaptive weight λ·0.3.
 */
export function starterFirstStageLoss(steps: number): { perceptual: (x: Tensor, xrec: Tensor) => Tensor; perceptualWeight: number; perceptualNote: string; disc: { config: DiscriminatorConfig; start: number; warmup: number; weight: number } } {
  return {
    perceptual: randomFeaturesPerceptual(STARTER_PERCEPTUAL_SEED), perceptualWeight: 0.1,
    perceptualNote: `random-feature perceptual term, seed ${STARTER_PERCEPTUAL_SEED} (training/random-features-perceptual.ts)`,
    disc: { config: STARTER_DISCRIMINATOR, start: Math.round(0.7 * steps), warmup: 200, weight: 0.3 },
  };
}

interface Settings {
  name: string;
  cache: string;
  out: string;
  scenes: number;
  vqSteps: number;
  condSteps: number;
  gptSteps: number;
  batch: number;
  /** Batch of the first-stage VQGAN (default --batch). */
  vqBatch: number;
  threads: number;
  condLr: number;
  gptLr: number;
  stopAfter: 'cond' | 'vqgan' | null;
  smoke: boolean;
  /** A bundle or run folder whose condition stage to reuse instead of training one (same architecture). */
  condFrom: string | null;
  /** A bundle or run folder whose first stage to keep as it is (same architecture): the transformer alone trains. */
  firstStageFrom: string | null;
  /** A bundle of this recipe whose first stage and transformer the new runs start from (continuing it). */
  initFrom: string | null;
  /** Fine-tune only the decoder of --init-from's first stage; its transformer is kept (the codes do not change). */
  decoderOnly: boolean;
}

function parseArgs(argv: readonly string[]): Settings {
  const name = argv.find((a) => !a.startsWith('--'));
  if (!name) throw new Error('usage: npm run train:starter -- <name> [--cache DIR] [--out DIR] [--scenes N] [--vq-steps N] [--cond-steps N] [--gpt-steps N] [--cond-lr X] [--gpt-lr X] [--batch N] [--vq-batch N] [--threads N] [--stop-after cond|vqgan] [--cond-from DIR] [--first-stage-from DIR] [--init-from BUNDLE] [--decoder-only] [--smoke]');
  if (name !== 'starter-landscapes') {
    throw new Error(`train:starter: no recipe for "${name}"; available: ${STARTER_NAMES.join(', ')} (see native-models/zoo/DATA.md).`);
  }
  const flags = recipeFlags(argv, 'train:starter');
  const val = flags.value;
  const int = (flag: string, d: number): number => flags.positive(flag, d, true);
  const num = (flag: string, d: number): number => flags.positive(flag, d, false);
  const stop = val('--stop-after');
  if (stop !== undefined && stop !== 'cond' && stop !== 'vqgan') throw new Error(`train:starter: --stop-after takes cond or vqgan, got ${stop}.`);
  const smoke = argv.includes('--smoke');
  const decoderOnly = decoderOnlyFlag(flags, 'train:starter');
  if (decoderOnly && val('--first-stage-from')) throw new Error('train:starter: --decoder-only trains the first stage\'s decoder, --first-stage-from keeps the first stage untrained; give one of them.');
  return {
    name, smoke,
    cache: resolve(val('--cache') ?? defaultStarterCache()),
    out: resolve(val('--out') ?? (smoke ? join(val('--cache') ?? defaultStarterCache(), `${name}-smoke-bundle`) : join(REPO, 'native-models', 'zoo', name))),
    scenes: int('--scenes', smoke ? 24 : 400),
    vqSteps: int('--vq-steps', smoke ? 3 : 1500),
    condSteps: int('--cond-steps', smoke ? 3 : 2000),
    gptSteps: int('--gpt-steps', smoke ? 3 : 1500),
    batch: int('--batch', 8),
    vqBatch: int('--vq-batch', int('--batch', 8)),
    threads: int('--threads', 2),
    condLr: num('--cond-lr', 5e-4),
    gptLr: num('--gpt-lr', 1e-3),
    stopAfter: stop ?? null,
    condFrom: val('--cond-from') ?? null,
    firstStageFrom: val('--first-stage-from') ?? null,
    initFrom: val('--init-from') ?? null,
    decoderOnly,
  };
}

/** One-hot label crops as an ImageSource for the condition VQGAN: [B, C, S, S] in {0, 1}. */
function labelSource(set: ImageSet, numClasses: number): ImageSource {
  return {
    size: set.size, trainSize: set.train.length, heldOutSize: set.heldOut.length,
    async images(split, indices, rng, augment) {
      const b = await set.batch(split, indices, rng, augment);
      if (!b.labels) throw new Error('labelSource: the image set has no label maps (open it in semantic mode).');
      const plane = set.size * set.size;
      const out = new Float32Array(indices.length * numClasses * plane); // [B, C, S, S]
      for (let i = 0; i < indices.length; i++) out.set(oneHot(b.labels.subarray(i * plane, (i + 1) * plane), numClasses), i * numClasses * plane);
      return out;
    },
  };
}

/**
 * Softmax cross-entropy of logits LOGIT_SCALE·`xrec` against one-hot `x`, both [B, C, S, S] → per image mean [B].
 * The scale lets a decoder whose outputs live around [−1, 1] reach confident logits in a few hundred steps.
 */
export const LOGIT_SCALE = 10;
export function oneHotCrossEntropy(x: Tensor, xrec: Tensor): Tensor {
  const [b, , h, w] = x.shape;
  return x.mul(xrec.mul(LOGIT_SCALE).logSoftmax(1)).sum([1, 2, 3]).neg().div(h! * w!).reshape([b!]); // [B]
}

/** Float32 values as float16 bytes (round to nearest even: graph/dtype.ts toHalfBits). */
export function toFloat16Bytes(v: Float32Array): Uint8Array {
  const out = new Uint16Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = toHalfBits(v[i]!);
  return new Uint8Array(out.buffer);
}

/** A stage's float32 weights with their shapes, as VqganModel takes them (names outside the VQGAN dropped). */
export function vqganWeights(w: Record<string, Float32Array>, arch: VqganArchitecture): Map<string, { shape: number[]; data: Float32Array }> {
  const shapes = vqganShapes(arch);
  return new Map(Object.entries(w).filter(([n]) => shapes.has(n)).map(([n, d]) => [n, { shape: shapes.get(n)!, data: d }]));
}

/** Parameter shapes of a VQGAN architecture, by state_dict name (without prefix). */
export function vqganShapes(arch: VqganArchitecture): Map<string, number[]> {
  return new Map(vqganParameters(vqganConfigFromArchitecture(arch)).map((p) => [p.name, [...p.shape]]));
}

/**
 * The fp16 tensors of a starter bundle under taming's prefixes (first_stage_model., cond_stage_model.,
 * transformer.); throws naming the first parameter missing from the trained weights.
 */
export function starterBundleTensors(
  first: { weights: Record<string, Float32Array>; arch: VqganArchitecture },
  cond: { weights: Record<string, Float32Array>; arch: VqganArchitecture },
  gpt: { weights: Record<string, Float32Array>; config: GptConfig },
): TensorSource[] {
  const tensors: TensorSource[] = [];
  const add = (prefix: string, w: Record<string, Float32Array>, shapes: Map<string, number[]>): void => {
    for (const [n, shape] of shapes) {
      const d = w[n];
      if (!d) throw new Error(`bundle: ${prefix}${n} is missing from the trained weights.`);
      tensors.push({ name: prefix + n, dtype: 'float16', shape, data: toFloat16Bytes(d) });
    }
  };
  add('first_stage_model.', first.weights, vqganShapes(first.arch));
  add('cond_stage_model.', cond.weights, vqganShapes(cond.arch));
  add('transformer.', gpt.weights, new Map(gptParameters(gpt.config).filter((p) => !p.buffer).map((p) => [p.name, [...p.shape]])));
  return tensors;
}

type State = Partial<Record<'cond' | 'vqgan' | 'gpt', StageState>>;

async function main(): Promise<void> {
  const s = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  const dataDir = join(s.cache, `landscapes-v${LANDSCAPE_RECIPE_VERSION}-s${STARTER_DATA_SEED}-${STARTER_SCENE}`);
  const { work, book, compile } = await openStarterRun<State>(s, s.name, dataDir);
  const { state } = book;
  const log = starterLog;

  // ---- data ----
  const ds = await writeLandscapeDataset({ outDir: dataDir, count: s.scenes, seed: STARTER_DATA_SEED, width: STARTER_SCENE, height: STARTER_SCENE });
  log(`dataset: ${ds.written} scenes written, ${ds.reused} reused (${(ds.ms / 1000).toFixed(1)} s)`);
  const set = await ImageSet.open({ folder: dataDir, mode: 'semantic', size: STARTER_CROP, resize: STARTER_SCENE, cacheDir: join(work, 'prepared'), memoryBytes: 512 * 1024 * 1024 });
  log(`image set: ${set.train.length} train / ${set.heldOut.length} held out (${set.report.skipped.length} skipped)`);
  const nClasses = LANDSCAPE_CLASSES.length;

  // ---- stage 1: condition VQGAN (or one adopted with --cond-from); stage 2: first stage ----
  const condW = s.condFrom
    ? await adoptVqganStage(book, 'cond', s.name, s.condFrom, 'cond', LANDSCAPES_COND_STAGE)
    : await runVqganStage(book, 'cond', s.name, {
      arch: LANDSCAPES_COND_STAGE, steps: s.condSteps, source: labelSource(set, nClasses), lr: s.condLr, batch: s.batch, initSeed: 11, seed: 21, compile,
      config: { name: s.name }, samples: false, perceptual: oneHotCrossEntropy,
    });
  if (s.stopAfter === 'cond') return log(`stopped after the condition stage (--stop-after cond); rerun without it to continue.`);
  const firstW = s.firstStageFrom
    ? await adoptVqganStage(book, 'vqgan', s.name, s.firstStageFrom, 'first', LANDSCAPES_FIRST_STAGE)
    : await runVqganStage(book, 'vqgan', s.name, {
      arch: LANDSCAPES_FIRST_STAGE, steps: s.vqSteps, source: imageSetSource(set), lr: 7e-4, batch: s.vqBatch, initSeed: 12, seed: 22, compile,
      config: { name: s.name, ...(s.initFrom ? { initFrom: s.initFrom } : {}), ...(s.decoderOnly ? { decoderOnly: true } : {}) }, samples: true, ...starterFirstStageLoss(s.vqSteps),
      init: (fresh) => initialWeights(s.initFrom, 'first_stage_model.', fresh), decoderOnly: s.decoderOnly,
    });
  if (s.stopAfter === 'vqgan') return log(`stopped after the first stage (--stop-after vqgan); rerun without it to continue.`);

  // ---- stage 3: GPT on (c, z) tokens of the frozen stages (kept from --init-from under --decoder-only) ----
  const gptCfg = gptConfigFromArchitecture(LANDSCAPES_GPT);
  let gptW = s.decoderOnly ? await keptTransformer(s.initFrom!, initParams('gpt', gptParameters(gptCfg), new TrainRng(13))) : await book.finishedWeights('gpt');
  if (gptW && !s.decoderOnly) log(`gpt: finished earlier (${state.gpt!.runDir})`);
  if (!gptW) {
    const zModel = new VqganModel(vqganConfigFromArchitecture(LANDSCAPES_FIRST_STAGE), vqganWeights(firstW, LANDSCAPES_FIRST_STAGE), { runtime: { intraOpThreads: s.threads } }, 'first stage');
    const cModel = new VqganModel(vqganConfigFromArchitecture(LANDSCAPES_COND_STAGE), vqganWeights(condW, LANDSCAPES_COND_STAGE), { runtime: { intraOpThreads: s.threads } }, 'condition stage');
    // Tokens as generation sees them: whole scenes (and quadrants) encoded at once, 8×8 windows of the grids
    // (scene-token-source.ts: separately encoded 64×64 crops get other codes under GroupNorm).
    const source = await sceneTokenSource({
      train: set.train, heldOut: set.heldOut, firstStage: zModel, condStage: cModel, condition: labelCondition(nClasses),
      datasetSeed: STARTER_DATA_SEED, sceneSize: STARTER_SCENE, scales: STARTER_TOKEN_SCALES, window: STARTER_CROP / zModel.factor,
      cacheFile: join(work, 'scene-tokens.json'), cacheKey: `${state.vqgan!.runDir}|${state.cond!.runDir}|${STARTER_TOKEN_SCALES.join(',')}`, log,
    });
    const init = await initialWeights(s.initFrom, 'transformer.', initParams('gpt', gptParameters(gptCfg), new TrainRng(13)));
    const lr = s.gptLr;
    const ts = Date.now();
    const { run, resume } = await book.startOrResume('gpt', s.name, { kind: 'tessera-starter', name: s.name, stage: 'gpt', steps: s.gptSteps, batch: s.batch, lr, architecture: LANDSCAPES_GPT as unknown as JsonValue }, s.gptSteps);
    const res = await trainGpt(run, source, {
      gpt: gptCfg, init, steps: s.gptSteps, batchSize: s.batch, lr, warmupSteps: Math.min(100, Math.floor(s.gptSteps / 10)), minLr: lr / 10,
      seed: 23, checkpointEvery: Math.max(1, Math.min(100, s.gptSteps)), clipGradNorm: 1, compile,
    }, { onProgress: book.progress('gpt'), ...(resume ? { resume } : {}) });
    if (res.stopped) throw new Error('gpt: stopped; rerun the command to resume.');
    await book.complete('gpt', res, ts);
    log(`gpt: held-out NLL ${res.heldOutBefore?.toFixed(4)} -> ${res.heldOutAfter?.toFixed(4)} nats/token`);
    gptW = res.params;
  }

  // ---- bundle (fp16) ----
  const tensors = starterBundleTensors({ weights: firstW, arch: LANDSCAPES_FIRST_STAGE }, { weights: condW, arch: LANDSCAPES_COND_STAGE }, { weights: gptW, config: gptCfg });
  const fmt = (v: number | null | undefined): string => (typeof v === 'number' ? v.toFixed(4) : 'n/a');
  const draft: ManifestDraft = {
    name: s.name, kind: 'cond-transformer',
    firstStage: LANDSCAPES_FIRST_STAGE,
    condStage: { kind: 'vqgan', architecture: LANDSCAPES_COND_STAGE },
    transformer: LANDSCAPES_GPT,
    condition: { mode: 'segmentation', key: 'segmentation', n_labels: nClasses },
    permuter: { kind: 'identity' },
    firstStageKey: 'image',
    palette: { names: LANDSCAPE_CLASSES.map((c) => c.name), colors: LANDSCAPE_CLASSES.map((c) => [...c.color] as [number, number, number]) },
    provenance: {
      source: 'trained from scratch by `npm run train:starter -- starter-landscapes` on procedural landscapes (recipes/landscapes.ts)',
      importedAt: new Date().toISOString(), tool: 'tessera train:starter',
      globalStep: (state.cond?.steps ?? 0) + (state.vqgan?.steps ?? 0) + (state.gpt?.steps ?? 0),
      notes: [
        `data: ${s.scenes} scenes ${STARTER_SCENE}×${STARTER_SCENE}, recipe landscapes v${LANDSCAPE_RECIPE_VERSION}, seed ${STARTER_DATA_SEED}; ${set.train.length} train / ${set.heldOut.length} held out; ${STARTER_CROP}×${STARTER_CROP} crops`,
        s.condFrom ? `condition VQGAN: adopted from ${s.condFrom} (--cond-from), not trained here`
          : `condition VQGAN: ${state.cond?.steps} steps, held-out L1 ${fmt(state.cond?.heldOutBefore)} -> ${fmt(state.cond?.heldOutAfter)}`,
        s.firstStageFrom ? `first stage: kept from ${s.firstStageFrom} (--first-stage-from), not trained here`
          : `first stage${s.decoderOnly ? `: decoder of ${s.initFrom} fine-tuned (--decoder-only; encoder and codebook kept), ` : ': '}${state.vqgan?.steps} steps, held-out L1 ${fmt(state.vqgan?.heldOutBefore)} -> ${fmt(state.vqgan?.heldOutAfter)}`,
        s.decoderOnly ? `transformer: kept from ${s.initFrom} (--decoder-only), not trained here`
          : `transformer: ${state.gpt?.steps} steps, held-out NLL ${fmt(state.gpt?.heldOutBefore)} -> ${fmt(state.gpt?.heldOutAfter)} nats/token`,
        'weights stored as float16',
      ],
    },
  };
  await writeStarterBundle(book, s.out, draft, tensors, s, t0);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  (process.argv[2] === 'starter-landscapes-edges' ? import('./train-starter-edges').then((m) => m.runEdgesRecipe())
    : process.argv[2] === 'starter-figures' ? import('./train-starter-figures').then((m) => m.runFiguresRecipe())
    : main()).catch((e: unknown) => {
    console.error(e instanceof Error ? e.stack ?? e.message : String(e));
    process.exit(1);
  });
}
