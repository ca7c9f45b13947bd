import { afterEach, describe, expect, it } from 'vitest';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { GalleryStore } from '../../../main/gallery/gallery-store';
import { migrate, MigrationError, MIGRATIONS } from '../../../main/gallery/migrations';
import { makeImage, makeRecord, tempDir } from './helpers';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function setup() {
  const tmp = tempDir();
  cleanups.push(tmp.cleanup);
  return { databasePath: path.join(tmp.dir, 'gallery.sqlite'), imagesDir: path.join(tmp.dir, 'images') };
}

describe('gallery migrations', () => {
  it('upgrades a version-1 database in place, keeping its rows', async () => {
    const opts = setup();
    const old = await GalleryStore.open({ ...opts, migrations: MIGRATIONS.slice(0, 1) });
    expect(old.schemaVersion()).toBe(1);
    const item = await old.addImage(makeImage(1), makeRecord({ seed: 123 }));
    old.setNotes(item.id, 'from v1');
    old.close();

    const store = await GalleryStore.open(opts);
    cleanups.unshift(() => store.close());
    expect(store.openReport.migrated).toEqual([2]);
    expect(store.schemaVersion()).toBe(2);
    expect(store.get(item.id)).toMatchObject({ seed: 123, notes: 'from v1' });
    expect((await store.thumbnail(item.id, 32)).length).toBeGreaterThan(0); // table from step 2 works
  });

  it('records each step once with its name, and is idempotent', () => {
    const db = new Database(':memory:');
    expect(migrate(db)).toEqual([1, 2]);
    expect(migrate(db)).toEqual([]);
    const rows = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
    expect(rows).toEqual([{ version: 1, name: 'images' }, { version: 2, name: 'thumbnail-cache' }]);
    expect(db.pragma('journal_mode', { simple: true })).toBe('memory');
    db.close();
  });

  it('uses WAL on a file database', async () => {
    const opts = setup();
    const store = await GalleryStore.open(opts);
    store.close();
    const db = new Database(opts.databasePath, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('refuses a database from a newer app instead of downgrading it', () => {
    const db = new Database(':memory:');
    migrate(db);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (3, ?, ?)').run('future', new Date().toISOString());
    expect(() => migrate(db)).toThrow(MigrationError);
    expect(() => migrate(db)).toThrow(/schema version 3, newer than this app understands \(2\)/);
    db.close();
  });

  it('rolls back a failing step and names it', () => {
    const db = new Database(':memory:');
    const broken = [...MIGRATIONS, { version: 3, name: 'broken-step', up: (d: Database.Database) => { d.exec('CREATE TABLE t (x)'); d.exec('NOT SQL'); } }];
    expect(() => migrate(db, broken)).toThrow(/migration 3 \(broken-step\) failed/);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 't'").get()).toBeUndefined();
    expect(db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get()).toEqual({ v: 2 });
    db.close();
  });
});
