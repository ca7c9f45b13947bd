// Where finished generations go when the job service runs without a gallery: PNG files with their
// generation record in `<library folder>/images/` (the folder the gallery indexes and can rebuild from).

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { GenerationRecord } from '../../preload/generation-record';
import { writePngFile } from '../gallery/png-record';
import type { RgbImage } from '../gallery/png-record';
import type { SavedImage } from './generation-jobs';

/**
 * The worker-side module that turns a model name or bundle folder into a generator: its TypeScript source, or
 * inside the CommonJS Electron bundle (import.meta is an empty object there) the ESM build beside main.cjs.
 */
export const BUNDLE_LOADER_MODULE = typeof import.meta.resolve === 'function'
  ? new URL('./bundle-loader.ts', import.meta.url).href
  : new URL('./bundle-loader.mjs', import.meta.url).href;

/** `<library>/images/<YYYYMMDD-HHMMSS>-s<seed>-<random>.png`, written atomically. */
export async function saveToLibrary(libraryFolder: string, image: RgbImage, record: GenerationRecord): Promise<SavedImage> {
  const dir = path.join(libraryFolder, 'images');
  await fs.mkdir(dir, { recursive: true });
  const stamp = record.createdAt.replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const file = path.join(dir, `${stamp}-s${record.seed}-${randomBytes(3).toString('hex')}.png`);
  await writePngFile(file, image, record);
  return { path: file };
}
