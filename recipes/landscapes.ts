/**
 * Starter data recipe (issue 9): seeded procedural landscape scenes with an exact semantic label map.
 *
 * A scene is composed from a random layout — horizon, an optional mountain range (rock, snow above a snow
 * line), an optional tree line, sky with clouds, and a foreground of water / beach / grass / forest patches /
 * rock outcrops (or a snowy winter variant) — and each class is then textured with value-noise fractals
 * (fBm, ridged fBm) over a per-scene palette drawn from per-class colour ranges. Ground textures use a simple
 * perspective (finer towards the horizon) and distant mountains get atmospheric haze. The label map is the
 * ground truth by construction: every pixel's colour is rendered *from* its label.
 *
 * Determinism: everything comes from TrainRng(seed) (xoshiro128**, 32-bit integer arithmetic) and
 * Math.fround-free float64 arithmetic that is identical on every IEEE-754 machine; scene i of a dataset uses
 * seed `sceneSeed(datasetSeed, i)`. Layout and noise are defined in scene-relative coordinates, so the same
 * seed at 128×128 and 512×512 is the same scene at two resolutions.
 * Speed: ≈ 10–20 ms for a 128×128 scene on one core (the test asserts < 50 ms).
 *
 * Output of `generateLandscape`: `rgb` [H, W, 3] uint8 and `labels` [H, W] uint8 class ids (LANDSCAPE_CLASSES).
 * `writeLandscapeDataset` writes `scene-NNNNNN.png` + `scene-NNNNNN.seg.png` (8-bit greyscale class ids, as the
 * training pipeline reads them) + `palette.json` + `dataset.json` to a cache folder outside the repository.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import sharp from 'sharp';
import { TrainRng } from '../native-models/training/rng';

export const LANDSCAPE_RECIPE_VERSION = 1;

export interface LandscapeClass {
  id: number;
  name: string;
  /** Display colour for label maps (the editor's palette), not the rendered texture colour. */
  color: [number, number, number];
}

export const LANDSCAPE_CLASSES: readonly LandscapeClass[] = [
  { id: 0, name: 'sky', color: [110, 170, 230] },
  { id: 1, name: 'clouds', color: [230, 230, 240] },
  { id: 2, name: 'water', color: [40, 90, 170] },
  { id: 3, name: 'sand', color: [225, 200, 135] },
  { id: 4, name: 'grass', color: [95, 170, 60] },
  { id: 5, name: 'forest', color: [25, 95, 45] },
  { id: 6, name: 'rock', color: [125, 110, 100] },
  { id: 7, name: 'snow', color: [250, 250, 255] },
];

const SKY = 0, CLOUDS = 1, WATER = 2, SAND = 3, GRASS = 4, FOREST = 5, ROCK = 6, SNOW = 7;

export interface Landscape {
  width: number;
  height: number;
  /** [H, W, 3] 8-bit RGB. */
  rgb: Uint8Array;
  /** [H, W] class ids. */
  labels: Uint8Array;
  /** The layout choices, for captions and debugging. */
  layout: LandscapeLayout;
}

export interface LandscapeLayout {
  horizon: number;
  mountains: boolean;
  snowCaps: boolean;
  treeLine: boolean;
  water: 'none' | 'sea' | 'lake';
  beach: boolean;
  forestPatches: boolean;
  rockOutcrops: boolean;
  winter: boolean;
  sky: 'day' | 'sunset' | 'overcast';
  cloudiness: number;
}

/** Value noise on a seeded lattice: smooth (quintic fade) in [0, 1]. */
export class ValueNoise {
  private readonly perm = new Uint8Array(512);
  private readonly vals = new Float64Array(256);
  constructor(rng: TrainRng) {
    const p = rng.shuffle(Array.from({ length: 256 }, (_, i) => i));
    for (let i = 0; i < 512; i++) this.perm[i] = p[i & 255]!;
    for (let i = 0; i < 256; i++) this.vals[i] = rng.nextFloat();
  }
  at(x: number, y: number): number {
    const xf0 = Math.floor(x), yf0 = Math.floor(y);
    const xi = xf0 & 255, yi = yf0 & 255;
    const tx = x - xf0, ty = y - yf0;
    const u = tx * tx * tx * (tx * (tx * 6 - 15) + 10);
    const v = ty * ty * ty * (ty * (ty * 6 - 15) + 10);
    const p = this.perm, vals = this.vals;
    const a = vals[p[p[xi]! + yi]!]!, b = vals[p[p[xi + 1]! + yi]!]!;
    const c = vals[p[p[xi]! + yi + 1]!]!, d = vals[p[p[xi + 1]! + yi + 1]!]!;
    const top = a + (b - a) * u;
    return top + (c + (d - c) * u - top) * v;
  }
  /** Fractal Brownian motion, normalised to [0, 1]. */
  fbm(x: number, y: number, octaves: number, gain = 0.5): number {
    let sum = 0, amp = 1, norm = 0, f = 1;
    for (let o = 0; o < octaves; o++) {
      sum += amp * this.at(x * f + o * 17.3, y * f + o * 31.7);
      norm += amp;
      amp *= gain;
      f *= 2;
    }
    return sum / norm;
  }
  /** Ridged fBm in [0, 1]: sharp crests, for mountain profiles and rock. */
  ridged(x: number, y: number, octaves: number): number {
    let sum = 0, amp = 1, norm = 0, f = 1;
    for (let o = 0; o < octaves; o++) {
      const n = 1 - Math.abs(2 * this.at(x * f + o * 11.1, y * f + o * 7.7) - 1);
      sum += amp * n * n;
      norm += amp;
      amp *= 0.5;
      f *= 2;
    }
    return sum / norm;
  }
}

type RGB = [number, number, number];

function jitter(rng: TrainRng, c: RGB, amount: number): RGB {
  return [c[0] + (rng.nextFloat() * 2 - 1) * amount, c[1] + (rng.nextFloat() * 2 - 1) * amount, c[2] + (rng.nextFloat() * 2 - 1) * amount];
}
function pick<T>(rng: TrainRng, items: readonly T[]): T {
  return items[rng.nextInt(items.length)]!;
}
function mix(a: RGB, b: RGB, t: number): RGB {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}
function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/** Seed of scene `index` in a dataset with seed `seed`. */
export function sceneSeed(seed: number, index: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x51ed270b, 0x9e3779b1) ^ Math.imul(index >>> 0, 0x85ebca77);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

export function generateLandscape(seed: number, width: number, height: number): Landscape {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 8 || height < 8 || width * height > 4096 * 4096) {
    throw new Error(`generateLandscape: size ${width}×${height} must be integers between 8 and 4096.`);
  }
  const rng = new TrainRng(seed);
  const nz = new ValueNoise(rng);

  // ---- layout (all in scene units: u = x / W ∈ [0, 1), v = y / H ∈ [0, 1)) ----
  const aspect = width / height;
  const horizon = 0.38 + 0.24 * rng.nextFloat();
  const mountains = rng.nextFloat() < 0.65;
  const mAmp = 0.12 + 0.25 * rng.nextFloat();
  const mFreq = 1.5 + 2.5 * rng.nextFloat();
  const snowCaps = mountains && mAmp > 0.2 && rng.nextFloat() < 0.75;
  const snowFrac = 0.45 + 0.3 * rng.nextFloat(); // fraction of the range height above the snow line
  const treeLine = rng.nextFloat() < 0.5;
  const treeH = 0.02 + 0.06 * rng.nextFloat();
  const waterRoll = rng.nextFloat();
  const water: LandscapeLayout['water'] = waterRoll < 0.45 ? 'sea' : waterRoll < 0.7 ? 'lake' : 'none';
  const seaDepth = 0.15 + 0.45 * rng.nextFloat(); // fraction of the ground covered by the sea
  const beach = water !== 'none' && rng.nextFloat() < 0.7;
  const beachW = 0.02 + 0.06 * rng.nextFloat();
  const forestPatches = rng.nextFloat() < 0.6;
  const forestThr = 0.55 + 0.15 * rng.nextFloat();
  const rockOutcrops = rng.nextFloat() < 0.3;
  const winter = rng.nextFloat() < 0.15;
  const skyRoll = rng.nextFloat();
  const sky: LandscapeLayout['sky'] = skyRoll < 0.15 ? 'sunset' : skyRoll < 0.25 ? 'overcast' : 'day';
  const cloudiness = rng.nextFloat() < 0.2 ? 0 : 0.15 + 0.55 * rng.nextFloat();
  const cloudThr = 0.7 - 0.2 * cloudiness; // fBm is centred on 0.5: 0.67 gives wisps, 0.59 a cloudy sky
  const lakeThr = 0.6 + 0.08 * rng.nextFloat();
  const off = Array.from({ length: 8 }, () => rng.nextFloat() * 200); // noise-field offsets

  // ---- palette ----
  const skyTop: RGB = sky === 'sunset' ? jitter(rng, [70, 85, 160], 15) : sky === 'overcast' ? jitter(rng, [150, 158, 168], 10) : jitter(rng, [55, 115, 205], 20);
  const skyHor: RGB = sky === 'sunset' ? jitter(rng, [250, 165, 105], 15) : sky === 'overcast' ? jitter(rng, [205, 208, 212], 8) : jitter(rng, [175, 210, 238], 12);
  const cloudLit: RGB = sky === 'sunset' ? jitter(rng, [255, 205, 175], 10) : jitter(rng, [245, 246, 250], 6);
  const cloudShade: RGB = sky === 'overcast' ? jitter(rng, [140, 145, 152], 10) : jitter(rng, [175, 180, 195], 12);
  const deepWater: RGB = jitter(rng, pick(rng, [[25, 65, 115], [20, 80, 100], [35, 60, 95]] as RGB[]), 10);
  const sand: RGB = jitter(rng, pick(rng, [[218, 198, 145], [205, 180, 130], [230, 212, 165]] as RGB[]), 10);
  const grass: RGB = winter ? [238, 242, 250] : jitter(rng, pick(rng, [[85, 150, 55], [110, 160, 60], [70, 130, 50], [150, 155, 75]] as RGB[]), 12);
  const forest: RGB = jitter(rng, pick(rng, [[32, 80, 38], [25, 70, 45], [45, 85, 35]] as RGB[]), 8);
  const rock: RGB = jitter(rng, pick(rng, [[120, 115, 110], [130, 112, 95], [100, 100, 108]] as RGB[]), 10);
  const snow: RGB = jitter(rng, [242, 246, 252], 5);
  const snowShade: RGB = [195, 208, 230];
  const haze = 0.15 + 0.3 * rng.nextFloat();

  // ---- per-column profiles ----
  const mtnTop = new Float64Array(width);
  const treeTop = new Float64Array(width);
  const shore = new Float64Array(width);
  const snowLine = new Float64Array(width);
  for (let x = 0; x < width; x++) {
    const u = (x + 0.5) / width;
    if (mountains) {
      const r = nz.ridged(u * mFreq * aspect + off[0]!, off[1]!, 5);
      mtnTop[x] = horizon - mAmp * (0.25 + 0.95 * r);
      snowLine[x] = horizon - mAmp * (0.25 + 0.95 * (1 - snowFrac)) - 0.03 * (nz.fbm(u * 12 * aspect, off[2]!, 3) - 0.5);
    } else {
      mtnTop[x] = horizon;
      snowLine[x] = -1;
    }
    treeTop[x] = treeLine ? horizon - treeH * (0.4 + 0.6 * nz.fbm(u * 60 * aspect + off[3]!, 0.5, 3)) : horizon;
    shore[x] = water === 'sea' ? horizon + (1 - horizon) * seaDepth * (0.8 + 0.4 * nz.fbm(u * 3 * aspect + off[4]!, 1.5, 3)) : horizon;
  }

  const labels = new Uint8Array(width * height); // [H, W]
  const rgb = new Uint8Array(width * height * 3); // [H, W, 3]
  for (let y = 0; y < height; y++) {
    const v = (y + 0.5) / height;
    for (let x = 0; x < width; x++) {
      const u = (x + 0.5) / width;
      const ua = u * aspect;
      let label: number;
      let c: RGB;
      let cn = 0;
      if (v < horizon) {
        // Above the horizon: sky/clouds, mountains, tree line.
        if (treeLine && v >= treeTop[x]!) {
          label = FOREST;
        } else if (mountains && v >= mtnTop[x]!) {
          label = snowCaps && v < snowLine[x]! ? SNOW : ROCK;
        } else {
          cn = cloudiness > 0 ? nz.fbm(ua * 2.2 + off[5]!, v * 7, 5) : 0;
          label = cn > cloudThr && v < horizon - 0.02 ? CLOUDS : SKY;
        }
        const t = clamp01(v / horizon);
        if (label === SKY) {
          c = mix(skyTop, skyHor, t * t);
          const n = nz.fbm(ua * 2, v * 4 + off[6]!, 2) - 0.5;
          c = [c[0] + 6 * n, c[1] + 6 * n, c[2] + 6 * n];
        } else if (label === CLOUDS) {
          const lit = clamp01(((cn - cloudThr) / (1 - cloudThr)) * 4);
          const detail = nz.fbm(ua * 14, v * 20, 3);
          c = mix(cloudShade, cloudLit, clamp01(0.35 + 0.65 * lit * (0.6 + 0.6 * detail)));
        } else if (label === FOREST) {
          const crowns = nz.fbm(ua * 90, v * 60, 3);
          const k = 0.55 + 0.7 * crowns;
          c = [forest[0] * k, forest[1] * k, forest[2] * k];
          c = mix(c, skyHor, haze * 0.6);
        } else if (label === SNOW) {
          const s = nz.ridged(ua * 10 + off[7]!, v * 14, 4);
          c = mix(snowShade, snow, clamp01(0.3 + 0.8 * s));
          c = mix(c, skyHor, haze * 0.5);
        } else {
          // ROCK: strata + ridged shading, hazier further up (further away).
          const s = nz.ridged(ua * 8 + off[7]!, v * 16, 5);
          const strata = nz.fbm(ua * 3, v * 45, 2);
          const k = 0.4 + 0.8 * s + 0.3 * (strata - 0.5);
          c = [rock[0] * k, rock[1] * k, rock[2] * k];
          c = mix(c, skyHor, haze * (0.6 + 0.4 * clamp01((horizon - v) / 0.3)));
        }
      } else {
        // Below the horizon: perspective texture coordinates (finer towards the horizon).
        const dv = v - horizon;
        const z = 1 / (dv + 0.04);
        const gx = (ua - 0.5) * z * 0.6;
        const gy = z * 0.6;
        let isWater = false;
        if (water === 'sea' && v < shore[x]!) isWater = true;
        if (water === 'lake') {
          const ln = nz.fbm(gx * 0.5 + off[4]!, gy * 0.5 + off[3]!, 4);
          isWater = ln > lakeThr && dv > 0.02;
        }
        if (isWater) {
          label = WATER;
        } else {
          let nearWater = false;
          if (beach) {
            if (water === 'sea') nearWater = v < shore[x]! + beachW * (0.7 + 0.6 * nz.fbm(ua * 8, 3.3, 2)) * (0.3 + 1.4 * dv);
            else {
              const ln = nz.fbm(gx * 0.5 + off[4]!, gy * 0.5 + off[3]!, 4);
              nearWater = ln > lakeThr - 0.05 && dv > 0.015;
            }
          }
          if (nearWater) label = winter ? SNOW : SAND;
          else if (forestPatches && nz.fbm(gx * 0.35 + off[6]!, gy * 0.35, 4) > forestThr) label = FOREST;
          else if (rockOutcrops && nz.ridged(gx * 0.5 + off[5]!, gy * 0.5 + off[2]!, 3) > 0.82) label = ROCK;
          else label = winter ? SNOW : GRASS;
        }
        const fine = nz.fbm(gx * 6, gy * 6, 3);
        const nearK = clamp01(dv / (1 - horizon)); // 0 at the horizon, 1 at the bottom
        if (label === WATER) {
          const streak = nz.fbm(gx * 0.8, v * 220, 3);
          c = mix(skyHor, deepWater, clamp01(0.35 + 0.5 * nearK + 0.3 * (streak - 0.5)));
          if (streak > 0.72) c = mix(c, [255, 255, 255], (streak - 0.72) * 1.2);
        } else if (label === SAND) {
          const k = 0.88 + 0.24 * fine;
          c = [sand[0] * k, sand[1] * k, sand[2] * k];
        } else if (label === GRASS) {
          const patch = nz.fbm(gx * 0.7, gy * 0.7, 3);
          const k = 0.7 + 0.3 * patch + 0.25 * fine;
          c = [grass[0] * k, grass[1] * k * (0.95 + 0.1 * patch), grass[2] * k];
        } else if (label === FOREST) {
          const crowns = nz.fbm(gx * 9, gy * 9, 3);
          const k = 0.5 + 0.8 * crowns;
          c = [forest[0] * k, forest[1] * k, forest[2] * k];
        } else if (label === ROCK) {
          const s = nz.ridged(gx * 4, gy * 4, 3);
          const k = 0.6 + 0.5 * s;
          c = [rock[0] * k, rock[1] * k, rock[2] * k];
        } else {
          c = mix(snowShade, snow, clamp01(0.55 + 0.6 * (fine - 0.5) + 0.3 * nearK));
        }
        c = mix(c, skyHor, haze * 0.5 * (1 - nearK) * (1 - nearK));
      }
      const i = y * width + x;
      labels[i] = label;
      rgb[i * 3] = c[0] < 0 ? 0 : c[0] > 255 ? 255 : Math.round(c[0]);
      rgb[i * 3 + 1] = c[1] < 0 ? 0 : c[1] > 255 ? 255 : Math.round(c[1]);
      rgb[i * 3 + 2] = c[2] < 0 ? 0 : c[2] > 255 ? 255 : Math.round(c[2]);
    }
  }
  return {
    width, height, rgb, labels,
    layout: { horizon, mountains, snowCaps, treeLine, water, beach, forestPatches, rockOutcrops, winter, sky, cloudiness },
  };
}

/** Default dataset folder: <user cache>/tessera/datasets/<name> (XDG_CACHE_HOME, LOCALAPPDATA or ~/.cache). */
export function defaultDatasetDir(name: string): string {
  const base = process.env.XDG_CACHE_HOME || (process.platform === 'win32' ? process.env.LOCALAPPDATA : undefined) || join(homedir(), '.cache');
  return join(base, 'tessera', 'datasets', name);
}

/** Throws when `dir` lies inside the Tessera source repository (datasets never go into the repo). */
export function assertOutsideRepo(dir: string): void {
  let cur = resolve(dir);
  for (;;) {
    const pkg = join(cur, 'package.json');
    if (existsSync(join(cur, '.git')) && existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'tessera') {
          throw new Error(`${dir} is inside the Tessera repository (${cur}); write datasets to a cache folder such as ${defaultDatasetDir('landscapes')}.`);
        }
      } catch (e) {
        if (e instanceof Error && e.message.includes('inside the Tessera repository')) throw e;
      }
    }
    const parent = dirname(cur);
    if (parent === cur) return;
    cur = parent;
  }
}

export interface WriteDatasetOptions {
  outDir: string;
  count: number;
  seed: number;
  width: number;
  height: number;
  onProgress?(done: number, total: number): void;
}

export interface DatasetSummary {
  outDir: string;
  written: number;
  reused: number;
  ms: number;
}

/**
 * Write `count` scenes (PNG image + `.seg.png` greyscale label map) into `outDir`. Re-running with the same
 * settings reuses the scenes already written (generation can be interrupted and continued); different
 * settings in the same folder are refused.
 */
export async function writeLandscapeDataset(opts: WriteDatasetOptions): Promise<DatasetSummary> {
  const t0 = performance.now();
  assertOutsideRepo(opts.outDir);
  await mkdir(opts.outDir, { recursive: true });
  const manifest = {
    recipe: 'landscapes', version: LANDSCAPE_RECIPE_VERSION, seed: opts.seed, count: opts.count,
    width: opts.width, height: opts.height, classes: LANDSCAPE_CLASSES,
  };
  const manifestPath = join(opts.outDir, 'dataset.json');
  if (existsSync(manifestPath)) {
    const old = JSON.parse(await readFile(manifestPath, 'utf8')) as typeof manifest;
    const same = old.recipe === manifest.recipe && old.version === manifest.version && old.seed === manifest.seed && old.width === manifest.width && old.height === manifest.height;
    if (!same) throw new Error(`${opts.outDir} holds a different dataset (${JSON.stringify({ ...old, classes: undefined })}); choose another folder.`);
  }
  await writeFile(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  await writeFile(join(opts.outDir, 'palette.json'), JSON.stringify(LANDSCAPE_CLASSES, null, 2) + '\n');
  let written = 0;
  let reused = 0;
  for (let i = 0; i < opts.count; i++) {
    const stem = join(opts.outDir, `scene-${String(i).padStart(6, '0')}`);
    if (existsSync(`${stem}.png`) && existsSync(`${stem}.seg.png`)) {
      reused++;
    } else {
      const s = generateLandscape(sceneSeed(opts.seed, i), opts.width, opts.height);
      // Label map first, image last: an image file exists only when its label map does.
      await sharp(Buffer.from(s.labels.buffer), { raw: { width: s.width, height: s.height, channels: 1 } }).png().toFile(`${stem}.seg.png`);
      await sharp(Buffer.from(s.rgb.buffer), { raw: { width: s.width, height: s.height, channels: 3 } }).png().toFile(`${stem}.png.tmp`);
      await rename(`${stem}.png.tmp`, `${stem}.png`);
      written++;
    }
    opts.onProgress?.(i + 1, opts.count);
  }
  return { outDir: opts.outDir, written, reused, ms: performance.now() - t0 };
}
