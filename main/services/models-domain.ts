// The `models` domain of the API: the transformer bundles the studio can generate with, found in the
// library's `models` folder (where imports and fine-tunes land) and in the app's bundled zoo. Only the
// manifests are read (no weights, no onnxruntime), so listing is cheap; a bad folder is reported, never fatal.

import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MANIFEST_FILE, readManifest } from '../../native-models/formats/bundle';
import type { BundleManifest } from '../../native-models/formats/bundle';
import type { ConditionMode } from '../../preload/generation-record';
import type { ModelListResult, ModelSummary, ModelsApi } from '../../preload/studio-types';
import { none } from './validate';

export const DEFAULT_ZOO_DIR = fileURLToPath(new URL('../../native-models/zoo/', import.meta.url));

/** `<library>/models`: where the studio looks for the person's own bundles. */
export function libraryModelsFolder(libraryFolder: string): string {
  return path.join(libraryFolder, 'models');
}

/** The editor mode a transformer bundle is conditioned on. */
export function bundleConditionMode(m: BundleManifest): ConditionMode {
  const stage = m.condStage;
  if (!stage || stage.kind === 'sos') return 'unconditional';
  if (stage.kind === 'class') return 'class';
  if (stage.kind === 'first-stage') return 'superres';
  switch (m.condition?.mode) {
    case 'segmentation': return 'semantic';
    case 'edge': return 'edge';
    case 'pose': return 'pose';
    case 'depth': return 'depth';
    case 'image': return 'superres';
    default: return 'unconditional';
  }
}

/** Summary of one transformer bundle, or a reason why the studio cannot use it. */
export function summarizeBundle(dir: string, m: BundleManifest, source: ModelSummary['source']): ModelSummary | string {
  if (m.kind !== 'cond-transformer' || !m.firstStage || !m.transformer || !m.condStage) return `${m.name} is a ${m.kind} bundle, not a generator (it needs a transformer).`;
  if (m.condStage.kind === 'coord') return `${m.name} is coordinate-conditioned, which generation does not support.`;
  const factor = 2 ** (m.firstStage.ch_mult.length - 1);
  const mode = bundleConditionMode(m);
  const classes = mode === 'semantic' && m.palette
    ? m.palette.names.map((name, id) => ({ id, name, color: [...(m.palette!.colors[id] ?? [0, 0, 0])] as [number, number, number] }))
    : null;
  return {
    id: dir,
    name: m.name,
    source,
    mode,
    width: m.firstStage.resolution,
    height: m.firstStage.resolution,
    factor,
    classes,
    classCount: m.condStage.kind === 'class' ? m.condStage.n_classes : null,
    sha256: m.weights.sha256,
    bytes: m.weights.bytes,
  };
}

async function subfolders(root: string): Promise<string[]> {
  try {
    const entries = await fs.readdir(root, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => path.join(root, e.name)).sort();
  } catch {
    return [];
  }
}

async function hasManifest(dir: string): Promise<boolean> {
  return fs.access(path.join(dir, MANIFEST_FILE)).then(() => true, () => false);
}

export async function listModels(options: { libraryFolder: string; zooDir?: string }): Promise<ModelListResult> {
  const modelsFolder = libraryModelsFolder(options.libraryFolder);
  const roots: [string, ModelSummary['source']][] = [[modelsFolder, 'library'], [options.zooDir ?? DEFAULT_ZOO_DIR, 'zoo']];
  const models: ModelSummary[] = [];
  const problems: ModelListResult['problems'] = [];
  for (const [root, source] of roots) {
    for (const dir of await subfolders(root)) {
      if (!(await hasManifest(dir))) continue;
      try {
        const summary = summarizeBundle(dir, await readManifest(dir), source);
        if (typeof summary === 'string') problems.push({ folder: dir, reason: summary });
        else models.push(summary);
      } catch (err) {
        problems.push({ folder: dir, reason: (err as Error).message });
      }
    }
  }
  return { models, problems, libraryModelsFolder: modelsFolder };
}

export function createModelsDomain(options: { libraryFolder: () => string; zooDir?: string }): ModelsApi {
  return {
    list: () => listModels({ libraryFolder: options.libraryFolder(), zooDir: options.zooDir }),
  };
}

export const modelsSchemas = {
  list: none(),
};
