/**
 * How well a starter-landscapes condition stage (the label-map VQGAN) separates the layout classes, measured on
 * held-out scenes (dataset seed HELD_OUT_SEED, never trained on):
 *  - code purity: each 8×8 label patch has a majority class; each code gets the majority of its patches' classes;
 *    purity = share of patches whose class is their code's class (1 = the c-tokens alone determine the class);
 *  - pixel accuracy: encode → decode → argmax over the class logits, compared with the label map per pixel.
 * Runs 1/2 had 78 % purity; the transformer stage should only start from a condition stage with ≥ 95 %.
 *
 * `npx tsx recipes/cond-purity.ts <condition-stage run dir | bundle dir> [--n 10]`
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadLatestCheckpoint } from '../native-models/training/checkpoint';
import { loadBundle, VqganModel, vqganConfigFromArchitecture } from '../native-models/models/load';
import { vqganParameters } from '../native-models/models/vqgan';
import { oneHot } from '../native-models/training/data/crops';
import { generateLandscape, LANDSCAPE_CLASSES, sceneSeed } from './landscapes';
import { LANDSCAPES_COND_STAGE, STARTER_SCENE } from './starter-presets';

export const PURITY_HELD_OUT_SEED = 1009;

export interface PurityReport {
  scenes: number;
  patches: number;
  purity: number;
  pixelAccuracy: number;
  codesUsed: number;
}

/** Code purity and pixel accuracy of `model` (a condition-stage VQGAN) on `n` held-out scenes. */
export async function conditionPurity(model: VqganModel, n: number): Promise<PurityReport> {
  const S = STARTER_SCENE, nC = LANDSCAPE_CLASSES.length, f = 8, g = S / f;
  const pairs: { code: number; cls: number }[] = [];
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const labels = generateLandscape(sceneSeed(PURITY_HELD_OUT_SEED, i), S, S).labels; // [S·S]
    const x = oneHot(labels, nC); // [1, C, S, S]
    const enc = await model.encode(x, 1, S, S);
    const logits = await model.decode(enc.indices, 1, enc.height, enc.width); // [1, C, S, S]
    for (let p = 0; p < S * S; p++) {
      let best = 0;
      for (let c = 1; c < nC; c++) if (logits[c * S * S + p]! > logits[best * S * S + p]!) best = c;
      if (best === labels[p]) correct++;
    }
    for (let gy = 0; gy < g; gy++) {
      for (let gx = 0; gx < g; gx++) {
        const hist = new Array<number>(nC).fill(0);
        for (let y = 0; y < f; y++) for (let xx = 0; xx < f; xx++) hist[labels[(gy * f + y) * S + gx * f + xx]!]!++;
        pairs.push({ code: enc.indices[gy * enc.width + gx]!, cls: hist.indexOf(Math.max(...hist)) });
      }
    }
  }
  const byCode = new Map<number, number[]>();
  for (const { code, cls } of pairs) {
    const h = byCode.get(code) ?? new Array<number>(nC).fill(0);
    h[cls]!++;
    byCode.set(code, h);
  }
  let pure = 0;
  for (const h of byCode.values()) pure += Math.max(...h);
  return { scenes: n, patches: pairs.length, purity: pure / pairs.length, pixelAccuracy: correct / (n * S * S), codesUsed: byCode.size };
}

/** The condition VQGAN of a bundle dir, or of a condition-stage run dir (its newest checkpoint). */
export async function loadConditionStage(path: string): Promise<VqganModel> {
  const cfg = vqganConfigFromArchitecture(LANDSCAPES_COND_STAGE);
  const shapes = new Map(vqganParameters(cfg).map((p) => [p.name, [...p.shape]]));
  if (existsSync(join(path, 'manifest.json'))) {
    const b = await loadBundle(path, { runtime: { intraOpThreads: 1 } });
    if (b.kind !== 'cond-transformer' || b.condStage.kind !== 'vq') throw new Error(`cond-purity: ${path} has no VQ condition stage.`);
    return b.condStage.model;
  }
  const ck = await loadLatestCheckpoint(join(path, 'checkpoints'));
  if (!ck) throw new Error(`cond-purity: ${path} has neither a manifest.json (bundle) nor a readable checkpoint in checkpoints/.`);
  const w = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, shape] of shapes) {
    const t = ck.state.params[name];
    if (!t || !(t.data instanceof Float32Array)) throw new Error(`cond-purity: the checkpoint in ${path} lacks ${name}; is this a condition-stage run?`);
    w.set(name, { shape, data: t.data });
  }
  return new VqganModel(cfg, w, { runtime: { intraOpThreads: 1 } }, 'condition stage');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const dir = argv[0];
  const ni = argv.indexOf('--n');
  if (!dir) {
    console.error('usage: cond-purity.ts <condition-stage run dir | bundle dir> [--n 10]');
    process.exit(1);
  }
  loadConditionStage(resolve(dir))
    .then((m) => conditionPurity(m, ni >= 0 ? Number(argv[ni + 1]) : 10))
    .then((r) => console.log(JSON.stringify(r)))
    .catch((e: unknown) => {
      console.error(e instanceof Error ? e.stack ?? e.message : String(e));
      process.exit(1);
    });
}
