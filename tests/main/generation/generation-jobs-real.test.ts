/**
 * A generation job through the real backend wiring: GenerationJobs → worker thread → main/generation/bundle-loader.ts
 * → the real tiny Net2Net fixture bundle on onnxruntime (inside the worker) → PNGs saved to the library folder.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GenerationJobs } from '../../../main/generation/generation-jobs';
import { BUNDLE_LOADER_MODULE, saveToLibrary } from '../../../main/generation/generation-save';
import { readGenerationRecord } from '../../../main/gallery/png-record';
import { importTamingCheckpoint } from '../../../native-models/formats/import-taming';
import type { JobFinishEvent } from '../../../preload/generation-job';

const FIXTURES = path.join(import.meta.dirname, '../../fixtures/models');
let dir = '';
let bundle = '';
let jobs: GenerationJobs;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-jobs-real-'));
  bundle = path.join(dir, 'seg');
  await importTamingCheckpoint(path.join(FIXTURES, 'net2net-seg.ckpt'), { out: bundle, config: path.join(FIXTURES, 'net2net-seg.project.yaml') });
  jobs = new GenerationJobs({ loaderModule: BUNDLE_LOADER_MODULE, appVersion: '0.1.0', save: (im, rec) => saveToLibrary(path.join(dir, 'library'), im, rec) });
});
afterAll(async () => {
  await jobs.close();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('generation job on the real model in the worker', () => {
  it('runs on int8 transformer weights when asked, records it, and reloads the model when the precision changes', async () => {
    const starter = path.join(import.meta.dirname, '../../../native-models/zoo/starter-landscapes');
    const labels = Array.from({ length: 64 * 64 }, (_, k) => (k < 2048 ? 0 : 4));
    const run = async (extra: { gptWeights?: 'float32' | 'int8' }): Promise<JobFinishEvent> => {
      const done = new Promise<JobFinishEvent>((resolve) => jobs.onDidJobFinish(resolve));
      await jobs.generate({ model: starter, width: 64, height: 64, seed: 8, condition: { kind: 'labels', width: 64, height: 64, labels }, ...extra });
      return done;
    };
    const int8 = await run({ gptWeights: 'int8' });
    expect(int8.status, int8.error).toBe('done');
    expect(int8.images![0]!.record.gptWeights).toBe('int8');
    expect(readGenerationRecord(await fs.readFile(int8.images![0]!.path))!.gptWeights).toBe('int8');
    const fp32 = await run({});
    expect(fp32.status, fp32.error).toBe('done');
    expect(fp32.images![0]!.record.gptWeights).toBeUndefined();
  }, 120_000);

  it('samples with the model\'s own window stride unless the request names one, and records the stride used', async () => {
    const starter = path.join(import.meta.dirname, '../../../native-models/zoo/starter-landscapes');
    const labels = Array.from({ length: 128 * 128 }, (_, k) => (k < 8192 ? 0 : 4));
    const run = async (extra: { windowStride?: number }): Promise<JobFinishEvent> => {
      const done = new Promise<JobFinishEvent>((resolve) => jobs.onDidJobFinish(resolve));
      await jobs.generate({ model: starter, width: 128, height: 128, seed: 8, condition: { kind: 'labels', width: 128, height: 128, labels }, ...extra });
      return done;
    };
    const own = await run({});
    expect(own.status, own.error).toBe('done');
    expect(own.images![0]!.record.windowStride).toBe(4); // the starter's manifest: sampling.windowStride 4
    const asked = await run({ windowStride: 4 });
    const pixels = async (e: JobFinishEvent): Promise<Buffer> => PNG.sync.read(await fs.readFile(e.images![0]!.path)).data;
    expect((await pixels(asked)).equals(await pixels(own))).toBe(true);
    const reference = await run({ windowStride: 1 });
    expect(reference.status, reference.error).toBe('done');
    expect(reference.images![0]!.record.windowStride).toBeUndefined();
    const tooWide = await run({ windowStride: 5 });
    expect(tooWide.status).toBe('failed');
    expect(tooWide.error).toMatch(/window stride must be a whole number from 1 to 4/);
  }, 120_000);

  it('samples a semantic layout with two variations and saves both with their records', async () => {
    const labels = Array.from({ length: 16 * 16 }, (_, k) => (k < 128 ? 2 : 7));
    const done = new Promise<JobFinishEvent>((resolve) => jobs.onDidJobFinish(resolve));
    let progress = 0;
    jobs.onDidJobProgress(() => void progress++);
    await jobs.generate({ model: bundle, width: 64, height: 64, seed: 21, n: 2, condition: { kind: 'labels', width: 16, height: 16, labels }, document: { doc: 'layout' } });
    const r = await done;
    expect(r.status, r.error).toBe('done');
    expect(r.images).toHaveLength(2);
    expect(progress).toBeGreaterThan(0);
    const rec = readGenerationRecord(await fs.readFile(r.images![0]!.path))!;
    expect(rec).toMatchObject({ mode: 'semantic', seed: 21, condition: { doc: 'layout' }, executionProvider: 'cpu', variation: { index: 0, count: 2 } });
    expect(path.dirname(r.images![1]!.path)).toBe(path.join(dir, 'library', 'images'));
  });

  it('records the provider the sessions actually ran on: cuda requested, not loadable here, the record says cpu', async () => {
    // This onnxruntime-node build lists cuda but does not ship its libraries: every session falls back to cpu.
    const cudaJobs = new GenerationJobs({
      loaderModule: BUNDLE_LOADER_MODULE, appVersion: '0.1.0', resolveProvider: async () => ({ provider: 'cuda', fallbackReason: null }),
      save: (im, rec) => saveToLibrary(path.join(dir, 'library-cuda'), im, rec),
    });
    try {
      const done = new Promise<JobFinishEvent>((resolve) => cudaJobs.onDidJobFinish(resolve));
      await cudaJobs.generate({ model: bundle, width: 64, height: 64, seed: 4, n: 1, condition: { kind: 'labels', width: 16, height: 16, labels: new Array(256).fill(2) } });
      const r = await done;
      expect(r.status, r.error).toBe('done');
      expect(r.providerFallback).toMatch(/^cuda: /);
      const rec = readGenerationRecord(await fs.readFile(r.images![0]!.path))!;
      expect(rec.executionProvider).toBe('cpu');
      expect(rec.device).toMatch(/^CPU \(\d+ × /);
    } finally {
      await cudaJobs.close();
    }
  });
});
