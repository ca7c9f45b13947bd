import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ConditionMode, GenerationRecord } from '../../../preload/generation-record';
import type { RgbImage } from '../../../main/gallery/png-record';

export function tempDir(prefix = 'tessera-gallery-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export function makeRecord(opts: {
  mode?: ConditionMode; modelId?: string; modelName?: string; seed?: number; createdAt?: string; classes?: string[]; totalMs?: number;
} = {}): GenerationRecord {
  return {
    format: 'tessera.generation',
    version: 1,
    appVersion: '0.1.0',
    createdAt: opts.createdAt ?? '2026-11-28T12:00:00.000Z',
    model: { id: opts.modelId ?? 'sflckr-tiny', sha256: 'c0ffee'.padEnd(64, '0'), ...(opts.modelName ? { name: opts.modelName } : {}) },
    mode: opts.mode ?? 'semantic',
    seed: opts.seed ?? 42,
    sampler: { temperature: 1, topK: 100, topP: 0.95, greedy: false },
    size: { width: 8, height: 6 },
    executionProvider: 'cpu',
    timings: { totalMs: opts.totalMs ?? 500 },
    ...(opts.classes ? { classesUsed: opts.classes } : {}),
    condition: { kind: 'tessera.document', schema: '0002', width: 8, height: 6 },
  };
}

export function makeImage(seed: number, width = 8, height = 6): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 13 + seed * 71) & 0xff;
  return { width, height, channels: 3, data };
}
