// The fine-tune service turns the perceptual loss on for a VQGAN stage when the user has put the LPIPS + VGG16
// weights in <library>/models/lpips: real files, the tiny base bundle, the real fine-tune worker, the LPIPS
// fixture weights (tests/fixtures/lpips: a narrow random-weight VGG16 and its LPIPS layers).
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceService } from '../../../main/services/device';
import { FinetuneService } from '../../../main/finetune/finetune-service';
import { listRegistry } from '../../../main/models/model-registry';
import { writeLandscapeDataset } from '../../../recipes/landscapes';
import type { FinetuneFinishEvent } from '../../../preload/finetune-types';
import { writeTinyBaseBundle } from '../../native-models/training/fixtures/tiny-bundle';

const LPIPS_FIXTURES = join(__dirname, '../../fixtures/lpips');

let root: string;
let library: string;
let base: string;
let images: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tessera-ft-lpips-'));
  library = join(root, 'library');
  base = await writeTinyBaseBundle(join(library, 'models'));
  images = join(root, 'images');
  await writeLandscapeDataset({ outDir: images, count: 6, seed: 5, width: 24, height: 16 });
  // Where the app looks for them, under the names the user would download them as.
  const lpips = join(library, 'models', 'lpips');
  await mkdir(lpips, { recursive: true });
  await copyFile(join(LPIPS_FIXTURES, 'vgg16-narrow.pth'), join(lpips, 'vgg16-397923af.pth'));
  await copyFile(join(LPIPS_FIXTURES, 'vgg-lin.pth'), join(lpips, 'vgg.pth'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('FinetuneService with <library>/models/lpips', () => {
  it('trains a VQGAN stage with the perceptual loss on: finite p in every metric, said in the job log', { timeout: 60_000 }, async () => {
    const device = new DeviceService({ settings: () => ({ preferred: 'auto' }), listProviders: async () => [{ name: 'cpu', bundled: true }] });
    const service = new FinetuneService({ userDataDir: join(root, 'user-data'), libraryFolder: () => library, resolveProvider: () => device.resolve(), progressIntervalMs: 100 });
    const finished: FinetuneFinishEvent[] = [];
    const done = new Promise<void>((resolve) => service.onDidFinetuneFinish((e) => { finished.push(e); resolve(); }));
    const { runId } = await service.start({ model: base, images, stage: 'vqgan', steps: 3, every: 3, batch: 2, lr: 1e-3, name: 'Tiny perceptual', seed: 1 });
    await done;
    expect(finished[0]).toMatchObject({ runId, status: 'finished', error: null, outputModel: join(library, 'models', 'Tiny-perceptual') });

    const detail = await service.run({ runId });
    expect(detail.metrics.map((m) => m.step)).toEqual([1, 2, 3]);
    for (const m of detail.metrics) {
      expect(Number.isFinite(m.losses.p)).toBe(true);
      expect(m.losses.p).toBeGreaterThan(0);
      // rec = |x − x̂| + 1 · p per image: the perceptual term is part of the reconstruction loss, not just logged.
      expect(m.losses.rec).toBeGreaterThan(m.losses.p!);
    }
    const log = detail.logTail.join('\n');
    expect(log).toMatch(/perceptual loss on: weight 1 \(LPIPS from [^)]*vgg16-397923af\.pth[^)]*\); logged as p/);
    expect(log).toMatch(/perceptual loss on: weight 1 \(LPIPS from [^)]*\bvgg\.pth[^)]*\); logged as p/);
    expect(log).not.toMatch(/perceptual loss off/);
    // The weights folder is not a model bundle: the registry lists the base and the new model only.
    const listed = (await listRegistry({ libraryFolder: library, zooDir: join(root, 'no-zoo') })).models.map((m) => m.name).sort();
    expect(listed).toEqual(['Tiny perceptual', 'tiny-base']);
    await service.close();
  });
});
