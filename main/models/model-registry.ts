// The model manager's view of every bundle: the app's zoo (bundled, read-only) and `<library>/models`
// (imports and fine-tunes), every kind, with what a person needs to tell them apart: kind, condition,
// size on disk, palette, provenance and the weights' hash. Only manifests are read (cheap); a folder
// that cannot be read is reported with the reason, never fatal.

import type { Dirent } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { MANIFEST_FILE, readManifest } from '../../native-models/formats/bundle';
import type { BundleManifest } from '../../native-models/formats/bundle';
import type { ModelEntry, ModelOrigin, ModelPaletteSummary, ModelRegistryResult } from '../../preload/model-manager-types';
import { DEFAULT_ZOO_DIR, libraryModelsFolder } from './model-folders';

const PALETTE_SAMPLE = 24;

/** Folders under `<library>/models` whose name starts with this are imports in progress (never listed). */
export const STAGING_PREFIX = '.importing-';

/** Bytes of every regular file under `dir` (symbolic links are not followed). */
export async function folderSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await folderSize(full);
    else if (entry.isFile()) total += (await fs.stat(full)).size;
  }
  return total;
}

/**
 * Where a bundle comes from, exactly: the zoo folder is 'bundled'; in the library, a bundle written by a
 * fine-tuning run carries `provenance.finetunedFrom` (the base model's name and weights hash, written only by
 * native-models/training/finetune.ts) and is 'fine-tuned'; everything else there was written by the importer.
 */
export function originOf(m: BundleManifest, inZoo: boolean): ModelOrigin {
  if (inZoo) return 'bundled';
  return m.provenance.finetunedFrom !== undefined ? 'fine-tuned' : 'imported';
}

function paletteSummary(m: BundleManifest): ModelPaletteSummary | null {
  if (!m.palette) return null;
  return {
    count: m.palette.names.length,
    sample: m.palette.names.slice(0, PALETTE_SAMPLE).map((name, id) => ({ id, name, color: [...(m.palette!.colors[id] ?? [0, 0, 0])] as [number, number, number] })),
  };
}

/** The registry entry of one bundle folder whose manifest has been read. */
export async function entryFor(dir: string, m: BundleManifest, origin: ModelOrigin): Promise<ModelEntry> {
  const vq = m.kind === 'vqgan' ? m.vqgan! : m.firstStage!;
  const t = m.transformer;
  const pv = m.provenance;
  return {
    id: dir,
    name: m.name,
    origin,
    kind: m.kind,
    conditionMode: m.kind === 'cond-transformer' ? (m.condition?.mode ?? null) : null,
    resolution: vq.resolution,
    codebookSize: vq.n_embed,
    transformer: t ? { layers: t.n_layer, width: t.n_embd, heads: t.n_head, vocab: t.vocab_size, blockSize: t.block_size } : null,
    sizeOnDisk: await folderSize(dir),
    palette: paletteSummary(m),
    provenance: {
      source: pv.source,
      importedAt: pv.importedAt,
      tool: pv.tool,
      sourceBytes: pv.sourceBytes ?? null,
      globalStep: pv.globalStep ?? null,
      notes: [...(pv.notes ?? [])],
    },
    sha256: m.weights.sha256,
    editable: origin !== 'bundled',
  };
}

async function bundleFolders(root: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(root, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    const dir = path.join(root, e.name);
    if (await fs.access(path.join(dir, MANIFEST_FILE)).then(() => true, () => false)) out.push(dir);
  }
  return out.sort();
}

export interface RegistryOptions {
  libraryFolder: string;
  zooDir?: string;
}

/** Every bundle in the zoo and in `<library>/models`. */
export async function listRegistry(options: RegistryOptions): Promise<ModelRegistryResult> {
  const modelsFolder = libraryModelsFolder(options.libraryFolder);
  const roots: [string, boolean][] = [[options.zooDir ?? DEFAULT_ZOO_DIR, true], [modelsFolder, false]];
  const models: ModelEntry[] = [];
  const problems: ModelRegistryResult['problems'] = [];
  for (const [root, inZoo] of roots) {
    for (const dir of await bundleFolders(root)) {
      try {
        const m = await readManifest(dir);
        models.push(await entryFor(dir, m, originOf(m, inZoo)));
      } catch (err) {
        problems.push({ folder: dir, reason: (err as Error).message });
      }
    }
  }
  return { models, problems, libraryModelsFolder: modelsFolder };
}
