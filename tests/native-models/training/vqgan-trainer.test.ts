import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vqganParameters, type VqganConfig } from '../../../native-models/models/vqgan';
import { ImageSet } from '../../../native-models/training/data/dataset';
import { initParams } from '../../../native-models/training/init';
import { TrainRng } from '../../../native-models/training/rng';
import { listRuns, resumeRun, Run } from '../../../native-models/training/run';
import { imageSetSource, isDecoderParam, trainVqgan, type ImageSource } from '../../../native-models/training/vqgan-trainer';
import { writeLandscapeDataset } from '../../../recipes/landscapes';

// A tiny VQGAN (f = 2, 8×8 tokens on 16×16 crops) and a 2-layer PatchGAN, trained on recipe-generated scenes.
const vqgan: VqganConfig = {
  ch: 32, chMult: [1, 2], numResBlocks: 0, attnResolutions: [], resolution: 16, zChannels: 8, inChannels: 3,
  outCh: 3, embedDim: 8, nEmbed: 32, resampWithConv: true, quantizer: 'vq2',
};
const disc = { inChannels: 3, ndf: 8, nLayers: 2, norm: 'batchnorm' as const };
let root: string;
let source: ImageSource;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tessera-vqgan-train-'));
  await writeLandscapeDataset({ outDir: join(root, 'scenes'), count: 20, seed: 8, width: 24, height: 16 });
  source = imageSetSource(await ImageSet.open({ folder: join(root, 'scenes'), mode: 'none', size: 16, cacheDir: join(root, 'cache') }));
});
afterAll(async () => { await rm(root, { recursive: true, force: true }); });

const init = () => initParams('vqgan', vqganParameters(vqgan), new TrainRng(3));
const opts = (steps: number, discStart: number) => ({
  vqgan, disc, init: init(), steps, batchSize: 4, lr: 2e-3, discStart, discWarmup: 2, seed: 5, checkpointEvery: 5, usageEvery: 5,
});

describe('trainVqgan', () => {
  it('lowers the held-out reconstruction loss, reports code usage, writes previews and checkpoints', async () => {
    expect([source.trainSize, source.heldOutSize]).toEqual([18, 2]);
    const run = await Run.create(root, { name: 'vq', config: {} });
    const res = await trainVqgan(run, source, { ...opts(40, 0), disc: null, lr: 3e-3, checkpointEvery: 20, sampleEvery: 20, restartDeadCodes: true });
    console.log(`held-out L1 ${res.heldOutBefore!.toFixed(4)} -> ${res.heldOutAfter!.toFixed(4)}; codes used ${res.usage?.used}/${vqgan.nEmbed}`);
    expect(res.heldOutAfter!).toBeLessThan(res.heldOutBefore! * 0.7); // stated margin: at least −30 % in 40 steps
    const m = await run.metrics();
    expect(m.filter((r) => 'heldOutL1' in r).map((r) => r.step)).toEqual([0, 40]);
    expect(typeof m.find((r) => r.step === 40 && typeof r.loss === 'number')!.codesUsed).toBe('number');
    expect(m.some((r) => 'd' in r || 'g' in r)).toBe(false);
    expect(await readdir(run.samplesDir)).toEqual(['step-000000020-0.png', 'step-000000040-0.png']);
    expect((await readdir(run.checkpointsDir)).length).toBe(2);
    expect(await readFile(run.logPath, 'utf8')).toMatch(/no discriminator: adversarial loss off\n.*perceptual loss off/);
    expect((await listRuns(root)).find((r) => r.id === run.id)!.status).toBe('finished');
  });

  it('cancel + resume equals an uninterrupted run across the discriminator and adversarial phase changes', async () => {
    const fullRun = await Run.create(root, { name: 'full', config: {} });
    const full = await trainVqgan(fullRun, source, opts(8, 5));
    // Phases: discriminator from step 5 − 2 = 3 (its metrics from the 4th step), generator term from 5 (6th step).
    const m = await fullRun.metrics();
    const at = (s: number) => m.find((r) => r.step === s && typeof r.loss === 'number')!;
    expect([at(3).d, at(4).g]).toEqual([undefined, undefined]);
    expect(typeof at(4).d).toBe('number');
    expect(typeof at(6).g).toBe('number');
    expect(at(6).lambda as number).toBeGreaterThan(0);
    expect(Object.keys(full.params)).toContain('loss.discriminator.main.3.running_var');

    const controller = new AbortController();
    const run = await Run.create(root, { name: 'cut', config: {} });
    const first = await trainVqgan(run, source, opts(8, 5), { signal: controller.signal, onProgress: (p) => { if (p.step === 4) controller.abort(); } });
    expect([first.stopped, first.step]).toEqual([true, 4]);
    const { run: again, checkpoint } = await resumeRun(run.dir);
    expect(checkpoint!.state.step).toBe(4);
    const second = await trainVqgan(again, source, opts(8, 5), { resume: checkpoint!.state });
    expect(second.step).toBe(8);
    let maxDiff = 0;
    for (const [name, v] of Object.entries(full.params)) {
      const w = second.params[name]!;
      expect(w, name).toBeDefined();
      for (let i = 0; i < v.length; i++) maxDiff = Math.max(maxDiff, Math.abs(v[i]! - w[i]!));
    }
    expect(maxDiff).toBeLessThan(1e-5);
  });

  it('decoderOnly trains the decoder alone: encoder and codebook unchanged, so every code stays, and the loss still falls', async () => {
    const start = init();
    const run = await Run.create(root, { name: 'dec', config: {} });
    // Through the adversarial phase too (discriminator from step 3, generator term from 5), with restarts asked for.
    const res = await trainVqgan(run, source, { ...opts(12, 5), init: start, decoderOnly: true, restartDeadCodes: true });
    const changed = (n: string): boolean => res.params[n]!.some((v, i) => v !== start[n]![i]);
    const names = Object.keys(start);
    expect(names.filter((n) => !isDecoderParam(n) && changed(n))).toEqual([]);
    expect(names.filter(isDecoderParam).filter(changed).length).toBe(names.filter(isDecoderParam).length);
    expect(names).toContain('quantize.embedding.weight');
    expect(res.heldOutAfter!).toBeLessThan(res.heldOutBefore!);
    expect(await readFile(run.logPath, 'utf8')).toMatch(/decoder \(encoder and codebook frozen/);
  });
});
