/**
 * generate(): conditions in, images out.
 *
 * request → (condition map → condition VQGAN → c-tokens | SOS | class id) → seeded sampling of the z-token grid
 * (KV cache inside one window, the reference sliding window beyond it; completion and masked resampling keep
 * the tokens of an encoded start image) → VQGAN decode → RGB pixels, the token grids and a record of every
 * setting. Sample k of a request uses seed + k, so any image of a batch can be reproduced alone.
 *
 * The models are reached through `GeneratorModels` (implemented for the real bundles in gpt-token-model.ts and
 * bundle-generator.ts), so the pipeline is the same for tests and for the app.
 */
import type { ConditionMode, VqConditionedMode } from '../condition-modes';
import { validateSettings } from './filters';
import type { SamplerSettings } from './filters';
import { completionTargets, sampleGrid } from './loop';
import type { Condition, LoopOptions, TokenEvent } from './loop';
import { ProgressTracker, previewDue, previewTokens } from './progress';
import type { ProgressInfo } from './progress';
import { normalizeSeed, rngForSeed } from './rng';
import type { TokenModel } from './token-model';
import {
  byteToUnit, floatMapToUnit, labelsToOneHot, resizeBilinear, resizeNearest, toPlanar, validateLabels,
} from './condition-maps';
import type { LabelMap } from './condition-maps';
import { parseOpenPoseJson, renderPose } from './pose-render';
import type { PosePerson } from './pose-render';
import { effectiveWindow, maxWindowStride, validateGrid } from './window';
import type { GridShape } from './window';

/** generate() takes the app's condition modes (native-models/condition-modes.ts). */
export type GenerateMode = ConditionMode;

/** The condition stage of a model, as generate() needs it. */
export type ConditionStage =
  | { kind: 'sos'; token: number }
  | { kind: 'class'; numClasses: number; names?: readonly string[] }
  | {
      kind: 'vq';
      mode: VqConditionedMode;
      /** Input channels of the condition VQGAN (one-hot classes for semantic). */
      channels: number;
      /** Pixel → token factor of the condition VQGAN. */
      factor: number;
      /** Number of label classes (semantic). */
      numClasses?: number;
      /** Condition map [1, C, H, W] in the stage's value range → c-tokens [h, w] (row-major). */
      encode(input: Float32Array, height: number, width: number): Promise<Int32Array>;
    };

export interface GeneratorModels {
  gpt: TokenModel;
  /** Window (training latent grid) of the transformer, in tokens. */
  window: GridShape;
  /** Pixel → token factor of the first stage. */
  factor: number;
  condition: ConditionStage;
  /** z-tokens [B, h, w] → images [B, 3, H, W] in [-1, 1]. */
  decode(tokens: Int32Array, batch: number, h: number, w: number): Promise<Float32Array>;
  /** Image [1, 3, H, W] in [-1, 1] → z-tokens [h, w] (for completion and masked resampling). */
  encodeImage(image: Float32Array, height: number, width: number): Promise<Int32Array>;
  /** Code shown for not-yet-sampled tokens in previews (asked for only when previews are on). */
  neutralCode(): Promise<number>;
  /** The window stride the model is meant to be sampled with (its manifest's `sampling.windowStride`); absent = 1. */
  windowStride?: number;
  /**
   * The temperature the model is meant to be sampled at (its manifest's `sampling.temperature`); absent = 1. The
   * callers that fill a request's sampler from defaults use it (filters.ts modelTemperature); generate() itself
   * always samples at the request's temperature.
   */
  temperature?: number;
}

/** A condition given by the caller, already decoded from its file. */
export type ConditionInput =
  | { kind: 'labels'; map: LabelMap }
  /** Interleaved 8-bit pixels [H, W, channels] (grey 1, RGB 3, RGBA 4). */
  | { kind: 'image'; width: number; height: number; channels: number; data: Uint8Array }
  /** A float map [H, W] (depth, edge) in [0, 1] or [-1, 1]. */
  | { kind: 'float'; width: number; height: number; data: Float32Array }
  /** OpenPose JSON text, or already parsed people (coordinates in pixels of the output size). */
  | { kind: 'pose'; json?: string; people?: PosePerson[] };

export interface GenerateRequest {
  mode: GenerateMode;
  width: number;
  height: number;
  seed: number;
  /** Number of variations (batched together). */
  n: number;
  sampler: SamplerSettings;
  classIndex?: number;
  condition?: ConditionInput;
  /** complete: the start image (RGB or grey 8-bit) at the output size or resized to it. */
  init?: ConditionInput;
  /** complete: pixel mask [height, width], non-zero = resample. Without it, completion from `completeFrom`. */
  mask?: Uint8Array;
  /** complete without mask: flat token index to start from (default: half the tokens, as the reference). */
  completeFrom?: number;
  /** Decode a preview every K sampled tokens (0 = never). */
  previewEvery?: number;
  /**
   * Targets per shared window along each axis (1 = taming's rule; up to half the window): faster sliding-window
   * sampling with slightly less context, see window.ts placeWindowStrided. Default: the model's own
   * (GeneratorModels.windowStride), else 1.
   */
  windowStride?: number;
}

export interface GenerateProgress extends ProgressInfo {
  /** Present when a preview was decoded at this token: images [n, 3, H, W] in [-1, 1]. */
  preview?: { images: Float32Array; width: number; height: number };
}

export interface GenerateOptions {
  signal?: AbortSignal;
  onProgress?: (p: GenerateProgress) => void | Promise<void>;
  loop?: LoopOptions;
}

export interface GenerateResult {
  /** n images, interleaved RGB 8-bit [H, W, 3]. */
  images: Uint8Array[];
  width: number;
  height: number;
  /** Sampled z-token grids [n, h, w]. */
  tokens: Int32Array;
  grid: GridShape;
  /** Seed of each image (request seed + k). */
  seeds: number[];
  /** The window stride the images were sampled with (the request's, else the model's, else 1). */
  windowStride: number;
  timings: { totalMs: number; encodeMs: number; sampleMs: number; decodeMs: number };
}

/** [-1, 1] planar [3, H, W] → interleaved RGB bytes (x+1)·127.5, rounded and clamped. */
export function toRgbBytes(images: Float32Array, index: number, width: number, height: number): Uint8Array {
  const hw = width * height;
  const out = new Uint8Array(hw * 3);
  const base = index * 3 * hw;
  for (let p = 0; p < hw; p++) {
    for (let c = 0; c < 3; c++) {
      const v = Math.round((Math.min(1, Math.max(-1, images[base + c * hw + p]!)) + 1) * 127.5);
      out[p * 3 + c] = v;
    }
  }
  return out;
}

function expectedMode(stage: ConditionStage): GenerateMode {
  return stage.kind === 'sos' ? 'unconditional' : stage.kind === 'class' ? 'class' : stage.mode;
}

/** Image input at the output size as planar [C, H, W] in [-1, 1] (C = 3, or 1 when `grey`). */
function imageToPlanar(input: ConditionInput, width: number, height: number, channels: 1 | 3, what: string): Float32Array {
  if (input.kind === 'float') {
    if (channels !== 1) throw new Error(`The ${what} must be an image, not a float array.`);
    let data: Float32Array = floatMapToUnit(input.data);
    if (input.width !== width || input.height !== height) data = resizeBilinear(data, input.width, input.height, 1, width, height);
    return data;
  }
  if (input.kind !== 'image') throw new Error(`The ${what} must be an image (PNG) or a .npy array.`);
  if (input.width < 1 || input.height < 1 || input.data.length === 0) throw new Error(`The ${what} is empty.`);
  const ch = input.channels;
  if (input.data.length !== input.width * input.height * ch) {
    throw new Error(`The ${what} has ${input.data.length} bytes, expected ${input.width}×${input.height}×${ch}.`);
  }
  let data: Float32Array = new Float32Array(input.width * input.height * channels);
  for (let p = 0; p < input.width * input.height; p++) {
    if (channels === 1) {
      data[p] = ch >= 3 ? (input.data[p * ch]! + input.data[p * ch + 1]! + input.data[p * ch + 2]!) / 3 : input.data[p * ch]!;
    } else {
      for (let c = 0; c < 3; c++) data[p * 3 + c] = ch >= 3 ? input.data[p * ch + c]! : input.data[p * ch]!;
    }
  }
  if (input.width !== width || input.height !== height) data = resizeBilinear(data, input.width, input.height, channels, width, height);
  return toPlanar(data, width, height, channels, byteToUnit);
}

/** Size of a raster condition, if it has one. */
function conditionSize(input: ConditionInput): { width: number; height: number } | null {
  if (input.kind === 'labels') return { width: input.map.width, height: input.map.height };
  if (input.kind === 'image' || input.kind === 'float') return { width: input.width, height: input.height };
  return null;
}

/** Rasters of another size are resized, but only when the aspect ratio matches (within 1 %); else refused. */
export function checkAspect(input: ConditionInput, width: number, height: number): void {
  const size = conditionSize(input);
  if (!size || size.width < 1 || size.height < 1) return;
  const ratio = (size.width / size.height) / (width / height);
  if (Math.abs(ratio - 1) > 0.01) {
    throw new Error(
      `The condition is ${size.width}×${size.height} but the output is ${width}×${height} (another aspect ratio); ` +
        'give a condition of the output\'s shape or change --size.',
    );
  }
}

/** The condition map for a VQ condition stage, [1, C, H, W]. */
export function prepareConditionMap(stage: Extract<ConditionStage, { kind: 'vq' }>, input: ConditionInput | undefined, width: number, height: number): Float32Array {
  if (!input) throw new Error(`This ${stage.mode} model needs a condition (--cond <file>).`);
  switch (stage.mode) {
    case 'semantic': {
      const classes = stage.numClasses ?? stage.channels;
      let map: LabelMap;
      if (input.kind === 'labels') map = input.map;
      else if (input.kind === 'image' && input.channels === 1) {
        map = { width: input.width, height: input.height, labels: Int32Array.from(input.data) };
      } else {
        throw new Error('A semantic condition must be a label map: an 8-bit label PNG, a palette PNG or an integer .npy [H, W].');
      }
      if (map.width < 1 || map.height < 1 || map.labels.length === 0) throw new Error('The semantic label map is empty.');
      if (map.labels.length !== map.width * map.height) throw new Error('The semantic label map size does not match its data.');
      validateLabels(map, classes);
      if (map.width !== width || map.height !== height) {
        map = { width, height, labels: resizeNearest(map.labels, map.width, map.height, 1, width, height) };
      }
      return labelsToOneHot(map, classes);
    }
    case 'edge':
    case 'depth':
      return imageToPlanar(input, width, height, 1, `${stage.mode} map`);
    case 'pose': {
      if (input.kind !== 'pose') {
        if (input.kind === 'image') return imageToPlanar(input, width, height, 3, 'pose image');
        throw new Error('A pose condition must be OpenPose JSON (COCO-18 keypoints) or a rendered pose image.');
      }
      const people = input.people ?? parseOpenPoseJson(input.json ?? '', { width, height });
      return toPlanar(renderPose(people, width, height), width, height, 3, byteToUnit);
    }
    case 'superres':
      return imageToPlanar(input, width, height, 3, 'low-resolution image');
  }
}

/** Token mask from a pixel mask: a token is resampled when any pixel of its cell is masked. */
export function tokenMask(mask: Uint8Array, width: number, height: number, factor: number): Uint8Array {
  if (mask.length !== width * height) {
    throw new Error(`The mask is ${mask.length} pixels but the image is ${width}×${height}; give a mask of the output size.`);
  }
  const h = height / factor;
  const w = width / factor;
  const out = new Uint8Array(h * w);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) if (mask[y * width + x]) out[Math.floor(y / factor) * w + Math.floor(x / factor)] = 1;
  }
  return out;
}

/**
 * The window stride to sample with: the request's (checked by the loop: a stride this window cannot take is
 * refused with a message), else the model's own lowered to what this grid's window allows (1 when one window
 * covers the grid: nothing slides), else 1.
 */
function strideFor(req: GenerateRequest, models: GeneratorModels, grid: GridShape): number {
  if (req.windowStride !== undefined) return req.windowStride;
  const win = effectiveWindow(grid, models.window);
  if (grid.h <= win.h && grid.w <= win.w) return 1;
  return Math.max(1, Math.min(models.windowStride ?? 1, maxWindowStride(win.h), maxWindowStride(win.w)));
}

export async function generate(models: GeneratorModels, req: GenerateRequest, opts: GenerateOptions = {}): Promise<GenerateResult> {
  const t0 = performance.now();
  const { factor } = models;
  const { width, height } = req;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || width % factor || height % factor) {
    throw new Error(`The output size ${width}×${height} must be positive multiples of the model's factor ${factor}.`);
  }
  if (!Number.isInteger(req.n) || req.n < 1 || req.n > 64) throw new Error(`The number of images must be 1..64 (got ${req.n}).`);
  validateSettings(req.sampler);
  normalizeSeed(req.seed);
  normalizeSeed(req.seed + req.n - 1);
  const model = expectedMode(models.condition);
  if (req.mode !== model && req.mode !== 'completion') {
    throw new Error(`This model is a ${model} model; it cannot generate in ${req.mode} mode.`);
  }
  const grid: GridShape = { h: height / factor, w: width / factor };
  validateGrid(grid, models.window, models.condition.kind === 'vq');
  const windowStride = strideFor(req, models, grid);
  if (req.condition) checkAspect(req.condition, width, height);
  if (req.init) checkAspect(req.init, width, height);
  const n = req.n;
  const signal = opts.signal;

  // Condition.
  const tEnc = performance.now();
  let condition: Condition;
  const stage = models.condition;
  if (stage.kind === 'sos') {
    condition = { kind: 'prefix', tokens: new Int32Array(n).fill(stage.token), length: 1 };
  } else if (stage.kind === 'class') {
    const c = req.classIndex;
    if (c === undefined || !Number.isInteger(c) || c < 0 || c >= stage.numClasses) {
      throw new Error(`Unknown class ${c ?? '(none)'}: this model has classes 0..${stage.numClasses - 1} (--class N).`);
    }
    condition = { kind: 'prefix', tokens: new Int32Array(n).fill(c), length: 1 };
  } else {
    if (req.mode === 'completion') throw new Error(`Completion is available for unconditional and class models; this is a ${stage.mode} model.`);
    // The condition grid must equal the image's token grid; a condition VQGAN with another factor gets its map
    // at grid × its own factor pixels (e.g. a 16² label map for a 32² image with f4 condition / f8 image stages).
    const cw = grid.w * stage.factor;
    const ch = grid.h * stage.factor;
    const map = prepareConditionMap(stage, req.condition, cw, ch);
    signal?.throwIfAborted();
    const c = await stage.encode(map, ch, cw);
    if (c.length !== grid.h * grid.w) {
      throw new Error(`The condition stage returned ${c.length} tokens; the image grid is ${grid.h}×${grid.w}.`);
    }
    const tokens = new Int32Array(n * c.length);
    for (let k = 0; k < n; k++) tokens.set(c, k * c.length);
    condition = { kind: 'grid', tokens };
  }

  // Start tokens for completion / masked resampling.
  let initial: Int32Array | undefined;
  let targets: Uint8Array | undefined;
  if (req.mode === 'completion') {
    if (!req.init) throw new Error('Completion needs the image to complete (--cond <image>).');
    const img = imageToPlanar(req.init, width, height, 3, 'image to complete');
    signal?.throwIfAborted();
    const z = await models.encodeImage(img, height, width);
    if (z.length !== grid.h * grid.w) throw new Error(`The first stage returned ${z.length} tokens for a ${grid.h}×${grid.w} grid.`);
    initial = new Int32Array(n * z.length);
    for (let k = 0; k < n; k++) initial.set(z, k * z.length);
    targets = req.mask
      ? tokenMask(req.mask, width, height, factor)
      : completionTargets(grid, req.completeFrom ?? Math.floor((grid.h * grid.w) / 2));
  }
  const encodeMs = performance.now() - tEnc;

  // Sampling.
  const tSample = performance.now();
  const seeds = Array.from({ length: n }, (_, k) => req.seed + k);
  const total = targets ? targets.reduce((a, b) => a + b, 0) : grid.h * grid.w;
  const tracker = new ProgressTracker(total);
  const previewEvery = req.previewEvery ?? 0;
  const neutral = previewEvery > 0 ? await models.neutralCode() : 0;
  const onToken = async (e: TokenEvent): Promise<void> => {
    const info: GenerateProgress = tracker.update(e.done);
    if (previewDue(e.done, e.total, previewEvery)) {
      const images = await models.decode(previewTokens(e.tokens, e.final, neutral), n, grid.h, grid.w);
      info.preview = { images, width, height };
    }
    await opts.onProgress?.(info);
  };
  const tokens = await sampleGrid(
    models.gpt,
    {
      batch: n,
      grid,
      window: models.window,
      condition,
      initial,
      targets,
      ...(windowStride > 1 ? { windowStride: { h: windowStride, w: windowStride } } : {}),
      settings: seeds.map(() => req.sampler),
      rngs: seeds.map((s) => rngForSeed(s)),
      signal,
      onToken,
    },
    opts.loop,
  );
  const sampleMs = performance.now() - tSample;

  signal?.throwIfAborted();
  const tDec = performance.now();
  const decoded = await models.decode(tokens, n, grid.h, grid.w);
  const images = Array.from({ length: n }, (_, k) => toRgbBytes(decoded, k, width, height));
  const decodeMs = performance.now() - tDec;
  return {
    images, width, height, tokens, grid, seeds, windowStride,
    timings: { totalMs: performance.now() - t0, encodeMs, sampleMs, decodeMs },
  };
}
