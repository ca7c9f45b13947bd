import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../../native-models/sampling/generate';
import type { GenerateRequest } from '../../../native-models/sampling/generate';
import { readNpy, writeNpyFloat32, writeNpyInt64 } from '../../../native-models/sampling/npy';
import {
  buildRecord, classesInLabels, outputPaths, readConditionFile, readMaskFile, writeGenerationOutputs,
} from '../../../main/generation/generation-files';
import type { RecordContext } from '../../../main/generation/generation-files';
import { readGenerationRecord, stripPngMetadata } from '../../../main/gallery/png-record';
import { testGenerator } from '../../native-models/sampling/test-generator';

let dir = '';
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-genfiles-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function png(width: number, height: number, colorType: 0 | 2, pixel: (x: number, y: number) => number[]): Buffer {
  const p = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = pixel(x, y);
      const rgb = v.length === 1 ? [v[0]!, v[0]!, v[0]!] : v;
      p.data.set([...rgb, 255], (y * width + x) * 4);
    }
  }
  return PNG.sync.write(p, { colorType });
}

const ctx: RecordContext = { appVersion: '0.1.0', model: { id: 'test', sha256: 'ab'.repeat(32) }, executionProvider: 'cpu', condition: null };

describe('condition files', () => {
  it('reads grey label PNGs, palette PNGs, integer and float .npy and OpenPose JSON', async () => {
    const grey = path.join(dir, 'labels.png');
    await fs.writeFile(grey, png(3, 2, 0, (x) => [x]));
    const g = await readConditionFile(grey, 'semantic');
    expect(g.kind === 'labels' && Array.from(g.map.labels)).toEqual([0, 1, 2, 0, 1, 2]);

    const pal = path.join(dir, 'palette.png');
    await fs.writeFile(pal, png(2, 1, 2, (x) => (x ? [255, 0, 0] : [0, 0, 255])));
    const palette = [[0, 0, 0], [255, 0, 0], [0, 0, 255]] as const;
    const pm = await readConditionFile(pal, 'semantic', palette);
    expect(pm.kind === 'labels' && Array.from(pm.map.labels)).toEqual([2, 1]);
    await expect(readConditionFile(pal, 'semantic', [[0, 0, 0]])).rejects.toThrow(/not in the model's palette/);

    const npyL = path.join(dir, 'labels.npy');
    await fs.writeFile(npyL, writeNpyInt64([2, 2], [1, 2, 3, 4]));
    const l = await readConditionFile(npyL, 'semantic');
    expect(l.kind === 'labels' && [l.map.width, l.map.height, ...l.map.labels]).toEqual([2, 2, 1, 2, 3, 4]);
    const npyF = path.join(dir, 'depth.npy');
    await fs.writeFile(npyF, writeNpyFloat32([1, 2], [0.25, 1]));
    const d = await readConditionFile(npyF, 'depth');
    expect(d.kind === 'float' && Array.from(d.data)).toEqual([0.25, 1]);
    await expect(readConditionFile(npyF, 'semantic')).rejects.toThrow(/must be an integer array/);

    const pose = path.join(dir, 'pose.json');
    await fs.writeFile(pose, '{"people": []}');
    expect((await readConditionFile(pose, 'pose')).kind).toBe('pose');
    await expect(readConditionFile(pose, 'edge')).rejects.toThrow(/for pose models only/);
    const empty = path.join(dir, 'empty.png');
    await fs.writeFile(empty, '');
    await expect(readConditionFile(empty, 'edge')).rejects.toThrow(/is empty/);
    await expect(readConditionFile(path.join(dir, 'missing.png'), 'edge')).rejects.toThrow(/ENOENT/);
  });

  it('reads masks of the output size only', async () => {
    const m = path.join(dir, 'mask.png');
    await fs.writeFile(m, png(4, 2, 0, (x) => [x > 1 ? 255 : 0]));
    expect(Array.from(await readMaskFile(m, 4, 2))).toEqual([0, 0, 1, 1, 0, 0, 1, 1]);
    await expect(readMaskFile(m, 8, 8)).rejects.toThrow(/must match the output size 8×8/);
  });
});

describe('outputs', () => {
  it('numbers files for several images and writes the token grids', async () => {
    expect(outputPaths('/a/b.png', 1)).toEqual(['/a/b.png']);
    expect(outputPaths('/a/b.png', 3)).toEqual(['/a/b-1.png', '/a/b-2.png', '/a/b-3.png']);
    const req: GenerateRequest = { mode: 'unconditional', width: 40, height: 36, seed: 5, n: 2, sampler: { temperature: 1, topK: 0, topP: null, greedy: false } };
    const result = await generate(testGenerator('sos'), req);
    const out = path.join(dir, 'run', 'img.png');
    const written = await writeGenerationOutputs(out, req, result, ctx, { tokensNpy: true });
    expect(written.map((f) => path.basename(f))).toEqual(['img-1.png', 'img-2.png', 'img.png.tokens.npy']);
    const rec = readGenerationRecord(await fs.readFile(written[1]!));
    expect(rec).toMatchObject({ seed: 6, mode: 'unconditional', size: { width: 40, height: 36 }, variation: { index: 1, count: 2 } });
    expect(rec!.sampler.topK).toBeNull();
    const npy = readNpy(await fs.readFile(written[2]!));
    expect(npy.shape).toEqual([2, 9, 10]);
    expect(Array.from(npy.data)).toEqual(Array.from(result.tokens));
  });

  it('same seed → byte-identical PNG pixels; the records differ only in time fields', async () => {
    const req: GenerateRequest = { mode: 'unconditional', width: 40, height: 36, seed: 9, n: 1, sampler: { temperature: 1, topK: 8, topP: null, greedy: false } };
    const files: Buffer[] = [];
    for (const name of ['a.png', 'b.png', 'c.png']) {
      const r = await generate(testGenerator('sos'), name === 'c.png' ? { ...req, seed: 10 } : req);
      const [f] = await writeGenerationOutputs(path.join(dir, name), req, r, ctx);
      files.push(await fs.readFile(f!));
    }
    expect(stripPngMetadata(files[0]!).equals(stripPngMetadata(files[1]!))).toBe(true);
    expect(stripPngMetadata(files[0]!).equals(stripPngMetadata(files[2]!))).toBe(false);
    const [ra, rb] = [readGenerationRecord(files[0]!)!, readGenerationRecord(files[1]!)!];
    expect({ ...ra, createdAt: 0, timings: 0 }).toEqual({ ...rb, createdAt: 0, timings: 0 });
  });
});

describe('classes used (for gallery search)', () => {
  it('names the classes of a semantic condition, most pixels first', () => {
    expect(classesInLabels(Int32Array.from([2, 2, 0, 2, 7]), ['sky', 'sea', 'sand'])).toEqual(['sand', 'sky', 'class 7']);
    const req = {
      mode: 'semantic', width: 2, height: 2, seed: 5, n: 1, sampler: { temperature: 1, topK: 100, topP: null, greedy: false },
      condition: { kind: 'labels', map: { width: 2, height: 2, labels: Int32Array.from([1, 1, 1, 0]) } },
    } as GenerateRequest;
    const result = {
      images: [new Uint8Array(12)], width: 2, height: 2, tokens: new Int32Array(1), grid: { h: 1, w: 1 }, seeds: [5],
      timings: { totalMs: 1, encodeMs: 0, sampleMs: 1, decodeMs: 0 },
    } as unknown as Parameters<typeof buildRecord>[1];
    const record = buildRecord(req, result, 0, {
      appVersion: '0.1.0', model: { id: 'm', sha256: 'ab'.repeat(32) }, executionProvider: 'cpu', condition: null, classNames: ['sky', 'sea'],
    });
    expect(record.classesUsed).toEqual(['sea', 'sky']);
  });
});
