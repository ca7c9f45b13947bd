import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gptParameters } from '../../../native-models/models/gpt';
import { VqganModel } from '../../../native-models/models/load';
import { vqganParameters } from '../../../native-models/models/vqgan';
import { finetune } from '../../../native-models/training/finetune';
import { conditionPanel, GptPreviews } from '../../../native-models/training/gpt-previews';
import { initParams } from '../../../native-models/training/init';
import { TrainRng } from '../../../native-models/training/rng';
import { writeLandscapeDataset } from '../../../recipes/landscapes';
import { TINY_GPT, TINY_VQ, writeTinyBaseBundle } from './fixtures/tiny-bundle';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tessera-gpt-previews-'));
  await writeTinyBaseBundle(root);
  await writeLandscapeDataset({ outDir: join(root, 'images'), count: 12, seed: 6, width: 24, height: 16 });
});
afterAll(async () => { await rm(root, { recursive: true, force: true }); });

async function samples(dir: string): Promise<Map<string, Buffer>> {
  const names = (await readdir(dir)).sort();
  return new Map(await Promise.all(names.map(async (n) => [n, await readFile(join(dir, n))] as const)));
}

describe('transformer-stage sample previews', () => {
  it('a transformer fine-tune with every = 2 writes 4 previews at steps 2 and 4, byte-identical for the same seed', async () => {
    const run = async (name: string) => {
      const res = await finetune({
        model: join(root, 'base'), images: join(root, 'images'), stage: 'transformer', steps: 4, out: join(root, 'out', name),
        runsDir: join(root, `runs-${name}`), batch: 2, lr: 1e-3, every: 2, seed: 7, cacheDir: join(root, 'cache'),
      });
      return samples(join(res.stages[0]!.runDir, 'samples'));
    };
    const a = await run('a');
    expect([...a.keys()]).toEqual([2, 4].flatMap((s) => [0, 1, 2, 3].map((i) => `step-00000000${s}-${i}.png`)));
    // Unconditional (SOS) bundle: sample | held-out image, 16-pixel crops, a 2-pixel gap.
    const meta = await sharp(a.get('step-000000002-0.png')!).metadata();
    expect([meta.width, meta.height, meta.format]).toEqual([16 * 2 + 2, 16, 'png']);
    const b = await run('b');
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [n, bytes] of a) expect(bytes.equals(b.get(n)!), n).toBe(true);
    // The GPT trained between steps 2 and 4, and images of one step use different seeds: not all the same picture.
    const pixels = await Promise.all([...a.values()].map((p) => sharp(p).raw().toBuffer()));
    expect(new Set(pixels.map((p) => p.toString('base64'))).size).toBeGreaterThan(1);
  });

  it('rows are condition | sample | reference; the seed decides the samples', async () => {
    const vw = initParams('vqgan', vqganParameters(TINY_VQ), new TrainRng(1));
    const vq = new VqganModel(TINY_VQ, new Map(vqganParameters(TINY_VQ).map((p) => [p.name, { shape: p.shape, data: vw[p.name]! }])));
    const weights = initParams('gpt', gptParameters(TINY_GPT), new TrainRng(2));
    const shapes = new Map(gptParameters(TINY_GPT).filter((p) => !p.buffer).map((p) => [p.name, p.shape] as const));
    // A 2-class "label map" condition decoded to planes [2, 16, 16]: class 1 on the left half.
    const planes = new Float32Array(2 * 256);
    for (let p = 0; p < 256; p++) planes[(p % 16 < 8 ? 1 : 0) * 256 + p] = 1;
    const make = (seed: number) => new GptPreviews({
      gpt: TINY_GPT, count: 2, cLen: 1, grid: { h: 8, w: 8 }, seed,
      tokens: { c: Int32Array.of(0, 0), z: Int32Array.from({ length: 128 }, (_, i) => i % 32) },
      decode: (z, batch, h, w) => vq.decode(z, batch, h, w),
      decodeCondition: async () => planes, palette: [[0, 0, 255], [0, 255, 0]],
    }, shapes);
    const dir = join(root, 'unit');
    await mkdir(dir, { recursive: true });
    const write = async (seed: number, tag: string) => {
      const files = await make(seed).write((step, i) => join(dir, `${tag}-${step}-${i}.png`), 5, (n) => weights[n]!);
      return Promise.all(files.map(async (f) => ({ raw: await sharp(f).raw().toBuffer({ resolveWithObject: true }), bytes: await readFile(f) })));
    };
    const [s1, s1again, s2] = [await write(1, 'a'), await write(1, 'b'), await write(2, 'c')];
    expect(s1.length).toBe(2);
    const { info, data } = s1[0]!.raw;
    expect([info.width, info.height]).toEqual([16 * 3 + 4, 16]);
    // condition panel: palette colours by arg-max class (green left, blue right)
    expect([...data.subarray(0, 3)]).toEqual([0, 255, 0]);
    expect([...data.subarray(15 * 3, 15 * 3 + 3)]).toEqual([0, 0, 255]);
    expect(s1.map((s) => s.bytes.equals(s1again[s1.indexOf(s)]!.bytes))).toEqual([true, true]);
    expect(s1.some((s, i) => !s.bytes.equals(s2[i]!.bytes))).toBe(true); // another seed, other samples
  });

  it('conditionPanel: one plane grey, three planes RGB, more planes arg-max in palette colours', () => {
    expect([...conditionPanel(Float32Array.of(-1, 1), 1, [[1, 2, 3], [4, 5, 6]])]).toEqual([4, 5, 6]);
    expect(() => conditionPanel(new Float32Array(3), 2)).toThrow(/not \[C, 2, 2\]/);
    expect([...conditionPanel(Float32Array.of(1), 1)]).toEqual([255, 255, 255]);
    expect([...conditionPanel(Float32Array.of(-1, 0, 1), 1)]).toEqual([0, 128, 255]);
  });
});
