/**
 * Condition maps before the condition VQGAN: validation, resizing and the tensor layouts the cond stages take.
 *
 * - semantic: an integer label map [H, W] (from 8-bit label PNGs, palette PNGs or .npy) → one-hot
 *   [1, C, H, W] float32 (1 at the label's channel, 0 elsewhere), as taming's segmentation cond stage.
 *   Labels ≥ C are refused with the position of the first offender. Resizing is nearest-neighbour only.
 * - edge / depth: one channel [1, 1, H, W] in [-1, 1] (8-bit grey g → g/127.5 − 1; float maps are taken
 *   as [0, 1] unless they already lie in [-1, 1] with negatives). Resizing is bilinear (pixel centres).
 * - pose / superres / completion: RGB [1, 3, H, W] in [-1, 1].
 * Nearest resizing samples source pixel floor((x + 0.5) · srcW / dstW), likewise for rows.
 */

export interface LabelMap {
  width: number;
  height: number;
  labels: Int32Array;
}

/** Nearest-neighbour resize of an interleaved [H, W, C] array (any typed array; the same type comes back). */
export function resizeNearest<T extends Int32Array | Uint8Array | Float32Array>(
  src: T, width: number, height: number, channels: number, dstWidth: number, dstHeight: number,
): T {
  const out = new (src.constructor as new (n: number) => T)(dstWidth * dstHeight * channels);
  for (let y = 0; y < dstHeight; y++) {
    const sy = Math.min(height - 1, Math.floor(((y + 0.5) * height) / dstHeight));
    for (let x = 0; x < dstWidth; x++) {
      const sx = Math.min(width - 1, Math.floor(((x + 0.5) * width) / dstWidth));
      for (let c = 0; c < channels; c++) out[(y * dstWidth + x) * channels + c] = src[(sy * width + sx) * channels + c]!;
    }
  }
  return out;
}

/** Bilinear resize (pixel-centre aligned, edge clamped) of an interleaved float [H, W, C] array. */
export function resizeBilinear(src: Float32Array, width: number, height: number, channels: number, dstWidth: number, dstHeight: number): Float32Array {
  const out = new Float32Array(dstWidth * dstHeight * channels);
  for (let y = 0; y < dstHeight; y++) {
    const fy = Math.min(height - 1, Math.max(0, ((y + 0.5) * height) / dstHeight - 0.5));
    const y0 = Math.floor(fy), y1 = Math.min(height - 1, y0 + 1), wy = fy - y0;
    for (let x = 0; x < dstWidth; x++) {
      const fx = Math.min(width - 1, Math.max(0, ((x + 0.5) * width) / dstWidth - 0.5));
      const x0 = Math.floor(fx), x1 = Math.min(width - 1, x0 + 1), wx = fx - x0;
      for (let c = 0; c < channels; c++) {
        const a = src[(y0 * width + x0) * channels + c]!, b = src[(y0 * width + x1) * channels + c]!;
        const d = src[(y1 * width + x0) * channels + c]!, e = src[(y1 * width + x1) * channels + c]!;
        out[(y * dstWidth + x) * channels + c] = (a * (1 - wx) + b * wx) * (1 - wy) + (d * (1 - wx) + e * wx) * wy;
      }
    }
  }
  return out;
}

/** Map palette colours of an RGB(A) image [H, W, ch] to label ids; unknown colours are refused. */
export function paletteToLabels(
  pixels: Uint8Array, width: number, height: number, channels: number,
  palette: ReadonlyArray<readonly [number, number, number]>,
): LabelMap {
  const index = new Map<number, number>();
  palette.forEach(([r, g, b], k) => {
    const key = (r << 16) | (g << 8) | b;
    if (!index.has(key)) index.set(key, k);
  });
  const labels = new Int32Array(width * height);
  for (let p = 0; p < width * height; p++) {
    const r = pixels[p * channels]!, g = pixels[p * channels + 1]!, b = pixels[p * channels + 2]!;
    const id = index.get((r << 16) | (g << 8) | b);
    if (id === undefined) {
      throw new Error(
        `Pixel (${p % width}, ${Math.floor(p / width)}) has colour rgb(${r}, ${g}, ${b}), which is not in the model's palette ` +
          `of ${palette.length} classes; paint only with palette colours (no anti-aliasing) or pass 8-bit label indices.`,
      );
    }
    labels[p] = id;
  }
  return { width, height, labels };
}

/** Check every label is a class of the model. */
export function validateLabels(map: LabelMap, numClasses: number): void {
  for (let p = 0; p < map.labels.length; p++) {
    const v = map.labels[p]!;
    if (!Number.isInteger(v) || v < 0 || v >= numClasses) {
      throw new Error(
        `Label ${v} at pixel (${p % map.width}, ${Math.floor(p / map.width)}) is beyond the model's palette: ` +
          `it has ${numClasses} classes (ids 0..${numClasses - 1}).`,
      );
    }
  }
}

/** One-hot [1, C, H, W] float32 of a label map. */
export function labelsToOneHot(map: LabelMap, numClasses: number): Float32Array {
  validateLabels(map, numClasses);
  const hw = map.width * map.height;
  const out = new Float32Array(numClasses * hw);
  for (let p = 0; p < hw; p++) out[map.labels[p]! * hw + p] = 1;
  return out;
}

/** Interleaved [H, W, C] → planar [C, H, W] with value map f. */
export function toPlanar(src: ArrayLike<number>, width: number, height: number, channels: number, f: (v: number) => number): Float32Array {
  const hw = width * height;
  const out = new Float32Array(channels * hw);
  for (let p = 0; p < hw; p++) for (let c = 0; c < channels; c++) out[c * hw + p] = f(src[p * channels + c]!);
  return out;
}

/** 8-bit value → [-1, 1]. */
export const byteToUnit = (v: number): number => v / 127.5 - 1;

/** A float map to [-1, 1]: values in [0, 1] are rescaled; values already in [-1, 1] with negatives are kept. */
export function floatMapToUnit(values: ArrayLike<number>): Float32Array {
  let min = Infinity, max = -Infinity;
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    if (!Number.isFinite(v)) throw new Error(`The condition map has a non-finite value at index ${k}.`);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min < -1 || max > 1) {
    throw new Error(`Float condition maps must lie in [0, 1] (or [-1, 1]); this one spans [${min}, ${max}]. Normalise it first.`);
  }
  const out = new Float32Array(values.length);
  const signed = min < 0;
  for (let k = 0; k < values.length; k++) out[k] = signed ? values[k]! : values[k]! * 2 - 1;
  return out;
}
