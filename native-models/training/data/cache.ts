/**
 * On-disk cache for the data pipeline: decoded and resized images (with their conditions) and token grids.
 *
 * Keys: sha256 of the source files' *content* (not their names or dates) plus the settings that produced the
 * entry (sorted-key JSON), so renaming a file keeps its entry and changing a setting makes a new one.
 * Layout: `<dir>/<kind>/<key[0..2]>/<key>.bin`; each entry is one file:
 *   "TSCACHE1" | u32 LE header length | header JSON { meta, arrays: [{ name, dtype, length, offset }] } |
 *   zero padding to 8 bytes | array bytes (little-endian, each at an 8-aligned offset).
 * Writes are atomic (temp file + rename), so a crash never leaves a half entry; an unreadable entry is treated
 * as a miss and deleted. `stats` counts hits, misses and writes.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };
export type CacheArray = Float32Array | Uint8Array | Int32Array | Uint16Array;
type Dtype = 'float32' | 'uint8' | 'int32' | 'uint16';

export interface CacheEntry {
  meta: Record<string, JsonValue>;
  arrays: Record<string, CacheArray>;
}

const MAGIC = 'TSCACHE1';

function dtypeOf(a: CacheArray): Dtype {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Uint8Array) return 'uint8';
  if (a instanceof Int32Array) return 'int32';
  return 'uint16';
}

function makeArray(dtype: Dtype, buf: ArrayBuffer, offset: number, length: number): CacheArray {
  switch (dtype) {
    case 'float32': return new Float32Array(buf.slice(offset, offset + length * 4));
    case 'uint8': return new Uint8Array(buf.slice(offset, offset + length));
    case 'int32': return new Int32Array(buf.slice(offset, offset + length * 4));
    case 'uint16': return new Uint16Array(buf.slice(offset, offset + length * 2));
    default: throw new Error(`cache: unknown dtype ${String(dtype)}`);
  }
}

/** Canonical JSON with sorted object keys. */
export function stableStringify(v: JsonValue): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  const keys = Object.keys(v).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(v[k]!)}`).join(',')}}`;
}

/** sha256 (hex) of a file's content, streamed. */
export function hashFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => h.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

export function encodeEntry(entry: CacheEntry): Buffer {
  const names = Object.keys(entry.arrays).sort();
  const descs: { name: string; dtype: Dtype; length: number; offset: number }[] = [];
  let offset = 0;
  for (const name of names) {
    const a = entry.arrays[name]!;
    descs.push({ name, dtype: dtypeOf(a), length: a.length, offset });
    offset += Math.ceil(a.byteLength / 8) * 8;
  }
  const header = Buffer.from(JSON.stringify({ meta: entry.meta, arrays: descs }), 'utf8');
  const headEnd = 8 + 4 + header.length;
  const dataStart = Math.ceil(headEnd / 8) * 8;
  const out = Buffer.alloc(dataStart + offset);
  out.write(MAGIC, 0, 'ascii');
  out.writeUInt32LE(header.length, 8);
  header.copy(out, 12);
  for (const d of descs) {
    const a = entry.arrays[d.name]!;
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(out, dataStart + d.offset);
  }
  return out;
}

export function decodeEntry(buf: Buffer): CacheEntry {
  if (buf.length < 12 || buf.toString('ascii', 0, 8) !== MAGIC) throw new Error('not a Tessera cache entry');
  const headerLen = buf.readUInt32LE(8);
  if (12 + headerLen > buf.length) throw new Error('cache entry header is cut short');
  const header = JSON.parse(buf.toString('utf8', 12, 12 + headerLen)) as {
    meta: Record<string, JsonValue>;
    arrays: { name: string; dtype: Dtype; length: number; offset: number }[];
  };
  const dataStart = Math.ceil((12 + headerLen) / 8) * 8;
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  const arrays: Record<string, CacheArray> = {};
  for (const d of header.arrays) {
    const bytesPer = d.dtype === 'uint8' ? 1 : d.dtype === 'uint16' ? 2 : 4;
    if (dataStart + d.offset + d.length * bytesPer > buf.length) throw new Error(`cache entry array ${d.name} is cut short`);
    arrays[d.name] = makeArray(d.dtype, ab, dataStart + d.offset, d.length);
  }
  return { meta: header.meta, arrays };
}

export class DataCache {
  readonly stats = { hits: 0, misses: 0, writes: 0 };
  private readonly hashMemo = new Map<string, { size: number; mtimeMs: number; hash: string }>();

  constructor(readonly dir: string) {}

  /** Content hash of a file, memoised per path while its size and mtime are unchanged. */
  async fileHash(path: string): Promise<string> {
    const st = await stat(path);
    const memo = this.hashMemo.get(path);
    if (memo && memo.size === st.size && memo.mtimeMs === st.mtimeMs) return memo.hash;
    const hash = await hashFile(path);
    this.hashMemo.set(path, { size: st.size, mtimeMs: st.mtimeMs, hash });
    return hash;
  }

  /** Cache key from content hashes (order matters) and the settings that shape the entry. */
  static key(contentHashes: readonly string[], settings: Record<string, JsonValue>): string {
    return createHash('sha256').update(contentHashes.join('\n')).update('\0').update(stableStringify(settings)).digest('hex');
  }

  private pathFor(kind: string, key: string): string {
    if (!/^[a-z0-9-]+$/.test(kind)) throw new Error(`cache kind "${kind}" must be lowercase letters, digits and dashes`);
    if (!/^[0-9a-f]{16,}$/.test(key)) throw new Error(`cache key "${key}" must be a hex digest`);
    return join(this.dir, kind, key.slice(0, 2), `${key}.bin`);
  }

  async get(kind: string, key: string): Promise<CacheEntry | null> {
    const p = this.pathFor(kind, key);
    let buf: Buffer;
    try {
      buf = await readFile(p);
    } catch {
      this.stats.misses++;
      return null;
    }
    try {
      const entry = decodeEntry(buf);
      this.stats.hits++;
      return entry;
    } catch {
      await rm(p, { force: true });
      this.stats.misses++;
      return null;
    }
  }

  async put(kind: string, key: string, entry: CacheEntry): Promise<void> {
    const p = this.pathFor(kind, key);
    await mkdir(join(this.dir, kind, key.slice(0, 2)), { recursive: true });
    const tmp = `${p}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    try {
      await writeFile(tmp, encodeEntry(entry));
      await rename(tmp, p);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    this.stats.writes++;
  }

  /** Return the cached entry, or compute, store and return it. */
  async getOrCompute(kind: string, key: string, compute: () => Promise<CacheEntry>): Promise<CacheEntry> {
    const hit = await this.get(kind, key);
    if (hit) return hit;
    const entry = await compute();
    await this.put(kind, key, entry);
    return entry;
  }
}
