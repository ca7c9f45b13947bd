// Bresenham's line between integer pixels: the 8-connected, 1-pixel path used by the pencil and
// by the brush to place its stamps without gaps.

import type { LabelRaster, PixelRect } from './label-raster';
import { checkLabel, emptyRect, includePixel, inBounds } from './label-raster';

/** Calls `visit(x, y)` for every pixel of the line from (x0, y0) to (x1, y1), both ends included. */
export function bresenham(x0: number, y0: number, x1: number, y1: number, visit: (x: number, y: number) => void): void {
  let x = x0;
  let y = y0;
  const dx = Math.abs(x1 - x0);
  const dy = -Math.abs(y1 - y0);
  const sx = x0 < x1 ? 1 : -1;
  const sy = y0 < y1 ? 1 : -1;
  let err = dx + dy;
  for (;;) {
    visit(x, y);
    if (x === x1 && y === y1) return;
    const e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y += sy;
    }
  }
}

/** Pencil: a 1-pixel line between the pixels under canvas points a and b. Returns the dirty rect. */
export function pencilLine(r: LabelRaster, ax: number, ay: number, bx: number, by: number, value: number): PixelRect {
  checkLabel(r.data, value);
  const dirty = emptyRect();
  bresenham(Math.floor(ax), Math.floor(ay), Math.floor(bx), Math.floor(by), (x, y) => {
    if (!inBounds(r, x, y)) return;
    r.data[y * r.width + x] = value;
    includePixel(dirty, x, y);
  });
  return dirty;
}
