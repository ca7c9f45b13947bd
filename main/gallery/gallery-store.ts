// The gallery: PNG files in the library's images folder (the truth) indexed by a better-sqlite3
// database in the user-data folder (a cache that `rescan()` can rebuild from the PNGs' own
// `tessera` records).
//
// Write order: the PNG is written atomically first (temp + fsync + rename), then the row is
// inserted. A failure between the two leaves an orphan PNG — never a row without a file — and
// rescan adopts it. Delete order: the PNG is renamed to a hidden trash name, the row deleted, the
// trash unlinked; if the row cannot be deleted the file is renamed back.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { GenerationRecord } from '../../preload/generation-record';
import type {
  GalleryChange, GalleryFacets, GalleryItem, GalleryQuery, GalleryQueryResult, GalleryRescanReport, GallerySummary,
} from '../../preload/gallery-types';
import { isAtomicTempFile, writeFileAtomic } from '../services/atomic-write';
import { isProcessAlive } from '../../native-models/training/run';
import type { RgbImage } from './png-record';
import { encodePng, parseGenerationRecord, readGenerationRecord, stripPngMetadata, withGenerationRecord } from './png-record';
import { compileQuery } from './gallery-query';
import { migrate, MIGRATIONS } from './migrations';
import type { Migration } from './migrations';
import type { SqliteDatabase, SqliteModuleLoader } from './sqlite-loader';
import { GalleryUnavailableError, loadSqlite } from './sqlite-loader';
import { makeThumbnail, THUMBNAIL_DEFAULT, THUMBNAIL_MAX, THUMBNAIL_MIN } from './thumbnails';

export { GalleryUnavailableError } from './sqlite-loader';

const TRASH_SUFFIX = '.tessera-deleting';

export interface GalleryStoreOptions {
  /** SQLite file, normally `<userData>/gallery.sqlite`. */
  databasePath: string;
  /** Folder of the PNGs, normally `<library>/images`. Created if missing. */
  imagesDir: string;
  /** Schema steps (tests pass a prefix to simulate an older database). */
  migrations?: readonly Migration[];
  /** Module loader for better-sqlite3 (tests simulate a broken binary). */
  loadModule?: SqliteModuleLoader;
  /** Fault injection for crash-safety tests: called after the PNG is on disk, before the row. */
  faults?: { afterPngWrite?: (filePath: string) => void };
}

export interface GalleryOpenReport {
  /** Migration versions applied on open. */
  migrated: number[];
  /** Where a corrupt database was moved before a fresh one was built (then rescanned). */
  quarantined: string | null;
  rescan: GalleryRescanReport | null;
}

/** An exported PNG: suggested file name and bytes (metadata stripped when asked). */
export interface ExportedPng {
  fileName: string;
  bytes: Buffer;
}

export class GalleryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GalleryError';
  }
}

interface ImageRow {
  id: string;
  file_name: string;
  created_at: string;
  created_ms: number;
  model_id: string;
  model_name: string | null;
  model_sha256: string;
  mode: string;
  seed: number;
  width: number;
  height: number;
  temperature: number;
  top_k: number | null;
  top_p: number | null;
  greedy: number;
  execution_provider: string;
  app_version: string;
  total_ms: number;
  classes_used: string;
  record_json: string;
  file_size: number;
  starred: number;
  notes: string;
  indexed_at: string;
}

const SUMMARY_COLUMNS = `id, file_name, created_at, created_ms, model_id, model_name, model_sha256, mode, seed, width, height,
  temperature, top_k, top_p, greedy, execution_provider, app_version, total_ms, classes_used, file_size, starred, notes`;

function toSummary(row: Omit<ImageRow, 'record_json' | 'indexed_at'>): GallerySummary {
  return {
    id: row.id,
    fileName: row.file_name,
    createdAt: row.created_at,
    modelId: row.model_id,
    modelName: row.model_name,
    modelSha256: row.model_sha256,
    mode: row.mode as GallerySummary['mode'],
    seed: row.seed,
    width: row.width,
    height: row.height,
    temperature: row.temperature,
    topK: row.top_k,
    topP: row.top_p,
    greedy: row.greedy === 1,
    executionProvider: row.execution_provider,
    totalMs: row.total_ms,
    classesUsed: JSON.parse(row.classes_used) as string[],
    starred: row.starred === 1,
    notes: row.notes,
    fileSize: row.file_size,
  };
}

/** A gallery id is a PNG file name without `.png`: no separators, no leading dot. */
export function checkGalleryId(id: unknown): string {
  if (typeof id !== 'string' || id.length === 0 || id.length > 200 || /[/\\\0]/.test(id) || id.startsWith('.')) {
    throw new GalleryError(`Invalid gallery id ${JSON.stringify(id)}: ids are PNG file names without ".png".`);
  }
  return id;
}

function isNotADatabase(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') return true;
  }
  return false;
}

/** `20261128-150102-345-s42-a1b2c3` */
function newFileStem(record: GenerationRecord): string {
  const d = new Date(record.createdAt);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}-${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}-${pad(d.getUTCMilliseconds(), 3)}`;
  return `${stamp}-s${record.seed}-${randomBytes(3).toString('hex')}`;
}

type Listener = (change: GalleryChange) => void;

export class GalleryStore {
  readonly databasePath: string;
  readonly imagesDir: string;
  readonly openReport: GalleryOpenReport;
  private readonly db: SqliteDatabase;
  private readonly faults: GalleryStoreOptions['faults'];
  private readonly listeners = new Set<Listener>();
  private closed = false;

  private constructor(db: SqliteDatabase, options: GalleryStoreOptions, report: GalleryOpenReport) {
    this.db = db;
    this.databasePath = options.databasePath;
    this.imagesDir = options.imagesDir;
    this.faults = options.faults;
    this.openReport = report;
  }

  /**
   * Open (or create) the gallery. Throws GalleryUnavailableError with a clear message when
   * better-sqlite3 cannot be loaded. A corrupt database file is quarantined beside itself and the
   * index rebuilt from the PNGs.
   */
  static async open(options: GalleryStoreOptions): Promise<GalleryStore> {
    const Database = await loadSqlite(options.loadModule);
    fs.mkdirSync(path.dirname(options.databasePath), { recursive: true });
    fs.mkdirSync(options.imagesDir, { recursive: true });
    const migrations = options.migrations ?? MIGRATIONS;
    const openDb = (): { db: SqliteDatabase; migrated: number[] } => {
      const db = new Database(options.databasePath, { timeout: 5000 });
      try {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        db.pragma('foreign_keys = ON');
        return { db, migrated: migrate(db, migrations) };
      } catch (err) {
        db.close();
        throw err;
      }
    };
    let opened: { db: SqliteDatabase; migrated: number[] };
    let quarantined: string | null = null;
    try {
      opened = openDb();
    } catch (err) {
      if (!isNotADatabase(err)) {
        if (err instanceof GalleryUnavailableError) throw err;
        throw new GalleryUnavailableError(`The gallery database ${options.databasePath} could not be opened: ${(err as Error).message}`, { cause: err });
      }
      quarantined = `${options.databasePath}.corrupt-${Date.now()}`;
      fs.renameSync(options.databasePath, quarantined);
      for (const side of ['-wal', '-shm']) fs.rmSync(options.databasePath + side, { force: true });
      opened = openDb();
    }
    const store = new GalleryStore(opened.db, options, { migrated: opened.migrated, quarantined, rescan: null });
    if (quarantined) store.openReport.rescan = await store.rescan();
    return store;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    this.db.close();
  }

  /** Subscribe to changes; returns the unsubscribe function. */
  onDidChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: GalleryChange): void {
    for (const l of this.listeners) {
      try {
        l(change);
      } catch {
        /* a listener's failure is not the store's */
      }
    }
  }

  schemaVersion(): number {
    const row = this.db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
    return row.v ?? 0;
  }

  filePath(fileName: string): string {
    return path.join(this.imagesDir, fileName);
  }

  // -------------------------------------------------------------------------------------------
  // Adding.

  private insertRow(id: string, fileName: string, record: GenerationRecord, fileSize: number, starred = false, notes = ''): void {
    this.db.prepare(`INSERT INTO images (id, file_name, created_at, created_ms, model_id, model_name, model_sha256, mode, seed,
        width, height, temperature, top_k, top_p, greedy, execution_provider, app_version, total_ms, classes_used, record_json,
        file_size, starred, notes, indexed_at)
      VALUES (@id, @file_name, @created_at, @created_ms, @model_id, @model_name, @model_sha256, @mode, @seed, @width, @height,
        @temperature, @top_k, @top_p, @greedy, @execution_provider, @app_version, @total_ms, @classes_used, @record_json,
        @file_size, @starred, @notes, @indexed_at)`).run({
      id,
      file_name: fileName,
      created_at: record.createdAt,
      created_ms: Date.parse(record.createdAt),
      model_id: record.model.id,
      model_name: record.model.name ?? null,
      model_sha256: record.model.sha256,
      mode: record.mode,
      seed: record.seed,
      width: record.size.width,
      height: record.size.height,
      temperature: record.sampler.temperature,
      top_k: record.sampler.topK,
      top_p: record.sampler.topP,
      greedy: record.sampler.greedy ? 1 : 0,
      execution_provider: record.executionProvider,
      app_version: record.appVersion,
      total_ms: record.timings.totalMs,
      classes_used: JSON.stringify(record.classesUsed ?? []),
      record_json: JSON.stringify(record),
      file_size: fileSize,
      starred: starred ? 1 : 0,
      notes,
      indexed_at: new Date().toISOString(),
    });
  }

  /**
   * Save a result: PNG bytes (e.g. from the worker) plus its record. The record is embedded in the
   * PNG (replacing any there); without `record`, the PNG must already carry one.
   */
  async add(png: Uint8Array, record?: GenerationRecord): Promise<GalleryItem> {
    let rec: GenerationRecord;
    let bytes: Buffer;
    if (record) {
      rec = parseGenerationRecord(record);
      bytes = withGenerationRecord(png, rec);
    } else {
      const found = readGenerationRecord(png);
      if (!found) throw new GalleryError('This PNG carries no Tessera generation record; pass the record to add().');
      rec = found;
      bytes = Buffer.from(png);
    }
    const id = newFileStem(rec);
    const fileName = `${id}.png`;
    const file = this.filePath(fileName);
    await writeFileAtomic(file, bytes, { exclusive: true });
    this.faults?.afterPngWrite?.(file);
    this.insertRow(id, fileName, rec, bytes.length);
    this.emit({ kind: 'added', ids: [id] });
    return this.mustGet(id);
  }

  /** Encode pixels with their record and save them (see add). */
  async addImage(image: RgbImage, record: GenerationRecord): Promise<GalleryItem> {
    return this.add(encodePng(image, { record }), record);
  }

  // -------------------------------------------------------------------------------------------
  // Reading.

  private row(id: string): ImageRow | undefined {
    return this.db.prepare('SELECT * FROM images WHERE id = ?').get(checkGalleryId(id)) as ImageRow | undefined;
  }

  /** The full entry, or null. A row whose file vanished is dropped (and null returned). */
  get(id: string): GalleryItem | null {
    const row = this.row(id);
    if (!row) return null;
    const file = this.filePath(row.file_name);
    if (!fs.existsSync(file)) {
      this.db.prepare('DELETE FROM images WHERE id = ?').run(row.id);
      this.emit({ kind: 'removed', ids: [row.id] });
      return null;
    }
    return { ...toSummary(row), record: JSON.parse(row.record_json) as GenerationRecord, filePath: file };
  }

  private mustGet(id: string): GalleryItem {
    const item = this.get(id);
    if (!item) throw new GalleryError(`No gallery entry "${id}" (it may have been deleted).`);
    return item;
  }

  query(query: GalleryQuery = {}): GalleryQueryResult {
    const q = compileQuery(query);
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM images ${q.where}`).get(...q.params) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT ${SUMMARY_COLUMNS} FROM images ${q.where} ${q.orderBy} LIMIT ? OFFSET ?`)
      .all(...q.params, q.limit, q.offset) as ImageRow[];
    return { items: rows.map(toSummary), total };
  }

  /** What the filter controls can offer: modes and models present, date span. */
  facets(): GalleryFacets {
    const modes = (this.db.prepare('SELECT DISTINCT mode FROM images ORDER BY mode').all() as { mode: string }[]).map((r) => r.mode);
    const models = this.db
      .prepare('SELECT model_id AS id, MAX(model_name) AS name, COUNT(*) AS count FROM images GROUP BY model_id ORDER BY model_id')
      .all() as { id: string; name: string | null; count: number }[];
    const span = this.db.prepare('SELECT MIN(created_ms) AS lo, MAX(created_ms) AS hi, COUNT(*) AS n FROM images').get() as {
      lo: number | null; hi: number | null; n: number;
    };
    return {
      modes: modes as GalleryFacets['modes'],
      models,
      oldest: span.lo === null ? null : new Date(span.lo).toISOString(),
      newest: span.hi === null ? null : new Date(span.hi).toISOString(),
      total: span.n,
    };
  }

  /** The PNG bytes as stored (record included). */
  readPng(id: string): Buffer {
    const item = this.mustGet(id);
    return fs.readFileSync(item.filePath);
  }

  // -------------------------------------------------------------------------------------------
  // Editing.

  setStar(id: string, starred: boolean): GallerySummary {
    const r = this.db.prepare('UPDATE images SET starred = ? WHERE id = ?').run(starred ? 1 : 0, checkGalleryId(id));
    if (r.changes === 0) throw new GalleryError(`No gallery entry "${id}" to star.`);
    this.emit({ kind: 'updated', ids: [id] });
    return this.mustGet(id);
  }

  setNotes(id: string, notes: string): GallerySummary {
    if (typeof notes !== 'string' || notes.length > 20_000) throw new GalleryError('Notes must be text of at most 20,000 characters.');
    const r = this.db.prepare('UPDATE images SET notes = ? WHERE id = ?').run(notes, checkGalleryId(id));
    if (r.changes === 0) throw new GalleryError(`No gallery entry "${id}" to annotate.`);
    this.emit({ kind: 'updated', ids: [id] });
    return this.mustGet(id);
  }

  /** Delete the PNG and its row. Returns false when there was no such entry. */
  remove(id: string): boolean {
    const row = this.row(id);
    if (!row) return false;
    const file = this.filePath(row.file_name);
    const trash = path.join(this.imagesDir, `.${row.file_name}.${randomBytes(3).toString('hex')}${TRASH_SUFFIX}`);
    const hadFile = fs.existsSync(file);
    if (hadFile) fs.renameSync(file, trash);
    try {
      this.db.prepare('DELETE FROM images WHERE id = ?').run(row.id);
    } catch (err) {
      if (hadFile) fs.renameSync(trash, file);
      throw err;
    }
    if (hadFile) fs.rmSync(trash, { force: true });
    this.emit({ kind: 'removed', ids: [row.id] });
    return true;
  }

  // -------------------------------------------------------------------------------------------
  // Thumbnails and export.

  /** A small PNG (longest side `size`, clamped to 16..1024), cached in the database. */
  async thumbnail(id: string, size = THUMBNAIL_DEFAULT): Promise<Buffer> {
    const px = Math.min(THUMBNAIL_MAX, Math.max(THUMBNAIL_MIN, Math.round(size)));
    const item = this.mustGet(id);
    const stat = fs.statSync(item.filePath);
    const mtime = Math.floor(stat.mtimeMs);
    const cached = this.db
      .prepare('SELECT png FROM thumbnails WHERE image_id = ? AND size = ? AND source_mtime = ? AND source_size = ?')
      .get(item.id, px, mtime, stat.size) as { png: Buffer } | undefined;
    if (cached) return cached.png;
    const png = await makeThumbnail(fs.readFileSync(item.filePath), px);
    if (this.row(item.id)) {
      this.db
        .prepare('INSERT OR REPLACE INTO thumbnails (image_id, size, source_mtime, source_size, png) VALUES (?, ?, ?, ?, ?)')
        .run(item.id, px, mtime, stat.size, png);
    }
    return png;
  }

  /** The PNG for export, with or without its metadata (pixels identical either way). */
  exportPng(id: string, withMetadata: boolean): ExportedPng {
    const item = this.mustGet(id);
    const bytes = fs.readFileSync(item.filePath);
    return { fileName: item.fileName, bytes: withMetadata ? bytes : stripPngMetadata(bytes) };
  }

  /** Export straight to a file (atomic). Returns the path written. */
  async exportPngToFile(id: string, destination: string, withMetadata: boolean): Promise<string> {
    const { bytes } = this.exportPng(id, withMetadata);
    await writeFileAtomic(destination, bytes);
    return destination;
  }

  // -------------------------------------------------------------------------------------------
  // Rescan.

  /**
   * What a process killed mid-write leaves in the images folder: an atomic-write temp file (the PNG never
   * got its final name, so it was never acknowledged) or a file renamed for deletion whose row is gone.
   * Temp files of a writer that is still alive are left alone.
   */
  private removeLeftovers(names: readonly string[]): void {
    const live = new Set((this.db.prepare('SELECT file_name FROM images').all() as { file_name: string }[]).map((r) => r.file_name));
    for (const name of names) {
      let stale = false;
      if (isAtomicTempFile(name)) {
        const pid = Number(/\.(\d+)\.[0-9a-f]+\.tessera-tmp$/.exec(name)?.[1]);
        stale = !isProcessAlive(pid);
      } else if (name.endsWith(TRASH_SUFFIX)) {
        const original = /^\.(.+\.png)\.[0-9a-f]+\.tessera-deleting$/i.exec(name)?.[1];
        stale = original !== undefined && !live.has(original);
      }
      if (stale) fs.rmSync(path.join(this.imagesDir, name), { force: true });
    }
  }

  /**
   * Rebuild the index from the images folder: rows whose file is missing are removed; PNGs
   * without a row are indexed from their own `tessera` record (star and notes of existing rows are
   * kept). Files without a record or that fail to parse are listed in `skipped`.
   */
  async rescan(): Promise<GalleryRescanReport> {
    const started = performance.now();
    const entries = await fs.promises.readdir(this.imagesDir, { withFileTypes: true });
    const pngs = new Set(
      entries
        .filter((e) => e.isFile() && /\.png$/i.test(e.name) && !e.name.startsWith('.') && !isAtomicTempFile(e.name))
        .map((e) => e.name),
    );
    const rows = this.db.prepare('SELECT id, file_name FROM images').all() as { id: string; file_name: string }[];
    const removed: string[] = [];
    const known = new Set<string>();
    for (const r of rows) {
      if (pngs.has(r.file_name)) known.add(r.file_name);
      else removed.push(r.id);
    }
    const added: string[] = [];
    const skipped: GalleryRescanReport['skipped'] = [];
    const toAdd: { id: string; fileName: string; record: GenerationRecord; size: number }[] = [];
    const takenIds = new Set(rows.map((r) => r.id));
    for (const fileName of [...pngs].sort()) {
      if (known.has(fileName)) continue;
      const id = fileName.replace(/\.png$/i, '');
      try {
        checkGalleryId(id);
        if (takenIds.has(id) && !removed.includes(id)) throw new GalleryError(`another file already uses the id "${id}"`);
        const bytes = await fs.promises.readFile(this.filePath(fileName));
        const record = readGenerationRecord(bytes);
        if (!record) {
          skipped.push({ fileName, reason: 'no Tessera generation record in this PNG' });
          continue;
        }
        toAdd.push({ id, fileName, record, size: bytes.length });
      } catch (err) {
        skipped.push({ fileName, reason: (err as Error).message });
      }
    }
    this.db.transaction(() => {
      const del = this.db.prepare('DELETE FROM images WHERE id = ?');
      for (const id of removed) del.run(id);
      for (const a of toAdd) {
        this.insertRow(a.id, a.fileName, a.record, a.size);
        added.push(a.id);
      }
    })();
    this.removeLeftovers(entries.map((e) => e.name));
    const report: GalleryRescanReport = {
      added, removed, kept: known.size, skipped, durationMs: performance.now() - started,
    };
    this.emit({ kind: 'rescanned', report });
    return report;
  }
}
