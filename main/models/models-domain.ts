// The `models` domain of the API: the transformer bundles the studio can generate with, found in the
// library's `models` folder (where imports and fine-tunes land) and in the app's bundled zoo. Only the
// manifests are read (no weights, no onnxruntime), so listing is cheap; a bad folder is reported, never fatal.

import { conditionModeOfManifest } from '../../native-models/condition-modes';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { MANIFEST_FILE, readManifest } from '../../native-models/formats/bundle';
import type { BundleManifest } from '../../native-models/formats/bundle';
import type { ConditionMode } from '../../preload/generation-record';
import type { ModelListResult, ModelSummary, ModelsApi } from '../../preload/studio-types';
import { none, number, object, optional, string } from '../services/validate';
import type { ModelManagerApi } from '../../preload/model-manager-types';
import type { ModelManager } from './model-manager';
import { DEFAULT_ZOO_DIR, libraryModelsFolder } from './model-folders';
import { MAX_UPLOAD_BYTES } from './upload-store';

/** The editor mode a transformer bundle is conditioned on. */
export function bundleConditionMode(m: BundleManifest): ConditionMode {
  const stage = m.condStage;
  if (!stage || stage.kind === 'sos') return 'unconditional';
  if (stage.kind === 'class') return 'class';
  if (stage.kind === 'first-stage') return 'superres';
  return conditionModeOfManifest(m.condition?.mode);
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
    outputSize: m.outputSize ? { width: m.outputSize.width, height: m.outputSize.height } : null,
    windowStride: m.sampling?.windowStride ?? 1,
    temperature: m.sampling?.temperature ?? null,
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

/** The studio's `list` plus the model manager (main/models/model-manager.ts) when one is given. */
export function createModelsDomain(options: { libraryFolder: () => string; zooDir?: string }): ModelsApi;
export function createModelsDomain(options: { libraryFolder: () => string; zooDir?: string; manager: ModelManager }): ModelManagerApi;
export function createModelsDomain(options: { libraryFolder: () => string; zooDir?: string; manager?: ModelManager }): ModelsApi | ModelManagerApi {
  const list = () => listModels({ libraryFolder: options.libraryFolder(), zooDir: options.zooDir });
  const m = options.manager;
  if (!m) return { list };
  return {
    list,
    registry: () => m.registry(),
    import: (request) => m.import(request),
    cancelImport: async ({ importId }) => m.cancelImport(importId),
    uploadBegin: async ({ fileName, bytes }) => m.uploads.begin(fileName, bytes),
    uploadChunk: async ({ uploadId, offset, base64 }) => m.uploads.chunk(uploadId, offset, base64),
    uploadFinish: async ({ uploadId }) => m.uploads.finish(uploadId),
    uploadAbort: async ({ uploadId }) => ({ aborted: await m.uploads.remove(uploadId) }),
    rename: ({ id, name }) => m.rename(id, name),
    remove: ({ id }) => m.remove(id),
    exportTaming: ({ id, outDir }) => m.exportTaming(id, outDir),
    onDidModelsChange: (listener) => m.onDidModelsChange(listener),
    onDidImportProgress: (listener) => m.onDidImportProgress(listener),
  };
}

const pathText = string({ minLength: 1, maxLength: 4096 });
const uploadId = string({ minLength: 1, maxLength: 64, check: (v) => (/^[0-9a-f-]+$/.test(v) ? null : 'an upload id from uploadBegin') });

export const modelsSchemas = {
  list: none(),
  registry: none(),
  import: object({ source: pathText, config: optional(pathText), name: optional(string({ minLength: 1, maxLength: 200 })) }),
  cancelImport: object({ importId: string({ minLength: 1, maxLength: 64 }) }),
  uploadBegin: object({ fileName: string({ minLength: 1, maxLength: 1024 }), bytes: number({ integer: true, min: 0, max: MAX_UPLOAD_BYTES }) }),
  uploadChunk: object({
    uploadId,
    offset: number({ integer: true, min: 0 }),
    base64: string({ maxLength: 12 * 1024 * 1024, check: (v) => (/^[A-Za-z0-9+/=]*$/.test(v) ? null : 'base64 text') }),
  }),
  uploadFinish: object({ uploadId }),
  uploadAbort: object({ uploadId }),
  rename: object({ id: pathText, name: string({ minLength: 1, maxLength: 200 }) }),
  remove: object({ id: pathText }),
  exportTaming: object({ id: pathText, outDir: pathText }),
};
