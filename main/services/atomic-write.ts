// Atomic file writes: write a temp file in the destination's folder, fsync it, rename it over the
// destination, then fsync the folder. A crash leaves either the old file or the new one, never a
// torn mix; a leftover `.tmp` file is the only trace of an interrupted write.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

/** Temp files written by this module end with this; `isAtomicTempFile` recognises them. */
export const ATOMIC_TEMP_SUFFIX = '.tessera-tmp';

export function atomicTempPath(destination: string): string {
  const dir = path.dirname(destination);
  const base = path.basename(destination);
  return path.join(dir, `.${base}.${process.pid}.${randomBytes(4).toString('hex')}${ATOMIC_TEMP_SUFFIX}`);
}

export function isAtomicTempFile(fileName: string): boolean {
  return fileName.endsWith(ATOMIC_TEMP_SUFFIX);
}

function fsyncDirectorySync(dir: string): void {
  // Directories cannot be opened for fsync on Windows; the rename is still atomic there.
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    /* best effort */
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export interface AtomicWriteOptions {
  /** Create missing parent folders (default true). */
  mkdir?: boolean;
  /** Refuse to replace an existing file (default false). Checked before the rename. */
  exclusive?: boolean;
}

/** Write `data` to `destination` atomically (synchronous). */
export function writeFileAtomicSync(destination: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): void {
  const dir = path.dirname(destination);
  if (options.mkdir !== false) fs.mkdirSync(dir, { recursive: true });
  const tmp = atomicTempPath(destination);
  const fd = fs.openSync(tmp, 'wx');
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  try {
    if (options.exclusive && fs.existsSync(destination)) {
      throw new Error(`Refusing to overwrite ${destination}: the file already exists.`);
    }
    fs.renameSync(tmp, destination);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDirectorySync(dir);
}

/** Write `data` to `destination` atomically (asynchronous). */
export async function writeFileAtomic(destination: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): Promise<void> {
  const dir = path.dirname(destination);
  if (options.mkdir !== false) await fs.promises.mkdir(dir, { recursive: true });
  const tmp = atomicTempPath(destination);
  const handle = await fs.promises.open(tmp, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    if (options.exclusive && fs.existsSync(destination)) {
      throw new Error(`Refusing to overwrite ${destination}: the file already exists.`);
    }
    await fs.promises.rename(tmp, destination);
  } catch (err) {
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
  fsyncDirectorySync(dir);
}
