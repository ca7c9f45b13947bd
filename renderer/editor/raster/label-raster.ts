// A label raster: one integer class id per pixel, row-major, no blending ever. Semantic maps,
// completion masks and edge maps are all label rasters (edges: 0 = background, 255 = edge).
// Pixel (x, y) covers the square [x, x+1) × [y, y+1) of canvas coordinates; its centre is
// (x + 0.5, y + 0.5).

export type LabelData = Uint8Array | Uint16Array;

export interface LabelRaster {
  width: number;
  height: number;
  /** 8-bit ids (≤ 255 classes, e.g. COCO-Stuff's 182) or 16-bit ids. */
  data: LabelData;
}

/** Inclusive-exclusive pixel rectangle: x0 ≤ x < x1, y0 ≤ y < y1. */
export interface PixelRect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export function createLabelRaster(width: number, height: number, fill = 0, bits: 8 | 16 = 8): LabelRaster {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width * height > 1 << 26) {
    throw new Error(`A label raster needs positive integer width and height (at most 64 Mpx), got ${width}x${height}.`);
  }
  const data = bits === 16 ? new Uint16Array(width * height) : new Uint8Array(width * height);
  checkLabel(data, fill);
  if (fill !== 0) data.fill(fill);
  return { width, height, data };
}

export function cloneRaster(r: LabelRaster): LabelRaster {
  return { width: r.width, height: r.height, data: r.data.slice() };
}

export function maxLabel(data: LabelData): number {
  return data instanceof Uint16Array ? 0xffff : 0xff;
}

export function checkLabel(data: LabelData, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > maxLabel(data)) {
    throw new Error(`Label ${value} does not fit this raster: use an integer 0..${maxLabel(data)}.`);
  }
}

export function inBounds(r: LabelRaster, x: number, y: number): boolean {
  return x >= 0 && y >= 0 && x < r.width && y < r.height;
}

export function getLabel(r: LabelRaster, x: number, y: number): number {
  if (!inBounds(r, x, y)) throw new Error(`Pixel (${x}, ${y}) is outside the ${r.width}x${r.height} raster.`);
  return r.data[y * r.width + x]!;
}

export function setLabel(r: LabelRaster, x: number, y: number, value: number): void {
  if (inBounds(r, x, y)) r.data[y * r.width + x] = value;
}

/** Eyedropper: the class id under canvas point (x, y), or null outside the raster. */
export function pickLabel(r: LabelRaster, x: number, y: number): number | null {
  const px = Math.floor(x);
  const py = Math.floor(y);
  return inBounds(r, px, py) ? r.data[py * r.width + px]! : null;
}

// ---------------------------------------------------------------------------------------------
// Dirty rectangles (what an edit touched) — the basis of compact undo.

export function emptyRect(): PixelRect {
  return { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
}

export function isEmptyRect(r: PixelRect): boolean {
  return r.x1 <= r.x0 || r.y1 <= r.y0;
}

export function includePixel(rect: PixelRect, x: number, y: number): void {
  if (x < rect.x0) rect.x0 = x;
  if (y < rect.y0) rect.y0 = y;
  if (x + 1 > rect.x1) rect.x1 = x + 1;
  if (y + 1 > rect.y1) rect.y1 = y + 1;
}

export function clipRect(rect: PixelRect, r: LabelRaster): PixelRect {
  return { x0: Math.max(0, rect.x0), y0: Math.max(0, rect.y0), x1: Math.min(r.width, rect.x1), y1: Math.min(r.height, rect.y1) };
}

/** Copy of the pixels inside `rect` (row-major). */
export function readRegion(r: LabelRaster, rect: PixelRect): LabelData {
  const w = rect.x1 - rect.x0;
  const h = rect.y1 - rect.y0;
  const out = r.data instanceof Uint16Array ? new Uint16Array(w * h) : new Uint8Array(w * h);
  for (let y = 0; y < h; y++) out.set(r.data.subarray((rect.y0 + y) * r.width + rect.x0, (rect.y0 + y) * r.width + rect.x1), y * w);
  return out;
}

export function writeRegion(r: LabelRaster, rect: PixelRect, pixels: LabelData): void {
  const w = rect.x1 - rect.x0;
  for (let y = rect.y0; y < rect.y1; y++) r.data.set(pixels.subarray((y - rect.y0) * w, (y - rect.y0 + 1) * w), y * r.width + rect.x0);
}

/** Bounding box of the pixels where `a` and `b` (same size) differ; empty when equal. */
export function diffRect(a: LabelData, b: LabelData, width: number): PixelRect {
  const rect = emptyRect();
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) includePixel(rect, i % width, Math.floor(i / width));
  return rect;
}

/** Histogram of labels present: id → pixel count. */
export function labelCounts(r: LabelRaster): Map<number, number> {
  const counts = new Map<number, number>();
  for (let i = 0; i < r.data.length; i++) {
    const v = r.data[i]!;
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return counts;
}
