// The LPIPS perceptual term in VQGAN fine-tuning (issue 6): loss composition, a tiny training run that logs a
// finite 'p', and finetune() with LPIPS weights from a folder. Weights: tests/fixtures/lpips (narrow VGG16).
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lpipsTerm, type LpipsWeights } from '../../../native-models/models/lpips';
import { loadLpipsWeights } from '../../../native-models/models/lpips-weights';
import { vqganParameters, type VqganConfig } from '../../../native-models/models/vqgan';
import { compile } from '../../../native-models/runtime/program';
import { ImageSet } from '../../../native-models/training/data/dataset';
import { finetune } from '../../../native-models/training/finetune';
import { initParams } from '../../../native-models/training/init';
import { TrainRng } from '../../../native-models/training/rng';
import { Run } from '../../../native-models/training/run';
import { buildVqganGeneratorStep } from '../../../native-models/training/vqgan-loss';
import { imageSetSource, trainVqgan, type ImageSource } from '../../../native-models/training/vqgan-trainer';
import { writeLandscapeDataset } from '../../../recipes/landscapes';
import { writeTinyBaseBundle } from './fixtures/tiny-bundle';

const LPIPS_DIR = join(__dirname, '../../fixtures/lpips');
const vqgan: VqganConfig = {
  ch: 32, chMult: [1, 2], numResBlocks: 0, attnResolutions: [], resolution: 16, zChannels: 8, inChannels: 3,
  outCh: 3, embedDim: 8, nEmbed: 32, resampWithConv: true, quantizer: 'vq2',
};
let root: string;
let source: ImageSource;
let weights: LpipsWeights;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tessera-vqgan-lpips-'));
  await writeLandscapeDataset({ outDir: join(root, 'scenes'), count: 10, seed: 8, width: 24, height: 16 });
  source = imageSetSource(await ImageSet.open({ folder: join(root, 'scenes'), mode: 'none', size: 16, cacheDir: join(root, 'cache') }));
  weights = await loadLpipsWeights(LPIPS_DIR);
});
afterAll(async () => { await rm(root, { recursive: true, force: true }); });

const init = (): Record<string, Float32Array> => initParams('vqgan', vqganParameters(vqgan), new TrainRng(3));

describe('VQGAN training with the LPIPS perceptual loss', () => {
  it('adds perceptual_weight · mean LPIPS to the reconstruction term and leaves the LPIPS weights out of the trained set', async () => {
    const x = await source.images('train', [0, 1], new TrainRng(1), false);
    const params = init();
    const nllAt = async (weight: number): Promise<{ nll: number; p: number }> => {
      const st = buildVqganGeneratorStep(vqgan, null, 2, 16, { perceptual: lpipsTerm(weights), perceptualWeight: weight });
      expect(st.aeParams.map((t) => t.name).sort()).toEqual(vqganParameters(vqgan).map((p) => p.name).sort());
      const prog = await compile(st.graph, { nll: st.nll, p: st.perceptual! }, { intraOpThreads: 1 });
      const feeds: Record<string, Float32Array> = { x };
      for (const io of prog.inputs) if (io.name !== 'x') feeds[io.name] = params[io.name]!;
      const r = await prog.run(feeds);
      return { nll: Number(r.nll!.data[0]), p: Number(r.p!.data[0]) };
    };
    const one = await nllAt(1);
    const three = await nllAt(3);
    expect(one.p).toBeGreaterThan(0);
    expect(three.p).toBeCloseTo(one.p, 6);
    expect(three.nll - one.nll).toBeCloseTo(2 * one.p, 5); // nll = mean|x − x̂| + w · mean LPIPS
  });

  it('trains a tiny VQGAN and logs a finite perceptual loss p every step', async () => {
    const run = await Run.create(root, { name: 'lpips', config: {} });
    const lines: string[] = [];
    const res = await trainVqgan(run, source, {
      vqgan, disc: null, init: init(), steps: 6, batchSize: 2, lr: 3e-3, discStart: 0, seed: 5, checkpointEvery: 6,
      perceptual: lpipsTerm(weights), perceptualNote: 'LPIPS test weights',
    }, { onProgress: (p) => lines.push(Object.keys(p.losses).join(',')) });
    expect(res.step).toBe(6);
    const m = (await run.metrics()).filter((r) => typeof r.loss === 'number');
    expect(m.length).toBe(6);
    for (const r of m) {
      expect(Number.isFinite(r.p)).toBe(true);
      expect(r.p as number).toBeGreaterThan(0);
      expect(r.nll as number).toBeGreaterThan(r.p as number); // the L1 part is added on top
    }
    console.log(`perceptual p: ${m.map((r) => (r.p as number).toFixed(4)).join(' ')}`);
    expect(lines[0]).toBe('loss,rec,p');
    expect(await readFile(run.logPath, 'utf8')).toMatch(/perceptual loss on: weight 1 \(LPIPS test weights\); logged as p/);
    expect(Object.keys(res.params).some((n) => n.startsWith('features.') || n.startsWith('lin'))).toBe(false);
  });

  it('finetune() reads the LPIPS folder for the VQGAN stage, records it in the run config, and refuses bad weights', async () => {
    const base = await writeTinyBaseBundle(root);
    const logs: string[] = [];
    const res = await finetune({
      model: base, images: join(root, 'scenes'), stage: 'vqgan', steps: 2, out: join(root, 'out'), runsDir: join(root, 'runs'),
      batch: 2, lr: 1e-3, every: 2, seed: 1, lpips: LPIPS_DIR, perceptualWeight: 0.5, onLog: (l) => logs.push(l),
    });
    expect(res.bundleDir).toBe(join(root, 'out'));
    expect(logs.join('\n')).toContain('perceptual loss: LPIPS from vgg-lin.pth + vgg16-narrow.pth, weight 0.5');
    const runDir = res.stages[0]!.runDir;
    expect(JSON.parse(await readFile(join(runDir, 'config.json'), 'utf8'))).toMatchObject({ lpips: [LPIPS_DIR], perceptualWeight: 0.5 });
    expect(await readFile(join(runDir, 'log.txt'), 'utf8')).toMatch(/perceptual loss on: weight 0\.5/);

    await expect(finetune({
      model: base, images: join(root, 'scenes'), stage: 'vqgan', steps: 1, out: join(root, 'out2'), runsDir: join(root, 'runs'),
      lpips: [join(LPIPS_DIR, 'vgg16-narrow.pth')],
    })).rejects.toThrow(/no LPIPS layers/);
    expect((await readdir(join(root, 'runs'))).length).toBe(1); // checked before any run folder is made
  });
});
