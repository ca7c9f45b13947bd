/**
 * The generation job service behind `jobs.generate`, `jobs.cancel`, `onDidJobProgress` and `onDidJobFinish`.
 *
 * Jobs run in the engine worker (worker_threads; main/generation/generation-worker.ts), one at a time, in order.
 * When a job is done the service builds each image's generation record and hands image + record to `save`
 * (the gallery: PNG first, then the row); then it emits the finish event. A cancelled or failed job saves
 * nothing. If the worker dies, the running and queued jobs fail with a clear error and the next job starts
 * a fresh worker — the caller's process never goes down with it.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
import type { GenerationRecord } from '../../preload/generation-record';
import type { GenerateJobRequest, JobFinishEvent, JobProgressEvent } from '../../preload/generation-job';
import type { FromWorker, ToWorker, WorkerData, WorkerResult } from './generation-protocol';
import { buildRecord } from './generation-files';
import { startTsWorkerEntry } from '../services/worker-host';
import type { RgbImage } from '../gallery/png-record';

export interface SavedImage {
  path: string;
  galleryId?: string;
}

export interface GenerationJobsOptions {
  /** Module exporting `loadGenerator(spec)` (absolute path or file: URL), loaded inside the worker. */
  loaderModule: string;
  /** Stores one finished image with its record (normally GalleryStore.addImage). */
  save: (image: RgbImage, record: GenerationRecord) => Promise<SavedImage>;
  appVersion: string;
  /** Override how the worker is started (Electron passes its own entry). */
  startWorker?: (data: WorkerData) => Worker;
  /** The execution provider a job should use, resolved when it is queued (DeviceService.resolve); default cpu. */
  resolveProvider?: () => Promise<{ provider: string; fallbackReason: string | null }>;
}

type Listener<T> = (event: T) => void;

interface JobState {
  request: GenerateJobRequest;
  /** Sent to the worker (false while the provider is being resolved). */
  sent: boolean;
}

const WORKER_ENTRY = new URL('./generation-worker.ts', import.meta.url);

/** Starts the generation worker: its TypeScript through tsx (dev, CLI, web host, tests) or its built entry (Electron bundle). */
export function startTsWorker(data: WorkerData): Worker {
  return startTsWorkerEntry(WORKER_ENTRY, data, 'generation', 'generation-worker.mjs');
}

export class GenerationJobs {
  private worker: Worker | null = null;
  private readonly jobs = new Map<string, JobState>();
  private readonly progressListeners = new Set<Listener<JobProgressEvent>>();
  private readonly finishListeners = new Set<Listener<JobFinishEvent>>();
  private closed = false;

  constructor(private readonly options: GenerationJobsOptions) {}

  onDidJobProgress(listener: Listener<JobProgressEvent>): () => void {
    this.progressListeners.add(listener);
    return () => this.progressListeners.delete(listener);
  }

  onDidJobFinish(listener: Listener<JobFinishEvent>): () => void {
    this.finishListeners.add(listener);
    return () => this.finishListeners.delete(listener);
  }

  /** Queue a job; returns at once with its id. Progress and the result arrive as events. */
  async generate(request: GenerateJobRequest): Promise<{ jobId: string }> {
    if (this.closed) throw new Error('The generation service is closed.');
    if (typeof request?.model !== 'string' || request.model.length === 0) throw new Error('jobs.generate needs a model (bundle folder or name).');
    const jobId = randomUUID();
    const state: JobState = { request, sent: false };
    this.jobs.set(jobId, state);
    // A device that cannot be resolved (self-tests failed to run) is no reason to refuse the job: cpu always works.
    const provider = this.options.resolveProvider ? (await this.options.resolveProvider().catch(() => ({ provider: 'cpu' }))).provider : 'cpu';
    if (this.jobs.get(jobId) !== state) return { jobId }; // cancelled (or the service closed) meanwhile
    state.sent = true;
    this.send({ type: 'generate', jobId, request, provider });
    return { jobId };
  }

  /** Cancel a queued or running job (honoured within one token step). False when no such job is running. */
  async cancel(jobId: string): Promise<{ cancelled: boolean }> {
    const state = this.jobs.get(jobId);
    if (!state) return { cancelled: false };
    if (!state.sent) this.finish({ jobId, status: 'cancelled' });
    else this.send({ type: 'cancel', jobId });
    return { cancelled: true };
  }

  /** Jobs queued or running. */
  activeJobs(): string[] {
    return [...this.jobs.keys()];
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    this.worker = null;
    for (const jobId of [...this.jobs.keys()]) this.finish({ jobId, status: 'cancelled' });
    if (w) await w.terminate();
  }

  private send(m: ToWorker): void {
    this.ensureWorker().postMessage(m);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const data: WorkerData = {
      loaderModule: this.options.loaderModule.startsWith('file:') ? this.options.loaderModule : pathToFileURL(this.options.loaderModule).href,
    };
    const w = (this.options.startWorker ?? startTsWorker)(data);
    this.worker = w;
    w.on('message', (m: FromWorker) => void this.onMessage(m));
    const died = (why: string): void => {
      if (this.worker !== w) return;
      this.worker = null;
      for (const jobId of [...this.jobs.keys()]) {
        this.finish({ jobId, status: 'failed', error: `The generation engine stopped unexpectedly (${why}); it will restart for the next job.` });
      }
    };
    w.on('error', (e) => died(e.message));
    w.on('exit', (code) => died(`exit code ${code}`));
    return w;
  }

  private async onMessage(m: FromWorker): Promise<void> {
    if (m.type === 'ready') return;
    if (!this.jobs.has(m.jobId)) return;
    if (m.type === 'progress') {
      const e: JobProgressEvent = { jobId: m.jobId, done: m.done, total: m.total, elapsedMs: m.elapsedMs, etaMs: m.etaMs };
      if (m.previews) e.previews = m.previews.map((png) => `data:image/png;base64,${Buffer.from(png).toString('base64')}`);
      for (const l of this.progressListeners) l(e);
    } else if (m.type === 'failed') {
      this.finish(m.cancelled ? { jobId: m.jobId, status: 'cancelled' } : { jobId: m.jobId, status: 'failed', error: m.message });
    } else {
      try {
        const images = await this.saveAll(m.jobId, m.result);
        const fallback = m.result.model.providerFallback;
        this.finish({ jobId: m.jobId, status: 'done', images, ...(fallback ? { providerFallback: fallback } : {}) });
      } catch (e) {
        this.finish({ jobId: m.jobId, status: 'failed', error: `Saving the result failed: ${(e as Error).message}` });
      }
    }
  }

  private async saveAll(jobId: string, r: WorkerResult): Promise<NonNullable<JobFinishEvent['images']>> {
    const out: NonNullable<JobFinishEvent['images']> = [];
    const request = { ...r.resolved, width: r.width, height: r.height };
    const document = this.jobs.get(jobId)?.request.document ?? null;
    for (let k = 0; k < r.images.length; k++) {
      const record = buildRecord(request, { images: r.images, width: r.width, height: r.height, tokens: r.tokens, grid: r.grid, seeds: r.seeds, windowStride: r.windowStride, timings: r.timings }, k, {
        appVersion: this.options.appVersion,
        model: { id: r.model.id, sha256: r.model.sha256, ...(r.model.name ? { name: r.model.name } : {}) },
        executionProvider: r.model.executionProvider,
        device: r.model.device,
        ...(r.model.gptWeights ? { gptWeights: r.model.gptWeights } : {}),
        condition: document,
        classNames: r.model.classNames,
      });
      const saved = await this.options.save({ width: r.width, height: r.height, channels: 3, data: r.images[k]! }, record);
      out.push({ ...saved, record });
    }
    return out;
  }

  private finish(e: JobFinishEvent): void {
    if (!this.jobs.delete(e.jobId)) return;
    for (const l of this.finishListeners) l(e);
  }
}
