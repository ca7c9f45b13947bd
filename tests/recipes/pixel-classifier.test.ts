import { describe, expect, it } from 'vitest';
import { generateLandscape, LANDSCAPE_CLASSES, sceneSeed } from '../../recipes/landscapes';
import { classifyPixels, fitPixelClassifier, PIXEL_FEATURES, pixelFeatures } from '../../recipes/pixel-classifier';

describe('landscape pixel classifier (faithfulness metric)', () => {
  it('computes position-free box features: a uniform image gives the same features everywhere', () => {
    const w = 20, h = 10;
    const rgb = new Uint8Array(w * h * 3);
    for (let p = 0; p < w * h; p++) rgb.set([51, 102, 204], p * 3);
    const f = pixelFeatures(rgb, w, h);
    expect(f.length).toBe(w * h * PIXEL_FEATURES);
    for (let p = 0; p < w * h; p++) {
      expect(f[p * PIXEL_FEATURES]).toBeCloseTo(0.2, 6); // mean R, radius 1
      expect(f[p * PIXEL_FEATURES + 2]).toBeCloseTo(0.8, 6); // mean B, radius 1
      expect(f[p * PIXEL_FEATURES + 9]).toBeCloseTo(0, 6); // luma std, radius 1
      expect(f[p * PIXEL_FEATURES + 15]).toBeCloseTo(0, 6); // |∂x luma|, radius 3
    }
  });

  it('is deterministic for a seed and labels held-out scenes far above chance', () => {
    const S = 64;
    const scene = (seed: number, i: number) => {
      const s = generateLandscape(sceneSeed(seed, i), S, S);
      return { rgb: s.rgb, labels: s.labels, w: S, h: S };
    };
    const train = Array.from({ length: 8 }, (_, i) => scene(9, i));
    const opts = { samples: 6000, epochs: 3, seed: 3 };
    const a = fitPixelClassifier(train, LANDSCAPE_CLASSES.length, opts);
    const b = fitPixelClassifier(train, LANDSCAPE_CLASSES.length, opts);
    expect(Array.from(a.w2)).toEqual(Array.from(b.w2));
    let same = 0, total = 0;
    for (let i = 0; i < 4; i++) {
      const s = scene(1009, i);
      const pred = classifyPixels(a, s.rgb, S, S);
      for (let p = 0; p < S * S; p++) if (pred[p] === s.labels[p]) same++;
      total += S * S;
    }
    expect(same / total).toBeGreaterThan(0.7);
  });
});
