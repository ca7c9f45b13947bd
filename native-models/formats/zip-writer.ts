// Streaming ZIP writer for stored (uncompressed) entries, as PyTorch writes them: each entry's data is
// aligned to 64 bytes with a padding extra field, CRC-32s are computed while streaming, and ZIP64 records
// are emitted automatically once a size, offset or entry count no longer fits 32 bits.

import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;
/** Extra-field id PyTorch uses for alignment padding ("FB"). */
const PAD_EXTRA_ID = 0x4246;
/** DOS date 1980-01-01, time 00:00. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

interface WrittenEntry {
  name: Buffer;
  size: number;
  crc: number;
  offset: number;
}

export interface ZipWriterOptions {
  /** Align entry data to this many bytes (PyTorch: 64). */
  align?: number;
  /** Write ZIP64 structures even when not needed (tests). */
  forceZip64?: boolean;
}

export class ZipWriter {
  private readonly written: WrittenEntry[] = [];
  private pos = 0;
  private finished = false;

  private constructor(
    private readonly fh: FileHandle,
    readonly path: string,
    private readonly align: number,
    private readonly forceZip64: boolean,
  ) {}

  static async create(path: string, options: ZipWriterOptions = {}): Promise<ZipWriter> {
    const fh = await open(path, 'w');
    return new ZipWriter(fh, path, options.align ?? 64, options.forceZip64 ?? false);
  }

  /** Bytes written so far (= offset of the next local header). */
  get position(): number {
    return this.pos;
  }

  async addEntry(name: string, data: Uint8Array): Promise<void> {
    await this.addStreamedEntry(name, data.byteLength, async (sink) => sink(data));
  }

  /**
   * Add a stored entry of known size whose bytes are produced by `produce` through `sink` (in any number
   * of chunks). The CRC-32 is computed on the fly and patched into the local header afterwards.
   */
  async addStreamedEntry(
    name: string,
    size: number,
    produce: (sink: (chunk: Uint8Array) => Promise<void>) => Promise<void>,
  ): Promise<void> {
    const { headerOffset, dataOffset } = await this.writeLocalHeader(name, size, 0);
    let crc = 0;
    let n = 0;
    await produce(async (chunk) => {
      if (n + chunk.byteLength > size) throw new Error(`zip entry "${name}": more than the declared ${size} bytes were written`);
      await this.writeAt(chunk, dataOffset + n);
      crc = crc32(chunk, crc);
      n += chunk.byteLength;
    });
    if (n !== size) throw new Error(`zip entry "${name}": ${n} bytes written, ${size} declared`);
    const c = Buffer.alloc(4);
    c.writeUInt32LE(crc >>> 0, 0);
    await this.writeAt(c, headerOffset + 14);
    this.written[this.written.length - 1]!.crc = crc >>> 0;
    this.pos = dataOffset + size;
  }

  /**
   * Write the headers of a stored entry but leave its data region unwritten (a hole in a sparse file).
   * The caller supplies the CRC-32 of the bytes that will be (or already are) there. Used to build
   * multi-GiB test archives without using disk.
   */
  async reserveEntry(name: string, size: number, crc: number): Promise<{ dataOffset: number }> {
    const { dataOffset } = await this.writeLocalHeader(name, size, crc >>> 0);
    this.pos = dataOffset + size;
    return { dataOffset };
  }

  /** Write bytes at an absolute position (inside a reserved entry). */
  async writeAt(data: Uint8Array, position: number): Promise<void> {
    let done = 0;
    while (done < data.byteLength) {
      const { bytesWritten } = await this.fh.write(data, done, data.byteLength - done, position + done);
      done += bytesWritten;
    }
  }

  private async writeLocalHeader(name: string, size: number, crc: number): Promise<{ headerOffset: number; dataOffset: number }> {
    if (this.finished) throw new Error('zip writer already closed');
    const nameBuf = Buffer.from(name, 'utf8');
    const zip64 = this.forceZip64 || size >= U32_MAX;
    const z64Len = zip64 ? 20 : 0;
    const base = this.pos + 30 + nameBuf.length + z64Len;
    const pad = (this.align - ((base + 4) % this.align)) % this.align;
    const extraLen = z64Len + 4 + pad;
    const h = Buffer.alloc(30 + nameBuf.length + extraLen);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(zip64 ? 45 : 20, 4); // version needed
    h.writeUInt16LE(0x0800, 6); // UTF-8 names
    h.writeUInt16LE(0, 8); // stored
    h.writeUInt16LE(0, 10);
    h.writeUInt16LE(DOS_DATE, 12);
    h.writeUInt32LE(crc, 14);
    h.writeUInt32LE(zip64 ? U32_MAX : size, 18);
    h.writeUInt32LE(zip64 ? U32_MAX : size, 22);
    h.writeUInt16LE(nameBuf.length, 26);
    h.writeUInt16LE(extraLen, 28);
    nameBuf.copy(h, 30);
    let x = 30 + nameBuf.length;
    if (zip64) {
      h.writeUInt16LE(0x0001, x);
      h.writeUInt16LE(16, x + 2);
      h.writeBigUInt64LE(BigInt(size), x + 4);
      h.writeBigUInt64LE(BigInt(size), x + 12);
      x += 20;
    }
    h.writeUInt16LE(PAD_EXTRA_ID, x);
    h.writeUInt16LE(pad, x + 2);
    const headerOffset = this.pos;
    await this.writeAt(h, headerOffset);
    this.written.push({ name: nameBuf, size, crc, offset: headerOffset });
    return { headerOffset, dataOffset: headerOffset + h.length };
  }

  /** Write the central directory (+ ZIP64 records when needed) and close the file. */
  async close(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    try {
      const cdOffset = this.pos;
      const parts: Buffer[] = [];
      for (const e of this.written) {
        const needSize = this.forceZip64 || e.size >= U32_MAX;
        const needOff = this.forceZip64 || e.offset >= U32_MAX;
        const z64Len = needSize || needOff ? 4 + (needSize ? 16 : 0) + (needOff ? 8 : 0) : 0;
        const c = Buffer.alloc(46 + e.name.length + z64Len);
        c.writeUInt32LE(0x02014b50, 0);
        c.writeUInt16LE(45, 4); // made by
        c.writeUInt16LE(z64Len ? 45 : 20, 6);
        c.writeUInt16LE(0x0800, 8);
        c.writeUInt16LE(0, 10);
        c.writeUInt16LE(0, 12);
        c.writeUInt16LE(DOS_DATE, 14);
        c.writeUInt32LE(e.crc, 16);
        c.writeUInt32LE(needSize ? U32_MAX : e.size, 20);
        c.writeUInt32LE(needSize ? U32_MAX : e.size, 24);
        c.writeUInt16LE(e.name.length, 28);
        c.writeUInt16LE(z64Len, 30);
        c.writeUInt32LE(needOff ? U32_MAX : e.offset, 42);
        e.name.copy(c, 46);
        if (z64Len) {
          let x = 46 + e.name.length;
          c.writeUInt16LE(0x0001, x);
          c.writeUInt16LE(z64Len - 4, x + 2);
          x += 4;
          if (needSize) {
            c.writeBigUInt64LE(BigInt(e.size), x);
            c.writeBigUInt64LE(BigInt(e.size), x + 8);
            x += 16;
          }
          if (needOff) c.writeBigUInt64LE(BigInt(e.offset), x);
        }
        parts.push(c);
      }
      const cd = Buffer.concat(parts);
      const cdSize = cd.length;
      const count = this.written.length;
      const zip64 = this.forceZip64 || count >= U16_MAX || cdOffset >= U32_MAX || cdSize >= U32_MAX;
      const tail: Buffer[] = [cd];
      if (zip64) {
        const rec = Buffer.alloc(56);
        rec.writeUInt32LE(0x06064b50, 0);
        rec.writeBigUInt64LE(44n, 4);
        rec.writeUInt16LE(45, 12);
        rec.writeUInt16LE(45, 14);
        rec.writeBigUInt64LE(BigInt(count), 24);
        rec.writeBigUInt64LE(BigInt(count), 32);
        rec.writeBigUInt64LE(BigInt(cdSize), 40);
        rec.writeBigUInt64LE(BigInt(cdOffset), 48);
        const loc = Buffer.alloc(20);
        loc.writeUInt32LE(0x07064b50, 0);
        loc.writeBigUInt64LE(BigInt(cdOffset + cdSize), 8);
        loc.writeUInt32LE(1, 16);
        tail.push(rec, loc);
      }
      const eocd = Buffer.alloc(22);
      eocd.writeUInt32LE(0x06054b50, 0);
      eocd.writeUInt16LE(zip64 ? U16_MAX : count, 8);
      eocd.writeUInt16LE(zip64 ? U16_MAX : count, 10);
      eocd.writeUInt32LE(zip64 ? U32_MAX : cdSize, 12);
      eocd.writeUInt32LE(zip64 ? U32_MAX : cdOffset, 16);
      tail.push(eocd);
      await this.writeAt(Buffer.concat(tail), cdOffset);
    } finally {
      await this.fh.close();
    }
  }

  /** Close the file without finishing the archive (after an error). */
  async abort(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await this.fh.close();
  }
}
