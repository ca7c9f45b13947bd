import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GenerationJobs } from '../../../main/generation/generation-jobs';
import { readGenerationRecord, writePngFile } from '../../../main/gallery/png-record';
import type { JobFinishEvent, JobProgressEvent } from '../../../preload/generation-job';

let dir = '';
let jobs: GenerationJobs;
const loaderModule = path.join(import.meta.dirname, 'test-generator-loader.ts');

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-jobs-'));
  let count = 0;
  jobs = new GenerationJobs({
    loaderModule,
    appVersion: '0.1.0',
    save: async (image, record) => {
      const file = path.join(dir, `img-${++count}.png`);
      await writePngFile(file, image, record);
      return { path: file };
    },
  });
});
afterAll(async () => {
  await jobs.close();
  await fs.rm(dir, { recursive: true, force: true });
});

function finished(jobId: string): Promise<JobFinishEvent> {
  return new Promise((resolve) => {
    const off = jobs.onDidJobFinish((e) => {
      if (e.jobId === jobId) {
        off();
        resolve(e);
      }
    });
  });
}

describe('generation jobs in the worker thread (test models)', () => {
  it('runs a job off the main thread with progress, previews and saved images with records', async () => {
    const progress: JobProgressEvent[] = [];
    const off = jobs.onDidJobProgress((e) => void progress.push(e));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const { jobId } = await jobs.generate({ model: 'test:slow-sos', width: 40, height: 36, seed: 3, n: 2, previewEvery: 30, document: { v: 1 } });
    const done = await finished(jobId);
    clearInterval(timer);
    off();
    expect(done.status, done.error).toBe('done');
    expect(done.images).toHaveLength(2);
    expect(ticks).toBeGreaterThan(10); // the main thread kept running while ~90 slow steps ran in the worker
    const rec = readGenerationRecord(await fs.readFile(done.images![1]!.path));
    expect(rec).toMatchObject({ seed: 4, mode: 'unconditional', condition: { v: 1 }, variation: { index: 1, count: 2 } });
    const mine = progress.filter((e) => e.jobId === jobId);
    expect(mine.at(-1)!.done).toBe(90);
    expect(mine.filter((e) => e.previews).map((e) => e.done)).toEqual([30, 60]);
    expect(mine.find((e) => e.previews)!.previews![0]).toMatch(/^data:image\/png;base64,/);
  });

  it('cancel stops a running job within a token step and saves nothing', async () => {
    const before = (await fs.readdir(dir)).length;
    const { jobId } = await jobs.generate({ model: 'test:slow-sos', width: 40, height: 36, seed: 1 });
    const first = new Promise<void>((resolve) => {
      const off = jobs.onDidJobProgress((e) => {
        if (e.jobId === jobId) {
          off();
          resolve();
        }
      });
    });
    await first;
    const t = performance.now();
    expect(await jobs.cancel(jobId)).toEqual({ cancelled: true });
    const done = await finished(jobId);
    expect(done.status).toBe('cancelled');
    expect(performance.now() - t).toBeLessThan(3 * 20 + 600); // one 20 ms step plus messaging; generous for a loaded machine
    expect((await fs.readdir(dir)).length).toBe(before);
    expect(await jobs.cancel(jobId)).toEqual({ cancelled: false });
  });

  it('bad requests fail with a clear error; a worker crash fails the job and the next job works', async () => {
    const a = await jobs.generate({ model: 'test:class', classIndex: 99 });
    expect(await finished(a.jobId)).toMatchObject({ status: 'failed', error: expect.stringMatching(/Unknown class 99/) });
    const b = await jobs.generate({ model: 'test:semantic', condition: { kind: 'labels', width: 2, height: 2, labels: [0, 1, 2, 7] }, width: 16, height: 16 });
    expect(await finished(b.jobId)).toMatchObject({ status: 'failed', error: expect.stringMatching(/Label 7 at pixel \(1, 1\) is beyond/) });
    const c = await jobs.generate({ model: 'test:crash' });
    expect(await finished(c.jobId)).toMatchObject({ status: 'failed', error: expect.stringMatching(/stopped unexpectedly/) });
    const d = await jobs.generate({ model: 'test:sos', width: 16, height: 16, seed: 2 });
    expect((await finished(d.jobId)).status).toBe('done');
  });

  it('loads the model on the provider resolved from the device setting at each job and records it', async () => {
    let provider = 'webgpu';
    const own = new GenerationJobs({
      loaderModule, appVersion: '0.1.0', resolveProvider: async () => ({ provider, fallbackReason: null }),
      save: async (image, record) => {
        const file = path.join(dir, `provider-${record.executionProvider}.png`);
        await writePngFile(file, image, record);
        return { path: file };
      },
    });
    const providers: string[] = [];
    own.onDidJobFinish((e) => { if (e.images) providers.push(e.images[0]!.record.executionProvider); });
    const first = await own.generate({ model: 'test:sos', width: 16, height: 16, seed: 1 });
    await new Promise<void>((r) => { const off = own.onDidJobFinish((e) => { if (e.jobId === first.jobId) { off(); r(); } }); });
    provider = 'cpu';
    const second = await own.generate({ model: 'test:sos', width: 16, height: 16, seed: 1 });
    await new Promise<void>((r) => { const off = own.onDidJobFinish((e) => { if (e.jobId === second.jobId) { off(); r(); } }); });
    expect(providers).toEqual(['webgpu', 'cpu']);
    expect(readGenerationRecord(await fs.readFile(path.join(dir, 'provider-webgpu.png')))).toMatchObject({ executionProvider: 'webgpu' });
    await own.close();
  });
});
