/**
 * Training crops: resize the shorter side, random crop, horizontal flip, scale to [-1, 1] (x / 127.5 − 1, the
 * reference's scaling, taming/data/base.py ImagePaths), with the mode's condition carried through the same geometry.
 *
 * Two stages, so the expensive one can be cached (see `prepareImageCached`):
 *  1. `prepareImage`: decode (EXIF orientation applied, alpha flattened onto white), resize so the shorter side
 *     is `resize` (sharp, cubic), and derive the condition on the resized image:
 *       - edges: Canny (canny.ts defaults unless given) on its Rec. 601 grey;
 *       - semantic: `<stem>.seg.png` resized nearest-neighbour (labels stay exact). Grey PNGs hold class ids
 *         directly; colour PNGs need `palette` (class id -> [r, g, b]) and every colour must be in it;
 *       - pose: `<stem>.pose.json` keypoints scaled into the resized frame (joints outside it are kept).
 *  2. `cropSample`: a size×size crop and an optional flip, drawn from the seeded RNG in this order:
 *     crop x (nextInt), crop y (nextInt), flip (nextFloat < 0.5); offsets are multiples of `align` (default 1). With `random: false` the crop is centred and
 *     no offsets are drawn (the validation setting). A flip mirrors image, labels and edges and swaps the left
 *     and right pose joints; the pose condition of a crop is the whole resized image's stickman, cropped
 *     (`renderCropPose`), so limbs crossing the crop edge keep their visible part.
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { canny, rgbToGrey, type CannyOptions } from './canny';
import { DataCache, type CacheEntry, type JsonValue } from './cache';
import { parseOpenPose, transformKeypoints, type Keypoints } from './pose';
import { renderPose } from '../../sampling/pose-render';
import type { TrainingDataMode, ScannedImage } from './scan';
import type { TrainRng } from '../rng';

export interface PrepareOptions {
  /** Target length of the shorter side after resizing. */
  resize: number;
  mode: TrainingDataMode;
  /** Colour label maps: class id -> [r, g, b]. Not needed for grey label maps. */
  palette?: ReadonlyArray<readonly [number, number, number]>;
  canny?: CannyOptions;
}

/** An image resized to its training scale, with its condition; what the cache stores. */
export interface PreparedImage {
  width: number;
  height: number;
  /** [H, W, 3] 8-bit RGB. */
  rgb: Uint8Array;
  /** [H, W] class ids (semantic mode). */
  labels?: Uint8Array;
  /** [H, W] 1 = edge (edges mode). */
  edges?: Uint8Array;
  /** People in COCO-18, coordinates in the resized frame (pose mode). */
  people?: Keypoints[];
}

export interface CropOptions {
  size: number;
  /** Random crop offsets (default true); false = centre crop with no RNG draws for the offsets. */
  random?: boolean;
  /** Random horizontal flip with probability 0.5 (default true). */
  flip?: boolean;
  /**
   * Crop offsets are multiples of this (default 1). With the VQGAN factor f and resize = size, an image has only
   * ⌊(long − size)/f⌋ + 1 crop positions (× 2 flips), so token grids of every crop can be cached.
   */
  align?: number;
}

export interface CropSample {
  size: number;
  /** [3, S, S] float in [-1, 1]. */
  image: Float32Array;
  /** [S, S] class ids. */
  labels?: Uint8Array;
  /** [S, S] 1 = edge. */
  edges?: Uint8Array;
  /** COCO-18 people in crop coordinates (joints outside the crop keep their confidence; renderers clip). */
  people?: Keypoints[];
  /**
   * Pose: the people in the frame of the whole resized image (mirrored, joints swapped, when the crop is
   * flipped) and the crop's top-left pixel in that frame. `renderCropPose` draws the crop's condition from it:
   * the whole image's stickman, cropped (and flipped) exactly like the image.
   */
  poseFrame?: { people: Keypoints[]; width: number; height: number; originX: number; originY: number };
  cropX: number;
  cropY: number;
  flipped: boolean;
}

/** Decode an image to 8-bit RGB, upright (EXIF orientation applied), alpha flattened onto white. */
export async function decodeRgb(path: string): Promise<{ width: number; height: number; rgb: Uint8Array }> {
  const { data, info } = await sharp(path, { autoOrient: true })
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`decodeRgb(${path}): expected 3 channels after conversion, got ${info.channels}.`);
  return { width: info.width, height: info.height, rgb: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** Size after resizing the shorter side to `resize` (the shorter side is exact). */
export function resizedSize(width: number, height: number, resize: number): { width: number; height: number } {
  if (width <= height) return { width: resize, height: Math.max(resize, Math.round((height * resize) / width)) };
  return { width: Math.max(resize, Math.round((width * resize) / height)), height: resize };
}

/** Read a label map as class ids [H, W]. */
export async function readLabelMap(
  path: string,
  palette?: ReadonlyArray<readonly [number, number, number]>,
): Promise<{ width: number; height: number; labels: Uint8Array }> {
  const { data, info } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
  const n = info.width * info.height;
  const ch = info.channels;
  const labels = new Uint8Array(n); // [H, W]
  let grey = ch < 3;
  if (!grey) {
    grey = true;
    for (let i = 0; i < n && grey; i++) {
      const o = i * ch;
      if (data[o] !== data[o + 1] || data[o] !== data[o + 2]) grey = false;
    }
  }
  if (grey) {
    for (let i = 0; i < n; i++) labels[i] = data[i * ch]!;
    return { width: info.width, height: info.height, labels };
  }
  if (!palette) throw new Error(`${path} is a colour label map; give the palette (class id -> colour) to read it, or save class ids as a greyscale PNG.`);
  const lookup = new Map<number, number>();
  palette.forEach(([r, g, b], id) => lookup.set((r << 16) | (g << 8) | b, id));
  for (let i = 0; i < n; i++) {
    const o = i * ch;
    const rgb = (data[o]! << 16) | (data[o + 1]! << 8) | data[o + 2]!;
    const id = lookup.get(rgb);
    if (id === undefined) {
      throw new Error(`${path}: colour rgb(${data[o]}, ${data[o + 1]}, ${data[o + 2]}) at pixel (${i % info.width}, ${Math.floor(i / info.width)}) is not in the palette.`);
    }
    labels[i] = id;
  }
  return { width: info.width, height: info.height, labels };
}

/** Nearest-neighbour resize of a single-channel map (pixel centres). */
export function resizeNearest(src: Uint8Array, w: number, h: number, ow: number, oh: number): Uint8Array {
  const out = new Uint8Array(ow * oh); // [OH, OW]
  for (let y = 0; y < oh; y++) {
    const sy = Math.min(h - 1, Math.floor(((y + 0.5) * h) / oh));
    for (let x = 0; x < ow; x++) {
      const sx = Math.min(w - 1, Math.floor(((x + 0.5) * w) / ow));
      out[y * ow + x] = src[sy * w + sx]!;
    }
  }
  return out;
}

export async function prepareImage(img: Pick<ScannedImage, 'path' | 'segPath' | 'posePath'>, opts: PrepareOptions): Promise<PreparedImage> {
  const src = await decodeRgb(img.path);
  const { width, height } = resizedSize(src.width, src.height, opts.resize);
  const { data } = await sharp(Buffer.from(src.rgb.buffer, src.rgb.byteOffset, src.rgb.byteLength), {
    raw: { width: src.width, height: src.height, channels: 3 },
  })
    .resize(width, height, { fit: 'fill', kernel: 'cubic' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const out: PreparedImage = { width, height, rgb: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  if (opts.mode === 'edges') {
    out.edges = canny(rgbToGrey(out.rgb, width, height, 3), width, height, opts.canny).edges;
  } else if (opts.mode === 'semantic') {
    if (!img.segPath) throw new Error(`${img.path} has no label map (<stem>.seg.png); semantic training needs one per image.`);
    const seg = await readLabelMap(img.segPath, opts.palette);
    if (seg.width !== src.width || seg.height !== src.height) {
      throw new Error(`${img.segPath} is ${seg.width}×${seg.height} but its image is ${src.width}×${src.height}; they must match.`);
    }
    out.labels = resizeNearest(seg.labels, seg.width, seg.height, width, height);
  } else if (opts.mode === 'pose') {
    if (!img.posePath) throw new Error(`${img.path} has no pose file (<stem>.pose.json); pose training needs one per image.`);
    const pose = parseOpenPose(JSON.parse(await readFile(img.posePath, 'utf8')) as unknown);
    const frameW = pose.canvas?.width ?? src.width;
    const frameH = pose.canvas?.height ?? src.height;
    const t = { scaleX: width / frameW, scaleY: height / frameH, cropX: 0, cropY: 0, width, height, flip: false };
    out.people = pose.people.map((kp) => transformKeypoints(kp, t));
  }
  return out;
}

/** Settings that shape a prepared image, as a cache key part. */
function prepareSettings(opts: PrepareOptions): Record<string, JsonValue> {
  return {
    v: 2, // 2: pose joints outside the image are kept (were given confidence 0)
    resize: opts.resize,
    mode: opts.mode,
    palette: opts.palette ? opts.palette.map((c) => [...c]) : null,
    canny: opts.mode === 'edges' ? { ...(opts.canny ?? {}) } : null,
  };
}

/** `prepareImage` through the on-disk cache (key: content hashes of image + condition file + settings). */
export async function prepareImageCached(
  img: Pick<ScannedImage, 'path' | 'segPath' | 'posePath'>,
  opts: PrepareOptions,
  cache: DataCache,
): Promise<PreparedImage> {
  const hashes = [await cache.fileHash(img.path)];
  if (opts.mode === 'semantic' && img.segPath) hashes.push(await cache.fileHash(img.segPath));
  if (opts.mode === 'pose' && img.posePath) hashes.push(await cache.fileHash(img.posePath));
  const key = DataCache.key(hashes, prepareSettings(opts));
  const entry = await cache.getOrCompute('prepared', key, async () => preparedToEntry(await prepareImage(img, opts)));
  return entryToPrepared(entry);
}

function preparedToEntry(p: PreparedImage): CacheEntry {
  const arrays: CacheEntry['arrays'] = { rgb: p.rgb };
  if (p.labels) arrays.labels = p.labels;
  if (p.edges) arrays.edges = p.edges;
  if (p.people) p.people.forEach((kp, i) => { arrays[`person${i}`] = kp; });
  return { meta: { width: p.width, height: p.height, people: p.people ? p.people.length : null }, arrays };
}

function entryToPrepared(e: CacheEntry): PreparedImage {
  const out: PreparedImage = { width: e.meta.width as number, height: e.meta.height as number, rgb: e.arrays.rgb as Uint8Array };
  if (e.arrays.labels) out.labels = e.arrays.labels as Uint8Array;
  if (e.arrays.edges) out.edges = e.arrays.edges as Uint8Array;
  if (typeof e.meta.people === 'number') {
    out.people = Array.from({ length: e.meta.people }, (_, i) => e.arrays[`person${i}`] as Float32Array);
  }
  return out;
}

function cropMap(src: Uint8Array, w: number, x0: number, y0: number, s: number, flip: boolean): Uint8Array {
  const out = new Uint8Array(s * s); // [S, S]
  for (let y = 0; y < s; y++) {
    const row = (y0 + y) * w + x0;
    for (let x = 0; x < s; x++) out[y * s + x] = src[row + (flip ? s - 1 - x : x)]!;
  }
  return out;
}

/** Crop (and maybe flip) a prepared image; draws from `rng` as documented above. */
export function cropSample(p: PreparedImage, opts: CropOptions, rng: TrainRng): CropSample {
  const s = opts.size;
  if (p.width < s || p.height < s) throw new Error(`cropSample: the image is ${p.width}×${p.height}, smaller than the crop ${s}×${s}.`);
  const random = opts.random ?? true;
  const a = opts.align ?? 1;
  if (!Number.isInteger(a) || a < 1) throw new Error(`cropSample: align=${a} must be a positive integer.`);
  const cropX = a * (random ? rng.nextInt(Math.floor((p.width - s) / a) + 1) : Math.floor((p.width - s) / 2 / a));
  const cropY = a * (random ? rng.nextInt(Math.floor((p.height - s) / a) + 1) : Math.floor((p.height - s) / 2 / a));
  const flipped = (opts.flip ?? true) ? rng.nextFloat() < 0.5 : false;
  const plane = s * s;
  const image = new Float32Array(3 * plane); // [3, S, S]
  for (let y = 0; y < s; y++) {
    const row = (cropY + y) * p.width + cropX;
    for (let x = 0; x < s; x++) {
      const o = (row + (flipped ? s - 1 - x : x)) * 3;
      const d = y * s + x;
      image[d] = p.rgb[o]! / 127.5 - 1;
      image[plane + d] = p.rgb[o + 1]! / 127.5 - 1;
      image[2 * plane + d] = p.rgb[o + 2]! / 127.5 - 1;
    }
  }
  const out: CropSample = { size: s, image, cropX, cropY, flipped };
  if (p.labels) out.labels = cropMap(p.labels, p.width, cropX, cropY, s, flipped);
  if (p.edges) out.edges = cropMap(p.edges, p.width, cropX, cropY, s, flipped);
  if (p.people) {
    const t = { scaleX: 1, scaleY: 1, cropX, cropY, width: s, height: s, flip: flipped };
    out.people = p.people.map((kp) => transformKeypoints(kp, t));
    // Flipping the crop = cropping the mirrored image at the mirrored offset.
    const mirror = { scaleX: 1, scaleY: 1, cropX: 0, cropY: 0, width: p.width, height: p.height, flip: true };
    out.poseFrame = {
      people: flipped ? p.people.map((kp) => transformKeypoints(kp, mirror)) : p.people,
      width: p.width, height: p.height, originX: flipped ? p.width - cropX - s : cropX, originY: cropY,
    };
  }
  return out;
}

/**
 * The pose condition of a crop as RGB [S, S, 3]: the OpenPose stickman (sampling/pose-render.ts) of the whole
 * resized image, cropped and flipped like the image, pixel for pixel (limbs crossing the crop edge are clipped).
 */
export function renderCropPose(crop: CropSample): Uint8Array {
  const f = crop.poseFrame;
  if (!f) throw new Error('renderCropPose: the crop has no pose (prepare the image set in pose mode).');
  return renderPose(f.people.map((kp) => ({ keypoints: kp })), crop.size, crop.size, { origin: { x: f.originX, y: f.originY } }); // [S, S, 3]
}

/** Stack crops into one NCHW batch: [B, 3, S, S]. */
export function stackImages(samples: readonly CropSample[]): Float32Array {
  if (samples.length === 0) throw new Error('stackImages: empty batch.');
  const per = samples[0]!.image.length;
  const out = new Float32Array(samples.length * per); // [B, 3, S, S]
  samples.forEach((smp, b) => {
    if (smp.image.length !== per) throw new Error('stackImages: crops of different sizes in one batch.');
    out.set(smp.image, b * per);
  });
  return out;
}

/** One-hot encode class ids: [S, S] -> [C, S, S] float (1 on the class plane, else 0). */
export function oneHot(labels: Uint8Array, numClasses: number): Float32Array {
  const plane = labels.length;
  const out = new Float32Array(numClasses * plane); // [C, H, W]
  for (let i = 0; i < plane; i++) {
    const c = labels[i]!;
    if (c >= numClasses) throw new Error(`oneHot: class id ${c} at pixel ${i} is ≥ the number of classes ${numClasses}.`);
    out[c * plane + i] = 1;
  }
  return out;
}

/** A 0/1 mask as a [1, S, S] float plane in the image scaling: 1 -> `on` (default 1), 0 -> `off` (default −1). */
export function maskToPlane(mask: Uint8Array, on = 1, off = -1): Float32Array {
  const out = new Float32Array(mask.length); // [1, H, W]
  for (let i = 0; i < mask.length; i++) out[i] = mask[i] ? on : off;
  return out;
}
