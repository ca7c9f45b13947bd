// Dropped files reach the backend as bytes in the web host (a browser gives no file paths), so the
// model manager accepts them in ordered base64 chunks into `<user-data>/uploads/<id>/<name>`; the
// finished upload is then imported like a path, as `upload:<id>`, and removed after the import.

import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';

/** Decoded bytes per chunk the client should send (base64 adds a third: well under the socket's 32 MiB frame limit). */
export const UPLOAD_CHUNK_BYTES = 4 * 1024 * 1024;
/** The largest chunk accepted (decoded). */
export const MAX_UPLOAD_CHUNK_BYTES = 8 * 1024 * 1024;
/** Largest upload accepted: 64 GiB. */
export const MAX_UPLOAD_BYTES = 64 * 1024 ** 3;
export const UPLOAD_PREFIX = 'upload:';

interface Upload {
  id: string;
  file: string;
  bytes: number;
  received: number;
  fd: number | null;
}

export class UploadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UploadError';
  }
}

/** A file name safe on every OS: letters, digits, dot, dash, underscore; no leading dot. */
export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '').slice(0, 120);
  return cleaned || 'upload.bin';
}

export class UploadStore {
  private readonly uploads = new Map<string, Upload>();

  constructor(private readonly root: string) {}

  begin(fileName: string, bytes: number): { uploadId: string; chunkBytes: number } {
    if (!Number.isInteger(bytes) || bytes < 0 || bytes > MAX_UPLOAD_BYTES) throw new UploadError(`An upload must be 0..${MAX_UPLOAD_BYTES} bytes; got ${bytes}.`);
    const id = randomUUID();
    const dir = path.join(this.root, id);
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, safeFileName(fileName));
    const fd = fs.openSync(file, 'w');
    this.uploads.set(id, { id, file, bytes, received: 0, fd });
    return { uploadId: id, chunkBytes: UPLOAD_CHUNK_BYTES };
  }

  private get(id: string): Upload {
    const u = this.uploads.get(id);
    if (!u) throw new UploadError(`No upload ${JSON.stringify(id)}: it finished, was aborted, or the app restarted. Drop the file again.`);
    return u;
  }

  chunk(id: string, offset: number, base64: string): { received: number } {
    const u = this.get(id);
    if (u.fd === null) throw new UploadError(`Upload ${id} is already finished.`);
    if (offset !== u.received) throw new UploadError(`Upload ${id}: chunk at offset ${offset}, expected ${u.received} (chunks must arrive in order).`);
    const data = Buffer.from(base64, 'base64');
    if (data.length > MAX_UPLOAD_CHUNK_BYTES) throw new UploadError(`Upload ${id}: a chunk may hold at most ${MAX_UPLOAD_CHUNK_BYTES} bytes, got ${data.length}.`);
    if (u.received + data.length > u.bytes) throw new UploadError(`Upload ${id}: ${u.received + data.length} bytes is more than the ${u.bytes} announced.`);
    fs.writeSync(u.fd, data, 0, data.length, offset);
    u.received += data.length;
    return { received: u.received };
  }

  finish(id: string): { source: string } {
    const u = this.get(id);
    if (u.received !== u.bytes) throw new UploadError(`Upload ${id}: received ${u.received} of ${u.bytes} bytes; send the rest first.`);
    if (u.fd !== null) fs.closeSync(u.fd);
    u.fd = null;
    return { source: `${UPLOAD_PREFIX}${id}` };
  }

  /** The file of a finished upload named `upload:<id>`. */
  resolve(source: string): string {
    const u = this.get(source.slice(UPLOAD_PREFIX.length));
    if (u.fd !== null) throw new UploadError(`Upload ${u.id} is not finished yet (uploadFinish).`);
    return u.file;
  }

  async remove(id: string): Promise<boolean> {
    const u = this.uploads.get(id);
    if (!u) return false;
    this.uploads.delete(id);
    if (u.fd !== null) fs.closeSync(u.fd);
    await fsp.rm(path.dirname(u.file), { recursive: true, force: true });
    return true;
  }

  async close(): Promise<void> {
    for (const id of [...this.uploads.keys()]) await this.remove(id);
  }
}
