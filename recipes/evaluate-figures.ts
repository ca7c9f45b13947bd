/**
 * Measures a starter-figures bundle (issue 9) and writes the numbers DATA.md reports.
 *
 * Pose faithfulness by rendering consistency: does the generated figure occupy the limbs that were asked for?
 *  - A figure/background pixel classifier (pixel-classifier.ts, 2 classes, colour + texture features, no image
 *    coordinates) is fitted on training-seed figures, whose exact silhouettes the renderer gives (`Figure.mask`).
 *  - Held-out poses: figures of a dataset seed never used for training (FIGURES_HELD_OUT_SEED), rendered at the
 *    evaluation size; the condition is their COCO-18 keypoints, rendered by generation into the OpenPose stickman.
 *  - For each generated image, the classifier's figure mask M is compared with
 *      limb coverage = |M ∩ L| / |L|, L = the pixels of the requested bones (the stickman drawn 1 px thin: the
 *      conditioning stickman's 8 px strokes are wider than the figure's limbs);
 *      silhouette IoU = |M ∩ S| / |M ∪ S|, S = the held-out figure's true silhouette in that pose (its outfit and
 *      build differ from what the model chose, so even a perfect model stays below 1).
 *  - References on the same poses: the real held-out figures (the classifier's own ceiling), their first-stage
 *    reconstructions (the ceiling this decoder allows), and the baseline of a mismatched pose — the image
 *    generated for pose i+1 scored against pose i — which is what a model that ignores its condition gets.
 * Also: the first stage's PSNR and code usage on held-out figures, the condition VQGAN's stickman reconstruction accuracy (stickmanAccuracy) on the held-out poses, speed
 * (seconds per image at the evaluation size and at 256×256) and a contact sheet: rows of
 * stickman | generated | real held-out figure, two poses per row.
 *
 * `npx tsx recipes/evaluate-figures.ts <bundle dir> [--n 50] [--size 128] [--sheet out.png]
 *  [--json out.json] [--speed-runs 3] [--sheet-rows 4]`
 */
import { resolve } from 'node:path';
import { loadBundle } from '../native-models/models/load';
import { loadBundleGenerator } from '../native-models/sampling/bundle-generator';
import { generate } from '../native-models/sampling/generate';
import { renderPose } from '../native-models/sampling/pose-render';
import { evaluatorArgs, emitReport, evalSampling, reportedSampling, samplingFields, firstStageRoundTrip, reconstructionStats, timedGenerations, writeContactSheet } from './evaluate-common';
import { runIfMain } from './starter-stages';
import { generateFigure, loadPosePool, type Figure, type FigurePosePool } from './figures';
import { sceneSeed } from './landscapes';
import { classifyPixels, fitPixelClassifier, type PixelClassifier } from './pixel-classifier';
import { stickmanAccuracy, stickmanPlanes } from './train-starter-figures';
import { FIGURES_DATA_SEED, FIGURES_RESIZE } from './starter-presets';

/** Dataset seed of the held-out figures (training uses FIGURES_DATA_SEED = 9). */
export const FIGURES_HELD_OUT_SEED = 1009;

/** Pixel counts behind limb coverage and silhouette IoU of one predicted figure mask. */
export interface MaskScore {
  limbPixels: number;
  limbCovered: number;
  intersection: number;
  union: number;
}

/** Requested-bone pixels [H·W] (1 = on a bone of the stickman drawn 1 px thin) of one person's keypoints. */
export function limbMask(keypoints: ArrayLike<number>, width: number, height: number): Uint8Array {
  const rgb = renderPose([{ keypoints }], width, height, { stickWidth: 1, radius: 1 }); // [H, W, 3]
  const out = new Uint8Array(width * height);
  for (let p = 0; p < out.length; p++) out[p] = rgb[p * 3]! || rgb[p * 3 + 1]! || rgb[p * 3 + 2]! ? 1 : 0;
  return out;
}

/** Scores a predicted figure mask against the requested limbs and the true silhouette (all [H·W], 1 = figure). */
export function scoreFigureMask(pred: Uint8Array, limbs: Uint8Array, silhouette: Uint8Array): MaskScore {
  if (pred.length !== limbs.length || pred.length !== silhouette.length) throw new Error('scoreFigureMask: masks of different sizes.');
  const s: MaskScore = { limbPixels: 0, limbCovered: 0, intersection: 0, union: 0 };
  for (let p = 0; p < pred.length; p++) {
    const m = pred[p] ? 1 : 0;
    if (limbs[p]) {
      s.limbPixels++;
      s.limbCovered += m;
    }
    const t = silhouette[p] ? 1 : 0;
    s.intersection += m & t;
    s.union += m | t;
  }
  return s;
}

/** Pooled limb coverage and mean per-image IoU of a list of scores. */
export function summarise(scores: readonly MaskScore[]): { limbCoverage: number; meanIoU: number; n: number } {
  const limb = scores.reduce((a, s) => a + s.limbPixels, 0);
  const covered = scores.reduce((a, s) => a + s.limbCovered, 0);
  const iou = scores.reduce((a, s) => a + (s.union ? s.intersection / s.union : 1), 0);
  return { limbCoverage: limb ? covered / limb : 0, meanIoU: scores.length ? iou / scores.length : 0, n: scores.length };
}

/** Silhouette of a rendered figure: [H·W], 1 where the figure covers at least half the pixel. */
export function silhouetteOf(f: Figure): Uint8Array {
  return Uint8Array.from(f.mask, (v) => (v >= 128 ? 1 : 0));
}

/** The figure/background classifier, fitted on `count` training-seed figures at size × size. */
export function fitFigureClassifier(pool: FigurePosePool, size: number, count = 60): PixelClassifier {
  const images = Array.from({ length: count }, (_, i) => {
    const f = generateFigure(pool, sceneSeed(FIGURES_DATA_SEED, i), size, size);
    return { rgb: f.rgb, labels: silhouetteOf(f), w: size, h: size };
  });
  return fitPixelClassifier(images, 2, { samples: 150_000 });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const sampling = evalSampling(argv);
  const { dir, flags } = evaluatorArgs(argv, 'evaluate-figures', 'usage: evaluate-figures.ts <bundle dir> [--n 50] [--size 128] [--sheet out.png] [--json out.json] [--speed-runs 3] [--sheet-rows 4] [--top-k K] [--temperature T] [--window-stride S]');
  const n = flags.positive('--n', 50, true);
  const size = flags.positive('--size', FIGURES_RESIZE, true);
  const speedRuns = flags.positive('--speed-runs', 3, true);
  const sheetRows = flags.positive('--sheet-rows', 4, true);
  const log = (l: string): void => console.log(`[${new Date().toISOString().slice(11, 19)}] ${l}`);
  const gen = await loadBundleGenerator(resolve(dir));
  const loaded = await loadBundle(resolve(dir));
  if (loaded.kind !== 'cond-transformer' || loaded.condStage.kind !== 'vq' || loaded.condStage.mode !== 'pose') {
    throw new Error(`${dir} is not a pose-conditioned transformer bundle (condition mode pose).`);
  }
  const { models } = gen;
  const pool = await loadPosePool();

  const t0 = performance.now();
  const cl = fitFigureClassifier(pool, size);
  log(`figure/background classifier fitted in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const classify = (rgb: Uint8Array): Uint8Array => classifyPixels(cl, rgb, size, size);

  const held = Array.from({ length: n }, (_, i) => generateFigure(pool, sceneSeed(FIGURES_HELD_OUT_SEED, i), size, size));
  const limbs = held.map((f) => limbMask(f.keypoints, size, size));
  const sils = held.map(silhouetteOf);

  // ---- first stage: reconstruction of the held-out figures ----
  const reconstruction = await reconstructionStats(models, held.slice(0, Math.min(20, n)).map((f) => f.rgb), size);
  log(`first-stage reconstruction: ${JSON.stringify(reconstruction)}`);

  // ---- condition VQGAN: stickman reconstruction of the held-out poses ----
  let limbOk = 0, limbAll = 0, bg = 0;
  for (const f of held) {
    const planes = stickmanPlanes([Float32Array.from(f.keypoints)], size, size);
    const { indices, height, width } = await loaded.condStage.model.encode(planes, 1, size, size);
    const a = stickmanAccuracy(planes, await loaded.condStage.model.decode(indices, 1, height, width));
    limbOk += a.limb * a.limbPixels;
    limbAll += a.limbPixels;
    bg += a.background;
  }
  const conditionStage = { limbPixelsRight: limbAll ? limbOk / limbAll : 0, backgroundRight: bg / n, tolerance: 0.25 };
  log(`condition VQGAN stickman reconstruction: limb pixels ${(100 * conditionStage.limbPixelsRight).toFixed(1)} %, background ${(100 * conditionStage.backgroundRight).toFixed(1)} %`);

  // ---- one generated image per held-out pose ----
  const generated: Uint8Array[] = [];
  const tg = performance.now();
  for (let i = 0; i < n; i++) {
    const res = await generate(models, {
      mode: 'pose', width: size, height: size, seed: 1000 + i, n: 1, ...samplingFields(sampling, models),
      condition: { kind: 'pose', people: [{ keypoints: held[i]!.keypoints }] },
    });
    generated.push(res.images[0]!);
    if ((i + 1) % 10 === 0) log(`generated ${i + 1}/${n} (${((performance.now() - tg) / 1000 / (i + 1)).toFixed(2)} s each at ${size}×${size})`);
  }
  const secondsAtSize = (performance.now() - tg) / 1000 / n;

  const scores = { generated: [] as MaskScore[], real: [] as MaskScore[], reconstruction: [] as MaskScore[], mismatchedPose: [] as MaskScore[] };
  const genMasks = generated.map(classify);
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    scores.generated.push(scoreFigureMask(genMasks[i]!, limbs[i]!, sils[i]!));
    scores.mismatchedPose.push(scoreFigureMask(genMasks[j]!, limbs[i]!, sils[i]!));
    scores.real.push(scoreFigureMask(classify(held[i]!.rgb), limbs[i]!, sils[i]!));
    scores.reconstruction.push(scoreFigureMask(classify((await firstStageRoundTrip(models, held[i]!.rgb, size, size)).rgb), limbs[i]!, sils[i]!));
  }
  const faithfulness = Object.fromEntries(Object.entries(scores).map(([k, v]) => [k, summarise(v)]));
  for (const [k, v] of Object.entries(faithfulness)) log(`${k}: limb coverage ${(100 * v.limbCoverage).toFixed(1)} %, silhouette IoU ${v.meanIoU.toFixed(3)}`);

  // ---- speed at 256×256 (the figure scaled up: a size the model was not trained for; timing only) ----
  const k256 = 256 / size;
  const { speed: at256 } = await timedGenerations(models, held.slice(0, speedRuns).map((f) => ({
    mode: 'pose' as const, width: 256, height: 256,
    condition: { kind: 'pose' as const, people: [{ keypoints: Float64Array.from(f.keypoints, (v, q) => (q % 3 === 2 ? v : v * k256)) }] },
  })), log, sampling);
  const speed = { size, secondsAtSize, at256 };

  const sheetPath = flags.value('--sheet');
  if (sheetPath) {
    const stick = (i: number): Uint8Array => renderPose([{ keypoints: held[i]!.keypoints }], size, size);
    const rows = Array.from({ length: Math.min(sheetRows, Math.floor(n / 2)) }, (_, r) => [2 * r, 2 * r + 1].flatMap((i) => [stick(i), generated[i]!, held[i]!.rgb]));
    await writeContactSheet(sheetPath, rows, size);
    log(`contact sheet ${sheetPath} (per pose: stickman | generated | real held-out figure)`);
  }
  const report = { bundle: gen.name, sha256: gen.sha256, device: gen.device, sampling: reportedSampling(sampling, gen.models), heldOutSeed: FIGURES_HELD_OUT_SEED, n, size, reconstruction, conditionStage, faithfulness, speed };
  await emitReport(argv, report);
}

runIfMain(import.meta.url, main);
