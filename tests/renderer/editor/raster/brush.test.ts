import { describe, expect, it } from 'vitest';
import { brushStroke, discOffsets, drawLine, eraseStroke, stampDisc } from '../../../../renderer/editor/raster/brush';
import { pencilLine } from '../../../../renderer/editor/raster/bresenham';
import { createLabelRaster, pickLabel } from '../../../../renderer/editor/raster/label-raster';
import { ascii, fromAscii } from './ascii';

describe('brush discs', () => {
  it('have the exact pixel footprints of discs of diameter 1..5', () => {
    expect([1, 2, 3, 4, 5].map((d) => discOffsets(d).length / 2)).toEqual([1, 4, 9, 12, 21]);
    const r5 = createLabelRaster(7, 7);
    stampDisc(r5, { x: 3.2, y: 3.9 }, 5, 1);
    expect(ascii(r5)).toEqual([
      '.......',
      '..111..',
      '.11111.',
      '.11111.',
      '.11111.',
      '..111..',
      '.......',
    ]);
    const r4 = createLabelRaster(6, 6);
    const dirty = stampDisc(r4, { x: 2.8, y: 3.3 }, 4, 7); // even: snapped to the corner (3, 3)
    expect(ascii(r4)).toEqual([
      '......',
      '..77..',
      '.7777.',
      '.7777.',
      '..77..',
      '......',
    ]);
    expect(dirty).toEqual({ x0: 1, y0: 1, x1: 5, y1: 5 });
  });

  it('are clipped at the border and never write outside', () => {
    const r = createLabelRaster(4, 3);
    const dirty = stampDisc(r, { x: 0.1, y: 0.1 }, 5, 2);
    expect(ascii(r)).toEqual(['222.', '222.', '22..']);
    expect(dirty).toEqual({ x0: 0, y0: 0, x1: 3, y1: 3 });
  });

  it('writes exact class ids with no blending, also over other classes', () => {
    const r = fromAscii(['3333', '3333', '3333']);
    stampDisc(r, { x: 1.5, y: 1.5 }, 3, 200);
    expect(new Set(r.data)).toEqual(new Set([3, 200]));
    expect(r.data.filter((v) => v === 200)).toHaveLength(9);
  });
});

describe('brush strokes', () => {
  it('leave no gaps between far-apart pointer samples', () => {
    const r = createLabelRaster(12, 5);
    brushStroke(r, [{ x: 1.5, y: 2.5 }, { x: 10.5, y: 2.5 }], 3, 1);
    expect(ascii(r)).toEqual([
      '............',
      '111111111111',
      '111111111111',
      '111111111111',
      '............',
    ]);
  });

  it('draw an 8-connected diagonal at width 1, like the pencil', () => {
    const brushed = createLabelRaster(7, 4);
    const pencil = createLabelRaster(7, 4);
    drawLine(brushed, { x: 0.5, y: 0.5 }, { x: 6.5, y: 3.5 }, 1, 1);
    pencilLine(pencil, 0.5, 0.5, 6.5, 3.5, 1);
    expect(ascii(pencil)).toEqual([
      '1......', // y = x / 2: ties (x = 1, 3, 5) step down
      '.11....',
      '...11..',
      '.....11',
    ]);
    expect(ascii(brushed)).toEqual(ascii(pencil));
  });

  it('pencil draws 1-pixel Bresenham lines both ways identically', () => {
    const a = createLabelRaster(5, 5);
    const b = createLabelRaster(5, 5);
    pencilLine(a, 0, 4, 4, 1, 9);
    pencilLine(b, 4, 1, 0, 4, 9);
    expect(ascii(a)).toEqual(['.....', '....9', '..99.', '.9...', '9....']); // y = 4 - 0.75x, tie at x = 2
    expect(a.data.filter((v) => v === 9)).toHaveLength(5);
    expect(ascii(b).join('').replace(/[^9]/g, '').length).toBe(5);
  });

  it('a single point is one dab; no points paint nothing', () => {
    const r = createLabelRaster(3, 3);
    brushStroke(r, [], 3, 1);
    expect(ascii(r)).toEqual(['...', '...', '...']);
    brushStroke(r, [{ x: 1.5, y: 1.5 }], 1, 1);
    expect(ascii(r)).toEqual(['...', '.1.', '...']);
  });

  it('eraser paints the background class; eyedropper reads ids', () => {
    const r = fromAscii(['5555', '5555']);
    eraseStroke(r, [{ x: 0.5, y: 0.5 }, { x: 2.5, y: 0.5 }], 1, 1);
    expect(ascii(r)).toEqual(['1115', '5555']);
    expect(pickLabel(r, 3.9, 1.9)).toBe(5);
    expect(pickLabel(r, 0.2, 0.7)).toBe(1);
    expect(pickLabel(r, 4, 0)).toBeNull();
    expect(pickLabel(r, -0.1, 0)).toBeNull();
  });

  it('rejects ids that do not fit the raster', () => {
    expect(() => stampDisc(createLabelRaster(2, 2), { x: 0, y: 0 }, 1, 256)).toThrow(/0\.\.255/);
    const wide = createLabelRaster(2, 2, 0, 16);
    stampDisc(wide, { x: 0.5, y: 0.5 }, 1, 1000);
    expect(wide.data[0]).toBe(1000);
  });
});
