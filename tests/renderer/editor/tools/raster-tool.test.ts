// The raster tools as state machines driven like a user (down / move / up in canvas coordinates):
// each gesture paints exact labels and yields one undoable command.
import { describe, expect, it } from 'vitest';
import { History } from '../../../../renderer/editor/history';
import type { LabelRaster } from '../../../../renderer/editor/raster/label-raster';
import { createLabelRaster, getLabel } from '../../../../renderer/editor/raster/label-raster';
import type { RasterToolContext } from '../../../../renderer/editor/tools/raster-tool';
import { RasterTool } from '../../../../renderer/editor/tools/raster-tool';

function ctx(raster: LabelRaster, over: Partial<RasterToolContext> = {}): RasterToolContext {
  return { raster, value: 5, background: 0, size: 3, closeRadius: 2, ...over };
}

function count(r: LabelRaster, v: number): number {
  return r.data.filter((x) => x === v).length;
}

describe('RasterTool', () => {
  it('brush: one stroke = one command; undo restores every pixel, redo repaints', () => {
    const r = createLabelRaster(20, 20);
    const c = ctx(r);
    const tool = new RasterTool('brush');
    const history = new History();
    expect(tool.down({ x: 2.5, y: 10.5 }, c).painted).toBe(true);
    tool.move({ x: 10.5, y: 10.5 }, c);
    tool.move({ x: 17.5, y: 10.5 }, c);
    const out = tool.up({ x: 17.5, y: 10.5 }, c);
    expect(out.command?.label).toBe('Brush');
    history.record(out.command!);
    // A 3-px disc dragged along row 10 from x=2 to x=17: rows 9..11 covered for x in 2..17, plus the caps.
    for (let x = 2; x <= 17; x++) for (const y of [9, 10, 11]) expect(getLabel(r, x, y)).toBe(5);
    expect(getLabel(r, 10, 8)).toBe(0);
    expect(new Set(r.data)).toEqual(new Set([0, 5]));
    const painted = count(r, 5);
    history.undo();
    expect(count(r, 5)).toBe(0);
    history.redo();
    expect(count(r, 5)).toBe(painted);
    expect(tool.busy).toBe(false);
  });

  it('pencil paints a 1-pixel 8-connected line; eraser paints the background class', () => {
    const r = createLabelRaster(10, 10, 7);
    const pencil = new RasterTool('pencil');
    pencil.down({ x: 0.5, y: 0.5 }, ctx(r));
    pencil.move({ x: 9.5, y: 9.5 }, ctx(r));
    pencil.up({ x: 9.5, y: 9.5 }, ctx(r));
    expect(count(r, 5)).toBe(10);
    for (let i = 0; i < 10; i++) expect(getLabel(r, i, i)).toBe(5);
    const eraser = new RasterTool('eraser');
    eraser.down({ x: 5.5, y: 5.5 }, ctx(r, { size: 1, background: 2 }));
    eraser.up({ x: 5.5, y: 5.5 }, ctx(r, { size: 1, background: 2 }));
    expect(getLabel(r, 5, 5)).toBe(2);
  });

  it('rectangle and line show a preview while dragging and paint only on release', () => {
    const r = createLabelRaster(16, 16);
    const rect = new RasterTool('rect');
    rect.down({ x: 2.2, y: 3.7 }, ctx(r));
    rect.move({ x: 6.9, y: 8.1 }, ctx(r));
    expect(rect.preview({ size: 3 })).toEqual({ kind: 'rect', a: { x: 2.2, y: 3.7 }, b: { x: 6.9, y: 8.1 } });
    expect(count(r, 5)).toBe(0);
    const out = rect.up({ x: 6.9, y: 8.1 }, ctx(r));
    expect(out.command?.label).toBe('Rectangle');
    expect(count(r, 5)).toBe(5 * 6); // pixels 2..6 × 3..8
    expect(rect.preview({ size: 3 })).toBeNull();

    const line = new RasterTool('line');
    const r2 = createLabelRaster(16, 16);
    line.down({ x: 1.5, y: 8.5 }, ctx(r2, { size: 1 }));
    line.move({ x: 14.5, y: 8.5 }, ctx(r2, { size: 1 }));
    expect(line.preview({ size: 1 })).toMatchObject({ kind: 'line', size: 1 });
    line.up({ x: 14.5, y: 8.5 }, ctx(r2, { size: 1 }));
    expect(count(r2, 5)).toBe(14);
  });

  it('polygon: clicks place points, a click on the first point (or commit) fills; fewer than 3 points fill nothing', () => {
    const r = createLabelRaster(12, 12);
    const poly = new RasterTool('polygon');
    for (const p of [{ x: 1, y: 1 }, { x: 11, y: 1 }, { x: 11, y: 11 }]) expect(poly.down(p, ctx(r)).command).toBeUndefined();
    poly.move({ x: 5, y: 9 }, ctx(r));
    expect(poly.preview({ size: 3 })).toEqual({ kind: 'polygon', points: [{ x: 1, y: 1 }, { x: 11, y: 1 }, { x: 11, y: 11 }], cursor: { x: 5, y: 9 } });
    const out = poly.down({ x: 1.5, y: 1.5 }, ctx(r));
    expect(out.command?.label).toBe('Polygon');
    // Upper-right triangle: pixel (9, 2) inside, (2, 9) outside.
    expect(getLabel(r, 9, 2)).toBe(5);
    expect(getLabel(r, 2, 9)).toBe(0);
    const two = new RasterTool('polygon');
    two.down({ x: 1, y: 1 }, ctx(r));
    two.down({ x: 5, y: 1 }, ctx(r));
    expect(two.commit(ctx(r))).toEqual({});
    expect(two.busy).toBe(false);
  });

  it('fill replaces the connected region of equal labels; the eyedropper reads a label', () => {
    const r = createLabelRaster(8, 8, 1);
    for (let y = 0; y < 8; y++) r.data[y * 8 + 4] = 3; // a wall at x = 4
    const fill = new RasterTool('fill');
    const out = fill.down({ x: 1.5, y: 1.5 }, ctx(r, { value: 9 }));
    expect(out.command?.label).toBe('Fill');
    expect(count(r, 9)).toBe(32);
    expect(getLabel(r, 6, 6)).toBe(1);
    expect(fill.down({ x: 1.5, y: 1.5 }, ctx(r, { value: 9 })).command).toBeUndefined();
    expect(new RasterTool('eyedropper').down({ x: 4.2, y: 7.9 }, ctx(r))).toEqual({ picked: 3 });
    expect(new RasterTool('eyedropper').down({ x: -1, y: 0 }, ctx(r))).toEqual({});
  });

  it('cancel reverts a stroke in progress', () => {
    const r = createLabelRaster(10, 10);
    const tool = new RasterTool('brush');
    tool.down({ x: 5, y: 5 }, ctx(r));
    tool.move({ x: 8, y: 5 }, ctx(r));
    expect(count(r, 5)).toBeGreaterThan(0);
    expect(tool.cancel().painted).toBe(true);
    expect(count(r, 5)).toBe(0);
    expect(tool.busy).toBe(false);
  });
});
