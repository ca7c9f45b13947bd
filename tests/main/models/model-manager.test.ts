// The model manager on real files: the taming fixture checkpoints imported through the real importer,
// bundles in a temporary library and zoo, the real filesystem for the delete protections.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBundle, readManifest } from '../../../native-models/formats/bundle';
import { importTamingCheckpoint } from '../../../native-models/formats/import-taming';
import { ModelManager } from '../../../main/models/model-manager';
import { folderSize, originOf } from '../../../main/models/model-registry';
import type { ModelImportProgress } from '../../../preload/model-manager-types';

const FIXTURES = path.join(import.meta.dirname, '../../fixtures/taming');
let root = '';
let library = '';
let zoo = '';
let manager: ModelManager;
const models = () => path.join(library, 'models');

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-model-manager-'));
  library = path.join(root, 'library');
  zoo = path.join(root, 'zoo');
  await importTamingCheckpoint(path.join(FIXTURES, 'vqgan-f8-attn.ckpt'), { out: path.join(zoo, 'zoo-vqgan') });
  manager = new ModelManager({ libraryFolder: () => library, zooDir: zoo, uploadsDir: path.join(root, 'uploads'), progressIntervalMs: 0 });
});
afterAll(async () => {
  await manager.close();
  fs.rmSync(root, { recursive: true, force: true });
});

/** Runs one import to its end and returns every progress event. */
async function importAll(request: Parameters<ModelManager['import']>[0], cancel = false): Promise<ModelImportProgress[]> {
  const events: ModelImportProgress[] = [];
  const off = manager.onDidImportProgress((e) => events.push(e));
  const { importId } = await manager.import(request);
  if (cancel) expect(manager.cancelImport(importId)).toEqual({ cancelled: true });
  await manager.settled(importId);
  off();
  expect(events.every((e) => e.importId === importId)).toBe(true);
  return events;
}

const last = (events: ModelImportProgress[]) => events[events.length - 1]!;
const noStaging = () => expect(fs.existsSync(models()) ? fs.readdirSync(models()).filter((n) => n.startsWith('.')) : []).toEqual([]);

describe('ModelManager imports', () => {
  it('imports a transformer checkpoint with its project.yaml, with byte progress up to the total', async () => {
    const changes: string[] = [];
    const off = manager.onDidModelsChange((c) => changes.push(`${c.reason}:${path.basename(c.id)}`));
    const events = await importAll({ source: path.join(FIXTURES, 'cond-transformer-seg.ckpt'), config: path.join(FIXTURES, 'cond-transformer-seg.project.yaml') });
    off();
    const done = last(events);
    expect(done.phase).toBe('done');
    const reading = events.filter((e) => e.phase === 'reading' && e.bytesTotal > 0);
    expect(reading.length).toBeGreaterThan(2);
    for (let i = 1; i < reading.length; i++) expect(reading[i]!.bytesDone).toBeGreaterThanOrEqual(reading[i - 1]!.bytesDone);
    expect(reading[reading.length - 1]!.bytesDone).toBe(reading[0]!.bytesTotal);
    const m = done.model!;
    expect(m).toMatchObject({ name: 'cond-transformer-seg', origin: 'imported', kind: 'cond-transformer', conditionMode: 'segmentation', editable: true });
    expect(m.id).toBe(path.join(models(), 'cond-transformer-seg'));
    expect(m.palette?.count).toBeGreaterThan(1);
    expect(m.transformer?.layers).toBeGreaterThan(0);
    expect(m.provenance).toMatchObject({ source: 'cond-transformer-seg.ckpt', tool: 'tessera import' });
    expect(m.sizeOnDisk).toBe(await folderSize(m.id));
    expect(m.sha256).toBe((await readManifest(m.id)).weights.sha256);
    expect(changes).toEqual(['imported:cond-transformer-seg']);
    noStaging();
  });

  it('lists bundled, imported and broken bundles in the registry', async () => {
    fs.mkdirSync(path.join(models(), 'broken'), { recursive: true });
    fs.writeFileSync(path.join(models(), 'broken', 'manifest.json'), '{"format": "tessera-bundle"}');
    const r = await manager.registry();
    expect(r.libraryModelsFolder).toBe(models());
    expect(r.models.map((m) => [path.basename(m.id), m.origin, m.kind, m.editable])).toEqual([
      ['zoo-vqgan', 'bundled', 'vqgan', false],
      ['cond-transformer-seg', 'imported', 'cond-transformer', true],
    ]);
    expect(r.models[0]).toMatchObject({ conditionMode: null, transformer: null, resolution: 256 });
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.reason).toMatch(/not a valid Tessera bundle manifest/);
    fs.rmSync(path.join(models(), 'broken'), { recursive: true });
  });

  it.each([
    ['legacy-format.ckpt', /torch\.save\(torch\.load/],
    ['malicious.ckpt', /Nothing was executed/],
    ['dtypes.pth', /Tessera imports taming-transformers checkpoints/],
    ['checksums.json', /Tessera imports taming-transformers checkpoints/],
  ])('fails %s with the importer message verbatim and a hint', async (file, hint) => {
    const source = path.join(FIXTURES, file);
    const direct = await importTamingCheckpoint(source, { out: path.join(root, 'direct', file) }).then(() => 'imported', (e: Error) => e.message);
    const done = last(await importAll({ source }));
    expect(done).toMatchObject({ phase: 'failed', model: null });
    expect(done.error).toBe(direct);
    expect(done.hint).toMatch(hint);
    noStaging();
  });

  it('cancels an import and leaves nothing behind', async () => {
    const done = last(await importAll({ source: path.join(FIXTURES, 'vqgan-f4-attn.ckpt') }, true));
    expect(done.phase).toBe('cancelled');
    expect(fs.existsSync(path.join(models(), 'vqgan-f4-attn'))).toBe(false);
    noStaging();
  });

  it('imports a bundle folder verified by hash, and refuses a tampered one', async () => {
    const good = last(await importAll({ source: path.join(zoo, 'zoo-vqgan'), name: 'Copy of zoo' }));
    expect(good).toMatchObject({ phase: 'done', model: { name: 'Copy of zoo', origin: 'imported', id: path.join(models(), 'Copy-of-zoo') } });
    await (await readBundle(good.model!.id, { verify: true })).close();

    const tampered = path.join(root, 'tampered');
    fs.cpSync(path.join(zoo, 'zoo-vqgan'), tampered, { recursive: true });
    const w = path.join(tampered, 'weights.safetensors');
    const bytes = fs.readFileSync(w);
    bytes[bytes.length - 1]! ^= 0xff;
    fs.writeFileSync(w, bytes);
    const bad = last(await importAll({ source: tampered }));
    expect(bad.phase).toBe('failed');
    expect(bad.error).toMatch(/does not match the manifest/);
    expect(bad.hint).toMatch(/modified or damaged/);
    noStaging();
  });

  it('imports a dropped file uploaded in chunks and removes the upload afterwards', async () => {
    const data = fs.readFileSync(path.join(FIXTURES, 'vqgan-f4-attn.ckpt'));
    const { uploadId } = manager.uploads.begin('../../evil/vqgan-f4-attn.ckpt', data.length);
    expect(() => manager.uploads.chunk(uploadId, 10, 'AAAA')).toThrow(/expected 0 \(chunks must arrive in order\)/);
    expect(() => manager.uploads.finish(uploadId)).toThrow(/received 0 of/);
    const third = Math.ceil(data.length / 3);
    for (let off = 0; off < data.length; off += third) manager.uploads.chunk(uploadId, off, data.subarray(off, off + third).toString('base64'));
    const { source } = manager.uploads.finish(uploadId);
    const file = manager.uploads.resolve(source);
    expect(path.basename(file)).toBe('vqgan-f4-attn.ckpt');
    expect(path.dirname(path.dirname(file))).toBe(path.join(root, 'uploads'));
    const done = last(await importAll({ source }));
    expect(done).toMatchObject({ phase: 'done', source: 'vqgan-f4-attn.ckpt', model: { kind: 'vqgan', name: 'vqgan-f4-attn' } });
    expect(fs.existsSync(file)).toBe(false);
  });

  it('refuses a relative or missing source before starting', async () => {
    await expect(manager.import({ source: 'relative.ckpt' })).rejects.toThrow(/absolute path/);
    await expect(manager.import({ source: path.join(root, 'missing.ckpt') })).rejects.toThrow(/no such file/);
  });
});

describe('ModelManager rename, delete, export', () => {
  it('renames the display name only (weights and hash untouched)', async () => {
    const id = path.join(models(), 'vqgan-f4-attn');
    const before = await readManifest(id);
    const entry = await manager.rename(id, '  My VQGAN  ');
    expect(entry).toMatchObject({ id, name: 'My VQGAN', sha256: before.weights.sha256 });
    expect((await readManifest(id)).name).toBe('My VQGAN');
    await (await readBundle(id, { verify: true })).close();
    await expect(manager.rename(id, '   ')).rejects.toThrow(/cannot be empty/);
  });

  it('refuses to delete bundled models, path tricks, links and foreign folders', async () => {
    fs.mkdirSync(path.join(root, 'outside'), { recursive: true });
    fs.writeFileSync(path.join(root, 'outside', 'manifest.json'), '{}');
    fs.symlinkSync(path.join(root, 'outside'), path.join(models(), 'link'));
    const refused: [string, RegExp][] = [
      [path.join(zoo, 'zoo-vqgan'), /bundled model .* read-only/],
      [`${models()}/../../outside`, /contains "\.\."/],
      ['cond-transformer-seg', /absolute folder path/],
      [models(), /directly inside the library's models folder/],
      [path.join(root, 'outside'), /directly inside the library's models folder/],
      [path.join(models(), 'link'), /symbolic link/],
      [path.join(models(), 'gone'), /no such model folder/],
    ];
    for (const [id, message] of refused) await expect(manager.remove(id), id).rejects.toThrow(message);
    await expect(manager.rename(path.join(zoo, 'zoo-vqgan'), 'x')).rejects.toThrow(/bundled model/);
    expect(fs.existsSync(path.join(zoo, 'zoo-vqgan', 'manifest.json'))).toBe(true);
    expect(fs.existsSync(path.join(root, 'outside', 'manifest.json'))).toBe(true);
    fs.unlinkSync(path.join(models(), 'link'));
  });

  it('exports for taming training, and the export imports back with the same weights hash', async () => {
    const id = path.join(models(), 'cond-transformer-seg');
    const out = path.join(root, 'export');
    const r = await manager.exportTaming(id, out);
    expect(r.checkpoint).toBe(path.join(out, 'last.ckpt'));
    expect(fs.readFileSync(r.config, 'utf8')).toMatch(/Net2NetTransformer/);
    const back = last(await importAll({ source: r.checkpoint, config: r.config, name: 'round trip' }));
    expect(back.phase).toBe('done');
    expect(back.model!.sha256).toBe((await readManifest(id)).weights.sha256);
    await expect(manager.exportTaming(id, path.join(id, 'inside'))).rejects.toThrow(/outside the bundle/);
    await expect(manager.exportTaming(path.join(root, 'nope'), out)).rejects.toThrow(/No model with id/);
  });

  it('sweeps staging folders and uploads a crashed run left behind, but not fresh ones', async () => {
    const stale = path.join(models(), '.importing-crashed');
    const fresh = path.join(models(), '.importing-live');
    const upload = path.join(root, 'uploads', 'orphan');
    for (const dir of [stale, fresh, upload]) {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'weights.safetensors'), 'x');
    }
    const old = new Date(Date.now() - 2 * 3600_000);
    for (const dir of [stale, upload]) {
      fs.utimesSync(path.join(dir, 'weights.safetensors'), old, old);
      fs.utimesSync(dir, old, old);
    }
    expect((await manager.sweepStale()).sort()).toEqual([stale, upload].sort());
    expect(fs.existsSync(fresh)).toBe(true);
    fs.rmSync(fresh, { recursive: true });
  });

  it('tells fine-tuned bundles from imports by the fine-tune provenance field, not by the tool string', () => {
    type Manifest = Parameters<typeof originOf>[0];
    const from = { name: 'base', sha256: 'a'.repeat(64) };
    const m = (tool: string, finetunedFrom?: typeof from) => ({ provenance: { tool, ...(finetunedFrom ? { finetunedFrom } : {}) } }) as Manifest;
    expect(originOf(m('tessera finetune', from), false)).toBe('fine-tuned');
    expect(originOf(m('tessera import'), false)).toBe('imported');
    // The training tests' base bundle is written by a test, not by a fine-tune: a tool name is no evidence.
    expect(originOf(m('finetune.test'), false)).toBe('imported');
    expect(originOf(m('tessera train:starter'), false)).toBe('imported');
    expect(originOf(m('tessera finetune', from), true)).toBe('bundled');
  });

  it('deletes a library bundle and announces it', async () => {
    const id = path.join(models(), 'Copy-of-zoo');
    const changes: string[] = [];
    const off = manager.onDidModelsChange((c) => changes.push(`${c.reason}:${c.id}`));
    expect(await manager.remove(id)).toEqual({ removed: id });
    off();
    expect(fs.existsSync(id)).toBe(false);
    expect(changes).toEqual([`removed:${id}`]);
    expect((await manager.registry()).models.map((m) => m.id)).not.toContain(id);
  });
});
