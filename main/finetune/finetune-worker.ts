/**
 * The fine-tune worker (worker_threads; started by main/finetune/finetune-service.ts): runs
 * native-models' finetune() off the UI thread, one job at a time, on the execution provider the service
 * resolved from settings.device. A provider that fails its self-test here falls back to cpu, and the job log
 * says why. It also answers step-time measurements (estimate) and base-vs-tuned samples (compare).
 * Progress is forwarded for every step; the service throttles what it emits.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { finetune } from '../../native-models/training/finetune';
import { selfTestProvider } from '../services/device';
import { compareModels } from './finetune-compare';
import { writeEstimateImages } from './finetune-estimate-data';
import type { EstimateQuery, FinetuneFromWorker, FinetuneToWorker, WorkerFinetuneJob } from './finetune-protocol';

const port = parentPort;
if (!port) throw new Error('finetune-worker must run in a worker thread.');

const post = (m: FinetuneFromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
const controllers = new Map<string, AbortController>();
const tested = new Map<string, Promise<string | null>>();

/** The provider to use and why another was not: a non-cpu provider must pass the self-test here. */
async function usableProvider(wanted: string): Promise<{ provider: string; fallbackReason: string | null }> {
  if (wanted === 'cpu') return { provider: 'cpu', fallbackReason: null };
  let t = tested.get(wanted);
  if (!t) {
    t = selfTestProvider(wanted).then((r) => (r.ok ? null : (r.error ?? 'self-test failed')));
    tested.set(wanted, t);
  }
  const error = await t;
  return error === null ? { provider: wanted, fallbackReason: null } : { provider: 'cpu', fallbackReason: `${wanted} could not run a session (${error}); using cpu.` };
}

async function runJob(jobId: string, job: WorkerFinetuneJob): Promise<void> {
  const controller = new AbortController();
  controllers.set(jobId, controller);
  try {
    const { provider, fallbackReason } = await usableProvider(job.provider);
    post({ type: 'provider', jobId, provider, fallbackReason });
    if (fallbackReason) post({ type: 'log', jobId, line: `provider: ${fallbackReason}` });
    const result = await finetune({
      model: job.model, images: job.images, stage: job.stage, steps: job.steps, out: job.out, name: job.name, runsDir: job.runsDir, cacheDir: job.cacheDir,
      ...(job.batch !== undefined ? { batch: job.batch } : {}), ...(job.lr !== undefined ? { lr: job.lr } : {}),
      ...(job.every !== undefined ? { every: job.every } : {}), ...(job.seed !== undefined ? { seed: job.seed } : {}),
      ...(job.resume ? { resume: job.resume } : {}), ...(job.lpips && !job.resume ? { lpips: job.lpips } : {}),
      compile: { provider: provider as 'cpu' },
      signal: controller.signal,
      onProgress: (stage, progress) => post({ type: 'progress', jobId, stage, progress }),
      onSample: (stage, step, files) => {
        const path = files[0];
        if (path) post({ type: 'sample', jobId, stage, step, path });
      },
      onLog: (line) => post({ type: 'log', jobId, line }),
    });
    post({ type: 'done', jobId, result: { bundleDir: result.bundleDir, stopped: result.stopped, stages: result.stages } });
  } catch (e) {
    post({ type: 'failed', jobId, message: e instanceof Error ? e.message : String(e) });
  } finally {
    controllers.delete(jobId);
  }
}

/**
 * Seconds per optimizer step, from real steps on a few synthetic images: the mean of two steps after every
 * program is compiled — transformer steps 2→4; VQGAN steps 7→9 (its discriminator and adversarial generator
 * programs are compiled when the discriminator starts, at half the planned 10 steps). The run is stopped there.
 */
async function measureStep(q: EstimateQuery): Promise<{ stepSeconds: number }> {
  const { provider } = await usableProvider(q.provider);
  await mkdir(q.scratch, { recursive: true });
  try {
    const images = join(q.scratch, 'images');
    await writeEstimateImages(images, q.batch + 2, q.cropSize, q.dataMode);
    const [from, to, steps] = q.stage === 'vqgan' ? [7, 9, 10] : [2, 4, 5];
    const controller = new AbortController();
    const at = new Map<number, number>();
    await finetune({
      model: q.model, images, stage: q.stage, steps, out: join(q.scratch, 'out'), runsDir: join(q.scratch, 'runs'), batch: q.batch, every: 1000,
      compile: { provider: provider as 'cpu' }, signal: controller.signal,
      onProgress: (_stage, p) => {
        at.set(p.step, performance.now());
        if (p.step >= to) controller.abort();
      },
    });
    const t0 = at.get(from);
    const t1 = at.get(to);
    if (t0 === undefined || t1 === undefined) throw new Error(`the timing run ended before step ${to}`);
    return { stepSeconds: Math.max(1e-4, (t1 - t0) / 1000 / (to - from)) };
  } finally {
    await rm(q.scratch, { recursive: true, force: true });
  }
}

port.on('message', (m: FinetuneToWorker) => {
  switch (m.type) {
    case 'start':
      void runJob(m.jobId, m.job);
      break;
    case 'stop':
      controllers.get(m.jobId)?.abort();
      break;
    case 'estimate':
      measureStep(m.query).then(
        (value) => post({ type: 'reply', requestId: m.requestId, ok: true, value }),
        (e: unknown) => post({ type: 'reply', requestId: m.requestId, ok: false, message: e instanceof Error ? e.message : String(e) }),
      );
      break;
    case 'compare':
      (async () => {
        const { provider } = await usableProvider(m.query.provider);
        return compareModels({ ...m.query, provider });
      })().then(
        (value) => post({ type: 'reply', requestId: m.requestId, ok: true, value }, [value.base.buffer as ArrayBuffer, value.tuned.buffer as ArrayBuffer]),
        (e: unknown) => post({ type: 'reply', requestId: m.requestId, ok: false, message: e instanceof Error ? e.message : String(e) }),
      );
      break;
  }
});
post({ type: 'ready' });
