// The round brush: discs of class ids stamped along a stroke, never anti-aliased.
//
// A brush of diameter d paints exactly the pixels whose centres lie within d/2 of the stamp
// centre. The centre is snapped so the disc is symmetric: for odd d to the centre of the pixel
// under the pointer, for even d to the nearest pixel corner. Between two stroke points the stamp
// centres follow Bresenham's line, so consecutive stamps are ≤ 1 pixel apart and a stroke has no
// gaps. The eraser is this brush painting the background class.

import { bresenham } from './bresenham';
import type { LabelRaster, PixelRect } from './label-raster';
import { checkLabel, emptyRect, includePixel } from './label-raster';

export interface Point {
  x: number;
  y: number;
}

export const MIN_BRUSH = 1;
export const MAX_BRUSH = 512;

const discCache = new Map<number, Int32Array>();

/**
 * Pixel offsets (dx, dy pairs) of a disc of diameter `d`, relative to the snapped centre's pixel:
 * for odd d the centre pixel is (0, 0); for even d the centre is the top-left corner of pixel (0, 0).
 */
export function discOffsets(diameter: number): Int32Array {
  const d = clampDiameter(diameter);
  const cached = discCache.get(d);
  if (cached) return cached;
  const r2 = (d / 2) * (d / 2);
  const half = Math.ceil(d / 2);
  const odd = d % 2 === 1;
  const out: number[] = [];
  for (let dy = -half; dy <= half; dy++) {
    for (let dx = -half; dx <= half; dx++) {
      // Distance from this pixel's centre to the disc centre.
      const cx = odd ? dx : dx + 0.5;
      const cy = odd ? dy : dy + 0.5;
      if (cx * cx + cy * cy <= r2) out.push(dx, dy);
    }
  }
  const offsets = Int32Array.from(out);
  discCache.set(d, offsets);
  return offsets;
}

export function clampDiameter(diameter: number): number {
  if (!Number.isFinite(diameter)) throw new Error(`Brush size must be a number, got ${diameter}.`);
  return Math.min(MAX_BRUSH, Math.max(MIN_BRUSH, Math.round(diameter)));
}

/** The integer anchor of a stamp at canvas point p (pixel for odd d, corner for even d). */
export function snapCenter(p: Point, diameter: number): { x: number; y: number } {
  return clampDiameter(diameter) % 2 === 1 ? { x: Math.floor(p.x), y: Math.floor(p.y) } : { x: Math.round(p.x), y: Math.round(p.y) };
}

function stampAt(r: LabelRaster, ax: number, ay: number, offsets: Int32Array, value: number, dirty: PixelRect): void {
  const { width, height, data } = r;
  for (let i = 0; i < offsets.length; i += 2) {
    const x = ax + offsets[i]!;
    const y = ay + offsets[i + 1]!;
    if (x < 0 || y < 0 || x >= width || y >= height) continue;
    data[y * width + x] = value;
    includePixel(dirty, x, y);
  }
}

/** One disc at canvas point p. */
export function stampDisc(r: LabelRaster, p: Point, diameter: number, value: number): PixelRect {
  checkLabel(r.data, value);
  const dirty = emptyRect();
  const a = snapCenter(p, diameter);
  stampAt(r, a.x, a.y, discOffsets(diameter), value, dirty);
  return dirty;
}

/**
 * A stroke through `points` (a polyline; one point = one dab). Also the line tool: two points.
 * Returns the dirty rect.
 */
export function brushStroke(r: LabelRaster, points: readonly Point[], diameter: number, value: number): PixelRect {
  checkLabel(r.data, value);
  const dirty = emptyRect();
  if (points.length === 0) return dirty;
  const offsets = discOffsets(diameter);
  let prev = snapCenter(points[0]!, diameter);
  stampAt(r, prev.x, prev.y, offsets, value, dirty);
  for (let i = 1; i < points.length; i++) {
    const next = snapCenter(points[i]!, diameter);
    let first = true;
    bresenham(prev.x, prev.y, next.x, next.y, (x, y) => {
      if (first) {
        first = false; // already stamped
        return;
      }
      stampAt(r, x, y, offsets, value, dirty);
    });
    prev = next;
  }
  return dirty;
}

/** The line tool: a straight brush segment of the given width from a to b. */
export function drawLine(r: LabelRaster, a: Point, b: Point, width: number, value: number): PixelRect {
  return brushStroke(r, [a, b], width, value);
}

/** Eraser: the brush painting the background class. */
export function eraseStroke(r: LabelRaster, points: readonly Point[], diameter: number, background: number): PixelRect {
  return brushStroke(r, points, diameter, background);
}
