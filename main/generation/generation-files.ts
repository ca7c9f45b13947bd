/**
 * Files around a generation: reading condition / mask / start-image files into generate() inputs, building the
 * generation record, and writing the outputs (PNG with the record, numbered for several images; optional
 * `<out>.tokens.npy`, int64 [n, h, w]). Plain Node: used by the CLI, the job service and tests.
 *
 * Condition files:
 *   - PNG: greyscale 8-bit = label indices (semantic) or a grey map (edge/depth); colour = palette colours
 *     (semantic, mapped exactly to the model's palette) or an RGB image (pose image, superres, completion).
 *   - .npy: integer [H, W] = label map; float [H, W] = depth/edge map in [0, 1] (or [-1, 1]).
 *   - .json: OpenPose JSON (COCO-18 or BODY_25 keypoints) for pose models.
 * Outputs are written only after sampling finished, each atomically (temp + rename): a cancelled or failed
 * run leaves no file.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import type { ConditionInput, GenerateMode, GenerateRequest, GenerateResult } from '../../native-models/sampling/generate';
import { paletteToLabels } from '../../native-models/sampling/condition-maps';
import { readNpy, writeNpyInt64 } from '../../native-models/sampling/npy';
import type { GenerationRecord, JsonValue } from '../../preload/generation-record';
import { writeFileAtomic } from '../services/atomic-write';
import { checkPngBeforeDecode, encodePng } from '../gallery/png-record';

import type { Palette } from './generator-loader';

interface DecodedPng {
  width: number;
  height: number;
  grey: boolean;
  rgba: Uint8Array;
}

/** Condition, mask and start images: at most 8192 × 8192 pixels (256 MB as RGBA). */
export const MAX_CONDITION_PIXELS = 8192 * 8192;

function decodePng(bytes: Uint8Array, file: string): DecodedPng {
  checkPngBeforeDecode(bytes, file, MAX_CONDITION_PIXELS);
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes));
  } catch (e) {
    throw new Error(`${file} is not a readable PNG (${(e as Error).message}).`, { cause: e });
  }
  if (png.width < 1 || png.height < 1) throw new Error(`${file} is an empty image.`);
  const info = png as unknown as { colorType: number; depth: number };
  return { width: png.width, height: png.height, grey: info.colorType === 0 || info.colorType === 4, rgba: new Uint8Array(png.data) };
}

/** Read the file given with --cond for a generation in `mode`. */
export async function readConditionFile(file: string, mode: GenerateMode, palette?: Palette): Promise<ConditionInput> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    throw new Error(`Cannot read the condition file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`, { cause: e });
  }
  return conditionFromBytes(bytes, path.extname(file).toLowerCase(), mode, palette, file);
}

/** Decode condition bytes by file type (`.png`, `.npy`, `.json`). */
export function conditionFromBytes(bytes: Uint8Array, ext: string, mode: GenerateMode, palette?: Palette, file = 'the condition'): ConditionInput {
  if (bytes.length === 0) throw new Error(`The condition file ${file} is empty.`);
  if (ext === '.json') {
    if (mode !== 'pose') throw new Error(`${file}: JSON conditions are OpenPose keypoints, for pose models only.`);
    return { kind: 'pose', json: new TextDecoder().decode(bytes) };
  }
  if (ext === '.npy') {
    const a = readNpy(bytes);
    const shape = a.shape.filter((d, k) => !(d === 1 && k < a.shape.length - 2));
    if (shape.length !== 2 || shape[0]! < 1 || shape[1]! < 1) {
      throw new Error(`${file}: expected a 2-D array [H, W], got shape (${a.shape.join(', ')}).`);
    }
    const [height, width] = shape as [number, number];
    const integer = /[iub]/.test(a.dtype.slice(1, 2));
    if (mode === 'semantic') {
      if (!integer) throw new Error(`${file}: a semantic label map must be an integer array, got ${a.dtype}.`);
      return { kind: 'labels', map: { width, height, labels: Int32Array.from(a.data) } };
    }
    return { kind: 'float', width, height, data: integer ? Float32Array.from(a.data, (v) => v / 255) : Float32Array.from(a.data) };
  }
  if (ext !== '.png') throw new Error(`${file}: unsupported condition file type; use .png, .npy or .json (OpenPose).`);
  const png = decodePng(bytes, file);
  const { width, height, rgba } = png;
  if (mode === 'semantic') {
    if (png.grey) {
      const labels = new Int32Array(width * height);
      for (let p = 0; p < labels.length; p++) labels[p] = rgba[p * 4]!;
      return { kind: 'labels', map: { width, height, labels } };
    }
    if (!palette) throw new Error('This semantic model has no palette; give the condition as 8-bit label indices (grey PNG or .npy).');
    return { kind: 'labels', map: paletteToLabels(rgba, width, height, 4, palette) };
  }
  if (png.grey) {
    const data = new Uint8Array(width * height);
    for (let p = 0; p < data.length; p++) data[p] = rgba[p * 4]!;
    return { kind: 'image', width, height, channels: 1, data };
  }
  return { kind: 'image', width, height, channels: 4, data: rgba };
}

/** A mask PNG (non-zero / non-black = resample) at the output size → [H*W] 0/1. */
export async function readMaskFile(file: string, width: number, height: number): Promise<Uint8Array> {
  return maskFromPng(await fs.readFile(file), width, height, file);
}

export function maskFromPng(bytes: Uint8Array, width: number, height: number, file = 'The mask'): Uint8Array {
  const png = decodePng(bytes, file);
  if (png.width !== width || png.height !== height) {
    throw new Error(`${file} is ${png.width}×${png.height}; the mask must match the output size ${width}×${height}.`);
  }
  const out = new Uint8Array(width * height);
  for (let p = 0; p < out.length; p++) out[p] = png.rgba[p * 4]! | png.rgba[p * 4 + 1]! | png.rgba[p * 4 + 2]! ? 1 : 0;
  return out;
}

export interface RecordContext {
  appVersion: string;
  model: { id: string; sha256: string; name?: string };
  executionProvider: string;
  device?: string;
  /** 'int8' when the transformer ran on int8 weights. */
  gptWeights?: 'int8';
  /** The condition document (editor document, or a description of the CLI's files). */
  condition: JsonValue | null;
  classNames?: readonly string[];
}

/** Names of the classes present in a label map, most pixels first (the gallery searches them). */
export function classesInLabels(labels: ArrayLike<number>, classNames: readonly string[]): string[] {
  const counts = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) counts.set(labels[i]!, (counts.get(labels[i]!) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([id]) => classNames[id] ?? `class ${id}`);
}

/** The generation record of image k of a result. */
export function buildRecord(req: GenerateRequest, result: GenerateResult, k: number, ctx: RecordContext): GenerationRecord {
  const s = req.sampler;
  const record: GenerationRecord = {
    format: 'tessera.generation',
    version: 1,
    appVersion: ctx.appVersion,
    createdAt: new Date().toISOString(),
    model: { ...ctx.model },
    mode: req.mode,
    seed: result.seeds[k]!,
    sampler: { temperature: s.temperature, topK: s.topK && s.topK > 0 ? s.topK : null, topP: s.topP !== null && s.topP < 1 ? s.topP : null, greedy: s.greedy },
    size: { width: result.width, height: result.height },
    executionProvider: ctx.executionProvider,
    timings: { ...result.timings },
    condition: ctx.condition,
  };
  if (ctx.device) record.device = ctx.device;
  if (ctx.gptWeights) record.gptWeights = ctx.gptWeights;
  if (result.windowStride > 1) record.windowStride = result.windowStride;
  if (result.images.length > 1) record.variation = { index: k, count: result.images.length };
  if (req.classIndex !== undefined && req.mode === 'class') record.classIndex = req.classIndex;
  if (req.mode === 'class' && ctx.classNames && req.classIndex !== undefined && ctx.classNames[req.classIndex]) {
    record.classesUsed = [ctx.classNames[req.classIndex]!];
  }
  if (req.mode === 'semantic' && req.condition?.kind === 'labels' && ctx.classNames) {
    record.classesUsed = classesInLabels(req.condition.map.labels, ctx.classNames);
  }
  return record;
}

/** Output paths: `out` for one image, `<stem>-1<ext>` … `<stem>-N<ext>` for several. */
export function outputPaths(out: string, n: number): string[] {
  if (n === 1) return [out];
  const ext = path.extname(out) || '.png';
  const stem = out.slice(0, out.length - path.extname(out).length);
  const digits = String(n).length;
  return Array.from({ length: n }, (_, k) => `${stem}-${String(k + 1).padStart(digits, '0')}${ext}`);
}

/** Write the PNGs (and the token grids when asked). Returns the paths written. */
export async function writeGenerationOutputs(
  out: string,
  req: GenerateRequest,
  result: GenerateResult,
  ctx: RecordContext,
  options: { tokensNpy?: boolean } = {},
): Promise<string[]> {
  const paths = outputPaths(out, result.images.length);
  await fs.mkdir(path.dirname(path.resolve(out)), { recursive: true });
  const written: string[] = [];
  for (let k = 0; k < paths.length; k++) {
    const bytes = encodePng({ width: result.width, height: result.height, channels: 3, data: result.images[k]! }, { record: buildRecord(req, result, k, ctx) });
    await writeFileAtomic(paths[k]!, bytes);
    written.push(paths[k]!);
  }
  if (options.tokensNpy) {
    const file = `${out}.tokens.npy`;
    await writeFileAtomic(file, writeNpyInt64([result.images.length, result.grid.h, result.grid.w], result.tokens));
    written.push(file);
  }
  return written;
}
