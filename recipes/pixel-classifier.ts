/**
 * The per-pixel landscape classifier behind the starter-landscapes faithfulness metric (DATA.md): it labels an RGB
 * image with the 8 landscape classes from colour and texture alone, so "does the generated image follow the
 * requested layout" can be measured as per-pixel agreement between its labels and the layout.
 *
 * Features (per pixel, position-free — no image coordinates, so crops at any offset are treated alike; all windows
 * are clamped at the image border), computed with summed-area tables:
 *  - box means of R, G, B (0..1) at radii 1, 4 and 12 (9);
 *  - standard deviation of luma at radii 1, 4 and 12 (3) and of R, G, B at radius 4 (3);
 *  - gradient energy: mean |∂x luma| and mean |∂y luma| at radii 3 and 8 (4) — water and clouds are streaked
 *    horizontally, forest and rock are rough in both directions.
 * Model: a one-hidden-layer MLP (19 → 48 ReLU → 8 softmax) on standardised features, trained with Adam on a fixed
 * random sample of labelled pixels; deterministic for a seed (TrainRng). Training images are the scenes and, so the
 * classifier does not punish the first stage's smoothness as a layout error, a 3×3-box-blurred copy of each.
 *
 * Replaces the first version (5×5 mean RGB + luma std, one diagonal Gaussian per class), whose ceiling on real
 * held-out scenes was 73 % — too low for an 80 % faithfulness aim to be reachable at all.
 */
import { TrainRng } from '../native-models/training/rng';

export const PIXEL_FEATURES = 19;
const HIDDEN = 48;

/** Summed-area table of one plane [H, W] → [(H+1)·(W+1)]. */
function integral(plane: Float64Array, w: number, h: number): Float64Array {
  const out = new Float64Array((w + 1) * (h + 1));
  for (let y = 0; y < h; y++) {
    let row = 0;
    for (let x = 0; x < w; x++) {
      row += plane[y * w + x]!;
      out[(y + 1) * (w + 1) + x + 1] = out[y * (w + 1) + x + 1]! + row;
    }
  }
  return out;
}

/** Box mean of a summed-area table at every pixel, radius r, clamped at the borders → [H·W]. */
function boxMean(sat: Float64Array, w: number, h: number, r: number): Float64Array {
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    const y0 = Math.max(0, y - r), y1 = Math.min(h, y + r + 1);
    for (let x = 0; x < w; x++) {
      const x0 = Math.max(0, x - r), x1 = Math.min(w, x + r + 1);
      const s = sat[y1 * (w + 1) + x1]! - sat[y0 * (w + 1) + x1]! - sat[y1 * (w + 1) + x0]! + sat[y0 * (w + 1) + x0]!;
      out[y * w + x] = s / ((y1 - y0) * (x1 - x0));
    }
  }
  return out;
}

/** Per-pixel features [H·W, PIXEL_FEATURES] of an RGB image [H, W, 3] (uint8). */
export function pixelFeatures(rgb: Uint8Array, w: number, h: number): Float32Array {
  const n = w * h;
  const ch = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  const luma = new Float64Array(n);
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < 3; c++) ch[c]![p] = rgb[p * 3 + c]! / 255;
    luma[p] = 0.299 * ch[0]![p]! + 0.587 * ch[1]![p]! + 0.114 * ch[2]![p]!;
  }
  const sq = (a: Float64Array): Float64Array => a.map((v) => v * v);
  const dx = new Float64Array(n), dy = new Float64Array(n);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      dx[p] = x + 1 < w ? Math.abs(luma[p + 1]! - luma[p]!) : 0;
      dy[p] = y + 1 < h ? Math.abs(luma[p + w]! - luma[p]!) : 0;
    }
  }
  const satC = ch.map((c) => integral(c, w, h));
  const satC2 = ch.map((c) => integral(sq(c), w, h));
  const satL = integral(luma, w, h), satL2 = integral(sq(luma), w, h);
  const satDx = integral(dx, w, h), satDy = integral(dy, w, h);
  const cols: Float64Array[] = [];
  for (const r of [1, 4, 12]) for (let c = 0; c < 3; c++) cols.push(boxMean(satC[c]!, w, h, r));
  const std = (m: Float64Array, m2: Float64Array): Float64Array => m.map((v, i) => Math.sqrt(Math.max(0, m2[i]! - v * v)));
  for (const r of [1, 4, 12]) cols.push(std(boxMean(satL, w, h, r), boxMean(satL2, w, h, r)));
  for (let c = 0; c < 3; c++) cols.push(std(boxMean(satC[c]!, w, h, 4), boxMean(satC2[c]!, w, h, 4)));
  for (const r of [3, 8]) {
    cols.push(boxMean(satDx, w, h, r));
    cols.push(boxMean(satDy, w, h, r));
  }
  const out = new Float32Array(n * PIXEL_FEATURES);
  for (let k = 0; k < PIXEL_FEATURES; k++) {
    const col = cols[k]!;
    for (let p = 0; p < n; p++) out[p * PIXEL_FEATURES + k] = col[p]!;
  }
  return out;
}

/** 3×3 box blur of an RGB image (used as a training-time augmentation). */
export function boxBlur3(rgb: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(rgb.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0, k = 0;
        for (let dy = -1; dy <= 1; dy++) {
          const yy = y + dy;
          if (yy < 0 || yy >= h) continue;
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx;
            if (xx < 0 || xx >= w) continue;
            s += rgb[(yy * w + xx) * 3 + c]!;
            k++;
          }
        }
        out[(y * w + x) * 3 + c] = Math.round(s / k);
      }
    }
  }
  return out;
}

export interface LabelledImage {
  rgb: Uint8Array;
  labels: Uint8Array;
  w: number;
  h: number;
}

export interface PixelClassifier {
  nClasses: number;
  mean: Float64Array; // [F]
  std: Float64Array; // [F]
  w1: Float64Array; // [HIDDEN, F]
  b1: Float64Array; // [HIDDEN]
  w2: Float64Array; // [C, HIDDEN]
  b2: Float64Array; // [C]
}

export interface FitOptions {
  /** Labelled pixels sampled for training (default 120 000). */
  samples?: number;
  epochs?: number;
  seed?: number;
  /** Also train on a 3×3-blurred copy of each image (default true). */
  blurCopies?: boolean;
}

/** Fits the MLP on labelled images; deterministic for the same images and options. */
export function fitPixelClassifier(images: readonly LabelledImage[], nClasses: number, o: FitOptions = {}): PixelClassifier {
  const F = PIXEL_FEATURES, H = HIDDEN, C = nClasses;
  const rng = new TrainRng(o.seed ?? 5);
  const sources = o.blurCopies ?? true ? images.flatMap((im) => [im, { ...im, rgb: boxBlur3(im.rgb, im.w, im.h) }]) : [...images];
  const total = o.samples ?? 120_000;
  const per = Math.ceil(total / sources.length);
  const X = new Float64Array(per * sources.length * F);
  const Y = new Uint8Array(per * sources.length);
  let m = 0;
  for (const im of sources) {
    const f = pixelFeatures(im.rgb, im.w, im.h);
    for (let i = 0; i < per; i++) {
      const p = rng.nextInt(im.w * im.h);
      for (let k = 0; k < F; k++) X[m * F + k] = f[p * F + k]!;
      Y[m] = im.labels[p]!;
      m++;
    }
  }
  const mean = new Float64Array(F), std = new Float64Array(F);
  for (let i = 0; i < m; i++) for (let k = 0; k < F; k++) mean[k]! += X[i * F + k]! / m;
  for (let i = 0; i < m; i++) for (let k = 0; k < F; k++) std[k]! += (X[i * F + k]! - mean[k]!) ** 2 / m;
  for (let k = 0; k < F; k++) std[k] = Math.sqrt(std[k]!) + 1e-6;
  for (let i = 0; i < m; i++) for (let k = 0; k < F; k++) X[i * F + k] = (X[i * F + k]! - mean[k]!) / std[k]!;

  const gauss = (): number => rng.nextNormal();
  const w1 = Float64Array.from({ length: H * F }, () => gauss() * Math.sqrt(2 / F));
  const b1 = new Float64Array(H);
  const w2 = Float64Array.from({ length: C * H }, () => gauss() * Math.sqrt(1 / H));
  const b2 = new Float64Array(C);
  const params = [w1, b1, w2, b2];
  const grads = params.map((p) => new Float64Array(p.length));
  const m1 = params.map((p) => new Float64Array(p.length)), v1 = params.map((p) => new Float64Array(p.length));
  const epochs = o.epochs ?? 6, batch = 256, lr0 = 3e-3;
  const order = Int32Array.from({ length: m }, (_, i) => i);
  const hid = new Float64Array(H), logit = new Float64Array(C), dh = new Float64Array(H);
  let t = 0;
  const steps = epochs * Math.ceil(m / batch);
  for (let e = 0; e < epochs; e++) {
    for (let i = m - 1; i > 0; i--) {
      const j = rng.nextInt(i + 1);
      const tmp = order[i]!; order[i] = order[j]!; order[j] = tmp;
    }
    for (let s = 0; s < m; s += batch) {
      for (const g of grads) g.fill(0);
      const end = Math.min(m, s + batch), bn = end - s;
      for (let q = s; q < end; q++) {
        const i = order[q]!, xo = i * F;
        for (let a = 0; a < H; a++) {
          let z = b1[a]!;
          for (let k = 0; k < F; k++) z += w1[a * F + k]! * X[xo + k]!;
          hid[a] = z > 0 ? z : 0;
        }
        let mx = -Infinity;
        for (let c = 0; c < C; c++) {
          let z = b2[c]!;
          for (let a = 0; a < H; a++) z += w2[c * H + a]! * hid[a]!;
          logit[c] = z;
          if (z > mx) mx = z;
        }
        let se = 0;
        for (let c = 0; c < C; c++) { logit[c] = Math.exp(logit[c]! - mx); se += logit[c]!; }
        dh.fill(0);
        for (let c = 0; c < C; c++) {
          const d = (logit[c]! / se - (Y[i] === c ? 1 : 0)) / bn; // dCE/dlogit
          grads[3]![c]! += d;
          for (let a = 0; a < H; a++) { grads[2]![c * H + a]! += d * hid[a]!; dh[a]! += d * w2[c * H + a]!; }
        }
        for (let a = 0; a < H; a++) {
          if (hid[a]! <= 0) continue;
          grads[1]![a]! += dh[a]!;
          for (let k = 0; k < F; k++) grads[0]![a * F + k]! += dh[a]! * X[xo + k]!;
        }
      }
      t++;
      const lr = lr0 * 0.5 * (1 + Math.cos((Math.PI * t) / steps)) + 1e-5;
      params.forEach((p, pi) => {
        const g = grads[pi]!, mm = m1[pi]!, vv = v1[pi]!;
        for (let k = 0; k < p.length; k++) {
          mm[k] = 0.9 * mm[k]! + 0.1 * g[k]!;
          vv[k] = 0.999 * vv[k]! + 0.001 * g[k]! * g[k]!;
          p[k]! -= (lr * (mm[k]! / (1 - 0.9 ** t))) / (Math.sqrt(vv[k]! / (1 - 0.999 ** t)) + 1e-8);
        }
      });
    }
  }
  return { nClasses: C, mean, std, w1, b1, w2, b2 };
}

/** Class id per pixel [H·W] of an RGB image [H, W, 3]. */
export function classifyPixels(cl: PixelClassifier, rgb: Uint8Array, w: number, h: number): Uint8Array {
  const F = PIXEL_FEATURES, H = HIDDEN, C = cl.nClasses;
  const f = pixelFeatures(rgb, w, h);
  const out = new Uint8Array(w * h);
  const x = new Float64Array(F), hid = new Float64Array(H);
  for (let p = 0; p < w * h; p++) {
    for (let k = 0; k < F; k++) x[k] = (f[p * F + k]! - cl.mean[k]!) / cl.std[k]!;
    for (let a = 0; a < H; a++) {
      let z = cl.b1[a]!;
      for (let k = 0; k < F; k++) z += cl.w1[a * F + k]! * x[k]!;
      hid[a] = z > 0 ? z : 0;
    }
    let best = 0, bestZ = -Infinity;
    for (let c = 0; c < C; c++) {
      let z = cl.b2[c]!;
      for (let a = 0; a < H; a++) z += cl.w2[c * H + a]! * hid[a]!;
      if (z > bestZ) { bestZ = z; best = c; }
    }
    out[p] = best;
  }
  return out;
}
