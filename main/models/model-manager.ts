// The model manager service: the registry, imports as jobs (progress, cancel, verbatim errors with a
// hint), uploads of dropped files, rename, delete with protections and export for taming training.
// Plain TypeScript (no Electron); the `models` domain of the API delegates here.

import { randomUUID } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { MANIFEST_FILE, readManifest, validateManifest } from '../../native-models/formats/bundle';
import { exportTamingCheckpoint } from '../../native-models/formats/export-taming';
import type { Listener, Unsubscribe } from '../../preload/contract';
import type {
  ModelEntry, ModelImportProgress, ModelImportRequest, ModelRegistryResult, ModelsChange,
} from '../../preload/model-manager-types';
import { writeFileAtomicSync } from '../services/atomic-write';
import { libraryModelsFolder } from './model-folders';
import { importHint } from './import-hints';
import { importBundleInto, importCheckpointInto, uniqueFolderName } from './model-import';
import { ModelAccessError, editableModelFolder } from './model-guard';
import { STAGING_PREFIX, entryFor, listRegistry, originOf } from './model-registry';
import { UPLOAD_PREFIX, UploadStore } from './upload-store';

/** Latest modification time (ms) of a folder or any file directly in it. */
async function newestWrite(dir: string): Promise<number> {
  let newest = (await fsp.stat(dir)).mtimeMs;
  for (const n of await fsp.readdir(dir).catch(() => [] as string[])) {
    const st = await fsp.stat(path.join(dir, n)).catch(() => null);
    if (st) newest = Math.max(newest, st.mtimeMs);
  }
  return newest;
}

export interface ModelManagerOptions {
  libraryFolder: () => string;
  /** Where dropped files are staged (`<user-data>/uploads`). */
  uploadsDir: string;
  zooDir?: string;
  /** Least time between two progress events of one import (default 100 ms). */
  progressIntervalMs?: number;
}

interface RunningImport {
  controller: AbortController;
  done: Promise<void>;
}

export class ModelManager {
  readonly uploads: UploadStore;
  private readonly imports = new Map<string, RunningImport>();
  private readonly changeListeners = new Set<Listener<ModelsChange>>();
  private readonly progressListeners = new Set<Listener<ModelImportProgress>>();

  constructor(private readonly options: ModelManagerOptions) {
    this.uploads = new UploadStore(options.uploadsDir);
  }

  private where() {
    return { libraryFolder: this.options.libraryFolder(), zooDir: this.options.zooDir };
  }

  registry(): Promise<ModelRegistryResult> {
    return listRegistry(this.where());
  }

  onDidModelsChange(listener: Listener<ModelsChange>): Unsubscribe {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onDidImportProgress(listener: Listener<ModelImportProgress>): Unsubscribe {
    this.progressListeners.add(listener);
    return () => this.progressListeners.delete(listener);
  }

  private emit<T>(listeners: Set<Listener<T>>, payload: T): void {
    for (const l of [...listeners]) {
      try {
        l(payload);
      } catch {
        /* a failing listener must not break the service */
      }
    }
  }

  /** Resolves an import source: `upload:<id>` or an absolute path that exists. */
  private async resolveSource(source: string, what: string): Promise<{ file: string; isDir: boolean }> {
    const file = source.startsWith(UPLOAD_PREFIX) ? this.uploads.resolve(source) : source;
    if (!path.isAbsolute(file)) throw new ModelAccessError(`The ${what} must be an absolute path (got ${JSON.stringify(source)}).`);
    let stat;
    try {
      stat = await fsp.stat(file);
    } catch {
      throw new ModelAccessError(`${file}: no such file or folder. Check the path of the ${what}.`);
    }
    return { file, isDir: stat.isDirectory() };
  }

  /** Starts an import; resolves with its id once the source was found (errors after that arrive as events). */
  async import(request: ModelImportRequest): Promise<{ importId: string }> {
    const src = await this.resolveSource(request.source, 'checkpoint or bundle folder');
    const config = request.config ? (await this.resolveSource(request.config, 'project.yaml')).file : undefined;
    if (src.isDir && config) throw new ModelAccessError('A project.yaml belongs to a checkpoint (.ckpt/.pth); a bundle folder already carries its configuration.');
    const modelsDir = libraryModelsFolder(this.options.libraryFolder());
    if (src.isDir && path.dirname(path.resolve(src.file)) === path.resolve(modelsDir)) {
      throw new ModelAccessError(`${src.file} is already in the library's models folder; it is listed without importing.`);
    }
    const importId = randomUUID();
    const controller = new AbortController();
    const base: Omit<ModelImportProgress, 'phase' | 'bytesDone' | 'bytesTotal'> = {
      importId, source: path.basename(src.file), error: null, hint: null, model: null, notes: [],
    };
    const interval = this.options.progressIntervalMs ?? 100;
    let last = 0;
    let lastPhase = '';
    const progress = (phase: 'reading' | 'copying' | 'verifying', bytesDone: number, bytesTotal: number) => {
      const now = Date.now();
      if (phase === lastPhase && now - last < interval && bytesDone < bytesTotal) return;
      last = now;
      lastPhase = phase;
      this.emit(this.progressListeners, { ...base, phase, bytesDone, bytesTotal });
    };
    const staging = path.join(modelsDir, `${STAGING_PREFIX}${importId}`);
    const run = async () => {
      // let the caller subscribe / receive the id before the first event
      await new Promise((r) => setImmediate(r));
      progress(src.isDir ? 'copying' : 'reading', 0, 0);
      try {
        await fsp.mkdir(modelsDir, { recursive: true });
        const staged = src.isDir
          ? await importBundleInto(staging, src.file, { name: request.name, signal: controller.signal, progress })
          : await importCheckpointInto(staging, src.file, { config, name: request.name, signal: controller.signal, progress });
        controller.signal.throwIfAborted();
        const final = path.join(modelsDir, await uniqueFolderName(modelsDir, staged.manifest.name));
        await fsp.rename(staging, final);
        const model = await entryFor(final, staged.manifest, originOf(staged.manifest, false));
        const total = staged.manifest.weights.bytes;
        this.emit(this.progressListeners, { ...base, phase: 'done', bytesDone: total, bytesTotal: total, model, notes: staged.notes });
        this.emit(this.changeListeners, { reason: 'imported', id: final });
      } catch (err) {
        await fsp.rm(staging, { recursive: true, force: true }).catch(() => undefined);
        if (controller.signal.aborted) {
          this.emit(this.progressListeners, { ...base, phase: 'cancelled', bytesDone: 0, bytesTotal: 0 });
        } else {
          const message = err instanceof Error ? err.message : String(err);
          this.emit(this.progressListeners, { ...base, phase: 'failed', bytesDone: 0, bytesTotal: 0, error: message, hint: importHint(err) });
        }
      } finally {
        this.imports.delete(importId);
        for (const s of [request.source, request.config]) {
          if (s?.startsWith(UPLOAD_PREFIX)) await this.uploads.remove(s.slice(UPLOAD_PREFIX.length));
        }
      }
    };
    this.imports.set(importId, { controller, done: run() });
    return { importId };
  }

  /**
   * Removes what a crashed run left behind: staging folders in `<library>/models` and uploads not
   * written to for `staleAfterMs` (default 1 hour; a live import keeps writing, so it is never stale).
   */
  async sweepStale(staleAfterMs = 60 * 60 * 1000): Promise<string[]> {
    const removed: string[] = [];
    const modelsDir = libraryModelsFolder(this.options.libraryFolder());
    const candidates: string[] = [];
    for (const [root, match] of [[modelsDir, (n: string) => n.startsWith(STAGING_PREFIX)], [this.options.uploadsDir, () => true]] as const) {
      const names = await fsp.readdir(root).catch(() => [] as string[]);
      for (const n of names) if (match(n)) candidates.push(path.join(root, n));
    }
    for (const dir of candidates) {
      if (this.imports.size > 0 && [...this.imports.keys()].some((id) => dir.endsWith(id))) continue;
      if (Date.now() - (await newestWrite(dir)) < staleAfterMs) continue;
      await fsp.rm(dir, { recursive: true, force: true });
      removed.push(dir);
    }
    return removed;
  }

  /** Waits for an import to finish (tests, shutdown). */
  async settled(importId: string): Promise<void> {
    await this.imports.get(importId)?.done;
  }

  cancelImport(importId: string): { cancelled: boolean } {
    const job = this.imports.get(importId);
    if (!job || job.controller.signal.aborted) return { cancelled: false };
    job.controller.abort();
    return { cancelled: true };
  }

  async rename(id: string, name: string): Promise<ModelEntry> {
    const trimmed = name.trim();
    if (!trimmed) throw new ModelAccessError('A model name cannot be empty.');
    const folder = await editableModelFolder(id, this.where(), 'rename');
    const manifest = await readManifest(folder);
    const next = validateManifest({ ...manifest, name: trimmed }, path.join(folder, MANIFEST_FILE));
    writeFileAtomicSync(path.join(folder, MANIFEST_FILE), `${JSON.stringify(next, null, 2)}\n`);
    this.emit(this.changeListeners, { reason: 'renamed', id: folder });
    return entryFor(folder, next, originOf(next, false));
  }

  async remove(id: string): Promise<{ removed: string }> {
    const folder = await editableModelFolder(id, this.where(), 'delete');
    await fsp.rm(folder, { recursive: true });
    this.emit(this.changeListeners, { reason: 'removed', id: folder });
    return { removed: folder };
  }

  async exportTaming(id: string, outDir: string): Promise<{ checkpoint: string; config: string; tensors: number; bytes: number }> {
    if (!path.isAbsolute(outDir)) throw new ModelAccessError(`Export needs an absolute folder path (got ${JSON.stringify(outDir)}).`);
    const known = (await this.registry()).models.find((m) => m.id === id);
    if (!known) throw new ModelAccessError(`No model with id ${JSON.stringify(id)}: use an id from models.registry.`);
    const rel = path.relative(known.id, path.resolve(outDir));
    if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) {
      throw new ModelAccessError(`Choose an export folder outside the bundle itself (${known.id}).`);
    }
    const r = await exportTamingCheckpoint(known.id, outDir);
    return { checkpoint: r.checkpoint, config: r.config, tensors: r.tensors, bytes: r.bytes };
  }

  async close(): Promise<void> {
    for (const [, job] of this.imports) job.controller.abort();
    await Promise.all([...this.imports.values()].map((j) => j.done));
    await this.uploads.close();
  }
}
