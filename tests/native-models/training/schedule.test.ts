import { describe, expect, it } from 'vitest';
import { corruptTokens, scaledLr, warmupCosine } from '../../../native-models/training/schedule';
import { TrainRng } from '../../../native-models/training/rng';

describe('warmupCosine', () => {
  const lr = warmupCosine({ lr: 1e-3, warmupSteps: 10, totalSteps: 110, minLr: 1e-5 });
  it('warms up linearly, peaks, follows the cosine and holds the floor', () => {
    expect(lr(0)).toBeCloseTo(1e-4, 12);
    expect(lr(4)).toBeCloseTo(5e-4, 12);
    expect(lr(9)).toBeCloseTo(1e-3, 12);
    expect(lr(10)).toBeCloseTo(1e-3, 12);
    expect(lr(60)).toBeCloseTo(1e-5 + 0.5 * (1e-3 - 1e-5), 12); // half way: cos(π/2) = 0
    expect(lr(35)).toBeCloseTo(1e-5 + 0.5 * (1e-3 - 1e-5) * (1 + Math.cos(Math.PI / 4)), 12);
    expect(lr(110)).toBeCloseTo(1e-5, 12);
    expect(lr(500)).toBeCloseTo(1e-5, 12);
    for (let s = 10; s < 110; s++) expect(lr(s + 1)).toBeLessThanOrEqual(lr(s));
  });
  it('validates its settings', () => {
    expect(() => warmupCosine({ lr: 1, warmupSteps: 10, totalSteps: 5 })).toThrow(/totalSteps/);
    expect(() => warmupCosine({ lr: 0, warmupSteps: 0, totalSteps: 5 })).toThrow(/lr/);
    expect(warmupCosine({ lr: 2, warmupSteps: 0, totalSteps: 0 })(3)).toBe(2);
  });
  it('scales the base LR like the reference', () => {
    expect(scaledLr(4.5e-6, 12, 2, 1)).toBeCloseTo(1.08e-4, 12);
  });
});

describe('corruptTokens (pkeep)', () => {
  const tokens = Int32Array.from({ length: 20000 }, (_, i) => i % 7);
  it('pkeep = 1 is an exact copy and draws nothing', () => {
    const rng = new TrainRng(3);
    const before = rng.state();
    const out = corruptTokens(tokens, 1, 1024, rng);
    expect(out).not.toBe(tokens);
    expect(Array.from(out)).toEqual(Array.from(tokens));
    expect(rng.state()).toEqual(before);
  });
  it('replaces about 1 − pkeep of the tokens with uniform ids, deterministically, leaving the input intact', () => {
    const a = corruptTokens(tokens, 0.9, 1024, new TrainRng(5));
    const b = corruptTokens(tokens, 0.9, 1024, new TrainRng(5));
    expect(Array.from(a)).toEqual(Array.from(b));
    let changed = 0;
    let big = 0;
    for (let i = 0; i < a.length; i++) {
      if (a[i] !== tokens[i]) changed++;
      if (a[i]! >= 7) big++;
      expect(a[i]).toBeGreaterThanOrEqual(0);
      expect(a[i]).toBeLessThan(1024);
    }
    // replaced ≈ 10% (a replacement equals the original with prob ≈ 1/1024)
    expect(changed / a.length).toBeGreaterThan(0.09);
    expect(changed / a.length).toBeLessThan(0.11);
    expect(big).toBeGreaterThan(0.09 * a.length * 0.98);
    expect(tokens[8]).toBe(1);
    const all = corruptTokens(tokens, 0, 4, new TrainRng(1));
    const hist = [0, 0, 0, 0];
    for (const t of all) hist[t]!++;
    for (const h of hist) expect(h / all.length).toBeCloseTo(0.25, 1);
  });
});
