import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimatePresets, finetuneRuns, scanForFinetune } from '../../../main/finetune/finetune-scan';

let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-ft-scan-'));
  for (let i = 0; i < 3; i++) {
    const px = Buffer.alloc(80 * 60 * 3, 40 * i + 20);
    await sharp(px, { raw: { width: 80, height: 60, channels: 3 } }).png().toFile(join(dir, `img${i}.png`));
  }
  // A PNG signature followed by garbage: the scan must skip it, not fail.
  await writeFile(join(dir, 'broken.png'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('not really a png')]));
  await writeFile(join(dir, 'notes.txt'), 'hello');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('scanForFinetune', () => {
  it('reports usable images, the corrupt and non-image files with reasons, conditions and crop previews', async () => {
    const s = await scanForFinetune({ images: dir, mode: 'semantic', size: 32, previewSize: 16 });
    expect(s.usable).toBe(3);
    expect(s.found).toBe(5);
    const byName = new Map(s.skipped.map((k) => [k.relPath, k.reason]));
    expect(['unreadable', 'truncated']).toContain(byName.get('broken.png'));
    expect(byName.get('notes.txt')).toBe('not-an-image');
    expect(s.conditions).toEqual({ mode: 'semantic', present: 0, missing: ['img0.png', 'img1.png', 'img2.png'] });
    expect(s.previews).toHaveLength(3);
    const png = Buffer.from(s.previews[0]!.dataUrl.replace('data:image/png;base64,', ''), 'base64');
    const meta = await sharp(png).metadata();
    expect([meta.width, meta.height]).toEqual([16, 16]);
  });
});

describe('estimatePresets', () => {
  it('scales steps with the dataset, time with the step time, and disk with the bundle', () => {
    const p = estimatePresets({ images: 1000, batch: 4, stepSeconds: 0.5, bundleBytes: 1e6 });
    expect(p.map((x) => x.name)).toEqual(['quick', 'balanced', 'thorough']);
    expect(p.map((x) => x.steps)).toEqual([500, 2000, 6000]);
    expect(p[1]!.seconds).toBe(1000);
    expect(p[0]!.diskBytes).toBe(7e6);
    const small = estimatePresets({ images: 3, batch: 4, stepSeconds: 1, bundleBytes: 1 });
    expect(small.map((x) => x.steps)).toEqual([50, 200, 600]);
    expect(() => estimatePresets({ images: 3, batch: 1, stepSeconds: 0, bundleBytes: 1 })).toThrow(/step time/);
  });
});

describe('finetuneRuns', () => {
  it('lists no runs for a missing folder and reads a recorded run with its status', async () => {
    expect(await finetuneRuns(join(dir, 'nope'))).toEqual([]);
    const run = join(dir, 'runs', '20260101-000000-a');
    await mkdir(run, { recursive: true });
    const now = new Date().toISOString();
    await writeFile(join(run, 'status.json'), JSON.stringify({ status: 'stopped', pid: 1, hostname: 'h', createdAt: now, updatedAt: now, step: 7, totalSteps: 20, resumes: 0 }));
    await writeFile(join(run, 'config.json'), JSON.stringify({ kind: 'tessera-finetune' }));
    const rows = await finetuneRuns(join(dir, 'runs'));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: '20260101-000000-a', status: 'stopped', step: 7, totalSteps: 20, checkpointStep: null, resumable: false });
  });
});
