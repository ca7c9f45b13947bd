/**
 * The folders a fine-tune job reads and writes: checking the images folder, naming and reserving the new
 * bundle's folder, and the size of a base bundle's weights (what the new bundle and each checkpoint copy).
 */
import { access, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** A folder name from a display name: letters, digits, '.', '_' and '-' (others become '-'), at most 64. */
export function folderSlug(name: string): string {
  const s = name.normalize('NFKD').replace(/[^\w.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '').slice(0, 64).replace(/[-.]+$/g, '');
  return s || 'fine-tuned';
}

/** Refuses a missing images folder or a file, saying what to choose instead. */
export async function checkImagesFolder(images: string): Promise<void> {
  const s = await stat(images).catch(() => null);
  if (!s) throw new Error(`The images folder ${images} does not exist; choose a folder of pictures.`);
  if (!s.isDirectory()) throw new Error(`${images} is a file, not a folder; choose the folder that holds the pictures.`);
}

/** `<root>/<slug>`, `-2`, `-3`, …: a folder that does not exist and is not in `reserved` (resolved paths). */
export async function freeOutputFolder(root: string, name: string, reserved: ReadonlySet<string>): Promise<string> {
  const slug = folderSlug(name);
  for (let k = 1; k < 10_000; k++) {
    const dir = resolve(root, k === 1 ? slug : `${slug}-${k}`);
    if (reserved.has(dir)) continue;
    if (await access(dir).then(() => true, () => false)) continue;
    return dir;
  }
  throw new Error(`No free folder name for ${name} in ${root}.`);
}

/** "3 too small, 1 unreadable": skip reasons counted. */
export function summariseSkips(skipped: readonly { reason: string }[]): string {
  const counts = new Map<string, number>();
  for (const s of skipped) counts.set(s.reason, (counts.get(s.reason) ?? 0) + 1);
  return [...counts].map(([r, n]) => `${n} ${r}`).join(', ');
}

/** Bytes of the bundle's weights file(s) (what the new bundle and each checkpoint copy). */
export async function bundleWeightBytes(dir: string): Promise<number> {
  let total = 0;
  for (const n of await readdir(dir)) if (n.endsWith('.safetensors')) total += (await stat(join(dir, n))).size;
  return Math.max(total, 1);
}
