import { describe, expect, it } from 'vitest';
import { History } from '../../../../renderer/editor/history';
import { brushStroke } from '../../../../renderer/editor/raster/brush';
import { floodFill } from '../../../../renderer/editor/raster/flood-fill';
import { beginRasterStroke, rasterEdit } from '../../../../renderer/editor/raster/raster-edit';
import { fillRect } from '../../../../renderer/editor/raster/shapes';
import { ascii, fromAscii } from './ascii';

describe('undoable raster edits', () => {
  it('store only the dirty rectangle and restore pixels exactly', () => {
    const r = fromAscii(['1111', '1221', '1111']);
    const h = new History();
    const fill = rasterEdit(r, 'Fill', (x) => floodFill(x, 1.5, 1.5, 5));
    expect(fill?.rect).toEqual({ x0: 1, y0: 1, x1: 3, y1: 2 });
    h.record(fill!);
    const rect = rasterEdit(r, 'Rectangle', (x) => fillRect(x, { x: 0, y: 0 }, { x: 0, y: 2 }, 7));
    h.record(rect!);
    expect(ascii(r)).toEqual(['7111', '7551', '7111']);
    h.undo();
    expect(ascii(r)).toEqual(['1111', '1551', '1111']);
    h.undo();
    expect(ascii(r)).toEqual(['1111', '1221', '1111']);
    h.redo();
    h.redo();
    expect(ascii(r)).toEqual(['7111', '7551', '7111']);
  });

  it('returns null when nothing changed', () => {
    const r = fromAscii(['11', '11']);
    expect(rasterEdit(r, 'Fill', (x) => floodFill(x, 0, 0, 1))).toBeNull();
  });

  it('turns a live stroke into one undo entry', () => {
    const r = fromAscii(['......', '......']);
    const stroke = beginRasterStroke(r, 'Brush');
    stroke.touched(brushStroke(r, [{ x: 0.5, y: 0.5 }, { x: 2.5, y: 0.5 }], 1, 3));
    stroke.touched(brushStroke(r, [{ x: 2.5, y: 0.5 }, { x: 5.5, y: 1.5 }], 1, 3));
    const cmd = stroke.finish()!;
    const painted = ascii(r);
    expect(painted).toEqual(['3333..', '....33']);
    cmd.revert();
    expect(ascii(r)).toEqual(['......', '......']);
    cmd.apply();
    expect(ascii(r)).toEqual(painted);
  });
});
