/**
 * `npm run train:starter -- starter-landscapes-edges [options]` (issue 9): the edge → image starter, trained with
 * Tessera's own trainers on the same procedural landscapes as starter-landscapes (train-starter.ts).
 *
 * Condition: the Canny edge map of each 256×256 scene (training/data/canny.ts, thresholds EDGE_CANNY = 0.02 / 0.05:
 * the fine-tuning default 0.05 / 0.10 finds almost nothing in these soft scenes), as one plane, edges +1 on −1 —
 * exactly what generation builds from a white-on-black edge PNG.
 *
 * Stages, each a resumable run folder under `<cache>/starter-landscapes-edges/runs`:
 *  0. first stage: NOT trained here. The finished first-stage VQGAN of starter-landscapes is copied once into
 *     `<cache>/starter-landscapes-edges/first-stage.safetensors` (float32, its source and sha256 in state.json),
 *     so a later retraining of starter-landscapes cannot change the tokens under a half-trained transformer.
 *     Source: --first-stage <bundle dir | run dir>, default the `vqgan` run recorded in
 *     `<cache>/starter-landscapes/state.json`.
 *  1. condition VQGAN on edge crops [1, 64, 64] → 8×8 c-tokens (f = 8; EDGES_COND_STAGE), no discriminator.
 *     Loss: L1 on the ±1 plane + a positive-weighted binary cross-entropy on logits EDGE_LOGIT_SCALE·x̂
 *     (`edgeBce`; L1 alone on 2–4 % edge pixels settles on the all-background median). After training, the
 *     reconstruction edge F1 (decoder output > 0 vs the Canny map, 1 px tolerance) of held-out scenes is
 *     measured and recorded; below --min-cond-f1 (default 0.7) the recipe stops before the transformer, because
 *     an uninformative condition stage makes the transformer ignore the condition (starter-landscapes runs 1–2).
 *     A larger --cond-steps after the stage finished continues it in a new run from its weights.
 *  2. GPT on cat(c, z) tokens of the frozen stages (block 128 = 64 + 64), taming's shared token table.
 * The bundle (fp16, condition mode `edge`) goes to native-models/zoo/starter-landscapes-edges (or --out).
 *
 * Options: --cache DIR, --out DIR, --first-stage DIR, --cond-from DIR (adopt that bundle's condition stage), --init-from BUNDLE (start the GPT from that bundle's), --scenes N, --cond-steps N, --gpt-steps N, --cond-lr X,
 * --gpt-lr X, --batch N, --threads N, --min-cond-f1 X, --stop-after cond, --tokens scenes|crops (the GPT's training tokens:
 * windows of whole encoded scenes, the default, or separately encoded crops as the shipped run 2), --decoder-only (with
 * --init-from: fine-tune the decoder of that bundle's first stage for --vq-steps at --vq-batch, the starter-landscapes
 * first-stage loss; encoder and codebook stay frozen, so the codes do not change and the bundle's transformer is kept,
 * not retrained), --smoke.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ManifestDraft, VqganArchitecture } from '../native-models/formats/bundle';
import { bytesToFloat32 } from '../native-models/formats/dtype';
import { openSafetensors, writeSafetensors, type TensorSource } from '../native-models/formats/safetensors';
import type { Tensor } from '../native-models/graph/graph';
import { gptParameters } from '../native-models/models/gpt';
import { gptConfigFromArchitecture, VqganModel, vqganConfigFromArchitecture } from '../native-models/models/load';
import { vqganParameters, type VqganConfig } from '../native-models/models/vqgan';
import type { JsonValue } from '../native-models/training/data/cache';
import { maskToPlane } from '../native-models/training/data/crops';
import { ImageSet } from '../native-models/training/data/dataset';
import { trainGpt } from '../native-models/training/gpt-trainer';
import { initParams } from '../native-models/training/init';
import { TrainRng } from '../native-models/training/rng';
import { imageTokenSource } from '../native-models/training/token-source';
import { imageSetSource, trainVqgan, type ImageSource } from '../native-models/training/vqgan-trainer';
import { edgeMatch, pooled, type EdgeMatch, type EdgeScore } from './edge-f1';
import { edgeCondition, sceneTokenSource } from './scene-token-source';
import { LANDSCAPE_RECIPE_VERSION, writeLandscapeDataset } from './landscapes';
import { defaultStarterCache, recipeFlags } from './recipe-flags';
import { adoptVqganStage, decoderOnlyFlag, initialWeights, keptTransformer, runIfMain, openStarterRun, runVqganStage, vqganStageFrom, starterLog, writeStarterBundle, type StageState } from './starter-stages';
import { starterBundleTensors, starterFirstStageLoss, vqganShapes, vqganWeights } from './train-starter';
import { EDGES_COND_STAGE, edgesGpt, STARTER_CROP, STARTER_DATA_SEED, STARTER_SCENE, STARTER_TOKEN_SCALES } from './starter-presets';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const EDGES_NAME = 'starter-landscapes-edges';

/** Canny thresholds of the condition (the examples' EXAMPLE_CANNY; σ = 1.4, the detector's default). */
export const EDGE_CANNY = { low: 0.02, high: 0.05 } as const;

/** Logit scale of the condition decoder's output and the weight of edge pixels in its cross-entropy. */
export const EDGE_LOGIT_SCALE = 4;
export const EDGE_POS_WEIGHT = 4;

/**
 * Positive-weighted binary cross-entropy of logits EDGE_LOGIT_SCALE·`xrec` against the edge plane `x` (edge +1,
 * background −1), both [B, 1, S, S] → per image mean [B]:
 * (1 − t)·softplus(l) + w·t·softplus(−l), t = (x + 1)/2, softplus(l) = relu(l) + log(1 + e^−|l|) (stable).
 */
export function edgeBce(x: Tensor, xrec: Tensor): Tensor {
  const [b, , h, w] = x.shape;
  const t = x.add(1).mul(0.5); // [B, 1, S, S] in {0, 1}
  const l = xrec.mul(EDGE_LOGIT_SCALE); // [B, 1, S, S]
  const sp = l.relu().add(l.abs().neg().exp().add(1).log()); // softplus(l) = −log(1 − σ(l))
  const loss = t.neg().add(1).mul(sp).add(t.mul(sp.sub(l)).mul(EDGE_POS_WEIGHT)); // [B, 1, S, S]
  return loss.sum([1, 2, 3]).div(h! * w!).reshape([b!]); // [B]
}

/** Edge crops of an ImageSet (opened in edges mode) as the condition VQGAN's images: [B, 1, S, S], ±1. */
export function edgeSource(set: ImageSet): ImageSource {
  return {
    size: set.size, trainSize: set.train.length, heldOutSize: set.heldOut.length,
    async images(split, indices, rng, augment) {
      const b = await set.batch(split, indices, rng, augment);
      if (!b.edges) throw new Error('edgeSource: the image set has no edge maps (open it in edges mode).');
      return maskToPlane(b.edges); // [B, 1, S, S]
    },
  };
}

/** Decoder output of the condition stage → edge mask (x̂ > 0, i.e. σ(logit) > ½). */
export function planeToMask(plane: Float32Array): Uint8Array {
  return Uint8Array.from(plane, (v) => (v > 0 ? 1 : 0));
}

/** Reconstruction edge F1 of a condition VQGAN on whole edge maps (encode → decode → x̂ > 0), pooled. */
export async function conditionReconstructionF1(model: VqganModel, maps: readonly { edges: Uint8Array; width: number; height: number }[], tol: number): Promise<EdgeScore> {
  const matches: EdgeMatch[] = [];
  for (const m of maps) {
    const { indices, height, width } = await model.encode(maskToPlane(m.edges), 1, m.height, m.width);
    const rec = await model.decode(indices, 1, height, width); // [1, 1, H, W]
    matches.push(edgeMatch(planeToMask(rec), m.edges, m.width, m.height, tol));
  }
  return pooled(matches);
}

interface Settings {
  cache: string;
  out: string;
  firstStage: string | null;
  /** A bundle or run folder whose condition stage to adopt instead of training one (same architecture). */
  condFrom: string | null;
  /** A starter-landscapes-edges bundle whose transformer the new GPT run starts from (continuing it). */
  initFrom: string | null;
  scenes: number;
  condSteps: number;
  gptSteps: number;
  condLr: number;
  gptLr: number;
  batch: number;
  threads: number;
  minCondF1: number;
  stopAfterCond: boolean;
  /**
   * The GPT's training tokens: 'scenes' (default since issue 14) = 8×8 windows of whole 256² scenes and their 128²
   * quadrants, each encoded once as generation encodes it (scene-token-source.ts); 'crops' = separately encoded
   * 64² crops (training/token-source.ts; the shipped run 2 was trained so).
   */
  tokens: 'scenes' | 'crops';
  /** Fine-tune only the first stage's decoder (of --init-from's first stage); the transformer of --init-from is kept. */
  decoderOnly: boolean;
  vqSteps: number;
  vqBatch: number;
  smoke: boolean;
}

function parseArgs(argv: readonly string[]): Settings {
  const flags = recipeFlags(argv, `train:starter ${EDGES_NAME}`);
  const val = flags.value;
  const num = flags.positive;
  const smoke = argv.includes('--smoke');
  const cache = resolve(val('--cache') ?? defaultStarterCache());
  const stop = val('--stop-after');
  if (stop !== undefined && stop !== 'cond') throw new Error(`train:starter ${EDGES_NAME}: --stop-after takes cond, got ${stop}.`);
  const minF1 = num('--min-cond-f1', smoke ? 1e-9 : 0.7, false);
  const tokens = val('--tokens') ?? 'scenes';
  if (tokens !== 'scenes' && tokens !== 'crops') throw new Error(`train:starter ${EDGES_NAME}: --tokens takes scenes or crops, got ${tokens}.`);
  if (minF1 > 1) throw new Error(`train:starter ${EDGES_NAME}: --min-cond-f1 is an F1 in (0, 1], got ${minF1}.`);
  const decoderOnly = decoderOnlyFlag(flags, `train:starter ${EDGES_NAME}`);
  return {
    smoke, cache,
    out: resolve(val('--out') ?? (smoke ? join(cache, `${EDGES_NAME}-smoke-bundle`) : join(REPO, 'native-models', 'zoo', EDGES_NAME))),
    firstStage: val('--first-stage') ?? (decoderOnly ? val('--init-from')! : null),
    condFrom: val('--cond-from') ?? null,
    initFrom: val('--init-from') ?? null,
    scenes: num('--scenes', smoke ? 24 : 400, true),
    condSteps: num('--cond-steps', smoke ? 3 : 1200, true),
    gptSteps: num('--gpt-steps', smoke ? 3 : 3000, true),
    condLr: num('--cond-lr', 7e-4, false),
    gptLr: num('--gpt-lr', 1e-3, false),
    batch: num('--batch', 8, true),
    threads: num('--threads', 2, true),
    minCondF1: minF1,
    stopAfterCond: stop === 'cond',
    tokens,
    decoderOnly,
    vqSteps: num('--vq-steps', smoke ? 3 : 3000, true),
    vqBatch: num('--vq-batch', 4, true),
  };
}

interface FirstStageState {
  source: string;
  sha256: string;
  architecture: VqganArchitecture;
}
interface State {
  firstStage?: FirstStageState;
  /** --decoder-only: the decoder fine-tuning of the copied first stage. */
  vqgan?: StageState;
  cond?: StageState;
  gpt?: StageState;
}

async function readFloat32Safetensors(path: string): Promise<Record<string, Float32Array>> {
  const f = await openSafetensors(path);
  try {
    const out: Record<string, Float32Array> = {};
    for (const [n, t] of f.tensors) out[n] = bytesToFloat32(t.dtype, await t.read());
    return out;
  } finally {
    await f.close();
  }
}

async function main(): Promise<void> {
  const s = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  const name = EDGES_NAME;
  const dataDir = join(s.cache, `landscapes-v${LANDSCAPE_RECIPE_VERSION}-s${STARTER_DATA_SEED}-${STARTER_SCENE}`);
  const { work, book, compile, runtime } = await openStarterRun<State>(s, name, dataDir);
  const { state } = book;
  const log = starterLog;

  // ---- data ----
  const ds = await writeLandscapeDataset({ outDir: dataDir, count: s.scenes, seed: STARTER_DATA_SEED, width: STARTER_SCENE, height: STARTER_SCENE });
  log(`dataset: ${ds.written} scenes written, ${ds.reused} reused (${(ds.ms / 1000).toFixed(1)} s)`);
  const set = await ImageSet.open({
    folder: dataDir, mode: 'edges', size: STARTER_CROP, resize: STARTER_SCENE, canny: { ...EDGE_CANNY },
    cacheDir: join(work, 'prepared'), memoryBytes: 512 * 1024 * 1024,
  });
  log(`image set: ${set.train.length} train / ${set.heldOut.length} held out (${set.report.skipped.length} skipped), Canny ${EDGE_CANNY.low} / ${EDGE_CANNY.high}`);

  // ---- stage 0: the first stage of starter-landscapes, copied once ----
  const firstPath = join(work, 'first-stage.safetensors');
  if (!state.firstStage || !existsSync(firstPath)) {
    let src = s.firstStage;
    if (!src) {
      const landscapeState = join(s.cache, 'starter-landscapes', 'state.json');
      if (!existsSync(landscapeState)) throw new Error(`${name} reuses the first stage of starter-landscapes: train it first (npm run train:starter -- starter-landscapes) or pass --first-stage <bundle dir>.`);
      const ls = JSON.parse(await readFile(landscapeState, 'utf8')) as { vqgan?: { runDir: string; done: boolean } };
      if (!ls.vqgan?.done) throw new Error(`${landscapeState}: the first stage of starter-landscapes has not finished; finish it or pass --first-stage <bundle dir>.`);
      src = ls.vqgan.runDir;
    }
    const fs = await vqganStageFrom(resolve(src), 'first');
    const shapes = vqganShapes(fs.architecture);
    const tensors: TensorSource[] = [...shapes].map(([n, shape]) => {
      const d = fs.weights[n];
      if (!d) throw new Error(`${fs.source}: first-stage weight ${n} is missing.`);
      return { name: n, dtype: 'float32', shape, data: new Uint8Array(d.buffer, d.byteOffset, d.byteLength) };
    });
    const w = await writeSafetensors(firstPath, tensors, { format: 'pt', producer: 'tessera' });
    state.firstStage = { source: fs.source, sha256: w.sha256, architecture: fs.architecture };
    await book.save();
    log(`first stage: copied from ${fs.source} (sha256 ${w.sha256.slice(0, 12)}…)`);
  }
  const firstArch = state.firstStage.architecture;
  const copiedW = await readFloat32Safetensors(firstPath);
  log(`first stage: ${state.firstStage.source}`);
  const firstW = !s.decoderOnly ? copiedW : await runVqganStage(book, 'vqgan', name, {
    arch: firstArch, steps: s.vqSteps, source: imageSetSource(set), lr: 7e-4, batch: s.vqBatch, initSeed: 12, seed: 22, compile,
    config: { name, decoderOnly: true, firstStage: state.firstStage.source }, samples: true, ...starterFirstStageLoss(s.vqSteps),
    init: () => Promise.resolve(copiedW), decoderOnly: true,
  });

  // ---- stage 1: condition VQGAN on edge planes ----
  const condCfg: VqganConfig = vqganConfigFromArchitecture(EDGES_COND_STAGE);
  let condW = s.condFrom ? await adoptVqganStage(book, 'cond', name, s.condFrom, 'cond', EDGES_COND_STAGE) : await book.finishedWeights('cond');
  if (s.condFrom) log(`cond: adopted (--cond-from ${s.condFrom}); not trained further`);
  else if (condW && state.cond!.steps < s.condSteps) log(`cond: continuing the finished stage (${state.cond!.steps} steps) to ${s.condSteps} steps in a new run from its weights`);
  if (!s.condFrom && (!condW || state.cond!.steps < s.condSteps)) {
    const fresh = (): Record<string, Float32Array> => initParams('vqgan', vqganParameters(condCfg), new TrainRng(31), { nEmbed: EDGES_COND_STAGE.n_embed });
    const { run, resume, init, base, steps } = await book.startContinuable('cond', name, {
      kind: 'tessera-starter', name, batch: s.batch, lr: s.condLr, architecture: EDGES_COND_STAGE as unknown as JsonValue, canny: { ...EDGE_CANNY },
    }, s.condSteps, fresh);
    const ts = Date.now();
    const res = await trainVqgan(run, edgeSource(set), {
      vqgan: condCfg, disc: null, init, steps, batchSize: s.batch, lr: s.condLr, warmupSteps: Math.min(100, Math.floor(steps / 10)), minLr: s.condLr / 10,
      discStart: steps + 1, seed: 41 + base, checkpointEvery: Math.max(1, Math.min(100, steps)), evalEvery: 0, sampleEvery: 0,
      restartDeadCodes: true, compile, perceptual: edgeBce,
    }, { onProgress: book.progress('cond'), ...(resume ? { resume } : {}) });
    if (res.stopped) throw new Error('cond: stopped; rerun the command to resume.');
    delete state.cond!.reconstruction; // measured again below for the new weights
    await book.complete('cond', { ...res, step: base + res.step }, ts);
    log(`cond: held-out L1 ${res.heldOutBefore?.toFixed(4)} -> ${res.heldOutAfter?.toFixed(4)}; codes used ${res.usage?.used}/${res.usage?.nEmbed}`);
    condW = Object.fromEntries(Object.entries(res.params).filter(([n]) => !n.startsWith('loss.')));
  } else if (!s.condFrom) log(`cond: finished earlier (${state.cond!.runDir}, ${state.cond!.steps} steps)`);
  if (!condW) throw new Error('cond: the condition stage has no weights after training (a recipe bug).');

  const cModel = new VqganModel(condCfg, vqganWeights(condW, EDGES_COND_STAGE), runtime, 'condition stage');
  if (!state.cond!.reconstruction) {
    const maps = await Promise.all(set.heldOut.slice(0, 40).map(async (img) => {
      const p = await set.prepared(img);
      if (!p.edges) throw new Error(`${img.relPath}: no edge map (the image set is not in edges mode).`);
      return { edges: p.edges, width: p.width, height: p.height };
    }));
    const sc = await conditionReconstructionF1(cModel, maps, 1);
    state.cond!.reconstruction = { scenes: maps.length, tolerancePx: 1, precision: sc.precision, recall: sc.recall, f1: sc.f1 };
    await book.save();
  }
  const rec = state.cond!.reconstruction as { f1: number; precision: number; recall: number; scenes: number };
  log(`cond: reconstruction edge F1 ${rec.f1.toFixed(3)} (P ${rec.precision.toFixed(3)}, R ${rec.recall.toFixed(3)}; ${rec.scenes} held-out scenes, 1 px)`);
  if (rec.f1 < s.minCondF1) {
    throw new Error(`cond: reconstruction edge F1 ${rec.f1.toFixed(3)} is below --min-cond-f1 ${s.minCondF1}: the transformer would learn to ignore such codes. ` +
      `Train the condition stage further (rerun with a larger --cond-steps, e.g. ${state.cond!.steps * 2}) before the transformer.`);
  }
  if (s.stopAfterCond) return log('stopped after the condition stage (--stop-after cond); rerun without it to continue.');

  // ---- stage 2: GPT on (c, z) tokens of the frozen stages ----
  const gptArch = edgesGpt(firstArch.n_embed);
  const gptCfg = gptConfigFromArchitecture(gptArch);
  let gptW = s.decoderOnly ? await keptTransformer(s.initFrom!, initParams('gpt', gptParameters(gptCfg), new TrainRng(33))) : await book.finishedWeights('gpt');
  const trainNow = !s.decoderOnly && !(gptW && state.gpt!.steps >= s.gptSteps);
  if (gptW && !s.decoderOnly) {
    log(trainNow ? `gpt: continuing the finished stage (${state.gpt!.steps} steps) to ${s.gptSteps} steps in a new run from its weights` : `gpt: finished earlier (${state.gpt!.runDir}, ${state.gpt!.steps} steps)`);
  }
  if (trainNow) {
    const zModel = new VqganModel(vqganConfigFromArchitecture(firstArch), vqganWeights(firstW, firstArch), runtime, 'first stage');
    const source = s.tokens === 'scenes'
      ? await sceneTokenSource({
        train: set.train, heldOut: set.heldOut, firstStage: zModel, condStage: cModel, condition: edgeCondition(EDGE_CANNY),
        datasetSeed: STARTER_DATA_SEED, sceneSize: STARTER_SCENE, scales: STARTER_TOKEN_SCALES, window: STARTER_CROP / zModel.factor,
        cacheFile: join(work, 'scene-tokens.json'), cacheKey: `sha256:${state.firstStage.sha256}|${state.cond!.runDir}|${STARTER_TOKEN_SCALES.join(',')}`, log,
      })
      : await imageTokenSource({
        set, firstStage: zModel, firstStageId: `sha256:${state.firstStage.sha256}`, cacheDir: join(work, 'tokens'),
        condition: { kind: 'vq', mode: 'edge', encoder: cModel, encoderId: `${state.cond!.runDir}:final` },
      });
    const seeded = await initialWeights(s.initFrom, 'transformer.', initParams('gpt', gptParameters(gptCfg), new TrainRng(33)));
    const fresh = (): Record<string, Float32Array> => seeded;
    const { run, resume, init, base, steps } = await book.startContinuable('gpt', name, {
      kind: 'tessera-starter', name, batch: s.batch, lr: s.gptLr, architecture: gptArch as unknown as JsonValue,
    }, s.gptSteps, fresh);
    const ts = Date.now();
    const res = await trainGpt(run, source, {
      gpt: gptCfg, init, steps, batchSize: s.batch, lr: s.gptLr, warmupSteps: Math.min(100, Math.floor(steps / 10)), minLr: s.gptLr / 10,
      seed: 43 + base, checkpointEvery: Math.max(1, Math.min(100, steps)), clipGradNorm: 1, compile,
    }, { onProgress: book.progress('gpt'), ...(resume ? { resume } : {}) });
    if (res.stopped) throw new Error('gpt: stopped; rerun the command to resume.');
    await book.complete('gpt', { ...res, step: base + res.step }, ts);
    log(`gpt: held-out NLL ${res.heldOutBefore?.toFixed(4)} -> ${res.heldOutAfter?.toFixed(4)} nats/token`);
    gptW = res.params;
  }
  if (!gptW) throw new Error('gpt: the transformer has no weights after training (a recipe bug).');

  // ---- bundle (fp16) ----
  const tensors = starterBundleTensors({ weights: firstW, arch: firstArch }, { weights: condW, arch: EDGES_COND_STAGE }, { weights: gptW, config: gptCfg });
  const fmt = (v: number | null | undefined): string => (typeof v === 'number' ? v.toFixed(4) : 'n/a');
  const draft: ManifestDraft = {
    name, kind: 'cond-transformer',
    firstStage: firstArch,
    condStage: { kind: 'vqgan', architecture: EDGES_COND_STAGE },
    transformer: gptArch,
    condition: { mode: 'edge', key: 'edge' },
    permuter: { kind: 'identity' },
    firstStageKey: 'image',
    provenance: {
      source: `trained by \`npm run train:starter -- ${name}\` on procedural landscapes (recipes/landscapes.ts) and their Canny edges`,
      importedAt: new Date().toISOString(), tool: 'tessera train:starter',
      globalStep: (state.cond?.steps ?? 0) + (state.gpt?.steps ?? 0),
      notes: [
        `data: ${s.scenes} scenes ${STARTER_SCENE}×${STARTER_SCENE}, recipe landscapes v${LANDSCAPE_RECIPE_VERSION}, seed ${STARTER_DATA_SEED}; ${set.train.length} train / ${set.heldOut.length} held out; ${STARTER_CROP}×${STARTER_CROP} crops`,
        `condition: Canny (σ 1.4, low ${EDGE_CANNY.low}, high ${EDGE_CANNY.high}) of the image's Rec. 601 grey; white edges on black`,
        `first stage: from starter-landscapes, ${state.firstStage.source}${s.decoderOnly ? `; decoder fine-tuned ${state.vqgan?.steps} steps (--decoder-only; encoder and codebook kept), held-out L1 ${fmt(state.vqgan?.heldOutBefore)} -> ${fmt(state.vqgan?.heldOutAfter)}` : ''}`,
        `condition VQGAN: ${state.cond?.steps} steps, held-out L1 ${fmt(state.cond?.heldOutBefore)} -> ${fmt(state.cond?.heldOutAfter)}, reconstruction edge F1 ${rec.f1.toFixed(3)} (1 px)`,
        s.decoderOnly ? `transformer: kept from ${s.initFrom} (--decoder-only), not trained here` : `transformer: ${state.gpt?.steps} steps on ${s.tokens === 'scenes' ? `8×8 windows of whole encoded scenes (${STARTER_TOKEN_SCALES.join(' and ')} px)` : 'separately encoded crops'}, held-out NLL ${fmt(state.gpt?.heldOutBefore)} -> ${fmt(state.gpt?.heldOutAfter)} nats/token`,
        'weights stored as float16',
      ],
    },
  };
  await writeStarterBundle(book, s.out, draft, tensors, s, t0);
}

export async function runEdgesRecipe(): Promise<void> {
  await main();
}

runIfMain(import.meta.url, main);
