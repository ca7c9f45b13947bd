// The models domain over real bundle folders: the tiny Net2Net fixture imported into a library's models
// folder is listed with its palette and geometry; a broken folder is reported, not fatal.
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importTamingCheckpoint } from '../../../native-models/formats/import-taming';
import { listModels, modelsSchemas } from '../../../main/models/models-domain';
import { libraryModelsFolder } from '../../../main/models/model-folders';

const FIXTURES = path.join(import.meta.dirname, '../../fixtures/models');
let library = '';

beforeAll(async () => {
  library = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-models-'));
  await importTamingCheckpoint(path.join(FIXTURES, 'net2net-seg.ckpt'), { out: path.join(libraryModelsFolder(library), 'seg'), config: path.join(FIXTURES, 'net2net-seg.project.yaml') });
  await fs.mkdir(path.join(libraryModelsFolder(library), 'broken'), { recursive: true });
  await fs.writeFile(path.join(libraryModelsFolder(library), 'broken', 'manifest.json'), '{ not json');
  await fs.mkdir(path.join(libraryModelsFolder(library), 'not-a-bundle'), { recursive: true });
});
afterAll(async () => {
  await fs.rm(library, { recursive: true, force: true });
});

describe('models.list', () => {
  it('lists the library bundle with mode, size, factor and palette, and reports the broken folder', async () => {
    const empty = path.join(library, 'no-zoo');
    const r = await listModels({ libraryFolder: library, zooDir: empty });
    expect(r.libraryModelsFolder).toBe(path.join(library, 'models'));
    expect(r.models).toHaveLength(1);
    const m = r.models[0]!;
    expect(m).toMatchObject({ id: path.join(library, 'models', 'seg'), name: 'net2net-seg', source: 'library', mode: 'semantic', width: 32, height: 32, factor: 8, classCount: null, outputSize: null, windowStride: 1 });
    expect(m.classes).toHaveLength(13);
    expect(m.classes![1]).toEqual({ id: 1, name: 'label 1', color: [0, 128, 0] });
    expect(m.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.folder).toBe(path.join(library, 'models', 'broken'));
    expect(r.problems[0]!.reason).toMatch(/not valid JSON/);
  });

  it('lists the shipped starters with the window stride and temperature their manifests recommend', async () => {
    const zoo = path.join(import.meta.dirname, '../../../native-models/zoo');
    const r = await listModels({ libraryFolder: path.join(library, 'elsewhere'), zooDir: zoo });
    expect(r.models.map((m) => [m.name, m.source, m.windowStride, m.temperature]).sort()).toEqual([
      ['starter-figures', 'zoo', 4, null], ['starter-landscapes', 'zoo', 4, null], ['starter-landscapes-edges', 'zoo', 4, 0.7],
    ]);
  });

  it('finds nothing (and no error) when the library has no models folder', async () => {
    const r = await listModels({ libraryFolder: path.join(library, 'elsewhere'), zooDir: path.join(library, 'nothing') });
    expect(r).toMatchObject({ models: [], problems: [] });
  });

  it('takes no argument', () => {
    expect(() => modelsSchemas.list.parse({ x: 1 }, 'params')).toThrow(/no argument/);
  });
});
