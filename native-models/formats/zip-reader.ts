// Random-access ZIP reader over a file descriptor: the central directory is parsed once, entry data is
// read by offset on demand (never the whole file into one buffer). Handles ZIP64 (end-of-central-directory
// locator + record, zip64 extra fields), stored entries (what PyTorch writes) and deflated ones (zlib).
// Offsets are JS numbers: exact up to 2^53 bytes, far beyond any checkpoint.

import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { crc32, inflateRawSync } from 'node:zlib';

export type ZipErrorCode = 'not-zip' | 'truncated' | 'corrupt' | 'unsupported' | 'missing-entry';

export class ZipFormatError extends Error {
  constructor(
    readonly code: ZipErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ZipFormatError';
  }
}

export interface ZipEntry {
  readonly name: string;
  /** 0 = stored, 8 = deflate. */
  readonly method: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly crc32: number;
  readonly localHeaderOffset: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;
/** Entries larger than this cannot be read whole into one Buffer; use readRange. */
export const MAX_WHOLE_ENTRY_BYTES = 1 << 30;

function u64(buf: Buffer, off: number): number {
  const v = buf.readBigUInt64LE(off);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ZipFormatError('corrupt', `64-bit field ${v} at byte ${off} exceeds 2^53: corrupt ZIP64 record`);
  }
  return Number(v);
}

export class ZipReader {
  private readonly dataOffsets = new Map<string, number>();
  private closed = false;

  private constructor(
    private readonly fh: FileHandle,
    readonly path: string,
    readonly fileSize: number,
    readonly entries: ReadonlyMap<string, ZipEntry>,
    /** true when the archive uses ZIP64 end-of-central-directory records. */
    readonly zip64: boolean,
  ) {}

  /** Open and index a ZIP file. Throws ZipFormatError('not-zip' | 'truncated' | 'corrupt' | 'unsupported'). */
  static async open(path: string): Promise<ZipReader> {
    const fh = await open(path, 'r');
    try {
      const { size } = await fh.stat();
      const parsed = await readCentralDirectory(fh, size, path);
      return new ZipReader(fh, path, size, parsed.entries, parsed.zip64);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close();
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  entry(name: string): ZipEntry {
    const e = this.entries.get(name);
    if (!e) throw new ZipFormatError('missing-entry', `${this.path}: the archive has no entry "${name}"`);
    return e;
  }

  /** Read exactly `length` bytes at absolute file position `position`. */
  async readAt(position: number, length: number): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.fh.read(buf, done, length - done, position + done);
      if (bytesRead === 0) {
        throw new ZipFormatError(
          'truncated',
          `${this.path}: unexpected end of file at byte ${position + done} (file is ${this.fileSize} bytes; truncated download?)`,
        );
      }
      done += bytesRead;
    }
    return buf;
  }

  /** Absolute file offset of the entry's (compressed) data, from its local header. */
  async dataOffset(name: string): Promise<number> {
    const cached = this.dataOffsets.get(name);
    if (cached !== undefined) return cached;
    const e = this.entry(name);
    if (e.localHeaderOffset + 30 > this.fileSize) {
      throw new ZipFormatError('truncated', `${this.path}: local header of "${name}" lies beyond the end of the file`);
    }
    const h = await this.readAt(e.localHeaderOffset, 30);
    if (h.readUInt32LE(0) !== SIG_LOCAL) {
      throw new ZipFormatError('corrupt', `${this.path}: bad local header signature for "${name}" at byte ${e.localHeaderOffset}`);
    }
    const off = e.localHeaderOffset + 30 + h.readUInt16LE(26) + h.readUInt16LE(28);
    if (off + e.compressedSize > this.fileSize) {
      throw new ZipFormatError(
        'truncated',
        `${this.path}: data of "${name}" ends at byte ${off + e.compressedSize} but the file has only ${this.fileSize} bytes (truncated download?)`,
      );
    }
    this.dataOffsets.set(name, off);
    return off;
  }

  /** Read a whole entry (stored or deflated), checking its CRC-32. For small entries (data.pkl, version). */
  async readEntry(name: string): Promise<Buffer> {
    const e = this.entry(name);
    if (e.uncompressedSize > MAX_WHOLE_ENTRY_BYTES || e.compressedSize > MAX_WHOLE_ENTRY_BYTES) {
      throw new ZipFormatError('unsupported', `${this.path}: entry "${name}" (${e.uncompressedSize} bytes) is too large to read whole; read it by range`);
    }
    const raw = await this.readAt(await this.dataOffset(name), e.compressedSize);
    let data: Buffer;
    if (e.method === 0) data = raw;
    else if (e.method === 8) {
      try {
        data = inflateRawSync(raw, { maxOutputLength: Math.max(1, e.uncompressedSize) });
      } catch (err) {
        throw new ZipFormatError('corrupt', `${this.path}: cannot inflate "${name}": ${(err as Error).message}`);
      }
    } else {
      throw new ZipFormatError('unsupported', `${this.path}: entry "${name}" uses compression method ${e.method}; only stored (0) and deflate (8) are supported`);
    }
    if (data.length !== e.uncompressedSize) {
      throw new ZipFormatError('corrupt', `${this.path}: entry "${name}" has ${data.length} bytes, the directory says ${e.uncompressedSize}`);
    }
    if (crc32(data) >>> 0 !== e.crc32 >>> 0) {
      throw new ZipFormatError('corrupt', `${this.path}: CRC-32 mismatch in entry "${name}" (corrupt or truncated file)`);
    }
    return data;
  }

  /** Read `length` bytes starting `offset` bytes into a STORED entry's data (no CRC check: partial read). */
  async readRange(name: string, offset: number, length: number): Promise<Buffer> {
    const e = this.entry(name);
    if (e.method !== 0) {
      if (offset === 0 && length === e.uncompressedSize) return this.readEntry(name);
      throw new ZipFormatError('unsupported', `${this.path}: entry "${name}" is compressed; ranges can only be read from stored entries`);
    }
    if (offset < 0 || length < 0 || offset + length > e.uncompressedSize) {
      throw new ZipFormatError(
        'corrupt',
        `${this.path}: range [${offset}, ${offset + length}) is outside entry "${name}" of ${e.uncompressedSize} bytes`,
      );
    }
    return this.readAt((await this.dataOffset(name)) + offset, length);
  }
}

async function readCentralDirectory(
  fh: FileHandle,
  size: number,
  path: string,
): Promise<{ entries: Map<string, ZipEntry>; zip64: boolean }> {
  const head = Buffer.alloc(Math.min(4, size));
  if (head.length) await fh.read(head, 0, head.length, 0);
  const looksZip = head.length >= 2 && head[0] === 0x50 && head[1] === 0x4b;
  const tailLen = Math.min(size, 22 + U16_MAX + 20);
  const tail = Buffer.alloc(tailLen);
  if (tailLen) await fh.read(tail, 0, tailLen, size - tailLen);
  let eocd = -1;
  for (let i = tailLen - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === SIG_EOCD && i + 22 + tail.readUInt16LE(i + 20) <= tailLen) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) {
    if (looksZip) {
      throw new ZipFormatError(
        'truncated',
        `${path}: ZIP end-of-central-directory record not found (file is ${size} bytes): the file is truncated or corrupt (interrupted download?)`,
      );
    }
    throw new ZipFormatError('not-zip', `${path}: not a ZIP archive`);
  }
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  let zip64 = false;
  const locPos = eocd - 20;
  if (locPos >= 0 && tail.readUInt32LE(locPos) === SIG_ZIP64_LOCATOR) {
    zip64 = true;
    const recOff = u64(tail, locPos + 8);
    if (recOff + 56 > size) {
      throw new ZipFormatError('truncated', `${path}: ZIP64 end-of-central-directory record at ${recOff} lies beyond the end of the file`);
    }
    const rec = Buffer.alloc(56);
    await fh.read(rec, 0, 56, recOff);
    if (rec.readUInt32LE(0) !== SIG_ZIP64_EOCD) {
      throw new ZipFormatError('corrupt', `${path}: bad ZIP64 end-of-central-directory signature at byte ${recOff}`);
    }
    count = u64(rec, 32);
    cdSize = u64(rec, 40);
    cdOffset = u64(rec, 48);
  } else if (count === U16_MAX || cdSize === U32_MAX || cdOffset === U32_MAX) {
    throw new ZipFormatError('corrupt', `${path}: ZIP64 values are used but the ZIP64 locator is missing`);
  }
  if (cdOffset + cdSize > size) {
    throw new ZipFormatError(
      'truncated',
      `${path}: central directory [${cdOffset}, ${cdOffset + cdSize}) lies beyond the end of the file (${size} bytes): truncated or corrupt`,
    );
  }
  if (cdSize > 1 << 30) throw new ZipFormatError('unsupported', `${path}: central directory of ${cdSize} bytes is implausibly large`);
  const cd = Buffer.alloc(cdSize);
  if (cdSize) await fh.read(cd, 0, cdSize, cdOffset);
  const entries = new Map<string, ZipEntry>();
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== SIG_CENTRAL) {
      throw new ZipFormatError('corrupt', `${path}: central directory entry ${i} of ${count} is malformed`);
    }
    const flags = cd.readUInt16LE(p + 8);
    const method = cd.readUInt16LE(p + 10);
    const crc = cd.readUInt32LE(p + 16);
    let compressedSize = cd.readUInt32LE(p + 20);
    let uncompressedSize = cd.readUInt32LE(p + 24);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    let localHeaderOffset = cd.readUInt32LE(p + 42);
    if (p + 46 + nameLen + extraLen + commentLen > cd.length) {
      throw new ZipFormatError('corrupt', `${path}: central directory entry ${i} overruns the directory`);
    }
    const name = cd.toString('utf8', p + 46, p + 46 + nameLen);
    // zip64 extended information extra field (0x0001): only the saturated fields are present, in order
    let x = p + 46 + nameLen;
    const xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      const id = cd.readUInt16LE(x);
      const len = cd.readUInt16LE(x + 2);
      if (id === 0x0001) {
        let q = x + 4;
        const need = (v: number): boolean => v === U32_MAX;
        if (need(uncompressedSize) && q + 8 <= x + 4 + len) { uncompressedSize = u64(cd, q); q += 8; }
        if (need(compressedSize) && q + 8 <= x + 4 + len) { compressedSize = u64(cd, q); q += 8; }
        if (need(localHeaderOffset) && q + 8 <= x + 4 + len) localHeaderOffset = u64(cd, q);
      }
      x += 4 + len;
    }
    if (flags & 1) throw new ZipFormatError('unsupported', `${path}: entry "${name}" is encrypted`);
    entries.set(name, { name, method, compressedSize, uncompressedSize, crc32: crc, localHeaderOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return { entries, zip64 };
}
