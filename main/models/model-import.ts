// One import into a staging folder: a taming checkpoint (through the importer, with bytes-read
// progress and cancel) or a Tessera bundle folder (copied with the weights hashed on the way and
// checked against the manifest). The caller renames the staging folder into place on success and
// removes it on failure or cancel, so a half-written bundle is never listed.

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { BundleError, MANIFEST_FILE, readBundle, readManifest } from '../../native-models/formats/bundle';
import type { BundleManifest } from '../../native-models/formats/bundle';
import { importTamingCheckpoint } from '../../native-models/formats/import-taming';

export interface ImportProgressSink {
  (phase: 'reading' | 'copying' | 'verifying', bytesDone: number, bytesTotal: number): void;
}

export interface StagedImport {
  manifest: BundleManifest;
  notes: string[];
}

const COPY_BLOCK = 4 * 1024 * 1024;

/** Checkpoint → bundle in `staging`. Errors are the importer's own (ImportError, CheckpointFormatError). */
export async function importCheckpointInto(staging: string, source: string, options: { config?: string; name?: string; signal: AbortSignal; progress: ImportProgressSink }): Promise<StagedImport> {
  const r = await importTamingCheckpoint(source, {
    out: staging,
    ...(options.config ? { config: options.config } : {}),
    ...(options.name ? { name: options.name } : {}),
    signal: options.signal,
    onProgress: (done, total) => options.progress('reading', done, total),
  });
  const notes = [...r.notes, ...r.skipped.map((s) => `skipped ${s.name}: ${s.reason}`)];
  return { manifest: r.manifest, notes };
}

/** Bundle folder → a verified copy in `staging` (weights hashed while copying; a mismatch is a BundleError). */
export async function importBundleInto(staging: string, source: string, options: { name?: string; signal: AbortSignal; progress: ImportProgressSink }): Promise<StagedImport> {
  const manifest = await readManifest(source);
  const weights = path.join(source, manifest.weights.file);
  let total: number;
  try {
    total = (await fsp.stat(weights)).size;
  } catch {
    throw new BundleError('not-found', `${source}: weights file ${manifest.weights.file} is missing`);
  }
  await fsp.mkdir(staging, { recursive: true });
  const hash = createHash('sha256');
  const input = await fsp.open(weights, 'r');
  const output = await fsp.open(path.join(staging, manifest.weights.file), 'w');
  try {
    const block = Buffer.allocUnsafe(COPY_BLOCK);
    let done = 0;
    for (;;) {
      options.signal.throwIfAborted();
      const { bytesRead } = await input.read(block, 0, COPY_BLOCK, done);
      if (bytesRead === 0) break;
      const chunk = block.subarray(0, bytesRead);
      hash.update(chunk);
      await output.write(chunk, 0, bytesRead, done);
      done += bytesRead;
      options.progress('copying', done, total);
    }
    await output.sync();
  } finally {
    await input.close();
    await output.close();
  }
  options.progress('verifying', total, total);
  const actual = hash.digest('hex');
  if (actual !== manifest.weights.sha256) {
    throw new BundleError('hash-mismatch', `${weights}: sha256 ${actual} does not match the manifest (${manifest.weights.sha256}): the weights were modified or are corrupt`);
  }
  const copied: BundleManifest = options.name ? { ...manifest, name: options.name } : manifest;
  fs.writeFileSync(path.join(staging, MANIFEST_FILE), `${JSON.stringify(copied, null, 2)}\n`);
  // the copy must open like any bundle: manifest valid, tensor count as declared (hash already checked)
  const open = await readBundle(staging, { verify: false });
  await open.close();
  return { manifest: copied, notes: [] };
}

/** A folder name for a bundle: the display name made safe, unique inside `parent`. */
export async function uniqueFolderName(parent: string, displayName: string): Promise<string> {
  const base = displayName.normalize('NFKD').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '').slice(0, 80) || 'model';
  for (let i = 1; ; i++) {
    const name = i === 1 ? base : `${base}-${i}`;
    const exists = await fsp.lstat(path.join(parent, name)).then(() => true, () => false);
    if (!exists) return name;
  }
}
