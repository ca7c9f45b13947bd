import { describe, expect, it } from 'vitest';
import { cropWindow, localIndex, placeWindow, placeWindowStrided, validateGrid } from '../../../native-models/sampling/window';

/** The reference scripts' rule, written out literally for the released 16 × 16 window. */
function referenceLocal16(i: number, n: number): number {
  if (i <= 8) return i;
  if (n - i < 8) return 16 - (n - i);
  return 8;
}

describe('sliding-window rule', () => {
  it('equals the reference rule for a 16-token window on every grid from 16 to 80', () => {
    for (let n = 16; n <= 80; n++) for (let i = 0; i < n; i++) expect(localIndex(i, n, 16)).toBe(referenceLocal16(i, n));
  });

  it('keeps every window inside the grid and the target inside its window (odd and even windows)', () => {
    for (const win of [2, 3, 4, 5, 7, 16]) {
      for (let n = win; n <= 3 * win + 2; n++) {
        for (let i = 0; i < n; i++) {
          const li = localIndex(i, n, win);
          const i0 = i - li;
          expect(li).toBeGreaterThanOrEqual(0);
          expect(li).toBeLessThan(win);
          expect(i0).toBeGreaterThanOrEqual(0);
          expect(i0 + win).toBeLessThanOrEqual(n);
        }
      }
    }
  });

  it('anchors, centres and clamps as described (32 rows, window 16)', () => {
    expect(placeWindow(0, 0, { h: 32, w: 48 }, { h: 16, w: 16 })).toEqual({ i0: 0, j0: 0, li: 0, lj: 0 });
    expect(placeWindow(8, 20, { h: 32, w: 48 }, { h: 16, w: 16 })).toEqual({ i0: 0, j0: 12, li: 8, lj: 8 });
    expect(placeWindow(24, 40, { h: 32, w: 48 }, { h: 16, w: 16 })).toEqual({ i0: 16, j0: 32, li: 8, lj: 8 });
    expect(placeWindow(31, 47, { h: 32, w: 48 }, { h: 16, w: 16 })).toEqual({ i0: 16, j0: 32, li: 15, lj: 15 });
  });

  it('uses every row when the grid is not taller than the window', () => {
    for (let i = 0; i < 5; i++) expect(localIndex(i, 5, 16)).toBe(i);
  });

  it('crops a window out of a batch of grids', () => {
    const grid = { h: 3, w: 4 };
    const t = Int32Array.from({ length: 2 * 12 }, (_, k) => k);
    expect(Array.from(cropWindow(t, 2, grid, 1, 2, { h: 2, w: 2 }))).toEqual([6, 7, 10, 11, 18, 19, 22, 23]);
  });

  it('refuses grids narrower than the window, and short grids for grid conditions', () => {
    expect(() => validateGrid({ h: 20, w: 8 }, { h: 16, w: 16 }, false)).toThrow(/at least 16 tokens/);
    expect(() => validateGrid({ h: 8, w: 20 }, { h: 16, w: 16 }, true)).toThrow(/needs at least 16 rows/);
    expect(() => validateGrid({ h: 8, w: 20 }, { h: 16, w: 16 }, false)).not.toThrow();
  });
});

describe('strided placement', () => {
  const grid = { h: 32, w: 32 }, win = { h: 8, w: 8 };
  it('stride 1 is the reference rule; stride 4 keeps every target inside its block\'s shared window', () => {
    const windows = new Set<string>();
    for (let i = 0; i < 32; i++) {
      for (let j = 0; j < 32; j++) {
        expect(placeWindowStrided(i, j, grid, win, { h: 1, w: 1 })).toEqual(placeWindow(i, j, grid, win));
        const p = placeWindowStrided(i, j, grid, win, { h: 4, w: 4 });
        expect([p.li >= 0 && p.li < 8, p.lj >= 0 && p.lj < 8, p.i0 + p.li, p.j0 + p.lj]).toEqual([true, true, i, j]);
        expect(p.i0 >= 0 && p.i0 + 8 <= 32 && p.j0 >= 0 && p.j0 + 8 <= 32).toBe(true);
        // the block's first target decides the window
        const first = placeWindow(i - (i % 4), j - (j % 4), grid, win);
        expect([p.i0, p.j0]).toEqual([first.i0, first.j0]);
        windows.add(`${p.i0},${p.j0}`);
      }
    }
    expect(windows.size).toBe(49); // 7 × 7 windows (blocks 0 and 4 of an axis share the edge-anchored one); the reference rule places 25 × 25
  });
});
