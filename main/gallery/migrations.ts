// Numbered schema migrations for the gallery database. Each step runs once, inside a
// transaction, and is recorded in `schema_migrations`. Steps are append-only: never edit a
// released step, add a new one.

import type { SqliteDatabase } from './sqlite-loader';

export interface Migration {
  version: number;
  name: string;
  up: (db: SqliteDatabase) => void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'images',
    up: (db) => {
      db.exec(`
        CREATE TABLE images (
          id                 TEXT PRIMARY KEY,
          file_name          TEXT NOT NULL UNIQUE,
          created_at         TEXT NOT NULL,
          created_ms         INTEGER NOT NULL,
          model_id           TEXT NOT NULL,
          model_name         TEXT,
          model_sha256       TEXT NOT NULL,
          mode               TEXT NOT NULL,
          seed               INTEGER NOT NULL,
          width              INTEGER NOT NULL,
          height             INTEGER NOT NULL,
          temperature        REAL NOT NULL,
          top_k              INTEGER,
          top_p              REAL,
          greedy             INTEGER NOT NULL DEFAULT 0,
          execution_provider TEXT NOT NULL,
          app_version        TEXT NOT NULL,
          total_ms           REAL NOT NULL,
          classes_used       TEXT NOT NULL DEFAULT '[]',
          record_json        TEXT NOT NULL,
          file_size          INTEGER NOT NULL,
          starred            INTEGER NOT NULL DEFAULT 0,
          notes              TEXT NOT NULL DEFAULT '',
          indexed_at         TEXT NOT NULL
        );
        CREATE INDEX images_created ON images (created_ms);
        CREATE INDEX images_model ON images (model_id);
        CREATE INDEX images_mode ON images (mode);
      `);
    },
  },
  {
    version: 2,
    name: 'thumbnail-cache',
    up: (db) => {
      db.exec(`
        CREATE TABLE thumbnails (
          image_id     TEXT NOT NULL REFERENCES images (id) ON DELETE CASCADE,
          size         INTEGER NOT NULL,
          source_mtime INTEGER NOT NULL,
          source_size  INTEGER NOT NULL,
          png          BLOB NOT NULL,
          PRIMARY KEY (image_id, size)
        );
        CREATE INDEX images_starred ON images (starred, created_ms);
      `);
    },
  },
];

export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

export function currentSchemaVersion(db: SqliteDatabase): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  return row.v ?? 0;
}

/**
 * Bring the database up to the newest step in `migrations` (or `target`). Returns the versions
 * applied. A database written by a newer app (unknown version) is refused, never downgraded.
 */
export function migrate(db: SqliteDatabase, migrations: readonly Migration[] = MIGRATIONS, target?: number): number[] {
  for (let i = 0; i < migrations.length; i++) {
    if (migrations[i]!.version !== i + 1) {
      throw new MigrationError(`Migration list is malformed: step ${i} has version ${migrations[i]!.version}, expected ${i + 1}.`);
    }
  }
  const newest = migrations.length;
  const want = target ?? newest;
  const have = currentSchemaVersion(db);
  if (have > newest) {
    throw new MigrationError(
      `The gallery database has schema version ${have}, newer than this app understands (${newest}). ` +
        'It was written by a newer Tessera; update the app, or move the database aside and Rescan to rebuild it from the images.',
    );
  }
  const applied: number[] = [];
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const step of migrations) {
    if (step.version <= have || step.version > want) continue;
    try {
      db.transaction(() => {
        step.up(db);
        record.run(step.version, step.name, new Date().toISOString());
      })();
    } catch (err) {
      throw new MigrationError(`Gallery migration ${step.version} (${step.name}) failed: ${(err as Error).message}`, { cause: err });
    }
    applied.push(step.version);
  }
  return applied;
}
