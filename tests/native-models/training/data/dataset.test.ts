import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageSet } from '../../../../native-models/training/data/dataset';
import { DataOrder } from '../../../../native-models/training/data/order';
import { TrainRng } from '../../../../native-models/training/rng';
import { writeLandscapeDataset } from '../../../../recipes/landscapes';

let dir: string;
let data: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-dataset-'));
  data = join(dir, 'scenes');
  await writeLandscapeDataset({ outDir: data, count: 12, seed: 4, width: 96, height: 80 });
  await writeFile(join(data, 'broken.png'), 'not really a png');
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

describe('ImageSet', () => {
  it('splits usable images 90/10 and serves NCHW semantic batches that are deterministic per seed', async () => {
    const set = await ImageSet.open({ folder: data, mode: 'semantic', size: 64, cacheDir: join(dir, 'cache') });
    expect(set.report.skipped.map((s) => [s.relPath, s.reason])).toEqual([
      ['broken.png', 'not-an-image'], ['dataset.json', 'not-an-image'], ['palette.json', 'not-an-image'],
    ]);
    expect([set.train.length, set.heldOut.length]).toEqual([11, 1]);
    const order = DataOrder.create(set.train.length, 1);
    const idx = order.next(4);
    const a = await set.batch('train', idx, new TrainRng(3));
    const b = await set.batch('train', idx, new TrainRng(3));
    expect(a.images.length).toBe(4 * 3 * 64 * 64);
    expect(a.labels!.length).toBe(4 * 64 * 64);
    expect(Buffer.from(a.images.buffer).equals(Buffer.from(b.images.buffer))).toBe(true);
    expect(Buffer.from(a.labels!).equals(Buffer.from(b.labels!))).toBe(true);
    expect(a.items).toEqual(idx.map((i) => set.train[i]!.relPath));
    expect(Math.max(...a.labels!)).toBeLessThan(8);
    // The first row of every crop at the top of a 80-high scene resized to 64 high is sky/clouds (ids 0, 1).
    for (let k = 0; k < 4; k++) expect(a.labels!.subarray(k * 4096, k * 4096 + 64).every((l) => l <= 1)).toBe(true);
    const held = await set.batch('heldOut', [0], new TrainRng(0), false);
    expect(held.items).toEqual([set.heldOut[0]!.relPath]);
    await expect(set.batch('heldOut', [1], new TrainRng(0))).rejects.toThrow(/outside the heldOut split/);
    // A second open of the same folder hits the disk cache.
    const again = await ImageSet.open({ folder: data, mode: 'semantic', size: 64, cacheDir: join(dir, 'cache') });
    await again.batch('train', idx, new TrainRng(3));
    expect(again.cacheStats!.hits).toBe(4);
  });

  it('derives edges for the edges mode and explains an empty pose set', async () => {
    const set = await ImageSet.open({ folder: data, mode: 'edges', size: 64, memoryBytes: 1 });
    const batch = await set.batch('train', [0, 1], new TrainRng(0));
    expect(batch.edges!.length).toBe(2 * 64 * 64);
    expect(batch.edges!.some((e) => e === 1)).toBe(true);
    await expect(ImageSet.open({ folder: data, mode: 'pose', size: 64 })).rejects.toThrow(/<stem>\.pose\.json/);
  });
});
