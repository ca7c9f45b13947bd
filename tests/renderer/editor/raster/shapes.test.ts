import { describe, expect, it } from 'vitest';
import { fillPolygon, fillRect } from '../../../../renderer/editor/raster/shapes';
import { floodFill } from '../../../../renderer/editor/raster/flood-fill';
import { createLabelRaster } from '../../../../renderer/editor/raster/label-raster';
import { ascii, fromAscii } from './ascii';

describe('rectangle', () => {
  it('fills between the two corner pixels inclusive, in any drag direction, clipped', () => {
    const r = createLabelRaster(6, 4);
    expect(fillRect(r, { x: 4.9, y: 2.2 }, { x: 1.1, y: 1.0 }, 3)).toEqual({ x0: 1, y0: 1, x1: 5, y1: 3 });
    expect(ascii(r)).toEqual(['......', '.3333.', '.3333.', '......']);
    fillRect(r, { x: -5, y: -5 }, { x: 0.5, y: 9 }, 4);
    expect(ascii(r).map((row) => row[0])).toEqual(['4', '4', '4', '4']);
  });
});

describe('polygon (even-odd, pixel centres)', () => {
  it('fills an axis-aligned square exactly', () => {
    const r = createLabelRaster(6, 6);
    fillPolygon(r, [{ x: 1, y: 1 }, { x: 4, y: 1 }, { x: 4, y: 4 }, { x: 1, y: 4 }], 1);
    expect(ascii(r)).toEqual(['......', '.111..', '.111..', '.111..', '......', '......']);
  });

  it('fills a triangle', () => {
    const r = createLabelRaster(8, 5);
    fillPolygon(r, [{ x: 0, y: 0 }, { x: 8, y: 0 }, { x: 0, y: 5 }], 2);
    expect(ascii(r)).toEqual([
      '2222222.',
      '222222..',
      '2222....',
      '22......',
      '2.......',
    ]);
  });

  it('leaves the centre of a self-intersecting star hollow (even-odd)', () => {
    const r = createLabelRaster(11, 11);
    const star = [0, 1, 2, 3, 4].map((k) => {
      const a = -Math.PI / 2 + (k * 4 * Math.PI) / 5; // pentagram: every second vertex
      return { x: 5.5 + 5 * Math.cos(a), y: 5.8 + 5 * Math.sin(a) };
    });
    fillPolygon(r, star, 1);
    const rows = ascii(r);
    expect(rows[6]![5]).toBe('.'); // centre pixel: crossed twice → outside
    expect(rows[4]![1]).toBe('1'); // left arm
    expect(rows[4]![9]).toBe('1'); // right arm
    expect(rows[2]![5]).toBe('1'); // top arm
  });

  it('two polygons sharing an edge neither overlap nor leave a gap', () => {
    const a = createLabelRaster(9, 9);
    const b = createLabelRaster(9, 9);
    const whole = createLabelRaster(9, 9);
    const P = { x: 0.3, y: 0.7 };
    const Q = { x: 8.6, y: 8.2 };
    fillPolygon(a, [P, { x: 8.6, y: 0.7 }, Q], 1);
    fillPolygon(b, [P, Q, { x: 0.3, y: 8.2 }], 1);
    fillPolygon(whole, [P, { x: 8.6, y: 0.7 }, Q, { x: 0.3, y: 8.2 }], 1);
    for (let i = 0; i < whole.data.length; i++) {
      expect(a.data[i]! + b.data[i]!).toBe(whole.data[i]);
    }
  });

  it('ignores degenerate input', () => {
    const r = createLabelRaster(3, 3);
    fillPolygon(r, [{ x: 0, y: 0 }, { x: 3, y: 3 }], 1);
    fillPolygon(r, [{ x: 0, y: 1 }, { x: 3, y: 1 }, { x: 2, y: 1 }], 1);
    expect(ascii(r)).toEqual(['...', '...', '...']);
  });
});

describe('flood fill on labels (4-connected)', () => {
  it('fills the region of equal id and stops at other ids and diagonals', () => {
    const r = fromAscii([
      '11111..',
      '1...1..',
      '1...1..',
      '11111..',
      '.....1.',
    ]);
    const dirty = floodFill(r, 2.5, 1.5, 3);
    expect(ascii(r)).toEqual([
      '11111..',
      '13331..',
      '13331..',
      '11111..',
      '.....1.',
    ]);
    expect(dirty).toEqual({ x0: 1, y0: 1, x1: 4, y1: 3 });
    floodFill(r, 6.5, 0.5, 2); // the right-hand region
    expect(ascii(r)).toEqual([
      '1111122',
      '1333122',
      '1333122',
      '1111122',
      '.....12', // the bottom-left run touches the outside only diagonally
    ]);
  });

  it('is a no-op when the seed already has the id or lies outside', () => {
    const r = fromAscii(['11', '11']);
    expect(floodFill(r, 0, 0, 1).x1).toBe(-Infinity);
    expect(floodFill(r, 5, 5, 2).x1).toBe(-Infinity);
    expect(ascii(r)).toEqual(['11', '11']);
  });

  it('fills a large spiral without recursion', () => {
    const n = 601;
    const r = createLabelRaster(n, n);
    // Walls every other column with alternating gaps: a serpentine corridor.
    for (let x = 1; x < n; x += 2) for (let y = 0; y < n; y++) r.data[y * n + x] = 1;
    for (let x = 1, k = 0; x < n; x += 2, k++) r.data[(k % 2 ? 0 : n - 1) * n + x] = 0;
    floodFill(r, 0, 0, 2);
    expect(r.data.filter((v) => v === 0)).toHaveLength(0);
  });
});
