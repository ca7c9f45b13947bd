/**
 * Loading LPIPS's frozen weights from the PyTorch files a user already has (issue 6), through the formats reader
 * (tensor by tensor, the pickle never executed). Each file is recognised by its keys, not its name:
 *  - torchvision's ImageNet VGG16 (`vgg16-397923af.pth`): `features.N.weight/bias`; `classifier.*` is ignored;
 *  - LPIPS's linear layers (taming's / richzhang's `vgg.pth`): `lin0.model.1.weight` … `lin4.model.1.weight`;
 *  - a taming VQGAN training checkpoint holds both under `loss.perceptual_loss.` (`net.sliceK.N.*` = `features.N.*`,
 *    `lin{k}.model.1.weight`), as does a saved LPIPS module (`net.sliceK.N.*`, `lin{k}…`, `scaling_layer.*`).
 * Both torch formats are read: the zip format of torch ≥ 1.6 and the legacy magic-number format of the published
 * files (formats/torch-legacy.ts).
 * `loadLpipsWeights(source)` takes a folder (every .pth/.pt/.ckpt/.bin file in it is looked at) or a list of files.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { bytesToFloat32 } from '../formats/dtype';
import { CheckpointFormatError, openTorchCheckpoint, type OpenCheckpointOptions, type TorchCheckpoint } from '../formats/torch-checkpoint';
import { openLegacyTorchCheckpoint } from '../formats/torch-legacy';
import { linKey, lpipsWidths, type LpipsWeights } from './lpips';
import type { NamedTensor } from './param-spec';

const EXTENSIONS = /\.(pth|pt|ckpt|bin)$/i;

/** Maps one state_dict key to the loader's names (`features.N.*`, `lin{k}.model.1.weight`), or null to ignore it. */
export function lpipsKey(name: string): string | null {
  const rest = name.replace(/^(.*\.)?perceptual_loss\./, '');
  if (/^features\.\d+\.(weight|bias)$/.test(rest)) return rest;
  const slice = /^net\.slice[1-5]\.(\d+)\.(weight|bias)$/.exec(rest);
  if (slice) return `features.${slice[1]}.${slice[2]}`;
  if (/^lin[0-4]\.model\.1\.weight$/.test(rest)) return rest;
  return null;
}

interface Found {
  path: string;
  vgg: Map<string, NamedTensor>;
  lin: Map<string, NamedTensor>;
}

/** The zip format, or else the legacy magic-number format these published files use (both data-only). */
async function openEither(path: string, options: OpenCheckpointOptions): Promise<TorchCheckpoint> {
  try {
    return await openTorchCheckpoint(path, options);
  } catch (e) {
    if (!(e instanceof CheckpointFormatError) || e.code !== 'legacy-format') throw e;
    return openLegacyTorchCheckpoint(path, options).catch(() => { throw e; }); // e.g. the tar variant: keep the advice
  }
}

async function readFile(path: string): Promise<Found> {
  const ckpt = await openEither(path, { skip: (name) => (lpipsKey(name) ? null : 'not an LPIPS/VGG16 weight') });
  try {
    const found: Found = { path, vgg: new Map(), lin: new Map() };
    for (const [name, t] of ckpt.tensors) {
      const key = lpipsKey(name)!;
      if (t.dtype !== 'float32' && t.dtype !== 'float16' && t.dtype !== 'bfloat16' && t.dtype !== 'float64') {
        throw new Error(`${path}: "${name}" is ${t.dtype}; LPIPS/VGG16 weights must be floating point.`);
      }
      const value = { shape: [...t.shape], data: bytesToFloat32(t.dtype, await t.read()) };
      (key.startsWith('lin') ? found.lin : found.vgg).set(key, value);
    }
    return found;
  } finally {
    await ckpt.close();
  }
}

/** The checkpoint files of a folder, or the given files. */
async function listSources(source: string | readonly string[]): Promise<string[]> {
  if (typeof source !== 'string') return [...source];
  const s = await stat(source).catch(() => null);
  if (!s) throw new Error(`LPIPS weights: ${source} does not exist; give the folder holding vgg16-397923af.pth and vgg.pth (or the two files).`);
  if (!s.isDirectory()) return [source];
  const files = (await readdir(source)).filter((n) => EXTENSIONS.test(n)).sort().map((n) => join(source, n));
  if (files.length === 0) throw new Error(`LPIPS weights: ${source} holds no .pth/.pt/.ckpt/.bin file; put torchvision's vgg16-397923af.pth and LPIPS's vgg.pth there.`);
  return files;
}

/**
 * Reads and checks the VGG16 and LPIPS weights from a folder or files. Errors name what is missing and where it
 * was looked for; a file that is not a readable torch checkpoint fails with the reader's reason (e.g. the legacy
 * serialization of torch < 1.6, with the one-line conversion).
 */
export async function loadLpipsWeights(source: string | readonly string[]): Promise<LpipsWeights & { files: string[] }> {
  const paths = await listSources(source);
  const vgg = new Map<string, NamedTensor>();
  const lin = new Map<string, NamedTensor>();
  const files: string[] = [];
  for (const p of paths) {
    const f = await readFile(p);
    if (f.vgg.size === 0 && f.lin.size === 0) {
      if (typeof source !== 'string' || paths.length === 1) throw new Error(`${p}: holds neither VGG16 weights (features.N.weight) nor LPIPS weights (lin0.model.1.weight).`);
      continue; // some other checkpoint in the folder
    }
    if ((f.vgg.size > 0 && vgg.size > 0) || (f.lin.size > 0 && lin.size > 0)) {
      throw new Error(`LPIPS weights: ${p} repeats weights already read from ${files.join(', ')}; keep one VGG16 and one LPIPS file.`);
    }
    for (const [k, v] of f.vgg) vgg.set(k, v);
    for (const [k, v] of f.lin) lin.set(k, v);
    files.push(p);
  }
  const where = typeof source === 'string' ? source : source.join(', ');
  if (vgg.size === 0) throw new Error(`LPIPS weights: no VGG16 weights (features.0.weight …) in ${where}; add torchvision's ImageNet vgg16-397923af.pth.`);
  if (lin.size === 0) throw new Error(`LPIPS weights: no LPIPS layers (${linKey(0)} …) in ${where}; add LPIPS's vgg.pth (md5 d507d7349b931f0638a25a48a722f98a).`);
  const w = { vgg, lin, files };
  lpipsWidths(w);
  return w;
}
