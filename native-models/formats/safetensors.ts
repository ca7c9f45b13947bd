// safetensors: 8-byte little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__: {string: string}}, then the raw
// little-endian tensor bytes. Read by offset (one tensor at a time); written by streaming with the
// sha256 of the whole file computed on the way.

import { createHash } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { DTYPE_BYTES, DTYPE_SAFETENSORS, SAFETENSORS_DTYPE, numel } from './dtype';
import type { DType } from './dtype';

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

export interface SafetensorsTensorInfo {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** Absolute offset of the tensor's bytes in the file. */
  readonly dataOffset: number;
  readonly byteLength: number;
  read(): Promise<Buffer>;
}

export interface SafetensorsFile {
  readonly path: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly tensors: ReadonlyMap<string, SafetensorsTensorInfo>;
  close(): Promise<void>;
}

const MAX_HEADER = 100 * 1024 * 1024;

export async function openSafetensors(path: string): Promise<SafetensorsFile> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const readAt = async (position: number, length: number): Promise<Buffer> => {
      const buf = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await fh.read(buf, done, length - done, position + done);
        if (bytesRead === 0) throw new SafetensorsError(`${path}: unexpected end of file at byte ${position + done} (truncated?)`);
        done += bytesRead;
      }
      return buf;
    };
    if (size < 8) throw new SafetensorsError(`${path}: too short to be a safetensors file (${size} bytes)`);
    const n = (await readAt(0, 8)).readBigUInt64LE(0);
    if (n > BigInt(Math.min(MAX_HEADER, size - 8))) {
      throw new SafetensorsError(`${path}: header length ${n} is invalid for a ${size}-byte file (not safetensors, or truncated)`);
    }
    const headerLen = Number(n);
    let header: unknown;
    try {
      header = JSON.parse((await readAt(8, headerLen)).toString('utf8'));
    } catch (e) {
      throw new SafetensorsError(`${path}: header is not valid JSON (${(e as Error).message})`);
    }
    if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new SafetensorsError(`${path}: header is not a JSON object`);
    const base = 8 + headerLen;
    const metadata: Record<string, string> = {};
    const tensors = new Map<string, SafetensorsTensorInfo>();
    const ranges: Array<[number, number, string]> = [];
    for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
      if (name === '__metadata__') {
        if (raw && typeof raw === 'object') {
          for (const [k, v] of Object.entries(raw as Record<string, unknown>)) if (typeof v === 'string') metadata[k] = v;
        }
        continue;
      }
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        throw new SafetensorsError(`${path}: tensor "${name}" is ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : `a ${typeof raw}`}, not an object {dtype, shape, data_offsets} (corrupt file?)`);
      }
      const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      const dtype = typeof e.dtype === 'string' ? SAFETENSORS_DTYPE[e.dtype] : undefined;
      if (!dtype) throw new SafetensorsError(`${path}: tensor "${name}" has unsupported dtype ${JSON.stringify(e.dtype)}`);
      const shape = e.shape;
      if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
        throw new SafetensorsError(`${path}: tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`);
      }
      const offs = e.data_offsets;
      if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isInteger(d) && d >= 0) || offs[1] < offs[0]) {
        throw new SafetensorsError(`${path}: tensor "${name}" has invalid data_offsets ${JSON.stringify(offs)}`);
      }
      const [begin, end] = offs as [number, number];
      const byteLength = numel(shape as number[]) * DTYPE_BYTES[dtype];
      if (end - begin !== byteLength) {
        throw new SafetensorsError(`${path}: tensor "${name}" ${dtype}${JSON.stringify(shape)} needs ${byteLength} bytes but spans ${end - begin}`);
      }
      if (base + end > size) {
        throw new SafetensorsError(`${path}: tensor "${name}" ends at byte ${base + end} but the file has ${size} bytes (truncated?)`);
      }
      ranges.push([begin, end, name]);
      const dataOffset = base + begin;
      tensors.set(name, {
        name,
        dtype,
        shape: shape as number[],
        dataOffset,
        byteLength,
        read: () => (byteLength === 0 ? Promise.resolve(Buffer.alloc(0)) : readAt(dataOffset, byteLength)),
      });
    }
    ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (let i = 1; i < ranges.length; i++) {
      const [start, , name] = ranges[i]!;
      const [, prevEnd, prevName] = ranges[i - 1]!;
      if (start < prevEnd) throw new SafetensorsError(`${path}: tensors "${prevName}" and "${name}" overlap`);
    }
    return { path, metadata, tensors, close: () => fh.close() };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/** One tensor to write: bytes now, or a function producing them when their turn comes. */
export interface TensorSource {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: Uint8Array | (() => Promise<Uint8Array>);
}

export interface WriteResult {
  /** sha256 (hex) of the whole file. */
  sha256: string;
  bytes: number;
}

/** Write tensors (in the given order) to `path` atomically (temp file + rename). */
export async function writeSafetensors(
  path: string,
  tensors: readonly TensorSource[],
  metadata: Readonly<Record<string, string>> = {},
): Promise<WriteResult> {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  const seen = new Set<string>();
  for (const t of tensors) {
    if (seen.has(t.name)) throw new SafetensorsError(`duplicate tensor name "${t.name}"`);
    if (t.name === '__metadata__') throw new SafetensorsError('"__metadata__" cannot be a tensor name');
    seen.add(t.name);
    const len = numel(t.shape) * DTYPE_BYTES[t.dtype];
    header[t.name] = { dtype: DTYPE_SAFETENSORS[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + len] };
    offset += len;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBuf = Buffer.from(json, 'utf8');
  const lenBuf = Buffer.alloc(8);
  lenBuf.writeBigUInt64LE(BigInt(headerBuf.length));
  const tmp = `${path}.partial-${process.pid}`;
  const fh = await open(tmp, 'w');
  const hash = createHash('sha256');
  let pos = 0;
  const write = async (b: Uint8Array): Promise<void> => {
    let done = 0;
    while (done < b.byteLength) {
      const { bytesWritten } = await fh.write(b, done, b.byteLength - done, pos + done);
      done += bytesWritten;
    }
    hash.update(b);
    pos += b.byteLength;
  };
  try {
    await write(lenBuf);
    await write(headerBuf);
    for (const t of tensors) {
      const data = typeof t.data === 'function' ? await t.data() : t.data;
      const len = numel(t.shape) * DTYPE_BYTES[t.dtype];
      if (data.byteLength !== len) {
        throw new SafetensorsError(`tensor "${t.name}" ${t.dtype}${JSON.stringify(t.shape)} needs ${len} bytes, got ${data.byteLength}`);
      }
      await write(data);
    }
    await fh.close();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw e;
  }
  await rename(tmp, path);
  return { sha256: hash.digest('hex'), bytes: pos };
}

/** sha256 (hex) of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(4 << 20);
    let pos = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
    return hash.digest('hex');
  } finally {
    await fh.close();
  }
}
