// Display helpers for the model manager (pure functions, tested in tests/renderer/models).

import type { ModelEntry } from '../../preload/contract';

/** 1536 → "1.5 KB", 3_221_225_472 → "3.00 GB" (binary units, as file managers show them). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

/** Whole percent of done/total, 0 when the total is not known yet. */
export function percent(done: number, total: number): number {
  return total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0;
}

const MODE_LABELS: Record<string, string> = {
  segmentation: 'Semantic layout',
  depth: 'Depth map',
  edge: 'Edge sketch',
  pose: 'Pose',
  class: 'Class label',
  unconditional: 'Unconditional',
  coord: 'Coordinates',
  image: 'Image (super-resolution)',
};

/** What a model does, in words: "VQGAN autoencoder" or "Transformer · Semantic layout". */
export function describeKind(m: Pick<ModelEntry, 'kind' | 'conditionMode'>): string {
  if (m.kind === 'vqgan') return 'VQGAN autoencoder';
  return `Transformer · ${MODE_LABELS[m.conditionMode ?? ''] ?? m.conditionMode ?? 'unknown condition'}`;
}

export const ORIGIN_LABELS: Record<ModelEntry['origin'], string> = { bundled: 'Bundled', imported: 'Imported', 'fine-tuned': 'Fine-tuned' };

/** Which dropped files are importable: the checkpoint and an optional project.yaml. */
export function pickDroppedFiles<F extends { name: string }>(files: readonly F[]): { checkpoint: F | null; config: F | null; ignored: F[] } {
  let checkpoint: F | null = null;
  let config: F | null = null;
  const ignored: F[] = [];
  for (const f of files) {
    if (!checkpoint && /\.(ckpt|pth|pt|bin)$/i.test(f.name)) checkpoint = f;
    else if (!config && /\.ya?ml$/i.test(f.name)) config = f;
    else ignored.push(f);
  }
  if (!checkpoint && files.length > 0 && !config) {
    // an unknown extension: let the importer say what it is
    checkpoint = files[0]!;
    ignored.splice(ignored.indexOf(files[0]!), 1);
  }
  return { checkpoint, config, ignored };
}

/** Bytes → base64 without building one huge string argument list. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  const step = 0x8000;
  for (let i = 0; i < bytes.length; i += step) binary += String.fromCharCode(...bytes.subarray(i, i + step));
  return btoa(binary);
}
