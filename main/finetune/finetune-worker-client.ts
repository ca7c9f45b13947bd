/**
 * The main-thread end of the fine-tune worker (main/finetune/finetune-worker.ts): starts it on first use, posts
 * jobs, answers estimate/compare requests by id, and reports a worker that died (its pending requests fail with
 * the reason; the next message starts a fresh worker).
 */
import type { Worker } from 'node:worker_threads';
import type { FinetuneFromWorker, FinetuneToWorker } from './finetune-protocol';
import { startTsWorkerEntry } from '../services/worker-host';

/** Messages about the running job (everything but `ready` and request replies). */
export type JobMessage = Exclude<FinetuneFromWorker, { type: 'ready' } | { type: 'reply' }>;
type RequestMessage = Extract<FinetuneToWorker, { requestId: number }>;

const WORKER_ENTRY = new URL('./finetune-worker.ts', import.meta.url);

/** The fine-tune worker from its TypeScript source (tsx) or, in a build, from finetune-worker.mjs beside it. */
export function startFinetuneTsWorker(): Worker {
  return startTsWorkerEntry(WORKER_ENTRY, {}, 'fine-tune', 'finetune-worker.mjs');
}

interface PendingReply {
  resolve: (value: unknown) => void;
  reject: (e: Error) => void;
}

export interface FinetuneWorkerClientOptions {
  start?: () => Worker;
  onJobMessage(m: JobMessage): void;
  /** The worker ended unexpectedly; `message` says so in words a person can act on. */
  onDied(message: string): void;
}

export class FinetuneWorkerClient {
  private worker: Worker | null = null;
  private nextRequest = 1;
  private readonly replies = new Map<number, PendingReply>();

  constructor(private readonly options: FinetuneWorkerClientOptions) {}

  post(m: FinetuneToWorker): void {
    this.ensureWorker().postMessage(m);
  }

  /** Posts a request (its requestId is assigned here) and resolves with the worker's reply. */
  request<T>(m: RequestMessage): Promise<T> {
    const requestId = this.nextRequest++;
    return new Promise<T>((resolvePromise, reject) => {
      this.replies.set(requestId, { resolve: (v) => resolvePromise(v as T), reject });
      try {
        this.post({ ...m, requestId });
      } catch (e) {
        this.replies.delete(requestId);
        reject(e as Error);
      }
    });
  }

  /** Fails the pending requests and ends the worker. */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    this.rejectAll('The fine-tune service was closed.');
    if (w) await w.terminate();
  }

  private rejectAll(message: string): void {
    for (const [, p] of this.replies) p.reject(new Error(message));
    this.replies.clear();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = (this.options.start ?? startFinetuneTsWorker)();
    this.worker = w;
    w.on('message', (m: FinetuneFromWorker) => this.onMessage(m));
    const died = (why: string): void => {
      if (this.worker !== w) return;
      this.worker = null;
      const message = `The fine-tune engine stopped unexpectedly (${why}); it will restart for the next job.`;
      this.rejectAll(message);
      this.options.onDied(message);
    };
    w.on('error', (e) => died(e.message));
    w.on('exit', (code) => died(`exit code ${code}`));
    return w;
  }

  private onMessage(m: FinetuneFromWorker): void {
    if (m.type === 'ready') return;
    if (m.type === 'reply') {
      const p = this.replies.get(m.requestId);
      if (!p) return;
      this.replies.delete(m.requestId);
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(m.message));
      return;
    }
    this.options.onJobMessage(m);
  }
}
