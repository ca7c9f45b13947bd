/**
 * The generation worker's model loader: a model spec is a bundle folder (containing manifest.json) or the
 * name of a bundled zoo model (native-models/zoo/<name>; `<resources>/zoo/<name>` in the packaged app). Loads the bundle's programs for the execution
 * provider the job resolved from settings.device (default cpu; the TESSERA_PROVIDER environment variable, when
 * set, overrides it) through native-models/sampling/bundle-generator.ts.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { loadBundleGenerator } from '../../native-models/sampling/bundle-generator';
import type { LoadedGenerator } from './generator-loader';
import { DEFAULT_ZOO_DIR } from '../models/model-folders';

/** The same zoo the model list shows (`<resources>/zoo` in the packaged app, else native-models/zoo). */
const ZOO_DIR = DEFAULT_ZOO_DIR;

async function isBundle(dir: string): Promise<boolean> {
  try {
    await fs.access(path.join(dir, 'manifest.json'));
    return true;
  } catch {
    return false;
  }
}

/** Resolve a model spec to a bundle folder, or throw saying where it looked. */
export async function resolveModelSpec(spec: string): Promise<string> {
  const candidates = [path.resolve(spec)];
  if (/^[\w.-]+$/.test(spec)) candidates.push(path.join(ZOO_DIR, spec));
  for (const dir of candidates) if (await isBundle(dir)) return dir;
  throw new Error(`Model "${spec}" not found: no manifest.json in ${candidates.join(' or ')}. Give a bundle folder (tessera import writes one) or a zoo model name.`);
}

export async function loadGenerator(spec: string, options: { provider?: string; gptWeights?: 'float32' | 'int8' } = {}): Promise<LoadedGenerator> {
  const dir = await resolveModelSpec(spec);
  return loadBundleGenerator(dir, { provider: process.env.TESSERA_PROVIDER || options.provider || 'cpu', ...(options.gptWeights ? { gptWeights: options.gptWeights } : {}) });
}
