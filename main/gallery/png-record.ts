// PNG files that carry their own generation record.
//
// Every image Tessera writes is a plain 8-bit RGB or RGBA PNG with two text chunks:
//  - `tessera`   (iTXt, UTF-8, zlib-compressed when large): the GenerationRecord as JSON — the
//                 gallery's index can be rebuilt from these alone;
//  - `parameters` (iTXt, UTF-8): a one-line human summary in the spirit of A1111's chunk, so other
//                 image browsers show something useful.
// Pixels are encoded by pngjs (adaptive per-row filters); the text chunks are inserted after IHDR. The chunk
// reader verifies the signature, chunk lengths and every CRC (node:zlib's crc32).

import * as zlib from 'node:zlib';
import { PNG } from 'pngjs';
import type { GenerationRecord, JsonValue } from '../../preload/generation-record';
import { CONDITION_MODES } from '../../preload/generation-record';
import { writeFileAtomic, writeFileAtomicSync } from '../services/atomic-write';

export const PNG_SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
export const RECORD_KEYWORD = 'tessera';
export const PARAMETERS_KEYWORD = 'parameters';
/** iTXt text longer than this (bytes of UTF-8) is stored zlib-compressed. */
const COMPRESS_ITXT_OVER = 1024;
/** A compressed text chunk may not inflate to more than this (guards against zip bombs). */
const MAX_TEXT_BYTES = 64 * 1024 * 1024;

function inflateText(body: Uint8Array, keyword: string): Buffer {
  try {
    return zlib.inflateSync(body, { maxOutputLength: MAX_TEXT_BYTES });
  } catch (err) {
    throw new PngFormatError(`Corrupt or oversized compressed text chunk "${keyword}": ${(err as Error).message}`);
  }
}

/** Interleaved 8-bit pixels, row-major, no padding: data.length = width * height * channels. */
export interface RgbImage {
  width: number;
  height: number;
  channels: 3 | 4;
  data: Uint8Array;
}

export class PngFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PngFormatError';
  }
}

export class GenerationRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GenerationRecordError';
  }
}

// ---------------------------------------------------------------------------------------------
// Chunks.

export interface PngChunk {
  /** Four ASCII letters, e.g. `IHDR`. */
  type: string;
  data: Uint8Array;
}

function makeChunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(zlib.crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Split a PNG into chunks, verifying the signature, every length and every CRC. */
export function parsePngChunks(bytes: Uint8Array): PngChunk[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 8 || !PNG_SIGNATURE.every((b, i) => buf[i] === b)) {
    throw new PngFormatError('Not a PNG file: the 8-byte PNG signature is missing.');
  }
  const chunks: PngChunk[] = [];
  let pos = 8;
  while (pos < buf.length) {
    if (pos + 12 > buf.length) throw new PngFormatError(`Truncated PNG: chunk header at byte ${pos} runs past the end of the file.`);
    const length = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    if (!/^[A-Za-z]{4}$/.test(type)) throw new PngFormatError(`Corrupt PNG: invalid chunk type at byte ${pos}.`);
    const end = pos + 12 + length;
    if (end > buf.length) throw new PngFormatError(`Truncated PNG: chunk ${type} at byte ${pos} needs ${length} bytes of data but the file ends first.`);
    const expected = buf.readUInt32BE(pos + 8 + length);
    const actual = zlib.crc32(buf.subarray(pos + 4, pos + 8 + length));
    if (expected !== actual) {
      throw new PngFormatError(`Corrupt PNG: CRC mismatch in chunk ${type} at byte ${pos} (stored ${expected.toString(16)}, computed ${actual.toString(16)}).`);
    }
    chunks.push({ type, data: buf.subarray(pos + 8, pos + 8 + length) });
    pos = end;
    if (type === 'IEND') break;
  }
  if (chunks.length === 0 || chunks[0]!.type !== 'IHDR') throw new PngFormatError('Corrupt PNG: the first chunk is not IHDR.');
  if (chunks[chunks.length - 1]!.type !== 'IEND') throw new PngFormatError('Truncated PNG: no IEND chunk.');
  return chunks;
}

/** Reassemble chunks into PNG bytes (CRCs recomputed). */
export function buildPng(chunks: readonly PngChunk[]): Buffer {
  return Buffer.concat([Buffer.from(PNG_SIGNATURE), ...chunks.map((c) => makeChunk(c.type, c.data))]);
}

export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  return readIhdr(parsePngChunks(bytes)[0]!).size;
}

interface Ihdr {
  size: { width: number; height: number };
  depth: number;
  colorType: number;
  interlace: number;
}

const CHANNELS_OF_COLOR_TYPE: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

function readIhdr(chunk: PngChunk): Ihdr {
  if (chunk.data.byteLength !== 13) throw new PngFormatError(`Corrupt PNG: the IHDR chunk has ${chunk.data.byteLength} bytes instead of 13.`);
  const view = Buffer.from(chunk.data.buffer, chunk.data.byteOffset, chunk.data.byteLength);
  const width = view.readUInt32BE(0);
  const height = view.readUInt32BE(4);
  if (width < 1 || height < 1 || width > 0x7fffffff || height > 0x7fffffff) {
    throw new PngFormatError(`Corrupt PNG: the header declares a ${width}×${height} image.`);
  }
  return { size: { width, height }, depth: view[8]!, colorType: view[9]!, interlace: view[12]! };
}

/**
 * Checks an untrusted PNG before any decoder allocates its pixels: the chunk structure and every CRC, a
 * sane header, at most `maxPixels` pixels (a decompression bomb declares 100000×100000 in a few bytes), and
 * image data that inflates to exactly the size the header promises. `what` names the file in messages.
 */
export function checkPngBeforeDecode(bytes: Uint8Array, what: string, maxPixels: number): { width: number; height: number } {
  let chunks: PngChunk[];
  let header: Ihdr;
  try {
    chunks = parsePngChunks(bytes);
    header = readIhdr(chunks[0]!);
  } catch (err) {
    throw new PngFormatError(`${what} is not a readable PNG: ${(err as Error).message} Export it again as PNG.`);
  }
  const { width, height } = header.size;
  if (width * height > maxPixels) {
    const side = Math.floor(Math.sqrt(maxPixels));
    throw new PngFormatError(`${what} declares ${width}×${height} pixels, more than the ${side}×${side} allowed here; scale it down first.`);
  }
  const channels = CHANNELS_OF_COLOR_TYPE[header.colorType];
  if (channels === undefined || ![1, 2, 4, 8, 16].includes(header.depth)) {
    throw new PngFormatError(`${what} uses PNG colour type ${header.colorType} at bit depth ${header.depth}, which is not valid PNG; export it again.`);
  }
  const idat = chunks.filter((c) => c.type === 'IDAT').map((c) => c.data);
  if (idat.length === 0) throw new PngFormatError(`${what} has no image data (no IDAT chunk); export it again as PNG.`);
  if (header.interlace === 0) {
    const expected = height * (1 + Math.ceil((width * channels * header.depth) / 8));
    let inflated: Buffer;
    try {
      inflated = zlib.inflateSync(Buffer.concat(idat), { maxOutputLength: expected + 1 });
    } catch (err) {
      throw new PngFormatError(`${what} has corrupt image data (${(err as Error).message}); export it again as PNG.`);
    }
    if (inflated.length !== expected) {
      throw new PngFormatError(`${what} has ${inflated.length} bytes of image data where its ${width}×${height} header needs ${expected} (truncated or corrupt); export it again.`);
    }
  }
  return header.size;
}

// ---------------------------------------------------------------------------------------------
// Text chunks (iTXt, tEXt, zTXt).

function encodeItxt(keyword: string, text: string): Uint8Array {
  if (!/^[\x20-\x7e]{1,79}$/.test(keyword)) throw new Error(`Invalid PNG text keyword "${keyword}": use 1-79 printable ASCII characters.`);
  const utf8 = Buffer.from(text, 'utf8');
  const compress = utf8.length > COMPRESS_ITXT_OVER;
  const body = compress ? zlib.deflateSync(utf8, { level: 9 }) : utf8;
  // keyword \0 compressionFlag compressionMethod languageTag \0 translatedKeyword \0 text
  return Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0, compress ? 1 : 0, 0, 0, 0]), body]);
}

interface TextChunk {
  keyword: string;
  text: string;
}

function decodeTextChunk(chunk: PngChunk): TextChunk | null {
  const data = Buffer.from(chunk.data.buffer, chunk.data.byteOffset, chunk.data.byteLength);
  const nul = data.indexOf(0);
  if (nul < 1) return null;
  const keyword = data.toString('latin1', 0, nul);
  if (chunk.type === 'tEXt') return { keyword, text: data.toString('latin1', nul + 1) };
  if (chunk.type === 'zTXt') return { keyword, text: inflateText(data.subarray(nul + 2), keyword).toString('latin1') };
  if (chunk.type === 'iTXt') {
    const compressed = data[nul + 1] === 1;
    const langEnd = data.indexOf(0, nul + 3);
    if (langEnd < 0) throw new PngFormatError(`Corrupt iTXt chunk "${keyword}": no language tag terminator.`);
    const transEnd = data.indexOf(0, langEnd + 1);
    if (transEnd < 0) throw new PngFormatError(`Corrupt iTXt chunk "${keyword}": no translated keyword terminator.`);
    const body = data.subarray(transEnd + 1);
    return { keyword, text: (compressed ? inflateText(body, keyword) : body).toString('utf8') };
  }
  return null;
}

/** All text chunks of a PNG, keyword → text (first occurrence wins). */
export function readPngText(bytes: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  for (const chunk of parsePngChunks(bytes)) {
    const text = decodeTextChunk(chunk);
    if (text && !out.has(text.keyword)) out.set(text.keyword, text.text);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Encoder.

function checkImage(image: RgbImage): void {
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`Cannot encode a PNG of ${width}x${height}: width and height must be positive integers.`);
  }
  if (channels !== 3 && channels !== 4) throw new Error(`Cannot encode a PNG with ${String(channels)} channels: use 3 (RGB) or 4 (RGBA).`);
  if (data.length !== width * height * channels) {
    throw new Error(`Pixel buffer has ${data.length} bytes; ${width}x${height}x${channels} needs ${width * height * channels}.`);
  }
}

export interface EncodePngOptions {
  /** Generation record stored in the `tessera` iTXt chunk (and summarised in `parameters`). */
  record?: GenerationRecord | null;
  /** Extra iTXt chunks, keyword → UTF-8 text. */
  text?: Record<string, string>;
}

/** Encode 8-bit RGB(A) pixels as a PNG, optionally carrying a generation record. */
export function encodePng(image: RgbImage, options: EncodePngOptions = {}): Buffer {
  checkImage(image);
  const colorType = image.channels === 4 ? 6 : 2; // RGBA or RGB, 8 bits, no interlace
  const png = new PNG({ width: image.width, height: image.height, colorType, inputColorType: colorType, inputHasAlpha: image.channels === 4 });
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  const [ihdr, ...rest] = parsePngChunks(PNG.sync.write(png, { colorType, inputColorType: colorType, inputHasAlpha: image.channels === 4, deflateLevel: 6 }));
  const text: PngChunk[] = [...recordChunks(options.record ?? null)];
  for (const [keyword, value] of Object.entries(options.text ?? {})) text.push({ type: 'iTXt', data: encodeItxt(keyword, value) });
  return buildPng([ihdr!, ...text, ...rest]);
}

function recordChunks(record: GenerationRecord | null): PngChunk[] {
  if (!record) return [];
  const checked = parseGenerationRecord(record);
  return [
    { type: 'iTXt', data: encodeItxt(RECORD_KEYWORD, JSON.stringify(checked)) },
    { type: 'iTXt', data: encodeItxt(PARAMETERS_KEYWORD, formatParameters(checked)) },
  ];
}

function isRecordTextChunk(chunk: PngChunk): boolean {
  if (chunk.type !== 'iTXt' && chunk.type !== 'tEXt' && chunk.type !== 'zTXt') return false;
  const text = decodeTextChunk(chunk);
  return text !== null && (text.keyword === RECORD_KEYWORD || text.keyword === PARAMETERS_KEYWORD);
}

/**
 * Put `record` into existing PNG bytes (e.g. the worker's output), replacing any record already
 * there. The chunks go right after IHDR, so readers find them before the image data.
 */
export function withGenerationRecord(png: Uint8Array, record: GenerationRecord): Buffer {
  const chunks = parsePngChunks(png).filter((c) => !isRecordTextChunk(c));
  chunks.splice(1, 0, ...recordChunks(record));
  return buildPng(chunks);
}

export interface StripOptions {
  /** Remove every ancillary text/time/exif chunk, not just Tessera's own (default true). */
  allText?: boolean;
}

/** PNG bytes without the generation record (for "export without metadata"). Pixels are untouched. */
export function stripPngMetadata(png: Uint8Array, options: StripOptions = {}): Buffer {
  const all = options.allText !== false;
  const drop = new Set(['tEXt', 'iTXt', 'zTXt', 'tIME', 'eXIf']);
  const chunks = parsePngChunks(png).filter((c) => (all ? !drop.has(c.type) : !isRecordTextChunk(c)));
  return buildPng(chunks);
}

// ---------------------------------------------------------------------------------------------
// The record: read, validate, summarise.

/** The generation record of a PNG, or null when it has none. Throws on a corrupt file or record. */
export function readGenerationRecord(png: Uint8Array): GenerationRecord | null {
  const text = readPngText(png).get(RECORD_KEYWORD);
  if (text === undefined) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new GenerationRecordError(`The PNG's "${RECORD_KEYWORD}" chunk is not valid JSON: ${(err as Error).message}`);
  }
  return parseGenerationRecord(json);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(field: string, want: string, got: unknown): never {
  let shown: string | undefined;
  try {
    shown = JSON.stringify(got);
  } catch {
    shown = '(a value too deeply nested to show)';
  }
  throw new GenerationRecordError(`Invalid generation record: ${field} must be ${want}, got ${shown === undefined ? 'nothing' : shown.slice(0, 80)}.`);
}

function str(o: Record<string, unknown>, key: string, path: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length === 0) fail(`${path}${key}`, 'a non-empty string', v);
  return v;
}

function num(o: Record<string, unknown>, key: string, path: string, opts: { int?: boolean; min?: number; max?: number } = {}): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${path}${key}`, 'a finite number', v);
  if (opts.int && !Number.isInteger(v)) fail(`${path}${key}`, 'an integer', v);
  if (opts.min !== undefined && v < opts.min) fail(`${path}${key}`, `>= ${opts.min}`, v);
  if (opts.max !== undefined && v > opts.max) fail(`${path}${key}`, `<= ${opts.max}`, v);
  return v;
}

function optNum(o: Record<string, unknown>, key: string, path: string): number | undefined {
  return o[key] === undefined ? undefined : num(o, key, path, { min: 0 });
}

function isJsonValue(v: unknown, depth = 0): v is JsonValue {
  if (depth > 64) return false;
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every((x) => isJsonValue(x, depth + 1));
  if (isObject(v)) return Object.values(v).every((x) => isJsonValue(x, depth + 1));
  return false;
}

/**
 * Validate an unknown value as a GenerationRecord and return a clean copy (unknown top-level
 * fields dropped). Throws GenerationRecordError naming the first bad field.
 */
export function parseGenerationRecord(value: unknown): GenerationRecord {
  if (!isObject(value)) fail('the record', 'a JSON object', value);
  if (value.format !== 'tessera.generation') fail('format', '"tessera.generation"', value.format);
  if (value.version !== 1) fail('version', '1 (this app reads record version 1)', value.version);
  const createdAt = str(value, 'createdAt', '');
  if (Number.isNaN(Date.parse(createdAt))) fail('createdAt', 'an ISO 8601 date', createdAt);
  const model = value.model;
  if (!isObject(model)) fail('model', 'an object', model);
  const mode = value.mode;
  if (typeof mode !== 'string' || !(CONDITION_MODES as readonly string[]).includes(mode)) fail('mode', `one of ${CONDITION_MODES.join(', ')}`, mode);
  const sampler = value.sampler;
  if (!isObject(sampler)) fail('sampler', 'an object', sampler);
  const size = value.size;
  if (!isObject(size)) fail('size', 'an object', size);
  const timings = value.timings;
  if (!isObject(timings)) fail('timings', 'an object', timings);
  if (sampler.topK !== null) num(sampler, 'topK', 'sampler.', { int: true, min: 1 });
  if (sampler.topP !== null) num(sampler, 'topP', 'sampler.', { min: 0, max: 1 });
  if (typeof sampler.greedy !== 'boolean') fail('sampler.greedy', 'true or false', sampler.greedy);
  if (!isJsonValue(value.condition)) fail('condition', 'a JSON value (the editor document) or null', value.condition);

  const record: GenerationRecord = {
    format: 'tessera.generation',
    version: 1,
    appVersion: str(value, 'appVersion', ''),
    createdAt,
    model: { id: str(model, 'id', 'model.'), sha256: str(model, 'sha256', 'model.') },
    mode: mode as GenerationRecord['mode'],
    seed: num(value, 'seed', '', { int: true, min: 0, max: Number.MAX_SAFE_INTEGER }),
    sampler: {
      temperature: num(sampler, 'temperature', 'sampler.', { min: 0 }),
      topK: sampler.topK as number | null,
      topP: sampler.topP as number | null,
      greedy: sampler.greedy,
    },
    size: { width: num(size, 'width', 'size.', { int: true, min: 1 }), height: num(size, 'height', 'size.', { int: true, min: 1 }) },
    executionProvider: str(value, 'executionProvider', ''),
    timings: { totalMs: num(timings, 'totalMs', 'timings.', { min: 0 }) },
    condition: value.condition,
  };
  if (model.name !== undefined) record.model.name = str(model, 'name', 'model.');
  for (const key of ['encodeMs', 'sampleMs', 'decodeMs'] as const) {
    const v = optNum(timings, key, 'timings.');
    if (v !== undefined) record.timings[key] = v;
  }
  if (value.device !== undefined) record.device = str(value, 'device', '');
  if (value.gptWeights !== undefined) {
    if (value.gptWeights !== 'int8') fail('gptWeights', '"int8" or absent', value.gptWeights);
    record.gptWeights = 'int8';
  }
  if (value.windowStride !== undefined) {
    const s = value.windowStride;
    if (typeof s !== 'number' || !Number.isInteger(s) || s < 2 || s > 64) fail('windowStride', 'an integer 2..64 or absent', s);
    record.windowStride = s;
  }
  if (value.variation !== undefined) {
    const v = value.variation;
    if (!isObject(v)) fail('variation', 'an object', v);
    record.variation = { index: num(v, 'index', 'variation.', { int: true, min: 0 }), count: num(v, 'count', 'variation.', { int: true, min: 1 }) };
  }
  if (value.classIndex !== undefined) record.classIndex = num(value, 'classIndex', '', { int: true, min: 0 });
  if (value.classesUsed !== undefined) {
    const c = value.classesUsed;
    if (!Array.isArray(c) || !c.every((x) => typeof x === 'string')) fail('classesUsed', 'an array of strings', c);
    record.classesUsed = [...(c as string[])];
  }
  return record;
}

/** One human line, A1111-style: "Tessera semantic, model: sflckr (ab12cd34), seed: 7, …". */
export function formatParameters(record: GenerationRecord): string {
  const s = record.sampler;
  const parts = [
    `Tessera ${record.mode}`,
    `model: ${record.model.name ?? record.model.id} (${record.model.sha256.slice(0, 10)})`,
    `seed: ${record.seed}`,
    s.greedy ? 'sampling: greedy' : `temperature: ${s.temperature}`,
    `top-k: ${s.topK ?? 'off'}`,
    `top-p: ${s.topP ?? 'off'}`,
    `size: ${record.size.width}x${record.size.height}`,
    `provider: ${record.executionProvider}${record.gptWeights ? ` (${record.gptWeights} weights)` : ''}`,
    `time: ${(record.timings.totalMs / 1000).toFixed(2)} s`,
    `version: ${record.appVersion}`,
  ];
  if (record.classesUsed?.length) parts.push(`classes: ${record.classesUsed.join(' | ')}`);
  return parts.join(', ');
}

// ---------------------------------------------------------------------------------------------
// Files.

/** Encode and write atomically (temp + fsync + rename). Returns the bytes written. */
export async function writePngFile(filePath: string, image: RgbImage, record: GenerationRecord | null): Promise<Buffer> {
  const bytes = encodePng(image, { record });
  await writeFileAtomic(filePath, bytes);
  return bytes;
}

export function writePngFileSync(filePath: string, image: RgbImage, record: GenerationRecord | null): Buffer {
  const bytes = encodePng(image, { record });
  writeFileAtomicSync(filePath, bytes);
  return bytes;
}
