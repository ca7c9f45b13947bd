/**
 * Measures a starter-landscapes-edges bundle (issue 9) and writes the numbers DATA.md reports:
 *  - faithfulness: edge F1 (edge-f1.ts, tolerance 2 px and 1 px) between the condition and the Canny edges
 *    (EDGE_CANNY) of the generated image, on held-out conditions: crops of scenes of a dataset seed never used for
 *    training (EDGES_HELD_OUT_SEED), the condition being the crop of the scene's Canny map, as in training;
 *  - references on the same conditions: real images (the condition is their own Canny map, so ≈ 1 up to the crop
 *    border — a sanity check), first-stage reconstructions of the real images (the ceiling this decoder allows),
 *    and two unconditional baselines: an unrelated real scene, and the image generated for another condition;
 *  - the condition VQGAN's reconstruction F1 (encode → decode → x̂ > 0) of the same conditions;
 *  - speed: seconds per 256×256 image (sliding window) on this machine;
 *  - a contact sheet PNG: condition | generated | real scene, one row per 256×256 held-out scene.
 * The outer BORDER pixels of every map are cleared before scoring (Canny never marks the outermost ring of an
 * image, while a crop of a scene's map can have edges there).
 *
 * `npx tsx recipes/evaluate-edges.ts <bundle dir> [--n 50] [--size 128] [--sheet out.png]
 *  [--json out.json] [--speed-runs 3]`
 */
import { resolve } from 'node:path';
import { loadBundle } from '../native-models/models/load';
import { loadBundleGenerator } from '../native-models/sampling/bundle-generator';
import { generate } from '../native-models/sampling/generate';
import { evaluatorArgs, emitReport, evalSampling, reportedSampling, samplingFields, firstStageRoundTrip, timedGenerations, writeContactSheet } from './evaluate-common';
import { runIfMain } from './starter-stages';
import { canny, rgbToGrey } from '../native-models/training/data/canny';
import { edgeMatch, pooled, scoreOf, type EdgeMatch, type EdgeScore } from './edge-f1';
import { generateLandscape, sceneSeed } from './landscapes';
import { conditionReconstructionF1, EDGE_CANNY } from './train-starter-edges';
import { STARTER_SCENE } from './starter-presets';

/** Dataset seed of the held-out scenes (the same as evaluate-starter's; training uses STARTER_DATA_SEED = 9). */
export const EDGES_HELD_OUT_SEED = 1009;
export const BORDER = 2;

/** Canny edges (EDGE_CANNY) of interleaved 8-bit RGB. */
export function edgesOf(rgb: Uint8Array, width: number, height: number): Uint8Array {
  return canny(rgbToGrey(rgb, width, height, 3), width, height, EDGE_CANNY).edges;
}

/** A copy of the mask with its outer `border` pixels cleared. */
export function clearBorder(mask: Uint8Array, width: number, height: number, border = BORDER): Uint8Array {
  const out = Uint8Array.from(mask);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) if (y < border || x < border || y >= height - border || x >= width - border) out[y * width + x] = 0;
  }
  return out;
}

function crop(src: Uint8Array, w: number, ch: number, x0: number, y0: number, cw: number, chh: number): Uint8Array {
  const out = new Uint8Array(cw * chh * ch);
  for (let y = 0; y < chh; y++) out.set(src.subarray(((y0 + y) * w + x0) * ch, ((y0 + y) * w + x0 + cw) * ch), y * cw * ch);
  return out;
}

const maskToGreyImage = (mask: Uint8Array, width: number, height: number): { kind: 'image'; width: number; height: number; channels: number; data: Uint8Array } => ({
  kind: 'image', width, height, channels: 1, data: Uint8Array.from(mask, (v) => (v ? 255 : 0)),
});

const summary = (s: EdgeScore, perImage: readonly number[]): Record<string, number> => ({
  f1: s.f1, precision: s.precision, recall: s.recall, meanImageF1: perImage.reduce((a, b) => a + b, 0) / Math.max(1, perImage.length),
});

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const sampling = evalSampling(argv);
  const { dir, flags } = evaluatorArgs(argv, 'evaluate-edges', 'usage: evaluate-edges.ts <bundle dir> [--n 50] [--size 128] [--sheet out.png] [--json out.json] [--speed-runs 3] [--top-k K] [--temperature T] [--window-stride S]');
  const n = flags.positive('--n', 50, true);
  const size = flags.positive('--size', 128, true);
  const speedRuns = flags.positive('--speed-runs', 3, true);
  const S = STARTER_SCENE;
  const log = (l: string): void => console.log(`[${new Date().toISOString().slice(11, 19)}] ${l}`);
  const gen = await loadBundleGenerator(resolve(dir));
  const loaded = await loadBundle(resolve(dir));
  if (loaded.kind !== 'cond-transformer' || loaded.condStage.kind !== 'vq' || loaded.condStage.mode !== 'edge') {
    throw new Error(`${dir} is not an edge-conditioned transformer bundle (condition mode edge).`);
  }

  // ---- held-out conditions: evalSize crops (8-aligned) of held-out scenes and of their Canny maps ----
  const items = Array.from({ length: n }, (_, i) => {
    const s = generateLandscape(sceneSeed(EDGES_HELD_OUT_SEED, i), S, S);
    const full = edgesOf(s.rgb, S, S);
    const x0 = ((i * 37) % ((S - size) / 8 + 1)) * 8;
    const y0 = ((i * 53) % ((S - size) / 8 + 1)) * 8;
    return { scene: s, fullEdges: full, cond: crop(full, S, 1, x0, y0, size, size), real: crop(s.rgb, S, 3, x0, y0, size, size) };
  });
  let density = 0;
  for (const it of items) density += it.fullEdges.reduce((a, b) => a + b, 0) / (S * S);
  log(`${n} held-out scenes (seed ${EDGES_HELD_OUT_SEED}), mean edge density ${(100 * density / n).toFixed(2)} % of pixels`);

  const tols = [2, 1] as const;
  const score = (pred: Uint8Array, ref: Uint8Array, tol: number): EdgeMatch => edgeMatch(clearBorder(pred, size, size), clearBorder(ref, size, size), size, size, tol);
  type Kind = 'generated' | 'real' | 'reconstruction' | 'unrelatedReal' | 'otherGenerated';
  const kinds: Kind[] = ['generated', 'real', 'reconstruction', 'unrelatedReal', 'otherGenerated'];
  const matches = new Map<string, EdgeMatch[]>();
  const perImage = new Map<string, number[]>();
  const push = (k: Kind, tol: number, m: EdgeMatch): void => {
    const key = `${k}@${tol}`;
    (matches.get(key) ?? matches.set(key, []).get(key)!).push(m);
    (perImage.get(key) ?? perImage.set(key, []).get(key)!).push(scoreOf(m).f1);
  };

  // ---- generate one image per condition ----
  const genEdges: Uint8Array[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const res = await generate(gen.models, {
      mode: 'edge', width: size, height: size, seed: 1000 + i, n: 1, ...samplingFields(sampling, gen.models),
      condition: maskToGreyImage(items[i]!.cond, size, size),
    });
    genEdges.push(edgesOf(res.images[0]!, size, size));
    if ((i + 1) % 10 === 0) log(`generated ${i + 1}/${n} (${((performance.now() - t0) / 1000 / (i + 1)).toFixed(2)} s each at ${size}×${size})`);
  }

  // ---- first-stage reconstructions of the real crops ----
  const recEdges: Uint8Array[] = [];
  for (const it of items) recEdges.push(edgesOf((await firstStageRoundTrip(gen.models, it.real, size, size)).rgb, size, size));

  for (let i = 0; i < n; i++) {
    const it = items[i]!;
    const j = (i + 1) % n;
    for (const tol of tols) {
      push('generated', tol, score(genEdges[i]!, it.cond, tol));
      push('real', tol, score(edgesOf(it.real, size, size), it.cond, tol));
      push('reconstruction', tol, score(recEdges[i]!, it.cond, tol));
      push('unrelatedReal', tol, score(edgesOf(items[j]!.real, size, size), it.cond, tol));
      push('otherGenerated', tol, score(genEdges[j]!, it.cond, tol));
    }
  }
  const faithfulness: Record<string, Record<string, Record<string, number>>> = {};
  for (const tol of tols) {
    const row: Record<string, Record<string, number>> = {};
    for (const k of kinds) row[k] = summary(pooled(matches.get(`${k}@${tol}`)!), perImage.get(`${k}@${tol}`)!);
    faithfulness[`tolerance${tol}px`] = row;
    log(`edge F1 @${tol}px: ${kinds.map((k) => `${k} ${row[k]!.f1!.toFixed(3)}`).join(', ')}`);
  }

  // ---- the condition VQGAN's own reconstruction of the conditions ----
  const condRec: Record<string, number> = {};
  for (const tol of tols) {
    const sc = await conditionReconstructionF1(loaded.condStage.model, items.map((it) => ({ edges: it.fullEdges, width: S, height: S })), tol);
    condRec[`f1At${tol}px`] = sc.f1;
    condRec[`precisionAt${tol}px`] = sc.precision;
    condRec[`recallAt${tol}px`] = sc.recall;
  }
  log(`condition VQGAN reconstruction: ${JSON.stringify(condRec)}`);

  // ---- speed at 256×256 + contact sheet rows ----
  const shown = items.slice(0, speedRuns);
  const { results, speed } = await timedGenerations(gen.models, shown.map((it) => ({ mode: 'edge' as const, width: S, height: S, condition: maskToGreyImage(it.fullEdges, S, S) })), log, sampling);
  const rows = shown.map((it, i) => [Uint8Array.from({ length: S * S * 3 }, (_, k) => (it.fullEdges[Math.floor(k / 3)] ? 255 : 0)), results[i]!.images[0]!, it.scene.rgb]);

  const sheetPath = flags.value('--sheet');
  if (sheetPath && rows.length) {
    await writeContactSheet(sheetPath, rows, S, { colours: 128 });
    log(`contact sheet ${sheetPath} (rows: condition | generated | real scene)`);
  }
  const report = {
    bundle: gen.name, sha256: gen.sha256, device: gen.device, sampling: reportedSampling(sampling, gen.models), heldOutSeed: EDGES_HELD_OUT_SEED, n, size, canny: EDGE_CANNY, border: BORDER,
    edgeDensity: density / n, faithfulness, conditionReconstruction: condRec, speed,
  };
  await emitReport(argv, report);
}

runIfMain(import.meta.url, main);
