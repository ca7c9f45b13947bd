import { describe, expect, it } from 'vitest';
import { Pcg32, TESSERA_STREAM, normalizeSeed, rngForSeed } from '../../../native-models/sampling/rng';

describe('Pcg32', () => {
  it('matches the published pcg32-demo outputs for initstate 42, initseq 54', () => {
    const rng = new Pcg32(42n, 54n);
    const got = Array.from({ length: 6 }, () => rng.nextU32());
    expect(got).toEqual([0xa15c02b7, 0x7b47f409, 0xba1d3330, 0x83d2f293, 0xbfa4784b, 0xcbed606e]);
  });

  it('matches the demo after 620 outputs (round 5 of pcg32-demo)', () => {
    const rng = new Pcg32(42n, 54n);
    for (let k = 0; k < 620; k++) rng.nextU32();
    const got = Array.from({ length: 6 }, () => rng.nextU32());
    expect(got).toEqual([0xfcef7cd6, 0x1b488b5a, 0xd0daf7ea, 0x1d9a70f7, 0x241a37cf, 0x9a3857b7]);
  });

  it('is deterministic per seed and differs between seeds', () => {
    const a = rngForSeed(1234);
    const b = rngForSeed(1234);
    const c = rngForSeed(1235);
    const sa = Array.from({ length: 50 }, () => a.nextU32());
    const sb = Array.from({ length: 50 }, () => b.nextU32());
    const sc = Array.from({ length: 50 }, () => c.nextU32());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
    const d = new Pcg32(1234n, TESSERA_STREAM);
    expect(Array.from({ length: 50 }, () => d.nextU32())).toEqual(sa);
  });

  it('builds floats from two outputs with 53 bits, in [0, 1)', () => {
    const a = rngForSeed(7);
    const b = rngForSeed(7);
    for (let k = 0; k < 1000; k++) {
      const f = a.nextFloat();
      const hi = b.nextU32() >>> 5;
      const lo = b.nextU32() >>> 6;
      expect(f).toBe((hi * 2 ** 26 + lo) / 2 ** 53);
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
    }
  });

  it('categorical follows the weights and never returns a zero-weight index', () => {
    const rng = rngForSeed(99);
    const weights = [1, 0, 2, 3, 4, 0];
    const counts = new Array<number>(weights.length).fill(0);
    const n = 40000;
    for (let k = 0; k < n; k++) counts[rng.categorical(weights)]!++;
    expect(counts[1]).toBe(0);
    expect(counts[5]).toBe(0);
    const total = 10;
    for (const i of [0, 2, 3, 4]) expect(Math.abs(counts[i]! / n - weights[i]! / total)).toBeLessThan(0.01);
  });

  it('categorical picks by the documented inverse-CDF rule', () => {
    const a = rngForSeed(5);
    const b = rngForSeed(5);
    const w = [0.2, 0.3, 0.5];
    for (let k = 0; k < 200; k++) {
      const u = b.nextFloat();
      const expected = u < 0.2 ? 0 : u < 0.2 + 0.3 ? 1 : 2;
      expect(a.categorical(w)).toBe(expected);
    }
  });

  it('rejects bad weights and bad seeds with clear errors', () => {
    const rng = rngForSeed(1);
    expect(() => rng.categorical([0, 0])).toThrow(/all weights are zero/);
    expect(() => rng.categorical([1, Number.NaN])).toThrow(/finite and non-negative/);
    expect(() => normalizeSeed(-1)).toThrow(/Seed -1 is not valid/);
    expect(() => normalizeSeed(1.5)).toThrow(/not valid/);
    expect(normalizeSeed(2n ** 64n - 1n)).toBe(2n ** 64n - 1n);
  });
});
