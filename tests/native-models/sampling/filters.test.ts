import { describe, expect, it } from 'vitest';
import {
  argmax,
  filterLogits,
  filteredProbabilities,
  kthLargest,
  pickToken,
  pickTokens,
  validateSettings,
} from '../../../native-models/sampling/filters';
import type { SamplerSettings } from '../../../native-models/sampling/filters';
import { rngForSeed } from '../../../native-models/sampling/rng';

const base: SamplerSettings = { temperature: 1, topK: null, topP: null, greedy: false };
const logOf = (p: number[]): number[] => p.map(Math.log);

function close(a: ArrayLike<number>, b: number[], eps = 1e-12): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < b.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(eps);
}

describe('filters', () => {
  it('temperature divides the logits before the softmax', () => {
    const p = filteredProbabilities([0, 2], { ...base, temperature: 2 });
    // exp(0/2) : exp(2/2) = 1 : e
    close(p, [1 / (1 + Math.E), Math.E / (1 + Math.E)]);
  });

  it('kthLargest (quickselect) equals the k-th value of a descending sort, ties and -inf included', () => {
    const rng = rngForSeed(77);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(rng.nextFloat() * 300);
      // few distinct values in some trials so that ties are common; some -inf (removed by an earlier filter)
      const levels = trial % 3 === 0 ? 4 : 1000;
      const v = Float64Array.from({ length: n }, () => (rng.nextFloat() < 0.05 ? -Infinity : Math.floor(rng.nextFloat() * levels) / 7));
      const sorted = Float64Array.from(v).sort().reverse();
      const k = 1 + Math.floor(rng.nextFloat() * n);
      expect(kthLargest(v, k), `trial ${trial}, n ${n}, k ${k}`).toBe(sorted[k - 1]);
    }
    const v = Float64Array.from([3, 1, 2]);
    kthLargest(v, 1);
    expect(Array.from(v)).toEqual([3, 1, 2]); // the input is not reordered
    expect(() => kthLargest(v, 4)).toThrow(/k must be in 1\.\.3/);
  });

  it('top-k keeps the k largest and ties with the k-th', () => {
    const p = filteredProbabilities([1, 2, 3, 4], { ...base, topK: 2 });
    const z = Math.exp(3) + Math.exp(4);
    close(p, [0, 0, Math.exp(3) / z, Math.exp(4) / z]);
    const f = filterLogits([1, 3, 3, 2], { ...base, topK: 1 });
    expect(Array.from(f)).toEqual([-Infinity, 3, 3, -Infinity]);
    expect(Array.from(filterLogits([1, 2], { ...base, topK: 5 }))).toEqual([1, 2]);
    expect(Array.from(filterLogits([1, 2], { ...base, topK: 0 }))).toEqual([1, 2]);
  });

  it('top-p keeps the first token crossing p (HuggingFace semantics)', () => {
    const l = logOf([0.05, 0.5, 0.15, 0.3]);
    // sorted 0.5, 0.3, 0.15, 0.05; cumulative before each: 0, 0.5, 0.8, 0.95; removed where > 0.7
    close(filteredProbabilities(l, { ...base, topP: 0.7 }), [0, 0.5 / 0.8, 0, 0.3 / 0.8], 1e-12);
    // p below the top probability keeps the top token only
    close(filteredProbabilities(l, { ...base, topP: 0.4 }), [0, 1, 0, 0]);
    // p = 1 is off
    close(filteredProbabilities(l, { ...base, topP: 1 }), [0.05, 0.5, 0.15, 0.3], 1e-12);
  });

  it('applies top-k before top-p (the order changes the result here)', () => {
    const l = logOf([0.5, 0.3, 0.15, 0.05]);
    // top-k 2 renormalises to 0.625 / 0.375; then the second token's cumulative-before 0.625 > 0.55 removes it.
    close(filteredProbabilities(l, { ...base, topK: 2, topP: 0.55 }), [1, 0, 0, 0]);
    // top-p alone keeps two tokens (cumulative before the second is 0.5 ≤ 0.55).
    close(filteredProbabilities(l, { ...base, topP: 0.55 }), [0.625, 0.375, 0, 0], 1e-12);
  });

  it('greedy takes the arg-max (lowest index on ties) and draws no random numbers', () => {
    expect(argmax([1, 5, 5, 2])).toBe(1);
    const rng = rngForSeed(3);
    const twin = rngForSeed(3);
    expect(pickToken([0.1, 0.9, 0.3], { ...base, greedy: true, temperature: 0.5 }, rng)).toBe(1);
    expect(rng.nextU32()).toBe(twin.nextU32());
  });

  it('samples from the filtered distribution only', () => {
    const rng = rngForSeed(11);
    const l = [0, 1, 2, 3, 4, 5];
    for (let k = 0; k < 500; k++) expect(pickToken(l, { ...base, topK: 2 }, rng)).toBeGreaterThanOrEqual(4);
  });

  it('uses per-row settings in a batch', () => {
    const logits = new Float32Array([0, 9, 1, /* row 1 */ 7, 0, 1]);
    const rngs = [rngForSeed(1), rngForSeed(2)];
    const out = pickTokens(logits, 3, [{ ...base, greedy: true }, { ...base, topK: 1 }], rngs);
    expect(Array.from(out)).toEqual([1, 0]);
    expect(() => pickTokens(logits, 4, [base, base], rngs)).toThrow(/expected batch 2 × vocab 4/);
  });

  it('rejects out-of-range settings with clear errors', () => {
    expect(() => validateSettings({ ...base, temperature: 0 })).toThrow(/temperature must be a positive number/);
    expect(() => validateSettings({ ...base, topK: 2.5 })).toThrow(/top-k must be a non-negative integer/);
    expect(() => validateSettings({ ...base, topP: 0 })).toThrow(/top-p must be in \(0, 1\]/);
    expect(() => validateSettings({ ...base, topP: 1.2 })).toThrow(/top-p/);
    expect(() => validateSettings({ temperature: 0.7, topK: 100, topP: 0.9, greedy: false })).not.toThrow();
  });
});
