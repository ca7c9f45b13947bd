import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataCache } from '../../../../native-models/training/data/cache';
import { cropSample, oneHot, prepareImage, prepareImageCached, readLabelMap, resizedSize, stackImages } from '../../../../native-models/training/data/crops';
import { COCO18_FLIP_PAIRS, parseOpenPose, transformKeypoints } from '../../../../native-models/training/data/pose';
import { TrainRng } from '../../../../native-models/training/rng';

let dir: string;
const W = 80;
const H = 60;
// Image: left half red, right half blue; label map: class 1 left, 2 right; a person with the right wrist
// (index 4) on the left side at x=10 and the left wrist (index 7) on the right side at x=70.
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-crops-'));
  const rgb = Buffer.alloc(W * H * 3);
  const seg = Buffer.alloc(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const left = x < W / 2;
      rgb[i * 3] = left ? 255 : 0;
      rgb[i * 3 + 2] = left ? 0 : 255;
      rgb[i * 3 + 1] = 4 * y; // vertical gradient in green
      seg[i] = left ? 1 : 2;
    }
  }
  await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).png().toFile(join(dir, 'img.png'));
  await sharp(seg, { raw: { width: W, height: H, channels: 1 } }).png().toFile(join(dir, 'img.seg.png'));
  const kp = new Array(54).fill(0);
  kp.splice(4 * 3, 3, 10, 30, 0.9); // r-wrist
  kp.splice(7 * 3, 3, 70, 30, 0.8); // l-wrist
  kp.splice(0, 3, 40, 10, 1); // nose
  await writeFile(join(dir, 'img.pose.json'), JSON.stringify({ people: [{ pose_keypoints_2d: kp }] }));
  // A colour label map (needs a palette).
  const colour = Buffer.alloc(4 * 4 * 3);
  for (let i = 0; i < 16; i++) colour.set(i < 8 ? [10, 20, 30] : [200, 100, 0], i * 3);
  await sharp(colour, { raw: { width: 4, height: 4, channels: 3 } }).png().toFile(join(dir, 'colour.png'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const img = () => ({ path: join(dir, 'img.png'), segPath: join(dir, 'img.seg.png'), posePath: join(dir, 'img.pose.json') });

describe('crops', () => {
  it('resizes the shorter side exactly', () => {
    expect(resizedSize(80, 60, 30)).toEqual({ width: 40, height: 30 });
    expect(resizedSize(60, 100, 32)).toEqual({ width: 32, height: 53 });
  });

  it('is deterministic for a seed, and different seeds give different crops', async () => {
    const p = await prepareImage(img(), { resize: 30, mode: 'none' });
    expect([p.width, p.height]).toEqual([40, 30]);
    const a = 5; // draws per seed
    const draw = (seed: number) => {
      const rng = new TrainRng(seed);
      return Array.from({ length: a }, () => cropSample(p, { size: 24 }, rng));
    };
    const s1 = draw(7);
    const s2 = draw(7);
    const s3 = draw(8);
    expect(s1.map((c) => [c.cropX, c.cropY, c.flipped])).toEqual(s2.map((c) => [c.cropX, c.cropY, c.flipped]));
    expect(s1.map((c) => Array.from(c.image))).toEqual(s2.map((c) => Array.from(c.image)));
    expect(s1.map((c) => [c.cropX, c.cropY, c.flipped])).not.toEqual(s3.map((c) => [c.cropX, c.cropY, c.flipped]));
    for (const c of s1) {
      expect(c.image.length).toBe(3 * 24 * 24);
      expect(Math.min(...c.image)).toBeGreaterThanOrEqual(-1);
      expect(Math.max(...c.image)).toBeLessThanOrEqual(1);
    }
  });

  it('scales pixels as x / 127.5 − 1 in CHW order, and a flip mirrors the image', async () => {
    const p = await prepareImage(img(), { resize: 60, mode: 'none' }); // no resize: 80×60
    expect([p.width, p.height]).toEqual([80, 60]);
    // Find seeds giving an unflipped and a flipped centre crop.
    const centre = (flip: boolean) => {
      for (let seed = 0; ; seed++) {
        const c = cropSample(p, { size: 60, random: false }, new TrainRng(seed));
        if (c.flipped === flip) return c;
      }
    };
    const plain = centre(false);
    const flipped = centre(true);
    expect(plain.cropX).toBe(10);
    const plane = 60 * 60;
    // Pixel (x=0, y=5) of the crop is source (10, 5): red 255, green 20, blue 0.
    expect(plain.image[5 * 60]).toBeCloseTo(1, 6);
    expect(plain.image[plane + 5 * 60]).toBeCloseTo(20 / 127.5 - 1, 6);
    expect(plain.image[2 * plane + 5 * 60]).toBeCloseTo(-1, 6);
    for (let y = 0; y < 60; y += 7) {
      for (let x = 0; x < 60; x += 5) {
        for (let c = 0; c < 3; c++) expect(flipped.image[c * plane + y * 60 + x]).toBe(plain.image[c * plane + y * 60 + (59 - x)]);
      }
    }
    const batch = stackImages([plain, flipped]);
    expect(batch.length).toBe(2 * 3 * plane);
    expect(batch[3 * plane + 59]).toBe(plain.image[0]);
  });

  it('carries labels through the same crop and flip, exactly', async () => {
    const p = await prepareImage(img(), { resize: 30, mode: 'semantic' });
    expect(new Set(p.labels)).toEqual(new Set([1, 2]));
    for (let seed = 0; seed < 6; seed++) {
      const c = cropSample(p, { size: 24 }, new TrainRng(seed));
      const labels = c.labels!;
      for (let x = 0; x < 24; x++) {
        const srcX = c.cropX + (c.flipped ? 23 - x : x);
        expect(labels[3 * 24 + x]).toBe(srcX < 20 ? 1 : 2);
        // the image agrees: red where label 1
        const red = c.image[3 * 24 + x]!;
        if (labels[3 * 24 + x] === 1 && Math.abs(srcX - 20) > 2) expect(red).toBeGreaterThan(0.9);
      }
    }
    const hot = oneHot(new Uint8Array([0, 2, 1]), 3);
    expect(Array.from(hot)).toEqual([1, 0, 0, 0, 0, 1, 0, 1, 0]);
  });

  it('a flip swaps the left and right pose joints and mirrors x', async () => {
    const p = await prepareImage(img(), { resize: 60, mode: 'pose' });
    let flippedSample, plainSample;
    for (let seed = 0; !(flippedSample && plainSample); seed++) {
      const c = cropSample(p, { size: 60, random: false }, new TrainRng(seed));
      if (c.flipped) flippedSample ??= c;
      else plainSample ??= c;
    }
    const plain = plainSample.people![0]!;
    const flipped = flippedSample.people![0]!;
    // crop x = 10: r-wrist at 0, l-wrist at 60 -> outside, kept (the renderer clips), nose at 30.
    expect(Array.from(plain.subarray(12, 15))).toEqual([0, 30, expect.closeTo(0.9, 5)]);
    expect(Array.from(plain.subarray(21, 24))).toEqual([60, 30, expect.closeTo(0.8, 5)]);
    // Flipped: the right wrist slot now holds the old left wrist (mirrored), the left slot the old right one.
    expect(flipped[4 * 3]).toBeCloseTo(59 - 60, 5);
    expect(flipped[4 * 3 + 2]).toBeCloseTo(0.8, 5);
    expect(flipped[7 * 3]).toBeCloseTo(59, 5);
    expect(flipped[7 * 3 + 2]).toBeCloseTo(0.9, 5);
    expect(flipped[0]).toBeCloseTo(29, 5);
    // Direct check of the pair table on all joints.
    const kp = new Float32Array(54);
    for (let j = 0; j < 18; j++) kp.set([j + 1, 5, 1], j * 3);
    const out = transformKeypoints(kp, { scaleX: 1, scaleY: 1, cropX: 0, cropY: 0, width: 32, height: 32, flip: true });
    for (const [a, b] of COCO18_FLIP_PAIRS) {
      expect(out[a * 3]).toBe(31 - (b + 1));
      expect(out[b * 3]).toBe(31 - (a + 1));
    }
    expect(out[0]).toBe(31 - 1);
  });

  it('reads BODY_25 pose files and rejects malformed ones', () => {
    const body25 = Array.from({ length: 75 }, (_, i) => i);
    const kp = parseOpenPose({ people: [{ pose_keypoints_2d: body25 }] }).people[0]!;
    expect(kp[8 * 3]).toBe(9 * 3); // COCO r-hip = BODY_25 index 9
    expect(() => parseOpenPose({ people: [{ pose_keypoints_2d: [1, 2] }] })).toThrow(/54 \(COCO-18\)/);
    expect(() => parseOpenPose({})).toThrow(/people/);
  });

  it('reads colour label maps only with a palette', async () => {
    await expect(readLabelMap(join(dir, 'colour.png'))).rejects.toThrow(/palette/);
    const m = await readLabelMap(join(dir, 'colour.png'), [[0, 0, 0], [200, 100, 0], [10, 20, 30]]);
    expect(Array.from(m.labels.subarray(6, 10))).toEqual([2, 2, 1, 1]);
    await expect(readLabelMap(join(dir, 'colour.png'), [[200, 100, 0]])).rejects.toThrow(/not in the palette/);
  });

  it('computes Canny edges for the edges mode (the red/blue boundary)', async () => {
    // Red vs blue differ by only 0.185 in luma, below the default thresholds: nothing is found by default.
    const dflt = await prepareImage(img(), { resize: 60, mode: 'edges' });
    expect(dflt.edges!.reduce((a, v) => a + v, 0)).toBe(0);
    const p = await prepareImage(img(), { resize: 60, mode: 'edges', canny: { low: 0.02, high: 0.04 } });
    const col = (x: number) => { let n = 0; for (let y = 2; y < 58; y++) n += p.edges![y * 80 + x]!; return n; };
    expect(col(39) + col(40)).toBeGreaterThan(50);
    expect(col(20) + col(60)).toBe(0);
  });

  it('caches prepared images by content hash and settings', async () => {
    const cache = new DataCache(join(dir, 'cache'));
    const opts = { resize: 30, mode: 'semantic' as const };
    const first = await prepareImageCached(img(), opts, cache);
    expect(cache.stats).toEqual({ hits: 0, misses: 1, writes: 1 });
    const second = await prepareImageCached(img(), opts, cache);
    expect(cache.stats.hits).toBe(1);
    expect(Array.from(second.rgb)).toEqual(Array.from(first.rgb));
    expect(Array.from(second.labels!)).toEqual(Array.from(first.labels!));
    await prepareImageCached(img(), { resize: 32, mode: 'semantic' }, cache); // new settings: miss
    expect(cache.stats.misses).toBe(2);
    const pose = await prepareImageCached(img(), { resize: 30, mode: 'pose' }, cache);
    const poseAgain = await prepareImageCached(img(), { resize: 30, mode: 'pose' }, cache);
    expect(Array.from(poseAgain.people![0]!)).toEqual(Array.from(pose.people![0]!));
    expect(cache.stats.hits).toBe(2);
  });
});
