import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest, writeBundle, type VqganArchitecture } from '../../../native-models/formats/bundle';
import { gptParameters, type GptConfig } from '../../../native-models/models/gpt';
import { loadBundle } from '../../../native-models/models/load';
import { vqganParameters, type VqganConfig } from '../../../native-models/models/vqgan';
import { finetune } from '../../../native-models/training/finetune';
import { initParams } from '../../../native-models/training/init';
import { TrainRng } from '../../../native-models/training/rng';
import { LANDSCAPE_CLASSES, writeLandscapeDataset } from '../../../recipes/landscapes';
import { TINY_FIRST_STAGE, TINY_GPT, TINY_VQ, writeTinyBaseBundle } from './fixtures/tiny-bundle';
import { bombPng } from '../../fixtures/bomb-png';

const vq = TINY_VQ, arch = TINY_FIRST_STAGE, gpt = TINY_GPT;

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tessera-finetune-'));
  await writeTinyBaseBundle(root);
  await writeLandscapeDataset({ outDir: join(root, 'images'), count: 12, seed: 6, width: 24, height: 16 });
  // Bad files among the good ones: they are listed and skipped, and training goes on.
  const dir = join(root, 'images');
  await writeFile(join(dir, 'empty.png'), Buffer.alloc(0));
  await writeFile(join(dir, 'readme.txt'), 'not an image');
  await writeFile(join(dir, 'corrupt.png'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('garbage')]));
  const jpg = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#3080c0' } }).jpeg().toBuffer();
  await writeFile(join(dir, 'truncated.jpg'), jpg.subarray(0, jpg.length >> 1));
  await writeFile(join(dir, 'huge.png'), bombPng(12000, 12000));
});

afterAll(async () => { await rm(root, { recursive: true, force: true }); });

describe('finetune', () => {
  it('trains both stages on a folder and writes a loadable bundle that records base, data, steps and losses', async () => {
    const logs: string[] = [];
    const res = await finetune({
      model: join(root, 'base'), images: join(root, 'images'), stage: 'both', steps: 4, out: join(root, 'out', 'tiny-tuned'),
      runsDir: join(root, 'runs'), batch: 2, lr: 1e-3, every: 2, seed: 3, cacheDir: join(root, 'cache'), onLog: (l) => logs.push(l),
    });
    expect(res.bundleDir).toBe(join(root, 'out', 'tiny-tuned'));
    expect(res.dataset).toMatchObject({ usable: 12, train: 11, heldOut: 1, mode: 'none' });
    expect(res.stages.map((s) => [s.stage, s.steps, s.stopped])).toEqual([['vqgan', 4, false], ['transformer', 4, false]]);
    expect(res.stages.every((s) => typeof s.before === 'number' && typeof s.after === 'number')).toBe(true);
    expect(logs[0]).toMatch(/12 usable of 19 files \(7 skipped\).*crop 16/);
    const skipped = logs.filter((l) => l.startsWith('  skipped ')).join('\n');
    for (const [file, reason] of [['corrupt.png', 'unreadable'], ['empty.png', 'empty'], ['huge.png', 'too-large'], ['readme.txt', 'not-an-image'], ['truncated.jpg', 'truncated']]) {
      expect(skipped).toContain(`skipped ${file}: ${reason}`);
    }
    const manifest = await readManifest(res.bundleDir!);
    const baseManifest = await readManifest(join(root, 'base'));
    expect(manifest.name).toBe('tiny-tuned');
    expect(manifest.provenance.tool).toBe('tessera finetune');
    expect(manifest.provenance.globalStep).toBe(8);
    expect(manifest.provenance.notes!.join('\n')).toContain(baseManifest.weights.sha256);
    expect(manifest.provenance.finetunedFrom).toEqual({ name: baseManifest.name, sha256: baseManifest.weights.sha256 });
    expect(manifest.provenance.notes!.join('\n')).toMatch(/vqgan: 4 steps, heldOutL1 .* -> .*\ntransformer: 4 steps, heldOutNll/);
    expect(manifest.weights.sha256).not.toBe(baseManifest.weights.sha256);
    const loaded = await loadBundle(res.bundleDir!);
    expect(loaded.kind).toBe('cond-transformer');
    expect(JSON.parse(await readFile(join(res.bundleDir!, 'finetune.json'), 'utf8')).stages.length).toBe(2);
    const runs = (await readdir(join(root, 'runs'))).sort();
    expect(runs.length).toBe(2);
    const second = JSON.parse(await readFile(join(root, 'runs', runs.find((r) => r.includes('transformer'))!, 'config.json'), 'utf8')) as { firstStageRun: string };
    expect(second.firstStageRun).toBe(res.stages[0]!.runDir);
  });

  it('a cancelled fine-tune resumes from its run folder and finishes both stages', async () => {
    const controller = new AbortController();
    const req = {
      model: join(root, 'base'), images: join(root, 'images'), stage: 'both' as const, steps: 4, out: join(root, 'out', 'resumed'),
      runsDir: join(root, 'runs-resume'), batch: 2, lr: 1e-3, every: 2, seed: 3,
    };
    const first = await finetune({ ...req, signal: controller.signal, onProgress: (stage, p) => { if (stage === 'vqgan' && p.step === 2) controller.abort(); } });
    expect(first.bundleDir).toBeNull();
    expect(first.stages.map((s) => [s.stage, s.steps, s.stopped])).toEqual([['vqgan', 2, true]]);
    const resumed = await finetune({ ...req, stage: 'vqgan', steps: 1, resume: first.stages[0]!.runDir }); // the run's config wins
    expect(resumed.stages.map((s) => [s.stage, s.steps, s.stopped])).toEqual([['vqgan', 4, false], ['transformer', 4, false]]);
    expect(resumed.stages[0]!.runDir).toBe(first.stages[0]!.runDir);
    expect(resumed.bundleDir).toBe(join(root, 'out', 'resumed'));
    expect((await loadBundle(resumed.bundleDir!)).kind).toBe('cond-transformer');
  });

  it('fine-tunes the transformer of a segmentation-conditioned bundle on images with label maps', async () => {
    // Same first stage; a condition VQGAN (f = 4) over the 8 one-hot landscape classes; GPT over 16 c + 64 z tokens.
    const cArch: VqganArchitecture = { ...arch, ch_mult: [1, 1, 2], in_channels: 8, out_ch: 8 };
    const cCfg: VqganConfig = { ...vq, chMult: [1, 1, 2], inChannels: 8, outCh: 8 };
    const g2: GptConfig = { ...gpt, blockSize: 79 };
    const vw = initParams('vqgan', vqganParameters(vq), new TrainRng(1));
    const cw = initParams('vqgan', vqganParameters(cCfg), new TrainRng(5));
    const gw = initParams('gpt', gptParameters(g2), new TrainRng(2));
    const tensors = [
      ...vqganParameters(vq).map((p) => ({ name: `first_stage_model.${p.name}`, shape: p.shape, data: vw[p.name]! })),
      ...vqganParameters(cCfg).map((p) => ({ name: `cond_stage_model.${p.name}`, shape: p.shape, data: cw[p.name]! })),
      ...gptParameters(g2).filter((p) => !p.buffer).map((p) => ({ name: `transformer.${p.name}`, shape: p.shape, data: gw[p.name]! })),
    ];
    await writeBundle(join(root, 'seg-base'), {
      name: 'tiny-seg', kind: 'cond-transformer', firstStage: arch, condStage: { kind: 'vqgan', architecture: cArch },
      transformer: { vocab_size: 32, block_size: 79, n_layer: 1, n_head: 2, n_embd: 32, n_unmasked: 0 },
      condition: { mode: 'segmentation', key: 'segmentation', n_labels: 8 },
      palette: { names: LANDSCAPE_CLASSES.map((c) => c.name), colors: LANDSCAPE_CLASSES.map((c) => c.color) },
      provenance: { source: 'test', importedAt: new Date(0).toISOString(), tool: 'finetune.test' },
    }, tensors.map((t) => ({ name: t.name, dtype: 'float32' as const, shape: t.shape, data: new Uint8Array(t.data.buffer) })));
    const res = await finetune({
      model: join(root, 'seg-base'), images: join(root, 'images'), stage: 'transformer', steps: 3, out: join(root, 'out', 'seg-tuned'),
      runsDir: join(root, 'runs-seg'), batch: 2, lr: 1e-3, every: 3, seed: 1,
    });
    expect(res.dataset.mode).toBe('semantic');
    expect(res.dataset.usable).toBe(12);
    expect(res.stages.map((s) => [s.stage, s.steps])).toEqual([['transformer', 3]]);
    const loaded = await loadBundle(res.bundleDir!);
    expect(loaded.kind === 'cond-transformer' && loaded.condStage.kind).toBe('vq');
    expect((await readManifest(res.bundleDir!)).palette!.names[0]).toBe('sky');
  });

  it('refuses models whose condition is not in the images, and VQGAN-only stages on the wrong bundle kind', async () => {
    await expect(finetune({ model: join(root, 'nope'), images: join(root, 'images'), stage: 'vqgan', steps: 1, out: join(root, 'x'), runsDir: join(root, 'runs2') })).rejects.toThrow();
    await expect(finetune({ model: join(root, 'base'), images: join(root, 'images'), stage: 'vqgan', steps: 0, out: join(root, 'x'), runsDir: join(root, 'runs2') })).rejects.toThrow(/steps must be a positive integer/);
  });
});
