/**
 * `npm run train:starter -- starter-figures [options]` (issue 9; or `npx tsx` this file): the pose → image starter
 * (starter-figures), trained with Tessera's own trainers on the figures recipe's data (figures.ts: CMU
 * motion-capture poses rendered as clothed capsule figures with exact COCO-18 keypoints).
 *
 * Condition: the OpenPose stickman of each crop's keypoints (sampling/pose-render.ts), 3 planes in [−1, 1] —
 * exactly what generation renders from a pose document (training/token-source.ts `conditionPlanes`).
 *
 * Stages, each a resumable run folder under `<cache>/starter-figures/runs` (`state.json` records them):
 *  1. condition VQGAN on stickman crops [3, S, S] → 8×8 c-tokens (f = 8; FIGURES_COND_STAGE), no discriminator.
 *     Loss: L1 + `poseWeightedL1` (the stickman covers a few % of a crop; unweighted L1 settles on black).
 *     After training, the stickman reconstruction accuracy of held-out figures (`stickmanAccuracy`) is recorded;
 *     below --min-cond-acc (default 0.6) the recipe stops before the transformer.
 *  2. first-stage VQGAN on figure crops [3, S, S] → 8×8 z-tokens (FIGURES_FIRST_STAGE).
 *  3. GPT on cat(c, z) tokens of the frozen stages (block 128 = 64 + 64), taming's shared token table. Its tokens
 *     are 8×8 windows of the 16×16 grids of whole 128² figures and stickmen, each encoded once as generation
 *     encodes them (`figureGrid` + scene-token-source.ts `gridTokenSource`): GroupNorm statistics span the whole
 *     input, so separately encoded crops would get other codes than the sliding window sees. Each figure also
 *     gives its mirror image (`mirrorFigure`, left and right joints swapped).
 * Sizes: the 256×256 figures are resized to --resize (default 128, FIGURES_RESIZE); the VQGANs train on random
 * 64×64 crops of them (a crop's condition is the whole image's stickman cropped, training/data/crops.ts
 * renderCropPose). Generation makes whole 128×128 figures with the sliding window: the manifest's `outputSize`
 * says so, and the studio and `tessera generate` start there. (Run 1 trained whole 64×64 figures, one window:
 * limbs 2–3 px wide did not survive the f = 8 first stage and samples were blobs; DATA.md.)
 * The bundle (fp16, condition mode `pose`) goes to native-models/zoo/starter-figures (or --out).
 *
 * Options: --cache DIR, --out DIR, --figures N, --resize N, --cond-steps N, --vq-steps N, --gpt-steps N,
 * --cond-lr X, --vq-lr X, --gpt-lr X, --batch N, --threads N, --min-cond-acc X, --stop-after cond|vqgan, --decoder-only
 * (with --init-from: fine-tune only its first stage's decoder; encoder and codebook stay frozen, so the codes do not
 * change and its transformer is kept, not retrained), --smoke
 * (24 figures, 3 steps per stage, no gate: checks the pipeline end to end in a few minutes).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ManifestDraft } from '../native-models/formats/bundle';
import type { Tensor } from '../native-models/graph/graph';
import { gptParameters } from '../native-models/models/gpt';
import { gptConfigFromArchitecture, VqganModel, vqganConfigFromArchitecture } from '../native-models/models/load';
import { byteToUnit, toPlanar } from '../native-models/sampling/condition-maps';
import { renderPose } from '../native-models/sampling/pose-render';
import type { PreparedImage } from '../native-models/training/data/crops';
import type { JsonValue } from '../native-models/training/data/cache';
import { ImageSet } from '../native-models/training/data/dataset';
import { transformKeypoints, type Keypoints } from '../native-models/training/data/pose';
import { trainGpt } from '../native-models/training/gpt-trainer';
import { initParams } from '../native-models/training/init';
import { TrainRng } from '../native-models/training/rng';
import { imageSetSource, type ImageSource } from '../native-models/training/vqgan-trainer';
import { FIGURES_RECIPE_VERSION, writeFigureDataset } from './figures';
import { gridTokenSource, type GridEncoder, type TokenGrid } from './scene-token-source';
import { defaultStarterCache, recipeFlags } from './recipe-flags';
import { adoptVqganStage, decoderOnlyFlag, initialWeights, keptTransformer, runIfMain, openStarterRun, runVqganStage, starterLog, writeStarterBundle, type StageState } from './starter-stages';
import { starterBundleTensors, starterFirstStageLoss, vqganWeights } from './train-starter';
import { FIGURES_COND_STAGE, FIGURES_CROP, FIGURES_DATA_SEED, FIGURES_FIRST_STAGE, FIGURES_GPT, FIGURES_IMAGE, FIGURES_RESIZE } from './starter-presets';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const FIGURES_NAME = 'starter-figures';

/** Extra weight of stickman pixels in the condition stage's reconstruction loss. */
export const POSE_POS_WEIGHT = 4;

/**
 * POSE_POS_WEIGHT · mean over pixels of w · Σ_c |x − x̂|, w = Σ_c (x_c + 1)/2 (0 on the black background, up to 3
 * on bright stickman pixels); x, x̂ [B, 3, S, S] → per image [B]. Added to the trainer's L1.
 */
export function poseWeightedL1(x: Tensor, xrec: Tensor): Tensor {
  const [b, , h, w] = x.shape;
  const weight = x.add(1).mul(0.5).sum([1], true); // [B, 1, S, S]
  return x.sub(xrec).abs().mul(weight).sum([1, 2, 3]).div(h! * w!).mul(POSE_POS_WEIGHT).reshape([b!]); // [B]
}

/** Stickman planes [3, H, W] in [−1, 1] of one crop's people (as token-source.ts conditionPlanes). */
export function stickmanPlanes(people: readonly Keypoints[], width: number, height = width): Float32Array {
  const rgb = renderPose(people.map((kp) => ({ keypoints: kp })), width, height); // [H, W, 3]
  return toPlanar(rgb, width, height, 3, byteToUnit); // [3, H, W]
}

/** Stickman crops of an ImageSet (opened in pose mode) as the condition VQGAN's images: [B, 3, S, S]. */
export function poseSource(set: ImageSet): ImageSource {
  return {
    size: set.size, trainSize: set.train.length, heldOutSize: set.heldOut.length,
    async images(split, indices, rng, augment) {
      const b = await set.batch(split, indices, rng, augment);
      if (!b.people) throw new Error('poseSource: the image set has no poses (open it in pose mode).');
      const s = set.size;
      const out = new Float32Array(indices.length * 3 * s * s); // [B, 3, S, S]
      b.people.forEach((people, i) => out.set(stickmanPlanes(people, s), i * 3 * s * s));
      return out;
    },
  };
}

/**
 * Reconstruction accuracy of stickman planes x → x̂ (both [3, H, W] in [−1, 1]): the share of stickman pixels
 * (any channel above −1) whose reconstruction is within `tol` of the true colour in every channel, and the share
 * of background pixels reconstructed as black (every channel below −1 + tol).
 */
export function stickmanAccuracy(x: Float32Array, xrec: Float32Array, tol = 0.25): { limb: number; background: number; limbPixels: number } {
  const hw = x.length / 3;
  let limb = 0, limbOk = 0, bg = 0, bgOk = 0;
  for (let p = 0; p < hw; p++) {
    const isLimb = x[p]! > -1 || x[hw + p]! > -1 || x[2 * hw + p]! > -1;
    let ok = true;
    for (let c = 0; c < 3; c++) if (Math.abs(x[c * hw + p]! - xrec[c * hw + p]!) > tol) ok = false;
    if (isLimb) {
      limb++;
      if (ok) limbOk++;
    } else {
      bg++;
      if (ok) bgOk++;
    }
  }
  return { limb: limb ? limbOk / limb : 1, background: bg ? bgOk / bg : 1, limbPixels: limb };
}

/**
 * The mirror image of a prepared figure: pixels flipped left–right, keypoints mirrored with left and right
 * joints swapped (transformKeypoints), so its stickman is the one a person would draw on the mirrored picture.
 * The transformer trains on both (twice the figures; held-out batches use the originals).
 */
export function mirrorFigure(p: PreparedImage): PreparedImage {
  const { width: w, height: h } = p;
  const rgb = new Uint8Array(p.rgb.length); // [H, W, 3]
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rgb.set(p.rgb.subarray((y * w + x) * 3, (y * w + x) * 3 + 3), (y * w + w - 1 - x) * 3);
  const t = { scaleX: 1, scaleY: 1, cropX: 0, cropY: 0, width: w, height: h, flip: true };
  return { width: w, height: h, rgb, people: (p.people ?? []).map((kp) => transformKeypoints(kp, t)) };
}

/** The (c, z) token grids of a whole prepared figure: its stickman through `cond`, its pixels through `first`. */
export async function figureGrid(p: PreparedImage, first: GridEncoder, cond: GridEncoder): Promise<TokenGrid> {
  const { width: w, height: h } = p;
  if (w % first.factor || h % first.factor) throw new Error(`figureGrid: ${w}×${h} is not a multiple of the factor ${first.factor}.`);
  const img = toPlanar(p.rgb, w, h, 3, byteToUnit); // [3, H, W] in [−1, 1]
  const c = await cond.encode(stickmanPlanes(p.people ?? [], w, h), 1, h, w); // [h/f, w/f]
  const z = await first.encode(img, 1, h, w);
  return { scale: Math.min(w, h), h: h / first.factor, w: w / first.factor, c: Array.from(c.indices), z: Array.from(z.indices) };
}

interface Settings {
  cache: string;
  out: string;
  figures: number;
  resize: number;
  condSteps: number;
  vqSteps: number;
  gptSteps: number;
  condLr: number;
  vqLr: number;
  gptLr: number;
  batch: number;
  vqBatch: number;
  condFrom: string | null;
  /** A starter-figures bundle whose first stage and transformer the new runs start from (continuing it). */
  initFrom: string | null;
  threads: number;
  minCondAcc: number;
  stopAfter: 'cond' | 'vqgan' | null;
  /** Fine-tune only the decoder of --init-from's first stage; its transformer is kept (the codes do not change). */
  decoderOnly: boolean;
  smoke: boolean;
}

export function parseFiguresArgs(argv: readonly string[]): Settings {
  const tag = `train:starter ${FIGURES_NAME}`;
  const flags = recipeFlags(argv, tag);
  const val = flags.value;
  const num = flags.positive;
  const known = new Set(['--cache', '--out', '--figures', '--resize', '--cond-steps', '--vq-steps', '--gpt-steps', '--cond-lr', '--vq-lr', '--gpt-lr', '--batch', '--vq-batch', '--cond-from', '--init-from', '--threads', '--min-cond-acc', '--stop-after', '--decoder-only', '--smoke']);
  const unknown = argv.filter((a) => a.startsWith('--') && !known.has(a));
  if (unknown.length) throw new Error(`${tag}: unknown option ${unknown.join(', ')}; options: ${[...known].join(' ')}.`);
  const smoke = argv.includes('--smoke');
  const cache = resolve(val('--cache') ?? defaultStarterCache());
  const stop = val('--stop-after');
  if (stop !== undefined && stop !== 'cond' && stop !== 'vqgan') throw new Error(`${tag}: --stop-after takes cond or vqgan, got ${stop}.`);
  const resize = num('--resize', FIGURES_RESIZE, true);
  if (resize < FIGURES_CROP || resize > FIGURES_IMAGE) throw new Error(`${tag}: --resize must lie in ${FIGURES_CROP}..${FIGURES_IMAGE}, got ${resize}.`);
  const minAcc = num('--min-cond-acc', smoke ? 1e-9 : 0.6, false);
  if (minAcc > 1) throw new Error(`${tag}: --min-cond-acc is a share in (0, 1], got ${minAcc}.`);
  const decoderOnly = decoderOnlyFlag(flags, tag);
  return {
    smoke, cache, resize,
    out: resolve(val('--out') ?? (smoke ? join(cache, `${FIGURES_NAME}-smoke-bundle`) : join(REPO, 'native-models', 'zoo', FIGURES_NAME))),
    figures: num('--figures', smoke ? 24 : 2000, true),
    condSteps: num('--cond-steps', smoke ? 3 : 1500, true),
    vqSteps: num('--vq-steps', smoke ? 3 : 3000, true),
    gptSteps: num('--gpt-steps', smoke ? 3 : 15000, true),
    condLr: num('--cond-lr', 7e-4, false),
    vqLr: num('--vq-lr', 7e-4, false),
    gptLr: num('--gpt-lr', 1e-3, false),
    batch: num('--batch', 8, true),
    vqBatch: num('--vq-batch', num('--batch', 8, true), true),
    condFrom: val('--cond-from') ?? null,
    initFrom: val('--init-from') ?? null,
    threads: num('--threads', 2, true),
    minCondAcc: minAcc,
    stopAfter: stop ?? null,
    decoderOnly,
  };
}

type State = Partial<Record<'cond' | 'vqgan' | 'gpt', StageState>>;

async function main(): Promise<void> {
  const s = parseFiguresArgs(process.argv.slice(2));
  const t0 = Date.now();
  const name = FIGURES_NAME;
  const dataDir = join(s.cache, `figures-v${FIGURES_RECIPE_VERSION}-s${FIGURES_DATA_SEED}-${FIGURES_IMAGE}`);
  const { work, book, compile, runtime } = await openStarterRun<State>(s, name, dataDir);
  const { state } = book;
  const log = starterLog;

  // ---- data ----
  const ds = await writeFigureDataset({ outDir: dataDir, count: s.figures, seed: FIGURES_DATA_SEED, width: FIGURES_IMAGE, height: FIGURES_IMAGE });
  log(`dataset: ${ds.written} figures written, ${ds.reused} reused, pose pool ${ds.poolSize} (${(ds.ms / 1000).toFixed(1)} s)`);
  const set = await ImageSet.open({
    folder: dataDir, mode: 'pose', size: FIGURES_CROP, resize: s.resize, cacheDir: join(work, `prepared-${s.resize}`), memoryBytes: 512 * 1024 * 1024,
  });
  log(`image set: ${set.train.length} train / ${set.heldOut.length} held out (${set.report.skipped.length} skipped), resize ${s.resize}, crops ${FIGURES_CROP}`);

  // ---- stage 1: condition VQGAN on stickman planes (or one adopted with --cond-from), with the reconstruction gate ----
  const condW = s.condFrom
    ? await adoptVqganStage(book, 'cond', name, s.condFrom, 'cond', FIGURES_COND_STAGE)
    : await runVqganStage(book, 'cond', name, {
      arch: FIGURES_COND_STAGE, steps: s.condSteps, source: poseSource(set), lr: s.condLr, batch: s.batch, initSeed: 51, seed: 61, compile,
      config: { name, resize: s.resize }, samples: false, perceptual: poseWeightedL1,
    });
  const cModel = new VqganModel(vqganConfigFromArchitecture(FIGURES_COND_STAGE), vqganWeights(condW, FIGURES_COND_STAGE), runtime, 'condition stage');
  if (!state.cond!.reconstruction) {
    let limb = 0, limbPixels = 0, background = 0, n = 0;
    for (const img of set.heldOut.slice(0, 40)) {
      const p = await set.prepared(img);
      // The whole resized image (square figures: resize × resize, a multiple of the factor 8 for the defaults).
      const planes = stickmanPlanes(p.people ?? [], p.width, p.height);
      const { indices, height, width } = await cModel.encode(planes, 1, p.height, p.width);
      const rec = await cModel.decode(indices, 1, height, width); // [1, 3, H, W]
      const a = stickmanAccuracy(planes, rec);
      limb += a.limb * a.limbPixels;
      limbPixels += a.limbPixels;
      background += a.background;
      n++;
    }
    state.cond!.reconstruction = { figures: n, limb: limbPixels ? limb / limbPixels : 0, background: n ? background / n : 0, tolerance: 0.25 };
    await book.save();
  }
  const rec = state.cond!.reconstruction as { limb: number; background: number; figures: number };
  log(`cond: stickman reconstruction: limb pixels ${(100 * rec.limb).toFixed(1)} % right, background ${(100 * rec.background).toFixed(1)} % (${rec.figures} held-out figures)`);
  if (rec.limb < s.minCondAcc) {
    throw new Error(`cond: stickman limb accuracy ${(100 * rec.limb).toFixed(1)} % is below --min-cond-acc ${s.minCondAcc}: the transformer would learn to ignore such codes. ` +
      `Train the condition stage longer (delete the cond entry of ${book.statePath} and rerun with a larger --cond-steps).`);
  }
  if (s.stopAfter === 'cond') return log('stopped after the condition stage (--stop-after cond); rerun without it to continue.');

  // ---- stage 2: first stage on figure crops ----
  const firstW = await runVqganStage(book, 'vqgan', name, {
    arch: FIGURES_FIRST_STAGE, steps: s.vqSteps, source: imageSetSource(set), lr: s.vqLr, batch: s.vqBatch, initSeed: 52, seed: 62, compile,
    config: { name, resize: s.resize, ...(s.decoderOnly ? { decoderOnly: true } : {}) }, samples: true, ...starterFirstStageLoss(s.vqSteps),
    init: (fresh) => initialWeights(s.initFrom, 'first_stage_model.', fresh), decoderOnly: s.decoderOnly,
  });
  if (s.stopAfter === 'vqgan') return log('stopped after the first stage (--stop-after vqgan); rerun without it to continue.');

  // ---- stage 3: GPT on (c, z) tokens of the frozen stages (kept from --init-from under --decoder-only) ----
  const gptCfg = gptConfigFromArchitecture(FIGURES_GPT);
  let gptW = s.decoderOnly ? await keptTransformer(s.initFrom!, initParams('gpt', gptParameters(gptCfg), new TrainRng(53))) : await book.finishedWeights('gpt');
  if (gptW && !s.decoderOnly) log(`gpt: finished earlier (${state.gpt!.runDir})`);
  if (!gptW) {
    const zModel = new VqganModel(vqganConfigFromArchitecture(FIGURES_FIRST_STAGE), vqganWeights(firstW, FIGURES_FIRST_STAGE), runtime, 'first stage');
    // Tokens as generation sees them: each resized figure and its stickman encoded whole, 8×8 windows of the
    // grids (scene-token-source.ts: separately encoded crops get other codes under GroupNorm).
    const source = await gridTokenSource({
      train: set.train, heldOut: set.heldOut, window: FIGURES_CROP / zModel.factor, what: 'figure',
      encodeItem: async (item) => {
        const p = await set.prepared(item);
        return [await figureGrid(p, zModel, cModel), await figureGrid(mirrorFigure(p), zModel, cModel)];
      },
      cacheFile: join(work, `figure-tokens-${s.resize}.json`), cacheKey: `${state.vqgan!.runDir}|${state.cond!.runDir}|${s.resize}|mirrored`, log,
    });
    const ts = Date.now();
    const { run, resume } = await book.startOrResume('gpt', name, { kind: 'tessera-starter', name, stage: 'gpt', steps: s.gptSteps, batch: s.batch, lr: s.gptLr, architecture: FIGURES_GPT as unknown as JsonValue }, s.gptSteps);
    const res = await trainGpt(run, source, {
      gpt: gptCfg, init: await initialWeights(s.initFrom, 'transformer.', initParams('gpt', gptParameters(gptCfg), new TrainRng(53))), steps: s.gptSteps, batchSize: s.batch, lr: s.gptLr,
      warmupSteps: Math.min(100, Math.floor(s.gptSteps / 10)), minLr: s.gptLr / 10, seed: 63, checkpointEvery: Math.max(1, Math.min(100, s.gptSteps)),
      clipGradNorm: 1, compile,
    }, { onProgress: book.progress('gpt'), ...(resume ? { resume } : {}) });
    if (res.stopped) throw new Error('gpt: stopped; rerun the command to resume.');
    await book.complete('gpt', res, ts);
    log(`gpt: held-out NLL ${res.heldOutBefore?.toFixed(4)} -> ${res.heldOutAfter?.toFixed(4)} nats/token`);
    gptW = res.params;
  }

  // ---- bundle (fp16) ----
  const tensors = starterBundleTensors({ weights: firstW, arch: FIGURES_FIRST_STAGE }, { weights: condW, arch: FIGURES_COND_STAGE }, { weights: gptW, config: gptCfg });
  const fmt = (v: number | null | undefined): string => (typeof v === 'number' ? v.toFixed(4) : 'n/a');
  const draft: ManifestDraft = {
    name, kind: 'cond-transformer',
    firstStage: FIGURES_FIRST_STAGE,
    condStage: { kind: 'vqgan', architecture: FIGURES_COND_STAGE },
    transformer: FIGURES_GPT,
    condition: { mode: 'pose', key: 'pose' },
    permuter: { kind: 'identity' },
    firstStageKey: 'image',
    // Whole figures at the training size: the studio and `tessera generate` start there.
    outputSize: { width: s.resize, height: s.resize },
    provenance: {
      source: `trained by \`npm run train:starter -- ${name}\` on rendered figures (recipes/figures.ts) in poses of CMU motion capture (mocap.cs.cmu.edu)`,
      importedAt: new Date().toISOString(), tool: 'tessera train:starter',
      globalStep: (state.cond?.steps ?? 0) + (state.vqgan?.steps ?? 0) + (state.gpt?.steps ?? 0),
      notes: [
        `data: ${s.figures} figures ${FIGURES_IMAGE}×${FIGURES_IMAGE}, recipe figures v${FIGURES_RECIPE_VERSION}, seed ${FIGURES_DATA_SEED}; ${set.train.length} train / ${set.heldOut.length} held out; resize ${s.resize}, ${FIGURES_CROP}×${FIGURES_CROP} crops`,
        'condition: OpenPose COCO-18 stickman (sampling/pose-render.ts) on black, RGB in [-1, 1]',
        `condition VQGAN: ${state.cond?.steps} steps, held-out L1 ${fmt(state.cond?.heldOutBefore)} -> ${fmt(state.cond?.heldOutAfter)}, stickman limb accuracy ${(100 * rec.limb).toFixed(1)} %`,
        `first stage${s.decoderOnly ? `: decoder of ${s.initFrom} fine-tuned (--decoder-only; encoder and codebook kept), ` : ': '}${state.vqgan?.steps} steps, held-out L1 ${fmt(state.vqgan?.heldOutBefore)} -> ${fmt(state.vqgan?.heldOutAfter)}`,
        s.decoderOnly ? `transformer: kept from ${s.initFrom} (--decoder-only), not trained here`
          : `transformer: ${state.gpt?.steps} steps, held-out NLL ${fmt(state.gpt?.heldOutBefore)} -> ${fmt(state.gpt?.heldOutAfter)} nats/token`,
        'The data used in this project was obtained from mocap.cs.cmu.edu. The database was created with funding from NSF EIA-0196217.',
        'weights stored as float16',
      ],
    },
  };
  await writeStarterBundle(book, s.out, draft, tensors, s, t0);
}

export async function runFiguresRecipe(): Promise<void> {
  await main();
}

runIfMain(import.meta.url, main);
