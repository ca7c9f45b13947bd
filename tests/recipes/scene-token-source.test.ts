import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ScannedImage } from '../../native-models/training/data/scan';
import { TrainRng } from '../../native-models/training/rng';
import { canny, rgbToGrey } from '../../native-models/training/data/canny';
import { generateLandscape, sceneSeed } from '../../recipes/landscapes';
import { edgeCondition, labelCondition, sceneTokenSource, type GridEncoder } from '../../recipes/scene-token-source';

/** A stand-in encoder (factor 8): token = position in the grid + 100 × encoded size, so windows are traceable. */
function fakeEncoder(channels: number): GridEncoder & { calls: number } {
  return {
    factor: 8, calls: 0,
    async encode(image, _b, h, w) {
      this.calls++;
      expect(image.length).toBe(channels * h * w);
      return { indices: Int32Array.from({ length: (h / 8) * (w / 8) }, (_, i) => i + 100 * h) };
    },
  };
}

const item = (i: number): ScannedImage => ({ path: `/data/scene-${String(i).padStart(6, '0')}.png`, relPath: '', format: 'png', width: 32, height: 32, bytes: 0 });
let dir = '';
afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

describe('scene token source (GPT tokens as generation sees them)', () => {
  it('encodes each scene whole and in quadrants once, samples windows of those grids, and reuses its cache', async () => {
    dir = await mkdtemp(join(tmpdir(), 'scene-tokens-'));
    const first = fakeEncoder(3), cond = fakeEncoder(8);
    const opts = {
      train: [item(0), item(1)], heldOut: [item(2)], firstStage: first, condStage: cond, condition: labelCondition(8), datasetSeed: 9,
      sceneSize: 32, scales: [32, 16], window: 2, cacheFile: join(dir, 'tokens.json'), cacheKey: 'a',
    };
    const src = await sceneTokenSource(opts);
    expect(first.calls).toBe(3 * (1 + 4)); // 3 scenes × (whole + 4 quadrants)
    expect(cond.calls).toBe(15);
    expect([src.cLen, src.zLen, src.trainSize, src.heldOutSize]).toEqual([4, 4, 2, 1]);
    const b = await src.batch('train', [0, 1, 1, 0, 1, 0], new TrainRng(7), true);
    for (let k = 0; k < 6; k++) {
      const c = Array.from(b.c.slice(k * 4, k * 4 + 4));
      const size = Math.floor(c[0]! / 100);
      expect([32, 16]).toContain(size);
      const gw = size / 8, p = c[0]! % 100;
      // A 2×2 window of a gw-wide grid, c and z from the same place.
      expect(c).toEqual([p, p + 1, p + gw, p + gw + 1].map((v) => v + 100 * size));
      expect(Array.from(b.z.slice(k * 4, k * 4 + 4))).toEqual(c);
    }
    const held = await src.batch('heldOut', [0], new TrainRng(1), false);
    expect(Array.from(held.c)).toEqual([5, 6, 9, 10].map((v) => v + 3200)); // centre window of the whole 4×4 grid
    await sceneTokenSource(opts);
    expect(first.calls).toBe(15); // cached
    await sceneTokenSource({ ...opts, cacheKey: 'b' });
    expect(first.calls).toBe(30); // another key: encoded again
  });

  it('cuts the region\'s condition from the whole scene: one-hot labels, or the whole scene\'s Canny edges as ±1', () => {
    const scene = generateLandscape(sceneSeed(9, 3), 64, 64);
    const labels = labelCondition(8)(scene)(16, 32, 32); // [8, 32, 32]
    expect(labels.length).toBe(8 * 32 * 32);
    for (const [y, x] of [[0, 0], [5, 17], [31, 31]] as const) {
      const cls = scene.labels[(16 + y) * 64 + 32 + x]!;
      for (let c = 0; c < 8; c++) expect(labels[c * 1024 + y * 32 + x]).toBe(c === cls ? 1 : 0);
    }
    const opts = { sigma: 1.4, low: 0.02, high: 0.05 };
    const whole = canny(rgbToGrey(scene.rgb, 64, 64, 3), 64, 64, opts).edges;
    const plane = edgeCondition(opts)(scene)(32, 0, 32); // [1, 32, 32]
    expect(plane.length).toBe(32 * 32);
    expect(whole.some((v) => v !== 0)).toBe(true);
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) expect(plane[y * 32 + x]).toBe(whole[(32 + y) * 64 + x] ? 1 : -1);
  });
});
