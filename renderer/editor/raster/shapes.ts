// Filled shapes on a label raster, sampled at pixel centres (no anti-aliasing).
//
// Rectangle: the pixels between the two corner pixels, both included (as a user drags from one
// pixel to another). Polygon: scanline fill with the EVEN-ODD rule — a pixel is filled when a ray
// from its centre crosses the outline an odd number of times; a self-intersecting star therefore
// has a hollow centre. Edges are half-open in y (y0 ≤ yc < y1), so a shared vertex is counted
// once and adjacent polygons sharing an edge never overlap or leave a gap.

import type { Point } from './brush';
import type { LabelRaster, PixelRect } from './label-raster';
import { checkLabel, emptyRect } from './label-raster';

/** Fill the rectangle spanned by the pixels under canvas points a and b (inclusive). */
export function fillRect(r: LabelRaster, a: Point, b: Point, value: number): PixelRect {
  checkLabel(r.data, value);
  const x0 = Math.max(0, Math.floor(Math.min(a.x, b.x)));
  const y0 = Math.max(0, Math.floor(Math.min(a.y, b.y)));
  const x1 = Math.min(r.width, Math.floor(Math.max(a.x, b.x)) + 1);
  const y1 = Math.min(r.height, Math.floor(Math.max(a.y, b.y)) + 1);
  if (x1 <= x0 || y1 <= y0) return emptyRect();
  for (let y = y0; y < y1; y++) r.data.fill(value, y * r.width + x0, y * r.width + x1);
  return { x0, y0, x1, y1 };
}

/** Fill a polygon (closed implicitly) with the even-odd rule, sampling pixel centres. */
export function fillPolygon(r: LabelRaster, points: readonly Point[], value: number): PixelRect {
  checkLabel(r.data, value);
  const dirty = emptyRect();
  if (points.length < 3) return dirty;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const p of points) {
    minY = Math.min(minY, p.y);
    maxY = Math.max(maxY, p.y);
  }
  const rowStart = Math.max(0, Math.ceil(minY - 0.5));
  const rowEnd = Math.min(r.height - 1, Math.floor(maxY - 0.5));
  const xs: number[] = [];
  for (let row = rowStart; row <= rowEnd; row++) {
    const yc = row + 0.5;
    xs.length = 0;
    for (let i = 0; i < points.length; i++) {
      const p = points[i]!;
      const q = points[(i + 1) % points.length]!;
      if ((p.y <= yc && yc < q.y) || (q.y <= yc && yc < p.y)) xs.push(p.x + ((yc - p.y) * (q.x - p.x)) / (q.y - p.y));
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      // Pixels whose centre x + 0.5 lies in [xs[k], xs[k+1]).
      const from = Math.max(0, Math.ceil(xs[k]! - 0.5));
      const to = Math.min(r.width, Math.ceil(xs[k + 1]! - 0.5));
      if (to <= from) continue;
      r.data.fill(value, row * r.width + from, row * r.width + to);
      dirty.x0 = Math.min(dirty.x0, from);
      dirty.x1 = Math.max(dirty.x1, to);
      dirty.y0 = Math.min(dirty.y0, row);
      dirty.y1 = Math.max(dirty.y1, row + 1);
    }
  }
  return dirty;
}
