import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gptParameters } from '../../../native-models/models/gpt';
import { VqganModel } from '../../../native-models/models/load';
import { vqganParameters, type VqganConfig } from '../../../native-models/models/vqgan';
import { cropSample, oneHot } from '../../../native-models/training/data/crops';
import { ImageSet } from '../../../native-models/training/data/dataset';
import { trainGpt } from '../../../native-models/training/gpt-trainer';
import { initParams } from '../../../native-models/training/init';
import { TrainRng } from '../../../native-models/training/rng';
import { Run } from '../../../native-models/training/run';
import { conditionPlanes, imageTokenSource } from '../../../native-models/training/token-source';
import { LANDSCAPE_CLASSES, writeLandscapeDataset } from '../../../recipes/landscapes';

// Frozen tiny VQGANs with seeded weights: first stage f = 2 (RGB), condition stage f = 4 (8 one-hot classes).
const zCfg: VqganConfig = { ch: 32, chMult: [1, 2], numResBlocks: 0, attnResolutions: [], resolution: 16, zChannels: 8, inChannels: 3, outCh: 3, embedDim: 8, nEmbed: 32, resampWithConv: true, quantizer: 'vq2' };
const cCfg: VqganConfig = { ...zCfg, chMult: [1, 1, 2], inChannels: 8, outCh: 8 };
const model = (cfg: VqganConfig, seed: number, name: string) => {
  // Codebook entries spread wider than the default init so several codes are in use.
  const p = initParams('vqgan', vqganParameters(cfg), new TrainRng(seed));
  const cb = p['quantize.embedding.weight']!;
  const r = new TrainRng(seed + 100);
  for (let i = 0; i < cb.length; i++) cb[i] = r.nextNormal() * 0.5;
  return new VqganModel(cfg, new Map(vqganParameters(cfg).map((s) => [s.name, { shape: s.shape, data: p[s.name]! }])), { runtime: { intraOpThreads: 1 } }, name);
};

let root: string;
let set: ImageSet;
const zModel = model(zCfg, 1, 'first stage');
const cModel = model(cCfg, 2, 'cond stage');
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tessera-token-source-'));
  await writeLandscapeDataset({ outDir: join(root, 'scenes'), count: 20, seed: 3, width: 24, height: 16 });
  set = await ImageSet.open({ folder: join(root, 'scenes'), mode: 'semantic', size: 16 });
});
afterAll(async () => { await rm(root, { recursive: true, force: true }); });

describe('imageTokenSource', () => {
  it('encodes aligned crops and their label maps with the frozen VQGANs, deterministically, through the cache', async () => {
    const source = await imageTokenSource({
      set, firstStage: zModel, firstStageId: 'z-test', cacheDir: join(root, 'tokens'),
      condition: { kind: 'vq', mode: 'semantic', encoder: cModel, encoderId: 'c-test', numClasses: LANDSCAPE_CLASSES.length },
    });
    expect([source.cLen, source.zLen, source.trainSize, source.heldOutSize]).toEqual([16, 64, 18, 2]);
    const a = await source.batch('train', [0, 5, 7], new TrainRng(9), true);
    const b = await source.batch('train', [0, 5, 7], new TrainRng(9), true);
    expect(Array.from(b.z)).toEqual(Array.from(a.z));
    expect(Array.from(b.c)).toEqual(Array.from(a.c));
    // The same crop encoded directly gives the same tokens (crop offsets aligned to lcm(2, 4) = 4).
    const rng = new TrainRng(9);
    const crop = cropSample(await set.prepared(set.train[0]!), { size: 16, align: 4 }, rng);
    expect(crop.cropX % 4).toBe(0);
    expect(Array.from((await zModel.encode(crop.image, 1, 16, 16)).indices)).toEqual(Array.from(a.z.subarray(0, 64)));
    expect(Array.from((await cModel.encode(oneHot(crop.labels!, 8), 1, 16, 16)).indices)).toEqual(Array.from(a.c.subarray(0, 16)));
    expect(new Set(a.z).size).toBeGreaterThan(1);
    await expect(imageTokenSource({ set, firstStage: zModel, firstStageId: 'z', condition: { kind: 'vq', mode: 'edge', encoder: cModel, encoderId: 'c' } })).rejects.toThrow(/edges mode/);
    expect(Array.from(conditionPlanes({ ...crop, edges: new Uint8Array(256).fill(1) }, 'edge').subarray(0, 2))).toEqual([1, 1]);
  });

  it('fine-tunes a tiny GPT on the tokens: held-out NLL falls', async () => {
    const source = await imageTokenSource({ set, firstStage: zModel, firstStageId: 'z-test', condition: { kind: 'sos', token: 0 }, cacheDir: join(root, 'tokens') });
    expect([source.cLen, source.zLen]).toEqual([1, 64]);
    const gpt = { vocabSize: 32, blockSize: 64, nLayer: 1, nHead: 2, nEmbd: 32 };
    const run = await Run.create(root, { name: 'gpt', config: {} });
    const res = await trainGpt(run, source, {
      gpt, init: initParams('gpt', gptParameters(gpt), new TrainRng(4)), steps: 30, batchSize: 4, lr: 3e-3, warmupSteps: 3, seed: 1, checkpointEvery: 30,
    });
    console.log(`image tokens: held-out NLL ${res.heldOutBefore!.toFixed(3)} -> ${res.heldOutAfter!.toFixed(3)}`);
    expect(res.heldOutAfter!).toBeLessThan(res.heldOutBefore! * 0.8); // stated margin: −20 %
  });
});
