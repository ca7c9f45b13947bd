/**
 * Software rasteriser for the starter-figures recipe: a body made of sphere-swept segments ("capsules", with a
 * linearly tapering radius) under an orthographic camera, drawn with a per-pixel depth buffer so occlusion is
 * consistent (a nearer limb always hides a farther one, also where two limbs cross), Lambert shading from the
 * analytic capsule normal, and 2× supersampling for smooth edges. Plus seeded backgrounds.
 *
 * Coordinates: screen pixels with the pixel-centre convention (pixel (x, y) covers [x − ½, x + ½]², as
 * training/data/pose.ts), y down; depth grows away from the viewer. The orthographic projection of a capsule
 * is exactly a 2-D capsule (stadium) of the same radius, so coverage is exact for constant radii; for tapered
 * ones the radius is interpolated at the closest point of the axis (a close approximation while the taper is
 * gentle) and both end spheres are tested as well.
 */
import type { TrainRng } from '../native-models/training/rng';
import { generateLandscape, ValueNoise } from './landscapes';

export type RGB = [number, number, number];

/** A capsule in screen space: axis a → b (pixels, depth in pixels), radii ra → rb. */
export interface ScreenCapsule {
  ax: number; ay: number; az: number;
  bx: number; by: number; bz: number;
  ra: number; rb: number;
  /** Colour from a up to `split` (fraction along the axis), `colorB` from there to b (default: `color`). */
  color: RGB;
  colorB?: RGB;
  split?: number;
  /** Stripes across the axis: period (in axis fractions) and brightness factor of the dark stripes. */
  stripes?: { period: number; dark: number };
  /** 0 = matte cloth, 1 = skin/shiny: strength of a small specular highlight. */
  shine: number;
}

export interface Light {
  /** Unit vector towards the light, screen frame (x right, y down, z away from the viewer). */
  dir: [number, number, number];
  ambient: number;
  diffuse: number;
}

/** Depth-buffered capsule rendering at `ss`× supersampling. */
export class FigureCanvas {
  readonly sw: number;
  readonly sh: number;
  /** [sh, sw] depth of the nearest surface (Infinity = empty). */
  readonly depth: Float32Array;
  /** [sh, sw, 3] shaded colour. */
  readonly color: Float32Array;

  constructor(readonly width: number, readonly height: number, readonly ss: number) {
    this.sw = width * ss;
    this.sh = height * ss;
    this.depth = new Float32Array(this.sw * this.sh).fill(Infinity);
    this.color = new Float32Array(this.sw * this.sh * 3);
  }

  /** Screen pixel coordinate → supersampled pixel coordinate (centres stay centres). */
  private toSs(v: number): number {
    return (v + 0.5) * this.ss - 0.5;
  }

  draw(c: ScreenCapsule, light: Light): void {
    const s = this.ss;
    const ax = this.toSs(c.ax), ay = this.toSs(c.ay), bx = this.toSs(c.bx), by = this.toSs(c.by);
    const az = c.az * s, bz = c.bz * s, ra = c.ra * s, rb = c.rb * s;
    const ex = bx - ax, ey = by - ay;
    const l2 = ex * ex + ey * ey;
    const rmax = Math.max(ra, rb);
    const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - rmax)), x1 = Math.min(this.sw - 1, Math.ceil(Math.max(ax, bx) + rmax));
    const y0 = Math.max(0, Math.floor(Math.min(ay, by) - rmax)), y1 = Math.min(this.sh - 1, Math.ceil(Math.max(ay, by) + rmax));
    const [lx, ly, lz] = light.dir;
    const split = c.split ?? -1;
    const colorB = c.colorB ?? c.color;
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        // Closest point of the axis (2-D), then the two end spheres; keep the nearest surface.
        let bestZ = Infinity, nx = 0, ny = 0, nz = 0, bestT = 0;
        const t = l2 > 1e-12 ? Math.min(1, Math.max(0, ((x - ax) * ex + (y - ay) * ey) / l2)) : 0;
        for (let k = 0; k < 3; k++) {
          const tt = k === 0 ? t : k === 1 ? 0 : 1;
          const cx = ax + tt * ex, cy = ay + tt * ey;
          const r = ra + tt * (rb - ra);
          const dx = x - cx, dy = y - cy;
          const d2 = dx * dx + dy * dy;
          if (d2 >= r * r) continue;
          const h = Math.sqrt(r * r - d2);
          const z = az + tt * (bz - az) - h;
          if (z < bestZ) {
            bestZ = z;
            nx = dx / r; ny = dy / r; nz = -h / r;
            bestT = tt;
          }
        }
        if (bestZ === Infinity) continue;
        const i = y * this.sw + x;
        if (bestZ >= this.depth[i]!) continue;
        this.depth[i] = bestZ;
        const base = split >= 0 && bestT >= split ? colorB : c.color;
        let k = light.ambient + light.diffuse * Math.max(0, nx * lx + ny * ly + nz * lz);
        if (c.stripes) {
          const phase = (bestT / c.stripes.period) % 1;
          if (phase < 0.5) k *= c.stripes.dark;
        }
        // Specular (Blinn, viewer at −z): half vector of light and view.
        let spec = 0;
        if (c.shine > 0) {
          let hx = lx, hy = ly, hz = lz - 1;
          const hl = Math.hypot(hx, hy, hz) || 1;
          hx /= hl; hy /= hl; hz /= hl;
          const ndh = Math.max(0, nx * hx + ny * hy + nz * hz);
          spec = c.shine * 60 * ndh ** 16;
        }
        this.color[i * 3] = base[0] * k + spec;
        this.color[i * 3 + 1] = base[1] * k + spec;
        this.color[i * 3 + 2] = base[2] * k + spec;
      }
    }
  }

  /** Depth of the nearest surface at a screen point (Infinity when nothing is drawn there). */
  depthAt(x: number, y: number): number {
    const sx = Math.round(this.toSs(x)), sy = Math.round(this.toSs(y));
    if (sx < 0 || sy < 0 || sx >= this.sw || sy >= this.sh) return Infinity;
    return this.depth[sy * this.sw + sx]! / this.ss;
  }

  /** Figure coverage per pixel [H, W]: 255 × the share of its ss×ss samples the figure covers. */
  coverage(): Uint8Array {
    const { width: w, height: h, ss, sw } = this;
    const out = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let cov = 0;
        for (let j = 0; j < ss; j++) for (let i = 0; i < ss; i++) if (this.depth[(y * ss + j) * sw + x * ss + i] !== Infinity) cov++;
        out[y * w + x] = Math.round((255 * cov) / (ss * ss));
      }
    }
    return out;
  }

  /** Composite over a background [H, W, 3] (uint8), averaging the ss×ss samples of each pixel. */
  compositeOver(bg: Uint8Array): Uint8Array {
    const { width: w, height: h, ss, sw } = this;
    const out = new Uint8Array(w * h * 3);
    const n = ss * ss;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let r = 0, g = 0, b = 0, cov = 0;
        for (let j = 0; j < ss; j++) {
          for (let i = 0; i < ss; i++) {
            const k = (y * ss + j) * sw + x * ss + i;
            if (this.depth[k] === Infinity) continue;
            r += this.color[k * 3]!; g += this.color[k * 3 + 1]!; b += this.color[k * 3 + 2]!;
            cov++;
          }
        }
        const o = (y * w + x) * 3;
        const a = cov / n;
        for (let ch = 0; ch < 3; ch++) {
          const fig = cov > 0 ? (ch === 0 ? r : ch === 1 ? g : b) / cov : 0;
          const v = bg[o + ch]! * (1 - a) + fig * a;
          out[o + ch] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
        }
      }
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Backgrounds

export type BackgroundKind = 'gradient' | 'texture' | 'room' | 'outdoor';

export interface Background {
  kind: BackgroundKind;
  /** [H, W, 3] */
  rgb: Uint8Array;
}

function clamp255(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

export function randomColor(rng: TrainRng, lo = 30, hi = 230): RGB {
  return [lo + (hi - lo) * rng.nextFloat(), lo + (hi - lo) * rng.nextFloat(), lo + (hi - lo) * rng.nextFloat()];
}

function mixRgb(a: RGB, b: RGB, t: number): RGB {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/** Linear gradient between two random colours at a random angle, with faint noise. */
export function gradientBackground(rng: TrainRng, w: number, h: number): Uint8Array {
  const c0 = randomColor(rng), c1 = randomColor(rng);
  const ang = rng.nextFloat() * Math.PI * 2;
  const dx = Math.cos(ang), dy = Math.sin(ang);
  const nz = new ValueNoise(rng);
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const u = x / w - 0.5, v = y / h - 0.5;
      const t = Math.min(1, Math.max(0, 0.5 + (u * dx + v * dy) * 1.2));
      const n = (nz.fbm(u * 6, v * 6, 3) - 0.5) * 14;
      const c = mixRgb(c0, c1, t);
      const o = (y * w + x) * 3;
      out[o] = clamp255(c[0] + n); out[o + 1] = clamp255(c[1] + n); out[o + 2] = clamp255(c[2] + n);
    }
  }
  return out;
}

/** Two-colour fBm texture (plaster, stone, foliage-like) at a random scale, or ridged for marble. */
export function textureBackground(rng: TrainRng, w: number, h: number): Uint8Array {
  const c0 = randomColor(rng), c1 = randomColor(rng);
  const scale = 2 + 10 * rng.nextFloat();
  const ridged = rng.nextFloat() < 0.35;
  const nz = new ValueNoise(rng);
  const aspect = w / h;
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const u = (x / w) * aspect * scale, v = (y / h) * scale;
      const t = ridged ? nz.ridged(u, v, 4) : nz.fbm(u, v, 5);
      const c = mixRgb(c0, c1, Math.min(1, Math.max(0, (t - 0.2) * 1.6)));
      const o = (y * w + x) * 3;
      out[o] = clamp255(c[0]); out[o + 1] = clamp255(c[1]); out[o + 2] = clamp255(c[2]);
    }
  }
  return out;
}

/**
 * A room: a wall (plain, noisy or striped wallpaper) above a floor (planks or tiles, foreshortened towards the
 * floor line), a skirting board on the floor line, and light falling off towards the top.
 */
export function roomBackground(rng: TrainRng, w: number, h: number, floorY: number): Uint8Array {
  const wall = randomColor(rng, 70, 235);
  const wallAlt: RGB = mixRgb(wall, randomColor(rng, 60, 240), 0.25);
  const wallKind = rng.nextInt(3); // 0 plain, 1 noise, 2 stripes
  const stripeW = 0.03 + 0.08 * rng.nextFloat();
  const floor = rng.nextFloat() < 0.6
    ? ([[150, 105, 65], [120, 80, 50], [185, 145, 100], [95, 70, 50]] as RGB[])[rng.nextInt(4)]!
    : randomColor(rng, 60, 210);
  const floorKind = rng.nextInt(2); // 0 planks, 1 tiles
  const board = mixRgb(wall, [255, 255, 255], 0.5);
  const nz = new ValueNoise(rng);
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const u = x / w, v = y / h;
      let c: RGB;
      if (y < floorY - 0.02 * h) {
        c = wall;
        if (wallKind === 1) c = mixRgb(wall, wallAlt, nz.fbm(u * 20, v * 20, 3));
        else if (wallKind === 2 && ((u / stripeW) % 1) < 0.5) c = wallAlt;
        const k = 0.8 + 0.2 * v;
        c = [c[0] * k, c[1] * k, c[2] * k];
      } else if (y < floorY) {
        c = board;
      } else {
        // Floor: depth grows towards the floor line; planks run away from the viewer.
        const dv = (y - floorY) / h + 0.05;
        const z = 1 / dv;
        const fx = (u - 0.5) * z, fz = z;
        let k = 0.75 + 0.2 * nz.fbm(fx * 2, fz * 0.3, 3);
        if (floorKind === 0) {
          if (((fx * 3) % 1 + 1) % 1 < 0.06) k *= 0.7;
        } else if (((fx * 1.5) % 1 + 1) % 1 < 0.05 || ((fz * 1.5) % 1 + 1) % 1 < 0.05) {
          k *= 0.75;
        }
        k *= 0.8 + 0.25 * Math.min(1, (y - floorY) / (0.4 * h));
        c = [floor[0] * k, floor[1] * k, floor[2] * k];
      }
      const o = (y * w + x) * 3;
      out[o] = clamp255(c[0]); out[o + 1] = clamp255(c[1]); out[o + 2] = clamp255(c[2]);
    }
  }
  return out;
}

/** An outdoor scene from the landscapes recipe (its horizon is returned so the figure can stand below it). */
export function outdoorBackground(seed: number, w: number, h: number): { rgb: Uint8Array; horizonY: number } {
  const s = generateLandscape(seed, w, h);
  return { rgb: s.rgb, horizonY: s.layout.horizon * h };
}

/** Darken a soft ellipse (a contact shadow) in place. */
export function contactShadow(rgb: Uint8Array, w: number, h: number, cx: number, cy: number, rx: number, ry: number, strength: number): void {
  const x0 = Math.max(0, Math.floor(cx - rx)), x1 = Math.min(w - 1, Math.ceil(cx + rx));
  const y0 = Math.max(0, Math.floor(cy - ry)), y1 = Math.min(h - 1, Math.ceil(cy + ry));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const d = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2;
      if (d >= 1) continue;
      const k = 1 - strength * (1 - d);
      const o = (y * w + x) * 3;
      rgb[o] = Math.round(rgb[o]! * k); rgb[o + 1] = Math.round(rgb[o + 1]! * k); rgb[o + 2] = Math.round(rgb[o + 2]! * k);
    }
  }
}
