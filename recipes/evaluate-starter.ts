/**
 * Measures a starter-landscapes bundle (issue 9) and writes the numbers DATA.md reports:
 *  - first-stage reconstruction on held-out scenes (a dataset seed never trained on): PSNR, codebook usage;
 *  - condition stage: code purity and pixel accuracy of its label reconstruction (`cond-purity.ts`);
 *  - faithfulness: a per-pixel classifier over colour/texture features (`pixel-classifier.ts`: multi-scale box means,
 *    local deviations and gradient energy → a small MLP), fitted on training scenes, labels generated images; agreement
 *    with the requested layout on held-out layouts; as ceilings, the same agreement on the real held-out images and on
 *    their first-stage reconstructions (what a transformer that picked the real image's tokens would score);
 *  - speed: seconds per 256×256 image (sliding window) on this machine;
 *  - a contact sheet PNG: layout | generated | real scene, one row per held-out layout.
 *
 * `npx tsx recipes/evaluate-starter.ts <bundle dir> [--n 50] [--sheet out.png] [--json out.json]`
 */
import { resolve } from 'node:path';
import { loadBundleGenerator } from '../native-models/sampling/bundle-generator';
import { generate } from '../native-models/sampling/generate';
import { evaluatorArgs, emitReport, evalSampling, reportedSampling, samplingFields, firstStageRoundTrip, reconstructionStats, timedGenerations, writeContactSheet } from './evaluate-common';
import { runIfMain } from './starter-stages';
import { conditionPurity, loadConditionStage } from './cond-purity';
import { generateLandscape, LANDSCAPE_CLASSES, sceneSeed } from './landscapes';
import { classifyPixels, fitPixelClassifier } from './pixel-classifier';
import { STARTER_DATA_SEED, STARTER_SCENE } from './starter-presets';

/** Seed of the held-out scenes: never used for training (training uses STARTER_DATA_SEED). */
export const HELD_OUT_SEED = 1009;
function agreement(a: Uint8Array, b: Uint8Array): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

function crop(src: Uint8Array, w: number, ch: number, x0: number, y0: number, cw: number, chh: number): Uint8Array {
  const out = new Uint8Array(cw * chh * ch);
  for (let y = 0; y < chh; y++) out.set(src.subarray(((y0 + y) * w + x0) * ch, ((y0 + y) * w + x0 + cw) * ch), y * cw * ch);
  return out;
}

function labelsToRgb(labels: Uint8Array): Uint8Array {
  const out = new Uint8Array(labels.length * 3);
  for (let i = 0; i < labels.length; i++) out.set(LANDSCAPE_CLASSES[labels[i]!]!.color, i * 3);
  return out;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const sampling = evalSampling(argv);
  const { dir, flags } = evaluatorArgs(argv, 'evaluate-starter', 'usage: evaluate-starter.ts <bundle dir> [--n 50] [--sheet out.png] [--json out.json] [--size 128] [--top-k K] [--temperature T] [--window-stride S]');
  const n = flags.positive('--n', 50, true);
  const evalSize = flags.positive('--size', 128, true);
  const speedRuns = flags.positive('--speed-runs', 3, true);
  const nC = LANDSCAPE_CLASSES.length;
  const S = STARTER_SCENE;
  const log = (l: string): void => console.log(`[${new Date().toISOString().slice(11, 19)}] ${l}`);
  const gen = await loadBundleGenerator(resolve(dir));
  const { models } = gen;

  // ---- classifier on training scenes ----
  const train = Array.from({ length: 40 }, (_, i) => {
    const s = generateLandscape(sceneSeed(STARTER_DATA_SEED, i), S, S);
    return { rgb: s.rgb, labels: s.labels, w: S, h: S };
  });
  const cl = fitPixelClassifier(train, nC);
  log('classifier fitted on 40 training scenes');
  const classify = (rgb: Uint8Array, w: number, h: number): Uint8Array => classifyPixels(cl, rgb, w, h);
  // The same classifier fitted on this bundle's first-stage reconstructions of the same training scenes: it
  // measures layout-following with the first stage's rendering (colour shifts, blur) taken as given.
  const rendered = [];
  for (const t of train) rendered.push({ ...t, rgb: (await firstStageRoundTrip(models, t.rgb, S, S)).rgb });
  const clR = fitPixelClassifier(rendered, nC);
  const classifyR = (rgb: Uint8Array, w: number, h: number): Uint8Array => classifyPixels(clR, rgb, w, h);
  log('second classifier fitted on the first stage\'s reconstructions of the 40 training scenes');

  // ---- condition stage ----
  const purity = await conditionPurity(await loadConditionStage(resolve(dir)), 10);
  log(`condition stage: ${JSON.stringify(purity)}`);

  // ---- held-out scenes ----
  const held = Array.from({ length: n }, (_, i) => generateLandscape(sceneSeed(HELD_OUT_SEED, i), S, S));

  // ---- VQGAN reconstruction ----
  const recon = await reconstructionStats(models, held.slice(0, Math.min(20, n)).map((h) => h.rgb), S);
  log(`reconstruction: ${JSON.stringify(recon)}`);

  // ---- faithfulness on held-out layouts (evalSize crops of held-out scenes, same scale as training) ----
  let agreeGen = 0, agreeReal = 0, agreeRec = 0, agreeGenR = 0, agreeRecR = 0;
  const perImage: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = held[i]!;
    const x0 = ((i * 37) % ((S - evalSize) / 8 + 1)) * 8;
    const y0 = ((i * 53) % ((S - evalSize) / 8 + 1)) * 8;
    const labels = crop(s.labels, S, 1, x0, y0, evalSize, evalSize);
    const real = crop(s.rgb, S, 3, x0, y0, evalSize, evalSize);
    const res = await generate(models, {
      mode: 'semantic', width: evalSize, height: evalSize, seed: 1000 + i, n: 1, ...samplingFields(sampling, models),
      condition: { kind: 'labels', map: { width: evalSize, height: evalSize, labels: Int32Array.from(labels) } },
    });
    const a = agreement(classify(res.images[0]!, evalSize, evalSize), labels);
    perImage.push(a);
    agreeGen += a;
    agreeReal += agreement(classify(real, evalSize, evalSize), labels);
    const rec = (await firstStageRoundTrip(models, real, evalSize, evalSize)).rgb;
    agreeRec += agreement(classify(rec, evalSize, evalSize), labels);
    agreeGenR += agreement(classifyR(res.images[0]!, evalSize, evalSize), labels);
    agreeRecR += agreement(classifyR(rec, evalSize, evalSize), labels);
    const pc = (v: number): string => `${(100 * v / (i + 1)).toFixed(1)}%`;
    if ((i + 1) % 10 === 0) log(`faithfulness ${i + 1}/${n}: generated ${pc(agreeGen)} (rendered-fit classifier ${pc(agreeGenR)}), real ${pc(agreeReal)}, reconstructed ${pc(agreeRec)} (${pc(agreeRecR)})`);
  }
  const faith = {
    n, size: evalSize, generatedAgreement: agreeGen / n, realAgreement: agreeReal / n, reconstructedAgreement: agreeRec / n, minImage: Math.min(...perImage),
    renderedFit: { generatedAgreement: agreeGenR / n, reconstructedAgreement: agreeRecR / n },
  };

  // ---- speed at 256×256 + contact sheet rows ----
  const shown = held.slice(0, speedRuns);
  const { results, speed } = await timedGenerations(models, shown.map((h) => ({
    mode: 'semantic' as const, width: S, height: S, condition: { kind: 'labels' as const, map: { width: S, height: S, labels: Int32Array.from(h.labels) } },
  })), log, sampling);
  const rows = shown.map((h, i) => [labelsToRgb(h.labels), results[i]!.images[0]!, h.rgb]);

  const sheetPath = flags.value('--sheet');
  if (sheetPath && rows.length) {
    await writeContactSheet(sheetPath, rows, S);
    log(`contact sheet ${sheetPath} (rows: layout | generated | real scene)`);
  }
  const report = { bundle: gen.name, sha256: gen.sha256, device: gen.device, sampling: reportedSampling(sampling, gen.models), reconstruction: recon, conditionStage: purity, faithfulness: faith, speed };
  await emitReport(argv, report);
}

runIfMain(import.meta.url, main);
