import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_PIXELS, formatScanReport, imagesForMode, scanFolder, sniffFormat, type ScanReport } from '../../../../native-models/training/data/scan';
import { bombPng } from '../../../fixtures/bomb-png';

function noise(w: number, h: number, seed: number): Buffer {
  const b = Buffer.alloc(w * h * 3);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < b.length; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    b[i] = x & 255;
  }
  return b;
}
const raw = (w: number, h: number, seed: number) => sharp(noise(w, h, seed), { raw: { width: w, height: h, channels: 3 } });

let dir: string;
let report: ScanReport;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-scan-'));
  await mkdir(join(dir, 'sub', 'deep'), { recursive: true });
  await mkdir(join(dir, '.hidden'));
  await raw(300, 260, 1).png().toFile(join(dir, 'a.png'));
  await raw(320, 280, 2).jpeg().toFile(join(dir, 'b.jpg'));
  await raw(290, 300, 3).webp().toFile(join(dir, 'sub', 'c.webp'));
  await raw(280, 280, 4).png().toFile(join(dir, 'sub', 'deep', 'd.PNG'));
  // Conditions: a valid label map and pose for a.png; a wrong-size label map for b; broken pose JSON for c.
  await sharp(Buffer.alloc(300 * 260, 3), { raw: { width: 300, height: 260, channels: 1 } }).png().toFile(join(dir, 'a.seg.png'));
  await writeFile(join(dir, 'a.pose.json'), JSON.stringify({ people: [{ pose_keypoints_2d: new Array(54).fill(1) }] }));
  await sharp(Buffer.alloc(100 * 100, 1), { raw: { width: 100, height: 100, channels: 1 } }).png().toFile(join(dir, 'b.seg.png'));
  await writeFile(join(dir, 'sub', 'c.pose.json'), '{"people": [');
  // Bad files.
  await writeFile(join(dir, 'empty.png'), Buffer.alloc(0));
  await writeFile(join(dir, 'notes.txt'), 'hello, not an image\n');
  await writeFile(join(dir, 'fake.jpg'), 'plain text with a .jpg name');
  await writeFile(join(dir, 'corrupt.png'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('garbage garbage garbage garbage')]));
  const jpg = await raw(300, 300, 5).jpeg().toBuffer();
  await writeFile(join(dir, 'truncated.jpg'), jpg.subarray(0, Math.floor(jpg.length * 0.6)));
  const png = await raw(300, 300, 6).png().toBuffer();
  await writeFile(join(dir, 'sub', 'truncated.png'), png.subarray(0, Math.floor(png.length * 0.6)));
  const webp = await raw(300, 300, 7).webp().toBuffer();
  await writeFile(join(dir, 'truncated.webp'), webp.subarray(0, Math.floor(webp.length * 0.6)));
  await raw(64, 64, 8).png().toFile(join(dir, 'tiny.png'));
  await writeFile(join(dir, 'huge.png'), bombPng(20000, 20000)); // 400 MP
  await raw(300, 300, 9).gif().toFile(join(dir, 'anim.gif'));
  await writeFile(join(dir, '.hidden', 'x.png'), 'ignored');
  await writeFile(join(dir, '.DS_Store'), 'ignored');
  report = await scanFolder(dir, { minSide: 256 });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('scanFolder', () => {
  it('finds the good images recursively, in a stable order, with their sizes', () => {
    expect(report.usable.map((u) => u.relPath)).toEqual(['a.png', 'b.jpg', 'sub/c.webp', 'sub/deep/d.PNG']);
    const a = report.usable[0]!;
    expect([a.format, a.width, a.height]).toEqual(['png', 300, 260]);
    expect(report.usable.map((u) => u.format)).toEqual(['png', 'jpeg', 'webp', 'png']);
  });

  it('lists every bad file with its reason, and never the hidden or condition files', () => {
    const reasons = Object.fromEntries(report.skipped.map((s) => [s.relPath, s.reason]));
    expect(reasons).toEqual({
      'anim.gif': 'unsupported-format',
      'corrupt.png': 'unreadable',
      'empty.png': 'empty',
      'fake.jpg': 'not-an-image',
      'huge.png': 'too-large',
      'notes.txt': 'not-an-image',
      'sub/truncated.png': 'truncated',
      'tiny.png': 'too-small',
      'truncated.jpg': 'truncated',
      'truncated.webp': 'truncated',
    });
    expect(report.found).toBe(report.usable.length + report.skipped.length);
    expect(report.found).toBe(14);
    const huge = report.skipped.find((s) => s.relPath === 'huge.png')!;
    expect(huge.detail).toContain('20000×20000');
    expect(report.settings.maxPixels).toBe(DEFAULT_MAX_PIXELS);
    expect(report.skipped.find((s) => s.relPath === 'fake.jpg')!.detail).toContain('.jpg');
  });

  it('attaches valid condition files and reports missing and invalid ones per mode', () => {
    const a = report.usable.find((u) => u.relPath === 'a.png')!;
    expect(a.segPath).toBe(join(dir, 'a.seg.png'));
    expect(a.posePath).toBe(join(dir, 'a.pose.json'));
    expect(report.conditions.semantic).toEqual({ present: 1, missing: ['b.jpg', 'sub/c.webp', 'sub/deep/d.PNG'] });
    expect(report.conditions.pose.present).toBe(1);
    expect(report.conditions.edges.present).toBe(4);
    expect(report.invalidConditions.map((c) => [c.relPath, c.kind])).toEqual([['b.seg.png', 'semantic'], ['sub/c.pose.json', 'pose']]);
    expect(report.invalidConditions[0]!.detail).toContain('100×100');
    expect(imagesForMode(report, 'semantic').map((i) => i.relPath)).toEqual(['a.png']);
    const text = formatScanReport(report, 'semantic');
    expect(text).toContain('4 usable');
    expect(text).toContain('missing: b.jpg');
    expect(text).toContain('skipped (truncated): 3');
  });

  it('honours a smaller pixel limit and the crop size', async () => {
    const r = await scanFolder(dir, { minSide: 270, maxPixels: 85_000 });
    expect(r.usable.map((u) => u.relPath)).toEqual(['sub/deep/d.PNG']);
    expect(r.skipped.find((s) => s.relPath === 'a.png')!.reason).toBe('too-small');
    expect(r.skipped.find((s) => s.relPath === 'b.jpg')!.reason).toBe('too-large');
  });

  it('throws a clear error only for a missing root', async () => {
    await expect(scanFolder(join(dir, 'nope'))).rejects.toThrow(/Cannot scan .*nope/);
  });

  it('sniffs formats by content', () => {
    expect(sniffFormat(Buffer.from('GIF89a'))).toBe('gif');
    expect(sniffFormat(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('jpeg');
    expect(sniffFormat(Buffer.from('hello'))).toBeNull();
  });
});
