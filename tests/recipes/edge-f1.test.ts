import { describe, expect, it } from 'vitest';
import { dilate, edgeF1, pooled, edgeMatch } from '../../recipes/edge-f1';

const W = 12, H = 10;
const line = (x: number): Uint8Array => {
  const m = new Uint8Array(W * H); // [H, W] a vertical line at column x
  for (let y = 2; y < 8; y++) m[y * W + x] = 1;
  return m;
};

describe('edge F1 with a pixel tolerance', () => {
  it('dilates by a (2·tol + 1)² square and leaves tol 0 unchanged', () => {
    const m = new Uint8Array(W * H);
    m[5 * W + 5] = 1;
    expect(Array.from(dilate(m, W, H, 0))).toEqual(Array.from(m));
    const d = dilate(m, W, H, 1);
    expect(d.reduce((a, b) => a + b, 0)).toBe(9);
    expect(d[4 * W + 4]).toBe(1);
    expect(d[3 * W + 5]).toBe(0);
    expect(() => dilate(m, W, H, -1)).toThrow(/tolerance/);
  });

  it('scores identical maps 1, a 1-px shift 1 within 1 px and 0 without tolerance, disjoint maps 0', () => {
    expect(edgeF1(line(3), line(3), W, H, 0).f1).toBe(1);
    expect(edgeF1(line(4), line(3), W, H, 1).f1).toBe(1);
    expect(edgeF1(line(4), line(3), W, H, 0).f1).toBe(0);
    expect(edgeF1(line(9), line(3), W, H, 2).f1).toBe(0);
  });

  it('separates precision (extra predicted edges) from recall (missed reference edges)', () => {
    const both = line(3).map((v, i) => v | line(9)[i]!);
    const s = edgeF1(both, line(3), W, H, 1); // half the prediction is spurious
    expect(s.precision).toBeCloseTo(0.5, 10);
    expect(s.recall).toBe(1);
    expect(s.f1).toBeCloseTo(2 / 3, 10);
    const r = edgeF1(line(3), both, W, H, 1); // half the reference is missed
    expect(r.precision).toBe(1);
    expect(r.recall).toBeCloseTo(0.5, 10);
  });

  it('handles empty maps and pools counts over images', () => {
    const empty = new Uint8Array(W * H);
    expect(edgeF1(empty, empty, W, H, 1).f1).toBe(1);
    expect(edgeF1(empty, line(3), W, H, 1).f1).toBe(0);
    expect(edgeF1(line(3), empty, W, H, 1).f1).toBe(0);
    const p = pooled([edgeMatch(line(3), line(3), W, H, 1), edgeMatch(empty, line(3), W, H, 1)]);
    expect(p.precision).toBe(1);
    expect(p.recall).toBeCloseTo(0.5, 10);
    expect(() => edgeF1(new Uint8Array(3), line(3), W, H, 1)).toThrow(/expected 12×10/);
  });
});
