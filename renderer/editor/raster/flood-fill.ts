// Fill bucket on labels: replaces the 4-connected region of equal class id under the seed pixel.
// Works on ids, never colours, so anti-aliasing can never leave a halo. Scanline span filling with
// an explicit stack (no recursion: a 4096² region is fine).

import type { LabelRaster, PixelRect } from './label-raster';
import { checkLabel, emptyRect } from './label-raster';

/** Fill from canvas point (x, y). Returns the dirty rect (empty when nothing changed). */
export function floodFill(r: LabelRaster, x: number, y: number, value: number): PixelRect {
  checkLabel(r.data, value);
  const { width, height, data } = r;
  const sx = Math.floor(x);
  const sy = Math.floor(y);
  const dirty = emptyRect();
  if (sx < 0 || sy < 0 || sx >= width || sy >= height) return dirty;
  const target = data[sy * width + sx]!;
  if (target === value) return dirty;
  const stack: number[] = [sx, sy];
  while (stack.length) {
    const py = stack.pop()!;
    const px = stack.pop()!;
    const row = py * width;
    if (data[row + px] !== target) continue;
    let left = px;
    while (left > 0 && data[row + left - 1] === target) left--;
    let right = px;
    while (right < width - 1 && data[row + right + 1] === target) right++;
    data.fill(value, row + left, row + right + 1);
    dirty.x0 = Math.min(dirty.x0, left);
    dirty.x1 = Math.max(dirty.x1, right + 1);
    dirty.y0 = Math.min(dirty.y0, py);
    dirty.y1 = Math.max(dirty.y1, py + 1);
    for (const ny of [py - 1, py + 1]) {
      if (ny < 0 || ny >= height) continue;
      const nrow = ny * width;
      let inRun = false;
      for (let i = left; i <= right; i++) {
        const match = data[nrow + i] === target;
        if (match && !inRun) stack.push(i, ny);
        inRun = match;
      }
    }
  }
  return dirty;
}
