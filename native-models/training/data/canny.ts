/**
 * Canny edge detector (J. Canny, 1986) on grey Float32 images, pure TypeScript.
 *
 * Input: a grey image with values in [0, 1] (use `rgbToGrey` for 8-bit RGB), row-major [H, W].
 * Steps and their documented defaults:
 *  1. Gaussian blur, σ = 1.4 (kernel radius ⌈3σ⌉, normalised, separable, borders replicated). σ = 0 skips it.
 *  2. Sobel gradients with replicated borders; the magnitude is √(gx² + gy²) / 8, i.e. the Sobel response scaled
 *     to approximate the intensity change per pixel (a linear ramp of slope s gives magnitude s).
 *  3. Non-maximum suppression along the gradient direction quantised to 0°, 45°, 90°, 135°; ties break towards
 *     one side, so a step edge gives a line one pixel wide. The outermost pixel ring is never an edge.
 *  4. Double threshold on that magnitude: strong ≥ high (default 0.10), weak ≥ low (default 0.05).
 *     In 8-bit units these are the common OpenCV choice Canny(img, 100, 200) on its unscaled L1 Sobel
 *     magnitude (100 / 255 / 8 ≈ 0.049, 200 / 255 / 8 ≈ 0.098). A sharp 0→1 step blurred with σ = 1.4 peaks at
 *     ≈ 1 / (σ√(2π)) ≈ 0.28, so steps of contrast above ≈ 0.35 are found with the defaults.
 *  5. Hysteresis: weak pixels are kept only when 8-connected (through weak pixels) to a strong pixel.
 * Output: a Uint8Array mask (1 = edge, 0 = none), [H, W].
 */

export interface CannyOptions {
  /** Gaussian σ in pixels (default 1.4; 0 = no blur). */
  sigma?: number;
  /** Weak threshold on the gradient magnitude (per-pixel intensity change, default 0.05). */
  low?: number;
  /** Strong threshold (default 0.10); must be ≥ low. */
  high?: number;
}

export const CANNY_DEFAULTS = { sigma: 1.4, low: 0.05, high: 0.1 } as const;

export interface CannyResult {
  /** 1 = edge pixel, 0 = not, row-major [H, W]. */
  edges: Uint8Array;
  /** Gradient magnitude after blur (per-pixel intensity change), [H, W]. */
  magnitude: Float32Array;
}

/** Rec. 601 luma of interleaved 8-bit pixels (RGB or RGBA; grey passes through), scaled to [0, 1]. */
export function rgbToGrey(pixels: Uint8Array, width: number, height: number, channels: number): Float32Array {
  const n = width * height;
  if (pixels.length < n * channels) throw new Error(`rgbToGrey: expected ${n * channels} bytes for ${width}×${height}×${channels}, got ${pixels.length}.`);
  const out = new Float32Array(n); // [H, W]
  if (channels < 3) {
    for (let i = 0; i < n; i++) out[i] = pixels[i * channels]! / 255;
    return out;
  }
  for (let i = 0; i < n; i++) {
    const o = i * channels;
    out[i] = (0.299 * pixels[o]! + 0.587 * pixels[o + 1]! + 0.114 * pixels[o + 2]!) / 255;
  }
  return out;
}

function gaussianKernel(sigma: number): Float32Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp(-(i * i) / (2 * sigma * sigma));
    k[i + radius] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i]! /= sum;
  return k;
}

/** Separable Gaussian blur with replicated borders. */
export function gaussianBlur(src: Float32Array, width: number, height: number, sigma: number): Float32Array {
  if (sigma <= 0) return new Float32Array(src);
  const k = gaussianKernel(sigma);
  const r = (k.length - 1) >> 1;
  const tmp = new Float32Array(width * height); // [H, W] horizontal pass
  const out = new Float32Array(width * height); // [H, W]
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let i = -r; i <= r; i++) {
        let xx = x + i;
        if (xx < 0) xx = 0;
        else if (xx >= width) xx = width - 1;
        acc += k[i + r]! * src[row + xx]!;
      }
      tmp[row + x] = acc;
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let i = -r; i <= r; i++) {
        let yy = y + i;
        if (yy < 0) yy = 0;
        else if (yy >= height) yy = height - 1;
        acc += k[i + r]! * tmp[yy * width + x]!;
      }
      out[y * width + x] = acc;
    }
  }
  return out;
}

export function canny(grey: Float32Array, width: number, height: number, options: CannyOptions = {}): CannyResult {
  const sigma = options.sigma ?? CANNY_DEFAULTS.sigma;
  const low = options.low ?? CANNY_DEFAULTS.low;
  const high = options.high ?? CANNY_DEFAULTS.high;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`canny: invalid size ${width}×${height}.`);
  }
  if (grey.length !== width * height) throw new Error(`canny: image has ${grey.length} values, expected ${width}×${height} = ${width * height}.`);
  if (!(sigma >= 0)) throw new Error(`canny: sigma=${sigma} must be ≥ 0.`);
  if (!(low >= 0) || !(high >= low)) throw new Error(`canny: thresholds must satisfy 0 ≤ low ≤ high (got low=${low}, high=${high}).`);

  const n = width * height;
  const img = gaussianBlur(grey, width, height, sigma); // [H, W]
  const mag = new Float32Array(n); // [H, W]
  const dir = new Uint8Array(n); // [H, W] 0: horizontal gradient, 1: 45°, 2: vertical, 3: 135°
  const TAN22 = 0.41421356; // tan(22.5°)
  for (let y = 0; y < height; y++) {
    const ym = y > 0 ? y - 1 : 0;
    const yp = y < height - 1 ? y + 1 : height - 1;
    for (let x = 0; x < width; x++) {
      const xm = x > 0 ? x - 1 : 0;
      const xp = x < width - 1 ? x + 1 : width - 1;
      const a = img[ym * width + xm]!, b = img[ym * width + x]!, c = img[ym * width + xp]!;
      const d = img[y * width + xm]!, f = img[y * width + xp]!;
      const g = img[yp * width + xm]!, h = img[yp * width + x]!, i = img[yp * width + xp]!;
      const gx = c + 2 * f + i - (a + 2 * d + g);
      const gy = g + 2 * h + i - (a + 2 * b + c);
      const idx = y * width + x;
      mag[idx] = Math.sqrt(gx * gx + gy * gy) / 8;
      const ax = Math.abs(gx), ay = Math.abs(gy);
      if (ay <= ax * TAN22) dir[idx] = 0;
      else if (ax <= ay * TAN22) dir[idx] = 2;
      else dir[idx] = gx * gy > 0 ? 1 : 3; // y grows downwards: gx·gy > 0 means the gradient points along (1, 1)
    }
  }

  // Non-maximum suppression + double threshold: 2 = strong, 1 = weak, 0 = none.
  const cls = new Uint8Array(n); // [H, W]
  const stack = new Int32Array(n);
  let top = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const idx = y * width + x;
      const m = mag[idx]!;
      if (m < low || m === 0) continue;
      let off: number;
      switch (dir[idx]) {
        case 0: off = 1; break;
        case 2: off = width; break;
        case 1: off = width + 1; break;
        default: off = width - 1; break;
      }
      const before = mag[idx - off]!;
      const after = mag[idx + off]!;
      if (!(m > before && m >= after)) continue;
      if (m >= high) {
        cls[idx] = 2;
        stack[top++] = idx;
      } else {
        cls[idx] = 1;
      }
    }
  }

  // Hysteresis: grow strong pixels through 8-connected weak ones.
  const edges = new Uint8Array(n); // [H, W]
  for (let s = 0; s < top; s++) edges[stack[s]!] = 1;
  while (top > 0) {
    const idx = stack[--top]!;
    const y = (idx / width) | 0;
    const x = idx - y * width;
    for (let dy = -1; dy <= 1; dy++) {
      const yy = y + dy;
      if (yy < 1 || yy >= height - 1) continue;
      for (let dx = -1; dx <= 1; dx++) {
        const xx = x + dx;
        if (xx < 1 || xx >= width - 1) continue;
        const j = yy * width + xx;
        if (cls[j] === 1 && edges[j] === 0) {
          edges[j] = 1;
          stack[top++] = j;
        }
      }
    }
  }
  return { edges, magnitude: mag };
}
