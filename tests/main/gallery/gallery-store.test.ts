import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { GalleryStore, GalleryUnavailableError } from '../../../main/gallery/gallery-store';
import { encodePng, readGenerationRecord, writePngFileSync } from '../../../main/gallery/png-record';
import { makeImage, makeRecord, tempDir } from './helpers';

let tmp: ReturnType<typeof tempDir>;
let store: GalleryStore;
let imagesDir: string;
let databasePath: string;

beforeEach(async () => {
  tmp = tempDir();
  imagesDir = path.join(tmp.dir, 'library', 'images');
  databasePath = path.join(tmp.dir, 'userData', 'gallery.sqlite');
  store = await GalleryStore.open({ databasePath, imagesDir });
});

afterEach(() => {
  store.close();
  tmp.cleanup();
});

function pngFiles(): string[] {
  return fs.readdirSync(imagesDir).filter((f) => f.endsWith('.png')).sort();
}

async function seedGallery(): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  const specs = [
    { key: 'beach', mode: 'semantic', modelId: 'sflckr-tiny', modelName: 'S-FLCKR tiny', seed: 11, createdAt: '2026-01-05T10:00:00Z', classes: ['sea', 'sand', 'sky-other'], totalMs: 900 },
    { key: 'forest', mode: 'semantic', modelId: 'sflckr-tiny', seed: 22, createdAt: '2026-03-05T10:00:00Z', classes: ['tree', 'grass'], totalMs: 300 },
    { key: 'sketch', mode: 'edge', modelId: 'edges-tiny', seed: 33, createdAt: '2026-05-05T10:00:00Z', totalMs: 600 },
    { key: 'dancer', mode: 'pose', modelId: 'deepfashion-pose', seed: 44, createdAt: '2026-07-05T10:00:00Z', totalMs: 100 },
  ] as const;
  for (const s of specs) {
    const item = await store.addImage(makeImage(s.seed), makeRecord({ ...s, classes: 'classes' in s ? [...s.classes] : undefined }));
    ids[s.key] = item.id;
  }
  return ids;
}

describe('GalleryStore basics', () => {
  it('creates the database with WAL and all migrations', () => {
    expect(fs.existsSync(databasePath)).toBe(true);
    expect(store.schemaVersion()).toBe(2);
    expect(store.openReport.migrated).toEqual([1, 2]);
  });

  it('add writes the PNG (record embedded) and the row; get returns every parameter', async () => {
    const record = makeRecord({ seed: 7, classes: ['sky-other'] });
    const item = await store.addImage(makeImage(7), record);
    expect(pngFiles()).toEqual([item.fileName]);
    const bytes = fs.readFileSync(item.filePath);
    expect(readGenerationRecord(bytes)).toEqual(record);
    const got = store.get(item.id);
    expect(got?.record).toEqual(record);
    expect(got).toMatchObject({ seed: 7, mode: 'semantic', modelId: 'sflckr-tiny', width: 8, height: 6, topK: 100, topP: 0.95, starred: false, notes: '', classesUsed: ['sky-other'], fileSize: bytes.length });
    expect(PNG.sync.read(store.readPng(item.id)).width).toBe(8);
  });

  it('add() accepts worker PNG bytes plus a record, and a PNG that already carries one', async () => {
    const a = await store.add(encodePng(makeImage(1)), makeRecord({ seed: 1 }));
    const b = await store.add(encodePng(makeImage(2), { record: makeRecord({ seed: 2 }) }));
    expect([a.seed, b.seed]).toEqual([1, 2]);
    await expect(store.add(encodePng(makeImage(3)))).rejects.toThrow(/no Tessera generation record/);
  });

  it('rejects ids that could escape the images folder', () => {
    expect(() => store.get('../gallery')).toThrow(/Invalid gallery id/);
    expect(() => store.get('.hidden')).toThrow(/Invalid gallery id/);
  });
});

describe('search, filters, sort', () => {
  it('searches model, mode, notes, class names and seed', async () => {
    const ids = await seedGallery();
    const find = (text: string) => store.query({ text }).items.map((i) => i.id).sort();
    expect(find('edges')).toEqual([ids.sketch]);
    expect(find('FLCKR')).toEqual([ids.beach, ids.forest].sort());
    expect(find('pose')).toEqual([ids.dancer]);
    expect(find('sand')).toEqual([ids.beach]);
    expect(find('44')).toEqual([ids.dancer]);
    store.setNotes(ids.forest!, 'Keep this one — misty morning');
    expect(find('misty')).toEqual([ids.forest]);
    expect(find('misty semantic')).toEqual([ids.forest]);
    expect(find('misty edge')).toEqual([]);
    expect(find('100%')).toEqual([]); // LIKE wildcards are literal
  });

  it('filters by mode, model, date range and star', async () => {
    const ids = await seedGallery();
    const q = (query: Parameters<GalleryStore['query']>[0]) => store.query(query).items.map((i) => i.id).sort();
    expect(q({ modes: ['edge', 'pose'] })).toEqual([ids.sketch, ids.dancer].sort());
    expect(q({ modelIds: ['sflckr-tiny'] })).toEqual([ids.beach, ids.forest].sort());
    expect(q({ from: '2026-02-01T00:00:00Z', to: '2026-06-01T00:00:00Z' })).toEqual([ids.forest, ids.sketch].sort());
    expect(q({ from: Date.parse('2026-06-01T00:00:00Z') })).toEqual([ids.dancer]);
    store.setStar(ids.beach!, true);
    expect(q({ starred: true })).toEqual([ids.beach]);
    expect(q({ starred: false })).toHaveLength(3);
    expect(q({ starred: true, modes: ['edge'] })).toEqual([]);
    expect(() => store.query({ from: 'yesterday-ish' })).toThrow(/ISO date/);
  });

  it('sorts and pages', async () => {
    const ids = await seedGallery();
    expect(store.query().items.map((i) => i.id)).toEqual([ids.dancer, ids.sketch, ids.forest, ids.beach]);
    expect(store.query({ order: 'asc' }).items[0]!.id).toBe(ids.beach);
    expect(store.query({ sort: 'duration', order: 'asc' }).items.map((i) => i.totalMs)).toEqual([100, 300, 600, 900]);
    expect(store.query({ sort: 'seed', order: 'desc' }).items.map((i) => i.seed)).toEqual([44, 33, 22, 11]);
    const page = store.query({ limit: 2, offset: 1 });
    expect(page.total).toBe(4);
    expect(page.items.map((i) => i.id)).toEqual([ids.sketch, ids.forest]);
    const facets = store.facets();
    expect(facets.modes).toEqual(['edge', 'pose', 'semantic']);
    expect(facets.models.find((m) => m.id === 'sflckr-tiny')).toEqual({ id: 'sflckr-tiny', name: 'S-FLCKR tiny', count: 2 });
    expect(facets.total).toBe(4);
  });
});

describe('star, notes, delete, events', () => {
  it('stars and annotates, emitting change events', async () => {
    const changes: string[] = [];
    store.onDidChange((c) => changes.push(c.kind));
    const item = await store.addImage(makeImage(1), makeRecord());
    expect(store.setStar(item.id, true).starred).toBe(true);
    expect(store.setNotes(item.id, 'ünïcode ✓').notes).toBe('ünïcode ✓');
    expect(store.get(item.id)).toMatchObject({ starred: true, notes: 'ünïcode ✓' });
    expect(changes).toEqual(['added', 'updated', 'updated']);
    expect(() => store.setStar('missing-id', true)).toThrow(/No gallery entry/);
  });

  it('delete removes the file and the row', async () => {
    const keep = await store.addImage(makeImage(1), makeRecord({ seed: 1 }));
    const gone = await store.addImage(makeImage(2), makeRecord({ seed: 2 }));
    expect(store.remove(gone.id)).toBe(true);
    expect(fs.existsSync(gone.filePath)).toBe(false);
    expect(store.get(gone.id)).toBeNull();
    expect(pngFiles()).toEqual([keep.fileName]);
    expect(fs.readdirSync(imagesDir)).toEqual([keep.fileName]); // no trash left behind
    expect(store.remove(gone.id)).toBe(false);
  });
});

describe('rescan', () => {
  it('rebuilds the index from the PNGs alone', async () => {
    const ids = await seedGallery();
    store.setStar(ids.beach!, true);
    // Lose a file behind the store's back, drop in a PNG written by another process, and junk.
    fs.rmSync(path.join(imagesDir, `${ids.sketch}.png`));
    writePngFileSync(path.join(imagesDir, 'imported-by-hand.png'), makeImage(9), makeRecord({ seed: 999, mode: 'depth', modelId: 'depth-tiny' }));
    fs.writeFileSync(path.join(imagesDir, 'not-ours.png'), encodePng(makeImage(5)));
    fs.writeFileSync(path.join(imagesDir, 'broken.png'), Buffer.from('definitely not a png'));
    fs.writeFileSync(path.join(imagesDir, '.x.png.123.tessera-tmp'), Buffer.from('half-written'));

    const report = await store.rescan();
    expect(report.removed).toEqual([ids.sketch]);
    expect(report.added).toEqual(['imported-by-hand']);
    expect(report.kept).toBe(3);
    expect(report.skipped.map((s) => s.fileName).sort()).toEqual(['broken.png', 'not-ours.png']);
    expect(report.skipped.find((s) => s.fileName === 'broken.png')?.reason).toMatch(/signature/);
    expect(store.get('imported-by-hand')).toMatchObject({ seed: 999, mode: 'depth', modelId: 'depth-tiny' });
    expect(store.get(ids.beach!)?.starred).toBe(true); // existing rows keep star and notes
    expect(store.query().total).toBe(4);
  });

  it('recreates a deleted database from the images folder', async () => {
    const ids = await seedGallery();
    store.close();
    for (const f of fs.readdirSync(path.dirname(databasePath))) fs.rmSync(path.join(path.dirname(databasePath), f));
    store = await GalleryStore.open({ databasePath, imagesDir });
    expect(store.query().total).toBe(0);
    const report = await store.rescan();
    expect(report.added.sort()).toEqual(Object.values(ids).sort());
    expect(store.query({ text: 'sand' }).items.map((i) => i.id)).toEqual([ids.beach]);
    expect(store.get(ids.dancer!)?.record.mode).toBe('pose');
  });
});

describe('crash safety', () => {
  it('a failure between the PNG write and the row insert never leaves a row without a file; rescan adopts the orphan', async () => {
    store.close();
    let armed = true;
    store = await GalleryStore.open({
      databasePath, imagesDir,
      faults: { afterPngWrite: () => { if (armed) throw new Error('injected crash after the PNG write'); } },
    });
    await expect(store.addImage(makeImage(5), makeRecord({ seed: 5 }))).rejects.toThrow(/injected crash/);
    expect(store.query().total).toBe(0);
    expect(pngFiles()).toHaveLength(1);
    for (const item of store.query().items) expect(fs.existsSync(path.join(imagesDir, item.fileName))).toBe(true);
    armed = false;
    const report = await store.rescan();
    expect(report.added).toHaveLength(1);
    expect(store.get(report.added[0]!)?.seed).toBe(5);
  });

  it('a failure during the PNG write leaves no row', async () => {
    // The images folder turns into a plain file: the atomic write cannot even create its temp file.
    fs.rmSync(imagesDir, { recursive: true });
    fs.writeFileSync(imagesDir, 'in the way');
    await expect(store.addImage(makeImage(6), makeRecord({ seed: 6 }))).rejects.toThrow();
    expect(store.query().total).toBe(0);
    fs.rmSync(imagesDir);
    fs.mkdirSync(imagesDir);
  });
});

describe('thumbnails and export', () => {
  it('makes a small cached PNG thumbnail', async () => {
    const item = await store.addImage(makeImage(3, 300, 200), { ...makeRecord(), size: { width: 300, height: 200 } });
    const thumb = await store.thumbnail(item.id, 64);
    const decoded = PNG.sync.read(thumb);
    expect([decoded.width, decoded.height]).toEqual([64, 43]);
    expect(Buffer.compare(await store.thumbnail(item.id, 64), thumb)).toBe(0);
    const small = PNG.sync.read(await store.thumbnail(item.id, 1024));
    expect([small.width, small.height]).toEqual([300, 200]); // never enlarged
  });

  it('exports with or without metadata, pixels identical', async () => {
    const item = await store.addImage(makeImage(4), makeRecord({ seed: 4 }));
    const withMeta = store.exportPng(item.id, true);
    const without = store.exportPng(item.id, false);
    expect(readGenerationRecord(withMeta.bytes)?.seed).toBe(4);
    expect(readGenerationRecord(without.bytes)).toBeNull();
    expect(Buffer.compare(PNG.sync.read(Buffer.from(without.bytes)).data, PNG.sync.read(Buffer.from(withMeta.bytes)).data)).toBe(0);
    const dest = path.join(tmp.dir, 'export', 'out.png');
    await store.exportPngToFile(item.id, dest, false);
    expect(readGenerationRecord(fs.readFileSync(dest))).toBeNull();
  });
});

describe('failure to load or open', () => {
  it('reports a missing better-sqlite3 binary clearly instead of crashing', async () => {
    const err = await GalleryStore.open({
      databasePath: path.join(tmp.dir, 'x.sqlite'), imagesDir,
      loadModule: () => Promise.reject(new Error('The module was compiled against a different Node.js version using NODE_MODULE_VERSION 127')),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GalleryUnavailableError);
    expect((err as Error).message).toMatch(/better-sqlite3's native module could not be loaded.*install-app-deps/s);
  });

  it('quarantines a corrupt database and rebuilds it from the PNGs', async () => {
    const item = await store.addImage(makeImage(8), makeRecord({ seed: 8 }));
    store.close();
    for (const side of ['-wal', '-shm']) fs.rmSync(databasePath + side, { force: true });
    fs.writeFileSync(databasePath, Buffer.alloc(8192, 0x5a));
    store = await GalleryStore.open({ databasePath, imagesDir });
    expect(store.openReport.quarantined).toMatch(/gallery\.sqlite\.corrupt-\d+$/);
    expect(fs.existsSync(store.openReport.quarantined!)).toBe(true);
    expect(store.openReport.rescan?.added).toEqual([item.id]);
    expect(store.get(item.id)?.seed).toBe(8);
  });
});
