import { describe, expect, it } from 'vitest';
import { channelsLast, CodebookUsage, restartDeadCodes, zeroRows } from '../../../native-models/training/codebook';
import { TrainRng } from '../../../native-models/training/rng';

describe('codebook usage', () => {
  it('reports used codes, perplexity and dead codes over a sliding window', () => {
    const u = new CodebookUsage(8, 2);
    u.add([0, 1, 2, 3]);
    u.add(new BigInt64Array([0n, 1n, 2n, 3n]));
    let r = u.report();
    expect([r.used, r.usedFraction, r.dead, r.samples]).toEqual([4, 0.5, [4, 5, 6, 7], 8]);
    expect(r.perplexity).toBeCloseTo(4, 9);
    u.add([7, 7, 7, 7]); // the first batch leaves the window
    r = u.report();
    expect(r.dead).toEqual([4, 5, 6]);
    expect(r.perplexity).toBeCloseTo(Math.exp(-(4 * (1 / 8) * Math.log(1 / 8) + 0.5 * Math.log(0.5))), 9);
    expect(() => u.add([8])).toThrow(/outside 0..7/);
  });

  it('restarts dead codes onto encoder outputs and zeroes their moments', () => {
    const E = 3;
    const codebook = new Float32Array(4 * E).fill(9);
    const enc = Float32Array.from([1, 2, 3, 10, 20, 30]);
    const chosen = restartDeadCodes(codebook, E, [1, 3], enc, new TrainRng(1), 0);
    expect(chosen.length).toBe(2);
    for (const [i, k] of [1, 3].entries()) expect(Array.from(codebook.subarray(k * E, (k + 1) * E))).toEqual(Array.from(enc.subarray(chosen[i]! * E, (chosen[i]! + 1) * E)));
    expect(Array.from(codebook.subarray(0, E))).toEqual([9, 9, 9]);
    const noisy = new Float32Array(4 * E);
    restartDeadCodes(noisy, E, [0], Float32Array.from([1, 1, 1]), new TrainRng(2), 0.1);
    expect(noisy.subarray(0, 3).every((v) => v !== 1 && Math.abs(v - 1) < 0.5)).toBe(true);
    const m = new Float32Array(4 * E).fill(5);
    zeroRows(m, E, [1]);
    expect(Array.from(m)).toEqual([5, 5, 5, 0, 0, 0, 5, 5, 5, 5, 5, 5]);
    // [1, 2, 1, 2] (B, E, h, w) -> rows (h·w) of E values
    expect(Array.from(channelsLast(Float32Array.from([1, 2, 3, 4]), 1, 2, 1, 2))).toEqual([1, 3, 2, 4]);
  });
});
