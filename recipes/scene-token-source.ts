/**
 * GPT training tokens for the starter models, made the way generation makes them.
 *
 * generate() encodes the whole condition map (and the first stage decodes the whole z-grid) at the output size,
 * and the sliding window then reads 8×8 windows of those grids. Both VQGANs use GroupNorm, whose statistics
 * span the whole input, so a 64×64 crop encoded on its own gets other codes than the same region of a
 * 256×256 encoding: on held-out scenes only ≈ 10 % of the c-tokens agree (runs 1–3, DATA.md). A GPT trained on
 * tokens of separately encoded 64×64 crops (training/token-source.ts) therefore sees, at generation time,
 * condition tokens it never saw together with the layouts they stand for — runs 1/2 ignored the layout.
 *
 * This source encodes every training scene whole at each of `scales` (256: the whole scene; 128: its four
 * aligned quadrants), once, caches the token grids in the work folder, and samples random 8×8 windows of
 * (c, z) from them — the same tokens the sliding window sees when generating at those sizes.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ScannedImage } from '../native-models/training/data/scan';
import { canny, rgbToGrey, type CannyOptions } from '../native-models/training/data/canny';
import { maskToPlane, oneHot } from '../native-models/training/data/crops';
import type { TokenBatch, TokenSource } from '../native-models/training/gpt-trainer';
import type { TrainRng } from '../native-models/training/rng';
import { generateLandscape, sceneSeed, type Landscape } from './landscapes';

/** A frozen VQGAN encoder (models/load.ts VqganModel fits). */
export interface GridEncoder {
  readonly factor: number;
  encode(image: Float32Array, batch: number, height: number, width: number): Promise<{ indices: Int32Array }>;
}

/** Token grids of one encoding: c and z, each [h, w] row-major. */
export interface TokenGrid {
  scale: number;
  h: number;
  w: number;
  c: number[];
  z: number[];
}

/**
 * The condition of a scene as generation builds it at the scene's size: for a region (y0, x0, side) its planes
 * [C, side, side], as the condition stage encodes them.
 */
export type SceneCondition = (scene: Landscape) => (y0: number, x0: number, side: number) => Float32Array;

/** starter-landscapes: the one-hot label map of the region (C = numClasses). */
export function labelCondition(numClasses: number): SceneCondition {
  return (scene) => (y0, x0, side) => {
    const labels = new Uint8Array(side * side);
    for (let y = 0; y < side; y++) labels.set(scene.labels.subarray((y0 + y) * scene.width + x0, (y0 + y) * scene.width + x0 + side), y * side);
    return oneHot(labels, numClasses);
  };
}

/**
 * starter-landscapes-edges: the Canny map of the whole scene (as the image set derives it at the scene size), the
 * region cut from it, one plane, edges +1 on −1.
 */
export function edgeCondition(options: CannyOptions): SceneCondition {
  return (scene) => {
    const edges = canny(rgbToGrey(scene.rgb, scene.width, scene.height, 3), scene.width, scene.height, options).edges;
    return (y0, x0, side) => {
      const crop = new Uint8Array(side * side);
      for (let y = 0; y < side; y++) crop.set(edges.subarray((y0 + y) * scene.width + x0, (y0 + y) * scene.width + x0 + side), y * side);
      return maskToPlane(crop);
    };
  };
}

export interface SceneTokenSourceOptions {
  train: readonly ScannedImage[];
  heldOut: readonly ScannedImage[];
  firstStage: GridEncoder;
  condStage: GridEncoder;
  condition: SceneCondition;
  /** Dataset seed the scenes were generated with (scene-NNNNNN = sceneSeed(seed, N)). */
  datasetSeed: number;
  sceneSize: number;
  /** Encoding sizes in pixels (each divides sceneSize). */
  scales: readonly number[];
  /** Window side in tokens (8 for the starters). */
  window: number;
  /** Cache file for the grids (JSON); reused when its key matches. */
  cacheFile: string;
  cacheKey: string;
  log?: (line: string) => void;
}

function sceneIndex(item: ScannedImage): number {
  const m = /^scene-(\d+)\.png$/.exec(basename(item.path));
  if (!m) throw new Error(`scene token source: ${item.path} is not a scene-NNNNNN.png of the landscapes recipe.`);
  return Number(m[1]);
}

async function encodeScene(o: SceneTokenSourceOptions, index: number): Promise<TokenGrid[]> {
  const S = o.sceneSize;
  const scene = generateLandscape(sceneSeed(o.datasetSeed, index), S, S);
  const conditionOf = o.condition(scene);
  const grids: TokenGrid[] = [];
  for (const scale of o.scales) {
    for (let y0 = 0; y0 < S; y0 += scale) {
      for (let x0 = 0; x0 < S; x0 += scale) {
        const img = new Float32Array(3 * scale * scale); // [1, 3, s, s] in [-1, 1]
        for (let y = 0; y < scale; y++) {
          for (let x = 0; x < scale; x++) {
            const p = (y0 + y) * S + x0 + x, q = y * scale + x;
            for (let c = 0; c < 3; c++) img[c * scale * scale + q] = scene.rgb[p * 3 + c]! / 127.5 - 1;
          }
        }
        const c = await o.condStage.encode(conditionOf(y0, x0, scale), 1, scale, scale); // [C, s, s] → [s/f, s/f]
        const z = await o.firstStage.encode(img, 1, scale, scale);
        grids.push({ scale, h: scale / o.firstStage.factor, w: scale / o.firstStage.factor, c: Array.from(c.indices), z: Array.from(z.indices) });
      }
    }
  }
  return grids;
}

export async function sceneTokenSource(o: SceneTokenSourceOptions): Promise<TokenSource> {
  if (o.firstStage.factor !== o.condStage.factor) throw new Error('scene token source: both stages need the same factor.');
  return gridTokenSource({
    train: o.train, heldOut: o.heldOut, window: o.window, cacheFile: o.cacheFile, cacheKey: o.cacheKey, what: 'scene',
    encodeItem: (item) => encodeScene(o, sceneIndex(item)), ...(o.log ? { log: o.log } : {}),
  });
}

export interface GridTokenSourceOptions {
  train: readonly ScannedImage[];
  heldOut: readonly ScannedImage[];
  /** The (c, z) token grids of one training item, encoded whole as generation encodes them; the first is the held-out grid. */
  encodeItem(item: ScannedImage): Promise<TokenGrid[]>;
  /** Window side in tokens (8 for the starters). */
  window: number;
  /** Cache file for the grids (JSON); reused when its key matches. */
  cacheFile: string;
  cacheKey: string;
  /** Word for an item in log lines ('scene', 'figure'). */
  what: string;
  log?: (line: string) => void;
}

/**
 * Random W×W windows of (c, z) token grids that `encodeItem` makes once per item (cached in `cacheFile`).
 * Training draws a scale uniformly, then one of that item's grids at that scale and a window position; held-out
 * batches take the centre window of each item's first grid (deterministic).
 */
export async function gridTokenSource(o: GridTokenSourceOptions): Promise<TokenSource> {
  type Cache = { key: string; train: TokenGrid[][]; heldOut: TokenGrid[][] };
  let cache: Cache | null = null;
  if (existsSync(o.cacheFile)) {
    const c = JSON.parse(await readFile(o.cacheFile, 'utf8')) as Cache;
    if (c.key === o.cacheKey && c.train.length === o.train.length && c.heldOut.length === o.heldOut.length) cache = c;
  }
  if (!cache) {
    const t0 = Date.now();
    const encodeAll = async (items: readonly ScannedImage[], split: string): Promise<TokenGrid[][]> => {
      const out: TokenGrid[][] = [];
      for (const item of items) {
        const grids = await o.encodeItem(item);
        if (!grids.length || grids.some((g) => g.h < o.window || g.w < o.window)) {
          throw new Error(`${o.what} token source: ${item.path} gave no grid of at least ${o.window}×${o.window} tokens.`);
        }
        out.push(grids);
        if (out.length % 40 === 0) o.log?.(`${o.what} tokens: ${split} ${out.length}/${items.length} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
      }
      return out;
    };
    cache = { key: o.cacheKey, train: await encodeAll(o.train, 'train'), heldOut: await encodeAll(o.heldOut, 'held out') };
    await writeFile(o.cacheFile, JSON.stringify(cache));
    o.log?.(`${o.what} tokens: ${o.train.length + o.heldOut.length} items encoded in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  const { train, heldOut } = cache;
  const W = o.window;
  const windowOf = (g: TokenGrid, wy: number, wx: number, out: TokenBatch, at: number): void => {
    for (let y = 0; y < W; y++) {
      for (let x = 0; x < W; x++) {
        out.c[at * W * W + y * W + x] = g.c[(wy + y) * g.w + wx + x]!;
        out.z[at * W * W + y * W + x] = g.z[(wy + y) * g.w + wx + x]!;
      }
    }
  };
  return {
    cLen: W * W, zLen: W * W, trainSize: train.length, heldOutSize: heldOut.length,
    async batch(split, indices, rng: TrainRng, augment) {
      const scenes = split === 'train' ? train : heldOut;
      const out: TokenBatch = { c: new Int32Array(indices.length * W * W), z: new Int32Array(indices.length * W * W) };
      indices.forEach((i, k) => {
        const grids = scenes[i]!;
        if (augment) {
          // A scale uniformly, then one of its grids and a window position.
          const scales = [...new Set(grids.map((g) => g.scale))];
          const scale = scales[rng.nextInt(scales.length)]!;
          const own = grids.filter((g) => g.scale === scale);
          const g = own[rng.nextInt(own.length)]!;
          windowOf(g, rng.nextInt(g.h - W + 1), rng.nextInt(g.w - W + 1), out, k);
        } else {
          // Held out: the first (whole-item) grid's centre window (deterministic).
          const g = grids[0]!;
          windowOf(g, (g.h - W) >> 1, (g.w - W) >> 1, out, k);
        }
      });
      return out;
    },
  };
}
