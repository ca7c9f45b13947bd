// The fine-tune service end to end: real files, the tiny base bundle, the real fine-tune worker (worker_threads
// through tsx) running native-models' finetune(), the real device service.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceService } from '../../../main/services/device';
import { finetuneSchemas } from '../../../main/finetune/finetune-domain';
import { FinetuneService, readJob, writeJob } from '../../../main/finetune/finetune-service';
import { startFinetuneTsWorker } from '../../../main/finetune/finetune-worker-client';
import { listRegistry } from '../../../main/models/model-registry';
import { writeLandscapeDataset } from '../../../recipes/landscapes';
import type { FinetuneFinishEvent, FinetuneProgressEvent } from '../../../preload/finetune-types';
import { writeTinyBaseBundle } from '../../native-models/training/fixtures/tiny-bundle';

let root: string;
let library: string;
let base: string;
let images: string;
let userData: string;

const sha = async (file: string): Promise<string> => createHash('sha256').update(await readFile(file)).digest('hex');

function makeService(opts: { preferred?: string; startWorker?: () => Worker } = {}): FinetuneService {
  const device = new DeviceService({ settings: () => ({ preferred: opts.preferred ?? 'auto' }), listProviders: async () => [{ name: 'cpu', bundled: true }] });
  return new FinetuneService({
    userDataDir: userData, libraryFolder: () => library, resolveProvider: () => device.resolve(), progressIntervalMs: 100,
    ...(opts.startWorker ? { startWorker: opts.startWorker } : {}),
  });
}

function collect(service: FinetuneService) {
  const progress: FinetuneProgressEvent[] = [];
  const finished: FinetuneFinishEvent[] = [];
  const waiters: (() => void)[] = [];
  service.onDidFinetuneProgress((e) => { progress.push(e); for (const w of waiters.splice(0)) w(); });
  service.onDidFinetuneFinish((e) => { finished.push(e); for (const w of waiters.splice(0)) w(); });
  const until = async (pred: () => boolean, what: string, ms = 60_000): Promise<void> => {
    const t0 = Date.now();
    while (!pred()) {
      if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((r) => { waiters.push(r); setTimeout(r, 250); });
    }
  };
  return { progress, finished, until };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tessera-ft-service-'));
  library = join(root, 'library');
  userData = join(root, 'user-data');
  base = await writeTinyBaseBundle(join(library, 'models'));
  images = join(root, 'images');
  await writeLandscapeDataset({ outDir: images, count: 10, seed: 4, width: 24, height: 16 });
  await writeFile(join(images, 'corrupt.png'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('garbage')]));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('FinetuneService', () => {
  it('scans a folder for the wizard: usable images, the corrupt file skipped with a reason, stages, crop previews', async () => {
    const service = makeService();
    const s = await service.scan({ model: base, images, previews: 3 });
    expect(s.usable).toBe(10);
    expect(s.skipped.map((k) => k.relPath)).toContain('corrupt.png');
    expect(s.conditions.mode).toBe('unconditional');
    expect(s.stages).toEqual(['transformer', 'vqgan', 'both']);
    expect(s.previews).toHaveLength(3);
    expect(s.previews[0]!.dataUrl).toMatch(/^data:image\/png;base64,/);
    await service.close();
  });

  it('refuses bad requests with messages that say what is wrong', async () => {
    const service = makeService();
    const ok = { model: base, images, stage: 'transformer' as const, steps: 4 };
    expect(() => finetuneSchemas.start.parse({ ...ok, steps: 0 }, 'params')).toThrow(/params\.steps must be an integer >= 1/);
    expect(() => finetuneSchemas.start.parse({ ...ok, stage: 'gpt' }, 'params')).toThrow(/params\.stage must be one of/);
    expect(() => finetuneSchemas.run.parse({ runId: '../x' }, 'params')).toThrow(/params\.runId must be a job id/);
    await expect(service.start({ ...ok, steps: 0 })).rejects.toThrow(/steps must be an integer from 1/);
    await expect(service.start({ ...ok, model: images })).rejects.toThrow(/is not a readable model bundle/);
    await expect(service.start({ ...ok, images: join(root, 'missing') })).rejects.toThrow(/does not exist/);
    const empty = join(root, 'no-pictures');
    await mkdir(empty, { recursive: true });
    await writeFile(join(empty, 'notes.txt'), 'hello');
    await expect(service.start({ ...ok, images: empty })).rejects.toThrow(/no usable training images: none of its 1 files.*1 not-an-image/);
    await expect(service.run({ runId: 'nope' })).rejects.toThrow(/Unknown fine-tune job "nope"/);
    await expect(service.resume({ runId: 'nope' })).rejects.toThrow(/Unknown fine-tune job/);
    await expect(service.stop({ runId: 'nope' })).rejects.toThrow(/Unknown fine-tune job/);
    expect(await service.runs()).toEqual([]);
    await service.close();
  });

  it('trains the transformer in the worker with throttled progress, writes a new fine-tuned bundle and leaves the base untouched', { timeout: 90_000 }, async () => {
    const baseHash = await sha(join(base, 'weights.safetensors'));
    const service = makeService({ preferred: 'cuda' }); // not offered here: falls back to cpu with the reason
    const ev = collect(service);
    const { runId } = await service.start({ model: base, images, stage: 'transformer', steps: 8, every: 3, batch: 2, lr: 1e-3, name: 'Tiny tuned', seed: 2 });
    await expect(service.start({ model: base, images, stage: 'transformer', steps: 4 })).rejects.toThrow(/already running/);
    await ev.until(() => ev.finished.length > 0, 'the finish event');
    expect(ev.finished[0]).toMatchObject({ runId, status: 'finished', error: null, outputModel: join(library, 'models', 'Tiny-tuned') });
    expect(ev.finished[0]!.results).toEqual([{ stage: 'transformer', steps: 8, metric: 'heldOutNll', before: expect.any(Number), after: expect.any(Number) }]);
    expect(ev.progress.length).toBeGreaterThan(1);
    expect(ev.progress.every((e) => e.runId === runId && e.stage === 'transformer' && e.stageIndex === 1 && e.stageCount === 1 && e.totalSteps === 8)).toBe(true);
    expect(ev.progress.every((e) => Number.isFinite(e.losses.nll))).toBe(true);
    expect(ev.progress[0]!.step).toBe(1);
    expect(ev.progress.at(-1)!.step).toBe(8);
    expect(ev.progress.map((e) => e.step)).toEqual([...ev.progress.map((e) => e.step)].sort((a, b) => a - b));

    const entry = (await listRegistry({ libraryFolder: library, zooDir: join(root, 'no-zoo') })).models.find((m) => m.id === join(library, 'models', 'Tiny-tuned'));
    expect(entry).toMatchObject({ name: 'Tiny tuned', origin: 'fine-tuned' });
    expect(await sha(join(base, 'weights.safetensors'))).toBe(baseHash);

    const runs = await service.runs();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ runId, status: 'finished', provider: 'cpu', step: 8, totalSteps: 8, resumable: false, baseName: 'tiny-base', outputName: 'Tiny tuned' });
    const detail = await service.run({ runId });
    expect(detail.metrics.map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(detail.metrics.every((m) => Number.isFinite(m.losses.nll) && m.lr > 0)).toBe(true);
    expect(detail.discStart).toBeNull();
    expect(detail.logTail.join('\n')).toMatch(/cuda is not offered by this build/);
    expect(detail.logTail.join('\n')).toMatch(/finished: wrote/);
    await expect(service.resume({ runId })).rejects.toThrow(/has finished/);

    const cmp = await service.compare({ runId, seed: 5 });
    expect(cmp.condition).toBeNull();
    for (const url of [cmp.base, cmp.tuned]) {
      const meta = await sharp(Buffer.from(url.replace('data:image/png;base64,', ''), 'base64')).metadata();
      expect([meta.width, meta.height]).toEqual([16, 16]);
    }
    expect(cmp.base).not.toBe(cmp.tuned);

    const est = await service.estimate({ model: base, stage: 'transformer', images: 10, batch: 2 });
    expect(est.provider).toBe('cpu');
    expect(est.stepSeconds.transformer).toBeGreaterThan(0);
    expect(est.presets.map((p) => p.name)).toEqual(['quick', 'balanced', 'thorough']);
    expect(est.presets[0]!.seconds).toBeCloseTo(est.presets[0]!.steps * est.stepSeconds.transformer!, 6);
    const t0 = performance.now();
    expect((await service.estimate({ model: base, stage: 'transformer', images: 10, batch: 2 })).stepSeconds).toEqual(est.stepSeconds);
    expect(performance.now() - t0).toBeLessThan(1000); // cached measurement
    await service.close();
  });

  it('fails the job when the worker dies, then stops a VQGAN run with a checkpoint; a new service sees a dead process as interrupted and resumes it to the end', { timeout: 120_000 }, async () => {
    const workers: Worker[] = [];
    const service = makeService({ startWorker: () => { const w = startFinetuneTsWorker(); workers.push(w); return w; } });
    const ev = collect(service);
    // A crash of the engine fails the running job with the reason.
    const crashed = await service.start({ model: base, images, stage: 'transformer', steps: 50, every: 50, batch: 2, name: 'Crash' });
    await ev.until(() => ev.progress.some((e) => e.runId === crashed.runId), 'the first progress event');
    await workers[0]!.terminate();
    await ev.until(() => ev.finished.length === 1, 'the failed finish event');
    expect(ev.finished[0]).toMatchObject({ runId: crashed.runId, status: 'failed', error: expect.stringMatching(/stopped unexpectedly/), outputModel: null });
    expect((await service.run({ runId: crashed.runId })).status).toBe('failed');
    await expect(service.resume({ runId: crashed.runId })).rejects.toThrow(/failed .* cannot be resumed/);
    await expect(service.compare({ runId: crashed.runId })).rejects.toThrow(/has no checkpoint yet/);

    // The next job gets a fresh worker; stop after the first checkpoint.
    const { runId } = await service.start({ model: base, images, stage: 'vqgan', steps: 8, every: 2, batch: 2, lr: 1e-3, name: 'Tiny VQ' });
    expect(workers).toHaveLength(2);
    let stopAsked = false;
    service.onDidFinetuneProgress((e) => {
      if (e.runId === runId && e.step >= 2 && !stopAsked) {
        stopAsked = true;
        void service.stop({ runId });
      }
    });
    await ev.until(() => ev.finished.length === 2, 'the stopped finish event');
    expect(ev.finished[1]).toMatchObject({ runId, status: 'stopped', outputModel: null });
    const stopped = await service.run({ runId });
    expect(stopped).toMatchObject({ status: 'stopped', resumable: true, currentStage: 'vqgan', discStart: 4 });
    expect(stopped.checkpointStep).toBeGreaterThanOrEqual(2);
    expect(stopped.samples.length).toBeGreaterThan(0);
    expect(stopped.samples[0]).toMatchObject({ stage: 'vqgan', step: 2, dataUrl: expect.stringMatching(/^data:image\/png;base64,/) });
    expect(stopped.metrics[0]!.losses).toMatchObject({ loss: expect.any(Number), rec: expect.any(Number) });
    const withSample = ev.progress.filter((e) => e.runId === runId && e.sample);
    expect(withSample[0]!.sample).toMatchObject({ stage: 'vqgan', step: 2 });
    // Compare works on the newest checkpoint (assembled into a scratch bundle, removed afterwards).
    const cmp = await service.compare({ runId, seed: 3 });
    expect(cmp).toMatchObject({ seed: 3, condition: null, base: expect.stringMatching(/^data:image\/png;base64,/), tuned: expect.stringMatching(/^data:image\/png;base64,/) });
    expect(cmp.tuned).not.toBe(cmp.base);
    expect(await (await import('node:fs/promises')).readdir(join(userData, 'tmp'))).toEqual([]);
    // Its output folder, made meanwhile by something else, is never written over.
    await mkdir(join(library, 'models', 'Tiny-VQ'));
    await expect(service.resume({ runId })).rejects.toThrow(/Tiny-VQ, which now exists/);
    await rm(join(library, 'models', 'Tiny-VQ'), { recursive: true });
    await service.close();

    // Simulate the app dying mid-run: the job and its trainer run say running, owned by a process that is gone.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const dir = join(userData, 'runs', runId);
    const record = await readJob(dir);
    await writeJob(dir, { ...record, state: 'running', pid: dead });
    const trainerRun = (await import('node:fs/promises')).readdir(dir).then((names) => names.find((n) => n.includes('-vqgan-'))!);
    const statusPath = join(dir, await trainerRun, 'status.json');
    await writeFile(statusPath, JSON.stringify({ ...JSON.parse(await readFile(statusPath, 'utf8')), status: 'running', pid: dead }));

    const again = makeService();
    const ev2 = collect(again);
    const listed = (await again.runs()).find((r) => r.runId === runId)!;
    expect(listed).toMatchObject({ status: 'interrupted', resumable: true });
    await again.resume({ runId });
    await expect(again.resume({ runId })).rejects.toThrow(/already running/);
    expect((await again.runs()).find((r) => r.runId === runId)!.status).toBe('running');
    await ev2.until(() => ev2.finished.length === 1, 'the resumed finish event');
    expect(ev2.finished[0]).toMatchObject({ runId, status: 'finished', outputModel: join(library, 'models', 'Tiny-VQ') });
    expect(ev2.progress[0]!.step).toBeGreaterThan(2);
    expect(ev2.progress.at(-1)!.step).toBe(8);
    const done = await again.run({ runId });
    expect(done.metrics.map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(done.results).toEqual([{ stage: 'vqgan', steps: 8, metric: 'heldOutL1', before: expect.any(Number), after: expect.any(Number) }]);
    await again.close();
  });

  it("runs 'both' as two numbered stages; a job interrupted between them resumes with the transformer on the tuned first stage", { timeout: 90_000 }, async () => {
    const service = makeService();
    const ev = collect(service);
    const { runId } = await service.start({ model: base, images, stage: 'both', steps: 4, every: 2, batch: 2, lr: 1e-3, name: 'Both' });
    let stopAsked = false;
    service.onDidFinetuneProgress((e) => {
      if (e.stage === 'transformer' && !stopAsked) {
        stopAsked = true;
        void service.stop({ runId });
      }
    });
    await ev.until(() => ev.finished.length === 1, 'the stopped finish event');
    expect(ev.finished[0]).toMatchObject({ runId, status: 'stopped' });
    const vq = ev.progress.filter((e) => e.stage === 'vqgan');
    expect(vq.every((e) => e.stageIndex === 1 && e.stageCount === 2)).toBe(true);
    expect(vq.at(-1)!.step).toBe(4);
    expect(ev.progress.filter((e) => e.stage === 'transformer').every((e) => e.stageIndex === 2 && e.stageCount === 2)).toBe(true);
    // Every VQGAN preview (steps 2 and 4) reached the listeners, the last one before the transformer's first step.
    expect(vq.filter((e) => e.sample).map((e) => e.sample!.step)).toEqual([2, 4]);
    const stopped = await service.run({ runId });
    expect(stopped).toMatchObject({ currentStage: 'transformer', discStart: 2, resumable: true });
    expect(stopped.results).toEqual([{ stage: 'vqgan', steps: 4, metric: 'heldOutL1', before: expect.any(Number), after: expect.any(Number) }]);
    await service.close();

    // As if the process died after the VQGAN stage, before the transformer's run folder was written.
    const dir = join(userData, 'runs', runId);
    const fsp = await import('node:fs/promises');
    for (const n of await fsp.readdir(dir)) if (n.includes('-transformer-')) await rm(join(dir, n), { recursive: true });
    await writeJob(dir, { ...(await readJob(dir)), state: 'running', pid: spawnSync(process.execPath, ['-e', '0']).pid! });
    const again = makeService();
    const ev2 = collect(again);
    expect((await again.runs()).find((r) => r.runId === runId)).toMatchObject({ status: 'interrupted', currentStage: 'vqgan', resumable: true });
    await again.resume({ runId });
    await ev2.until(() => ev2.finished.length === 1, 'the resumed finish event');
    expect(ev2.finished[0]).toMatchObject({ runId, status: 'finished', outputModel: join(library, 'models', 'Both') });
    expect(ev2.progress.every((e) => e.stage === 'transformer' && e.stageIndex === 2)).toBe(true);
    expect(ev2.progress[0]!.step).toBe(1);
    expect(ev2.finished[0]!.results.map((r) => [r.stage, r.steps])).toEqual([['vqgan', 4], ['transformer', 4]]);

    // Estimate for both stages: the transformer's step time measured by the first service comes from disk,
    // the VQGAN's is measured now (after its discriminator programs are compiled).
    const cached = JSON.parse(await readFile(join(userData, 'finetune-step-times.json'), 'utf8')) as Record<string, number>;
    const est = await again.estimate({ model: base, stage: 'both', images: 10, batch: 2 });
    expect(est.stepSeconds.transformer).toBe(Object.entries(cached).find(([k]) => k.includes('|transformer|2|cpu'))![1]);
    expect(est.stepSeconds.vqgan).toBeGreaterThan(0);
    expect(est.presets[1]!.seconds).toBeCloseTo(est.presets[1]!.steps * (est.stepSeconds.vqgan! + est.stepSeconds.transformer!), 6);
    await again.close();
  });
});
