// Create, serialise and load Tessera documents. The in-memory form holds typed-array rasters;
// the JSON form (what autosave, the API and the PNG record carry) holds RLE/base64 rasters and
// compact point arrays. Loading migrates first, then validates every field with a message that
// names it.

import { brushStroke } from '../editor/raster/brush';
import type { LabelRaster } from '../editor/raster/label-raster';
import { createLabelRaster, labelCounts } from '../editor/raster/label-raster';
import type {
  EdgeStroke, EditorMode, GenerationSettings, Keypoint, PaletteEntry, PosePerson, TesseraDocument,
} from './document-types';
import { CONDITION_MODES } from '../../native-models/condition-modes';
import type { JsonObject } from './migrations';
import { DEFAULT_GENERATION, LATEST_SCHEMA, migrateDocumentJson } from './migrations';
import type { EncodedRaster } from './raster-codec';
import type { Json } from '../../preload/contract';
import { decodeRaster, encodeRaster } from './raster-codec';

export const EDGE_ON = 255;
export const EDGE_OFF = 0;
export const POSE_JOINTS = 18;

export class DocumentFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DocumentFormatError';
  }
}

export interface CreateDocumentOptions {
  mode?: EditorMode;
  width?: number;
  height?: number;
  palette?: PaletteEntry[] | null;
  background?: number;
  /** 16-bit label ids (more than 255 classes). */
  wideLabels?: boolean;
}

export function createDocument(options: CreateDocumentOptions = {}): TesseraDocument {
  const width = options.width ?? 256;
  const height = options.height ?? 256;
  const background = options.background ?? 0;
  return {
    format: 'tessera.document',
    schema: LATEST_SCHEMA,
    mode: options.mode ?? 'semantic',
    width,
    height,
    semantic: {
      labels: createLabelRaster(width, height, background, options.wideLabels ? 16 : 8),
      palette: options.palette ?? null,
      background,
    },
    edge: { base: null, strokes: [] },
    pose: { people: [] },
    image: { image: null, mask: null },
    generation: { ...DEFAULT_GENERATION, outputWidth: width, outputHeight: height },
  };
}

// ---------------------------------------------------------------------------------------------
// JSON form.

const round = (v: number) => Math.round(v * 100) / 100;

/** A document in its JSON form (what autosave, the API and the PNG record carry). */
export type DocumentJson = { [key: string]: Json };

export function serializeDocument(doc: TesseraDocument): DocumentJson {
  return {
    format: 'tessera.document',
    schema: LATEST_SCHEMA,
    mode: doc.mode,
    width: doc.width,
    height: doc.height,
    semantic: {
      labels: encodeRaster(doc.semantic.labels),
      palette: doc.semantic.palette ? doc.semantic.palette.map((p) => ({ id: p.id, name: p.name, color: [...p.color] })) : null,
      background: doc.semantic.background,
    },
    edge: {
      base: doc.edge.base ? encodeRaster(doc.edge.base) : null,
      strokes: doc.edge.strokes.map((s) => ({ tool: s.tool, size: s.size, points: s.points.map((p) => [round(p.x), round(p.y)]) })),
    },
    pose: {
      people: doc.pose.people.map((p) => ({ id: p.id, keypoints: p.keypoints.map((k) => [round(k.x), round(k.y), k.visible ? 1 : 0]) })),
    },
    image: { image: doc.image.image, mask: doc.image.mask ? encodeRaster(doc.image.mask) : null },
    generation: { ...doc.generation },
  };
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(field: string, want: string, got: unknown): never {
  const shown = JSON.stringify(got);
  throw new DocumentFormatError(`Invalid document: ${field} must be ${want}, got ${shown === undefined ? 'nothing' : shown.slice(0, 60)}.`);
}

function obj(v: unknown, field: string): JsonObject {
  if (!isObject(v)) bad(field, 'an object', v);
  return v;
}

function num(v: unknown, field: string, opts: { int?: boolean; min?: number; max?: number } = {}): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(field, 'a finite number', v);
  if (opts.int && !Number.isInteger(v)) bad(field, 'an integer', v);
  if (opts.min !== undefined && v < opts.min) bad(field, `>= ${opts.min}`, v);
  if (opts.max !== undefined && v > opts.max) bad(field, `<= ${opts.max}`, v);
  return v;
}

function numOrNull(v: unknown, field: string, opts: { int?: boolean; min?: number; max?: number } = {}): number | null {
  return v === null ? null : num(v, field, opts);
}

function arr(v: unknown, field: string): unknown[] {
  if (!Array.isArray(v)) bad(field, 'an array', v);
  return v;
}

function raster(v: unknown, field: string, width: number, height: number): LabelRaster {
  const e = obj(v, field) as unknown as EncodedRaster;
  let r: LabelRaster;
  try {
    r = decodeRaster(e, field);
  } catch (err) {
    throw new DocumentFormatError(`Invalid document: ${(err as Error).message}`);
  }
  if (r.width !== width || r.height !== height) bad(`${field} size`, `${width}x${height} (the document's size)`, `${r.width}x${r.height}`);
  return r;
}

function point(v: unknown, field: string): { x: number; y: number } {
  const a = arr(v, field);
  return { x: num(a[0], `${field}[0]`), y: num(a[1], `${field}[1]`) };
}

/** Load a document from its JSON form (any schema this app knows), migrating and validating. */
export function parseDocument(input: unknown): { doc: TesseraDocument; applied: string[] } {
  const { doc: j, applied } = migrateDocumentJson(input);
  const width = num(j.width, 'width', { int: true, min: 1, max: 8192 });
  const height = num(j.height, 'height', { int: true, min: 1, max: 8192 });
  const mode = j.mode;
  if (typeof mode !== 'string' || !(CONDITION_MODES as readonly string[]).includes(mode)) bad('mode', `one of ${CONDITION_MODES.join(', ')}`, mode);

  const s = obj(j.semantic, 'semantic');
  const background = num(s.background, 'semantic.background', { int: true, min: 0, max: 0xffff });
  const labels = s.labels === null ? createLabelRaster(width, height, background) : raster(s.labels, 'semantic.labels', width, height);
  const palette = s.palette === null ? null : arr(s.palette, 'semantic.palette').map((p, i): PaletteEntry => {
    const e = obj(p, `semantic.palette[${i}]`);
    if (typeof e.name !== 'string') bad(`semantic.palette[${i}].name`, 'a string', e.name);
    const c = arr(e.color, `semantic.palette[${i}].color`);
    if (c.length !== 3) bad(`semantic.palette[${i}].color`, '[r, g, b]', c);
    const rgb = c.map((v, k) => num(v, `semantic.palette[${i}].color[${k}]`, { int: true, min: 0, max: 255 })) as [number, number, number];
    return { id: num(e.id, `semantic.palette[${i}].id`, { int: true, min: 0, max: 0xffff }), name: e.name, color: rgb };
  });

  const e = obj(j.edge, 'edge');
  const base = e.base === null ? null : raster(e.base, 'edge.base', width, height);
  const strokes = arr(e.strokes, 'edge.strokes').map((v, i): EdgeStroke => {
    const st = obj(v, `edge.strokes[${i}]`);
    if (st.tool !== 'pen' && st.tool !== 'eraser') bad(`edge.strokes[${i}].tool`, '"pen" or "eraser"', st.tool);
    return {
      tool: st.tool,
      size: num(st.size, `edge.strokes[${i}].size`, { min: 1, max: 512 }),
      points: arr(st.points, `edge.strokes[${i}].points`).map((p, k) => point(p, `edge.strokes[${i}].points[${k}]`)),
    };
  });

  const people = arr(obj(j.pose, 'pose').people, 'pose.people').map((v, i): PosePerson => {
    const p = obj(v, `pose.people[${i}]`);
    if (typeof p.id !== 'string' || p.id.length === 0) bad(`pose.people[${i}].id`, 'a non-empty string', p.id);
    const kps = arr(p.keypoints, `pose.people[${i}].keypoints`);
    if (kps.length !== POSE_JOINTS) bad(`pose.people[${i}].keypoints`, `${POSE_JOINTS} COCO-18 keypoints`, `${kps.length} keypoints`);
    return {
      id: p.id,
      keypoints: kps.map((k, n): Keypoint => {
        const a = arr(k, `pose.people[${i}].keypoints[${n}]`);
        return { x: num(a[0], `pose.people[${i}].keypoints[${n}][0]`), y: num(a[1], `pose.people[${i}].keypoints[${n}][1]`), visible: a[2] === 1 };
      }),
    };
  });

  const im = obj(j.image, 'image');
  if (im.image !== null && (typeof im.image !== 'string' || !im.image.startsWith('data:image/'))) bad('image.image', 'a data:image/… URL or null', im.image);
  const mask = im.mask === null ? null : raster(im.mask, 'image.mask', width, height);

  const g = obj(j.generation, 'generation');
  if (g.modelId !== null && typeof g.modelId !== 'string') bad('generation.modelId', 'a string or null', g.modelId);
  for (const key of ['seedLocked', 'greedy'] as const) if (typeof g[key] !== 'boolean') bad(`generation.${key}`, 'true or false', g[key]);
  const generation: GenerationSettings = {
    modelId: g.modelId as string | null,
    seed: num(g.seed, 'generation.seed', { int: true, min: 0, max: 0xffffffff }),
    seedLocked: g.seedLocked as boolean,
    temperature: num(g.temperature, 'generation.temperature', { min: 0 }),
    topK: numOrNull(g.topK, 'generation.topK', { int: true, min: 1 }),
    topP: numOrNull(g.topP, 'generation.topP', { min: 0, max: 1 }),
    greedy: g.greedy as boolean,
    variations: num(g.variations, 'generation.variations', { int: true, min: 1, max: 64 }),
    outputWidth: num(g.outputWidth, 'generation.outputWidth', { int: true, min: 1, max: 8192 }),
    outputHeight: num(g.outputHeight, 'generation.outputHeight', { int: true, min: 1, max: 8192 }),
    classIndex: numOrNull(g.classIndex, 'generation.classIndex', { int: true, min: 0 }),
    gptWeights: g.gptWeights === 'float32' || g.gptWeights === 'int8' ? g.gptWeights : bad('generation.gptWeights', '"float32" or "int8"', g.gptWeights),
    windowStride: numOrNull(g.windowStride, 'generation.windowStride', { int: true, min: 1, max: 64 }),
  };

  return {
    doc: {
      format: 'tessera.document',
      schema: LATEST_SCHEMA,
      mode: mode as EditorMode,
      width,
      height,
      semantic: { labels, palette, background },
      edge: { base, strokes },
      pose: { people },
      image: { image: im.image as string | null, mask },
      generation,
    },
    applied,
  };
}

/** A deep copy (rasters copied too). */
export function cloneDocument(doc: TesseraDocument): TesseraDocument {
  return parseDocument(serializeDocument(doc)).doc;
}

// ---------------------------------------------------------------------------------------------
// Derived data.

/** Names of the classes painted in the semantic layer, most pixels first (ids without a name: "class N"). */
export function classesUsed(doc: TesseraDocument): string[] {
  const names = new Map((doc.semantic.palette ?? []).map((p) => [p.id, p.name] as const));
  return [...labelCounts(doc.semantic.labels).entries()]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .map(([id]) => names.get(id) ?? `class ${id}`);
}

/**
 * The edge condition exactly as the model sees it: the imported base (or black) with the strokes
 * painted on top, pen = 255 (white edge), eraser = 0 — canonical white-on-black.
 */
export function rasterizeEdges(doc: TesseraDocument): LabelRaster {
  const out = doc.edge.base ? { width: doc.width, height: doc.height, data: doc.edge.base.data.slice() } : createLabelRaster(doc.width, doc.height, EDGE_OFF);
  for (const s of doc.edge.strokes) brushStroke(out, s.points, s.size, s.tool === 'pen' ? EDGE_ON : EDGE_OFF);
  return out;
}

/**
 * Turn a grey image (one byte per pixel) into a canonical edge map. `darkEdges`: the drawing has
 * dark lines on a light ground (a pencil sketch) and is inverted; `threshold` splits edge from not.
 */
export function edgeMapFromGray(gray: Uint8Array, width: number, height: number, options: { darkEdges: boolean; threshold?: number }): LabelRaster {
  if (gray.length !== width * height) throw new Error(`Grey image has ${gray.length} pixels; ${width}x${height} needs ${width * height}.`);
  const t = options.threshold ?? 128;
  const out = createLabelRaster(width, height);
  for (let i = 0; i < gray.length; i++) {
    const edge = options.darkEdges ? gray[i]! < t : gray[i]! >= t;
    out.data[i] = edge ? EDGE_ON : EDGE_OFF;
  }
  return out;
}
