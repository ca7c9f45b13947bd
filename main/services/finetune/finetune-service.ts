/**
 * The fine-tune job service behind the `finetune` API domain (issues 6 and 8).
 *
 * Jobs run one at a time in the fine-tune worker (worker_threads; main/worker/finetune-worker.ts) on the
 * execution provider resolved from settings.device at each start and resume. Each job owns
 * `<userData>/runs/<runId>/` (see finetune-store.ts) and writes a new bundle to `<library>/models/<slug>`, a
 * folder reserved at start that never existed before (so never the base). Stop asks the trainer to checkpoint
 * and end as 'stopped'; resume continues the job's newest stage run from its checkpoint. A job whose process
 * died is 'interrupted' and resumable. If the worker dies, the running job fails with the reason and the next
 * job starts a fresh worker.
 *
 * Progress events: every trainer step reaches the service; at most one event per `progressIntervalMs`
 * (default 200 ms, i.e. ≤ 5/s) is emitted, except that the first step of a stage, a stage's last step and
 * events carrying a new preview always go out at once, and a held-back step is emitted when the interval ends
 * (so the newest step always arrives within the interval). Previews are written by the trainer after the
 * step's progress callback, so a preview of step k rides on the first event after it was written (usually
 * step k + 1; the last one on an extra event for the stage's last step before the finish event).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { access, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { MANIFEST_FILE, readManifest, validateManifest } from '../../../native-models/formats/bundle';
import { scanFolder } from '../../../native-models/training/data/scan';
import type { TrainProgress } from '../../../native-models/training/progress';
import { Run } from '../../../native-models/training/run';
import { scaledLr } from '../../../native-models/training/schedule';
import type {
  FinetuneCompareRequest, FinetuneCompareResult, FinetuneEstimate, FinetuneEstimateRequest, FinetuneFinishEvent, FinetuneProgressEvent,
  FinetuneRunDetail, FinetuneRunSummary, FinetuneScanReport, FinetuneScanRequest, FinetuneStageName, FinetuneStageResult, FinetuneStartRequest,
} from '../../../preload/finetune-types';
import type { FinetuneFromWorker, FinetuneToWorker, WorkerFinetuneJob, WorkerFinetuneResult } from '../../worker/finetune-protocol';
import { writeFileAtomic } from '../atomic-write';
import { startTsWorkerEntry } from '../generation-jobs';
import { libraryModelsFolder } from '../models/model-folders';
import { estimatePresets, scanForFinetune } from './finetune-scan';
import { planForBundle } from './finetune-plan';
import {
  appendJobLog, effectiveStatus, JOB_FILE, jobDetail, jobSummary, pngDataUrl, readJob, sampleFiles, stageRuns, stagesOf, writeJob, type JobRecord,
} from './finetune-store';

type Listener<T> = (event: T) => void;

export const MAX_STEPS = 1_000_000;
export const DEFAULT_BATCH = 4;
export const DEFAULT_EVERY = 50;
export const BASE_LR = 4.5e-6;

export interface FinetuneServiceOptions {
  userDataDir: string;
  /** The library folder (new bundles go to `<library>/models`). */
  libraryFolder: () => string;
  /** The provider a job should use now (DeviceService.resolve). */
  resolveProvider: () => Promise<{ provider: string; fallbackReason: string | null }>;
  /** Minimum time between progress events (default 200 ms). */
  progressIntervalMs?: number;
  /** Override how the worker is started (a packaged build passes its built entry). */
  startWorker?: () => Worker;
}

const WORKER_ENTRY = new URL('../../worker/finetune-worker.ts', import.meta.url);

export function startFinetuneTsWorker(): Worker {
  return startTsWorkerEntry(WORKER_ENTRY, {}, 'fine-tune', 'finetune-worker.mjs');
}

/** A folder name from a display name: letters, digits, '.', '_' and '-' (others become '-'), at most 64. */
export function folderSlug(name: string): string {
  const s = name.normalize('NFKD').replace(/[^\w.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '').slice(0, 64).replace(/[-.]+$/g, '');
  return s || 'fine-tuned';
}

const RUN_ID_RE = /^[\w][\w.-]{0,127}$/;

interface ActiveJob {
  runId: string;
  dir: string;
  record: JobRecord;
  stages: FinetuneStageName[];
  live: { stage: FinetuneStageName; step: number } | null;
  lastProgress: { stage: FinetuneStageName; p: TrainProgress } | null;
  lastEmit: number;
  pending: FinetuneProgressEvent | null;
  timer: NodeJS.Timeout | null;
  /** Newest preview step already sent, per stage. */
  sentSample: Map<FinetuneStageName, number>;
  runDirs: Map<FinetuneStageName, string>;
  /** Serialises the async handling of worker messages. */
  chain: Promise<void>;
  done: Promise<void>;
  resolveDone: () => void;
}

interface PendingReply {
  resolve: (value: unknown) => void;
  reject: (e: Error) => void;
}

export class FinetuneService {
  private worker: Worker | null = null;
  private active: ActiveJob | null = null;
  private starting = false;
  private closed = false;
  private nextRequest = 1;
  private readonly replies = new Map<number, PendingReply>();
  private readonly progressListeners = new Set<Listener<FinetuneProgressEvent>>();
  private readonly finishListeners = new Set<Listener<FinetuneFinishEvent>>();
  private stepTimes: Map<string, number> | null = null;

  constructor(private readonly options: FinetuneServiceOptions) {}

  /** `<userData>/runs`. */
  get runsRoot(): string {
    return join(this.options.userDataDir, 'runs');
  }

  onDidFinetuneProgress(listener: Listener<FinetuneProgressEvent>): () => void {
    this.progressListeners.add(listener);
    return () => this.progressListeners.delete(listener);
  }

  onDidFinetuneFinish(listener: Listener<FinetuneFinishEvent>): () => void {
    this.finishListeners.add(listener);
    return () => this.finishListeners.delete(listener);
  }

  // ───────────────────────────── scan / estimate ─────────────────────────────

  async scan(req: FinetuneScanRequest): Promise<FinetuneScanReport> {
    const plan = await planForBundle(resolve(req.model));
    const images = resolve(req.images);
    await this.checkFolder(images);
    const s = await scanForFinetune({ images, mode: plan.dataMode, size: plan.cropSize, previews: Math.min(48, req.previews ?? 12), previewSize: 96 });
    return { ...s, conditions: { ...s.conditions, mode: plan.mode }, stages: plan.stages };
  }

  async estimate(req: FinetuneEstimateRequest): Promise<FinetuneEstimate> {
    const model = resolve(req.model);
    const plan = await planForBundle(model);
    if (!plan.stages.includes(req.stage)) throw new Error(`${plan.manifest.name} cannot fine-tune stage '${req.stage}' (it offers ${plan.stages.join(', ')}).`);
    const batch = req.batch ?? DEFAULT_BATCH;
    const { provider } = await this.options.resolveProvider();
    const stepSeconds: Partial<Record<FinetuneStageName, number>> = {};
    const cache = await this.stepTimeCache();
    for (const stage of stagesOf(req.stage)) {
      const key = `${plan.manifest.weights.sha256}|${stage}|${batch}|${provider}`;
      let t = cache.get(key);
      if (t === undefined) {
        const scratch = join(this.options.userDataDir, 'tmp', `estimate-${process.pid}-${randomBytes(4).toString('hex')}`);
        const reply = (await this.request({ type: 'estimate', requestId: 0, query: { model, stage, batch, provider, scratch } })) as { stepSeconds: number };
        t = reply.stepSeconds;
        cache.set(key, t);
        await mkdir(this.options.userDataDir, { recursive: true })
          .then(() => writeFileAtomic(this.stepTimesFile, JSON.stringify(Object.fromEntries(cache), null, 2) + '\n'))
          .catch(() => undefined); // not saved: measured again after a restart
      }
      stepSeconds[stage] = t;
    }
    const total = Object.values(stepSeconds).reduce((a, b) => a + b, 0);
    const bundleBytes = await bundleWeightBytes(model);
    const presets = estimatePresets({ images: Math.max(1, req.images), batch, stepSeconds: total, bundleBytes })
      .map((p) => ({ ...p, diskBytes: p.diskBytes * stagesOf(req.stage).length }));
    return { provider, stepSeconds, presets, defaults: { batch: DEFAULT_BATCH, lr: scaledLr(BASE_LR, DEFAULT_BATCH), every: DEFAULT_EVERY } };
  }

  // ───────────────────────────── start / stop / resume ─────────────────────────────

  async start(req: FinetuneStartRequest): Promise<{ runId: string }> {
    this.ensureOpen();
    if (this.active || this.starting) throw new Error(`A fine-tune job is already running (${this.active?.runId ?? 'starting'}); stop it or wait for it to finish.`);
    this.starting = true;
    try {
      if (!Number.isInteger(req.steps) || req.steps < 1 || req.steps > MAX_STEPS) throw new Error(`steps must be an integer from 1 to ${MAX_STEPS}, got ${req.steps}.`);
      const model = resolve(req.model);
      const plan = await planForBundle(model);
      if (!plan.stages.includes(req.stage)) throw new Error(`${plan.manifest.name} cannot fine-tune stage '${req.stage}' (it offers ${plan.stages.join(', ')}).`);
      const images = resolve(req.images);
      await this.checkFolder(images);
      const report = await scanFolder(images, { minSide: plan.cropSize, verifyPixels: false }); // headers only: finetune() verifies again
      const usable = plan.dataMode === 'none' || plan.dataMode === 'edges' ? report.usable.length : report.conditions[plan.dataMode].present;
      if (usable === 0) {
        const why = report.usable.length === 0
          ? `none of its ${report.found} files is a usable picture of at least ${plan.cropSize}×${plan.cropSize} pixels${report.skipped.length ? ` (skipped: ${summariseSkips(report.skipped)})` : ''}`
          : `none of its ${report.usable.length} pictures has the ${plan.dataMode === 'semantic' ? '<name>.seg.png label map' : '<name>.pose.json pose file'} a ${plan.mode} model needs`;
        throw new Error(`The images folder ${images} has no usable training images: ${why}.`);
      }
      const outputName = (req.name ?? '').trim() || `${plan.manifest.name} (fine-tuned)`;
      const outputFolder = await this.reserveOutputFolder(outputName, model);
      const { provider, fallbackReason } = await this.options.resolveProvider();
      const now = new Date();
      const runId = `${now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-${folderSlug(outputName).toLowerCase().slice(0, 32)}-${randomBytes(2).toString('hex')}`;
      const dir = join(this.runsRoot, runId);
      this.ensureOpen(); // closed while the folder was checked: start nothing
      await mkdir(dir, { recursive: true });
      const batch = req.batch ?? DEFAULT_BATCH;
      const record: JobRecord = {
        version: 1, runId,
        request: {
          model, images, stage: req.stage, steps: req.steps, name: outputName, batch, lr: req.lr ?? scaledLr(BASE_LR, batch),
          every: req.every ?? Math.min(DEFAULT_EVERY, req.steps), seed: req.seed ?? 0,
        },
        baseModel: model, baseName: plan.manifest.name, outputName, outputFolder, outputModel: null, provider,
        createdAt: now.toISOString(), updatedAt: now.toISOString(), state: 'running', pid: process.pid, error: null, results: [],
      };
      await writeJob(dir, record);
      await appendJobLog(dir, `job ${runId}: ${req.stage} ${req.steps} steps of ${plan.manifest.name} on ${images} (${usable} usable of ${report.found}) -> ${outputFolder}; provider ${provider}${fallbackReason ? ` (${fallbackReason})` : ''}; pid ${process.pid} on ${hostname()}`);
      this.launch(dir, record, undefined);
      return { runId };
    } finally {
      this.starting = false;
    }
  }

  async stop({ runId }: { runId: string }): Promise<{ stopped: boolean }> {
    const dir = await this.jobDir(runId);
    if (this.active?.runId !== runId) return { stopped: false };
    await appendJobLog(dir, 'stop requested: the job saves a checkpoint and ends');
    this.post({ type: 'stop', jobId: runId });
    return { stopped: true };
  }

  async resume({ runId }: { runId: string }): Promise<{ runId: string }> {
    this.ensureOpen();
    const dir = await this.jobDir(runId);
    if (this.active?.runId === runId) throw new Error(`Job ${runId} is already running.`);
    if (this.active || this.starting) throw new Error(`A fine-tune job is already running (${this.active?.runId ?? 'starting'}); stop it or wait for it to finish before resuming another.`);
    this.starting = true;
    try {
      const record = await readJob(dir);
      const status = effectiveStatus(record, false);
      if (status === 'running') throw new Error(`Job ${runId} is running in another process (pid ${record.pid}).`);
      if (status === 'finished') throw new Error(`Job ${runId} has finished (its model is ${record.outputModel ?? record.outputFolder}); start a new job to train further.`);
      if (status === 'failed') throw new Error(`Job ${runId} failed (${record.error ?? 'unknown reason'}) and cannot be resumed; start a new job.`);
      await access(record.baseModel).catch(() => { throw new Error(`The base model ${record.baseModel} of job ${runId} is gone; it cannot be resumed.`); });
      if (await access(record.outputFolder).then(() => true, () => false)) {
        // Never write over a folder the job did not make.
        throw new Error(`Job ${runId} writes its model to ${record.outputFolder}, which now exists (made by something else); move or rename that folder, then resume.`);
      }
      const resumeDir = await this.resumeTarget(dir, record);
      const { provider, fallbackReason } = await this.options.resolveProvider();
      this.ensureOpen();
      record.state = 'running';
      record.pid = process.pid;
      record.provider = provider;
      record.error = null;
      await writeJob(dir, record);
      await appendJobLog(dir, `resume (${status}) ${resumeDir ? `from ${basename(resumeDir)}` : 'from the start (no stage had begun)'}; provider ${provider}${fallbackReason ? ` (${fallbackReason})` : ''}; pid ${process.pid}`);
      this.launch(dir, record, resumeDir ?? undefined);
      return { runId };
    } finally {
      this.starting = false;
    }
  }

  // ───────────────────────────── runs / run / compare ─────────────────────────────

  async runs(): Promise<FinetuneRunSummary[]> {
    let names: string[];
    try {
      names = await readdir(this.runsRoot);
    } catch {
      return [];
    }
    const out: FinetuneRunSummary[] = [];
    for (const name of names) {
      const dir = join(this.runsRoot, name);
      let record: JobRecord;
      try {
        record = await readJob(dir);
      } catch {
        continue; // not a job folder (e.g. a CLI run)
      }
      const active = this.active?.runId === record.runId;
      out.push(await jobSummary(dir, active ? this.active!.record : record, active, active ? this.active!.live : null));
    }
    return out.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : b.runId.localeCompare(a.runId)));
  }

  async run({ runId }: { runId: string }): Promise<FinetuneRunDetail> {
    const dir = await this.jobDir(runId);
    const active = this.active?.runId === runId;
    return jobDetail(dir, active ? this.active!.record : await readJob(dir), active, active ? this.active!.live : null);
  }

  async compare(req: FinetuneCompareRequest): Promise<FinetuneCompareResult> {
    const dir = await this.jobDir(req.runId);
    const record = this.active?.runId === req.runId ? this.active.record : await readJob(dir);
    const plan = await planForBundle(record.baseModel);
    if (plan.manifest.kind !== 'cond-transformer') throw new Error(`${plan.manifest.name} is a VQGAN bundle; compare samples images, which needs a transformer model.`);
    // Not finished: the newest checkpoint of each stage stands in for the model.
    const checkpointRuns = record.outputModel ? [] : (await stageRuns(dir)).filter((r) => r.checkpointStep !== null).map((r) => ({ stage: r.config.stage as FinetuneStageName, runDir: r.dir }));
    if (!record.outputModel && checkpointRuns.length === 0) {
      throw new Error(`Job ${req.runId} has no checkpoint yet (${effectiveStatus(record, this.active?.runId === req.runId)}); compare once it has saved one or finished.`);
    }
    const seed = req.seed ?? 1;
    const { provider } = await this.options.resolveProvider();
    const scratch = join(this.options.userDataDir, 'tmp', `compare-${process.pid}-${randomBytes(4).toString('hex')}`);
    const a = (await this.request({
      type: 'compare', requestId: 0, query: { base: record.baseModel, tuned: record.outputModel, checkpointRuns, scratch, images: record.request.images, seed, provider },
    })) as {
      condition: Uint8Array | null; base: Uint8Array; tuned: Uint8Array;
    };
    const url = (b: Uint8Array): string => `data:image/png;base64,${Buffer.from(b).toString('base64')}`;
    return { seed, condition: a.condition ? url(a.condition) : null, base: url(a.base), tuned: url(a.tuned) };
  }

  /** Jobs this service is running (at most one). */
  activeJob(): string | null {
    return this.active?.runId ?? null;
  }

  /** Stops a running job cleanly (it checkpoints and ends 'stopped'; waits up to `timeoutMs`), then ends the worker. */
  async close(timeoutMs = 60_000): Promise<void> {
    this.closed = true;
    const job = this.active;
    if (job) {
      this.post({ type: 'stop', jobId: job.runId });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([job.done, new Promise<void>((r) => { timer = setTimeout(r, timeoutMs); })]);
      clearTimeout(timer);
    }
    const w = this.worker;
    this.worker = null;
    for (const [, p] of this.replies) p.reject(new Error('The fine-tune service was closed.'));
    this.replies.clear();
    if (w) await w.terminate();
  }

  // ───────────────────────────── internals ─────────────────────────────

  /** Measured step times, `<sha256 of the weights>|<stage>|<batch>|<provider>` → seconds (kept across restarts). */
  private get stepTimesFile(): string {
    return join(this.options.userDataDir, 'finetune-step-times.json');
  }

  private async stepTimeCache(): Promise<Map<string, number>> {
    if (!this.stepTimes) {
      this.stepTimes = new Map();
      try {
        const saved = JSON.parse(await readFile(this.stepTimesFile, 'utf8')) as Record<string, unknown>;
        for (const [k, v] of Object.entries(saved)) if (typeof v === 'number' && v > 0) this.stepTimes.set(k, v);
      } catch {
        // none yet, or unreadable: measure again
      }
    }
    return this.stepTimes;
  }

  private ensureOpen(): void {
    if (this.closed) throw new Error('The fine-tune service is closed.');
  }

  private async checkFolder(images: string): Promise<void> {
    const s = await stat(images).catch(() => null);
    if (!s) throw new Error(`The images folder ${images} does not exist; choose a folder of pictures.`);
    if (!s.isDirectory()) throw new Error(`${images} is a file, not a folder; choose the folder that holds the pictures.`);
  }

  private async jobDir(runId: string): Promise<string> {
    if (!RUN_ID_RE.test(runId)) throw new Error(`Unknown fine-tune job ${JSON.stringify(runId)}.`);
    const dir = join(this.runsRoot, runId);
    try {
      await access(join(dir, JOB_FILE));
    } catch {
      throw new Error(`Unknown fine-tune job ${JSON.stringify(runId)}: no such job in ${this.runsRoot}.`);
    }
    return dir;
  }

  /** `<library>/models/<slug>`, `-2`, `-3`, …: a folder that does not exist and no other job has reserved. */
  private async reserveOutputFolder(name: string, base: string): Promise<string> {
    const root = libraryModelsFolder(this.options.libraryFolder());
    const reserved = new Set<string>([resolve(base)]);
    for (const s of await this.runs()) {
      try {
        reserved.add(resolve((await readJob(join(this.runsRoot, s.runId))).outputFolder));
      } catch {
        // unreadable job
      }
    }
    const slug = folderSlug(name);
    for (let k = 1; k < 10_000; k++) {
      const dir = resolve(root, k === 1 ? slug : `${slug}-${k}`);
      if (reserved.has(dir)) continue;
      if (await access(dir).then(() => true, () => false)) continue;
      return dir;
    }
    throw new Error(`No free folder name for ${name} in ${root}.`);
  }

  /**
   * The trainer run a resume continues: the newest stage's run (trainer status 'running' left by a dead or
   * abandoned worker is marked stopped first); for 'both' after a finished VQGAN stage with no transformer run
   * yet, a transformer run on the tuned first stage is created. null: no stage had begun (start over).
   */
  private async resumeTarget(dir: string, record: JobRecord): Promise<string | null> {
    for (const r of await stageRuns(dir)) {
      if (r.recorded.status === 'running') {
        const status = { ...r.recorded, status: 'stopped', message: 'interrupted: the process running it ended', updatedAt: new Date().toISOString() };
        await writeFileAtomic(join(r.dir, 'status.json'), JSON.stringify(status, null, 2) + '\n');
      }
    }
    const runs = await stageRuns(dir);
    const last = runs.at(-1);
    if (!last) return null;
    if (last.recorded.status !== 'finished') return last.dir;
    if (record.request.stage === 'both' && last.config.stage === 'vqgan') {
      const run = await Run.create(dir, {
        name: `${record.baseName}-transformer`, config: { ...last.config, stage: 'transformer', firstStageRun: last.dir }, totalSteps: record.request.steps,
      });
      await run.end('stopped', 'created by resume: the transformer stage starts on the fine-tuned first stage');
      return run.dir;
    }
    throw new Error(`Job ${record.runId}: its training finished but the model was not written; start a new job.`);
  }

  private launch(dir: string, record: JobRecord, resumeDir: string | undefined): void {
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => { resolveDone = r; });
    const job: ActiveJob = {
      runId: record.runId, dir, record, stages: stagesOf(record.request.stage), live: null, lastProgress: null, lastEmit: 0, pending: null, timer: null,
      sentSample: new Map(), runDirs: new Map(), chain: Promise.resolve(), done, resolveDone,
    };
    this.active = job;
    const r = record.request;
    const lpips = join(libraryModelsFolder(this.options.libraryFolder()), 'lpips');
    const w: WorkerFinetuneJob = {
      model: r.model, images: r.images, stage: r.stage, steps: r.steps, out: record.outputFolder, runsDir: dir, cacheDir: join(dir, 'cache'),
      batch: r.batch, lr: r.lr, every: r.every, seed: r.seed, provider: record.provider, ...(resumeDir ? { resume: resumeDir } : {}),
      // Perceptual loss when the user has put LPIPS + VGG16 weights there (a resume keeps its run's own setting).
      ...(r.stage !== 'transformer' && existsSync(lpips) ? { lpips } : {}),
    };
    // Samples already on disk (a resume) are not news.
    job.chain = (async () => {
      for (const run of await stageRuns(dir)) {
        const files = await sampleFiles(run.dir);
        if (files.length) job.sentSample.set(run.config.stage as FinetuneStageName, files.at(-1)!.step);
      }
    })().catch(() => undefined);
    try {
      this.post({ type: 'start', jobId: record.runId, job: w });
    } catch (e) {
      void this.finishJob(job, { type: 'failed', jobId: job.runId, message: `The fine-tune engine could not start: ${(e as Error).message}` });
    }
  }

  private post(m: FinetuneToWorker): void {
    this.ensureWorker().postMessage(m);
  }

  private request(m: Extract<FinetuneToWorker, { requestId: number }>): Promise<unknown> {
    this.ensureOpen();
    const requestId = this.nextRequest++;
    return new Promise((resolvePromise, reject) => {
      this.replies.set(requestId, { resolve: resolvePromise, reject });
      try {
        this.post({ ...m, requestId });
      } catch (e) {
        this.replies.delete(requestId);
        reject(e as Error);
      }
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = (this.options.startWorker ?? startFinetuneTsWorker)();
    this.worker = w;
    w.on('message', (m: FinetuneFromWorker) => this.onMessage(m));
    const died = (why: string): void => {
      if (this.worker !== w) return;
      this.worker = null;
      const message = `The fine-tune engine stopped unexpectedly (${why}); it will restart for the next job.`;
      for (const [, p] of this.replies) p.reject(new Error(message));
      this.replies.clear();
      const job = this.active;
      if (job) job.chain = job.chain.then(() => this.finishJob(job, { type: 'failed', jobId: job.runId, message }));
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
    const job = this.active;
    if (!job || job.runId !== m.jobId) return;
    job.chain = job.chain.then(() => this.handle(job, m)).catch(async (e: unknown) => {
      await appendJobLog(job.dir, `service error: ${(e as Error).message}`).catch(() => undefined);
    });
  }

  private async handle(job: ActiveJob, m: Exclude<FinetuneFromWorker, { type: 'ready' } | { type: 'reply' }>): Promise<void> {
    if (this.active !== job) return;
    switch (m.type) {
      case 'provider':
        if (m.provider !== job.record.provider) {
          job.record.provider = m.provider;
          await writeJob(job.dir, job.record);
        }
        return;
      case 'log':
        await appendJobLog(job.dir, m.line);
        return;
      case 'progress':
        await this.onProgress(job, m.stage, m.progress);
        return;
      case 'done':
      case 'failed':
        await this.finishJob(job, m);
        return;
    }
  }

  private async runDirFor(job: ActiveJob, stage: FinetuneStageName): Promise<string | null> {
    const known = job.runDirs.get(stage);
    if (known) return known;
    const run = (await stageRuns(job.dir)).filter((r) => r.config.stage === stage).at(-1);
    if (run) job.runDirs.set(stage, run.dir);
    return run?.dir ?? null;
  }

  /**
   * The newest preview of `stage` not sent yet. `before`: only previews of earlier steps — the trainer writes
   * step k's preview after posting step k, so while step `before` is handled a newer file may still be written.
   */
  private async newSample(job: ActiveJob, stage: FinetuneStageName, before = Infinity): Promise<FinetuneProgressEvent['sample']> {
    const runDir = await this.runDirFor(job, stage);
    if (!runDir) return null;
    const files = (await sampleFiles(runDir)).filter((f) => f.step < before);
    const newest = files.at(-1);
    if (!newest || newest.step <= (job.sentSample.get(stage) ?? -1)) return null;
    const first = files.find((f) => f.step === newest.step)!;
    const dataUrl = await pngDataUrl(first.path);
    job.sentSample.set(stage, newest.step);
    return dataUrl ? { stage, step: newest.step, dataUrl } : null;
  }

  private event(job: ActiveJob, stage: FinetuneStageName, p: TrainProgress, sample: FinetuneProgressEvent['sample']): FinetuneProgressEvent {
    return {
      runId: job.runId, stage, stageIndex: job.stages.indexOf(stage) + 1, stageCount: job.stages.length, step: p.step, totalSteps: p.totalSteps,
      losses: p.losses, lr: p.lr, imagesPerSec: p.imagesPerSec, etaSec: p.etaSec, elapsedSec: p.elapsedSec, sample,
    };
  }

  private async onProgress(job: ActiveJob, stage: FinetuneStageName, p: TrainProgress): Promise<void> {
    const previous = job.lastProgress;
    // The previous stage's last preview (written after its last step) goes out before this stage's steps.
    if (previous && previous.stage !== stage) await this.flushSample(job, previous);
    const firstOfStage = !previous || previous.stage !== stage;
    job.lastProgress = { stage, p };
    job.live = { stage, step: p.step };
    const sample = await this.newSample(job, stage, p.step);
    const e = this.event(job, stage, p, sample);
    const interval = this.options.progressIntervalMs ?? 200;
    const now = performance.now();
    if (firstOfStage || sample || p.step >= p.totalSteps || now - job.lastEmit >= interval) {
      this.emitProgress(job, e);
      return;
    }
    job.pending = e;
    if (!job.timer) {
      job.timer = setTimeout(() => {
        job.timer = null;
        const pending = job.pending;
        if (pending && this.active === job) this.emitProgress(job, pending);
      }, Math.max(1, interval - (now - job.lastEmit)));
    }
  }

  private emitProgress(job: ActiveJob, e: FinetuneProgressEvent): void {
    job.pending = null;
    if (job.timer) {
      clearTimeout(job.timer);
      job.timer = null;
    }
    job.lastEmit = performance.now();
    for (const l of this.progressListeners) l(e);
  }

  /** A preview written after the last progress event goes out on a repeat of that event. */
  private async flushSample(job: ActiveJob, last: { stage: FinetuneStageName; p: TrainProgress }): Promise<void> {
    const sample = await this.newSample(job, last.stage);
    if (job.pending) this.emitProgress(job, job.pending);
    if (sample) this.emitProgress(job, this.event(job, last.stage, last.p, sample));
  }

  private async finishJob(job: ActiveJob, m: { type: 'done'; result: WorkerFinetuneResult } | { type: 'failed'; jobId: string; message: string }): Promise<void> {
    if (this.active !== job) return;
    // After a crash a preview may be half written: only a finished or stopped job sends its last one.
    if (m.type === 'done' && job.lastProgress) await this.flushSample(job, job.lastProgress).catch(() => undefined);
    else if (job.pending) this.emitProgress(job, job.pending);
    if (job.timer) clearTimeout(job.timer);
    const record = job.record;
    try {
      if (m.type === 'done') {
        // A resumed 'both' job reports only the stages it ran this time: earlier stages' results are kept.
        const byStage = new Map(record.results.map((r) => [r.stage, r]));
        for (const s of m.result.stages) {
          if (!s.stopped) byStage.set(s.stage, { stage: s.stage, steps: s.steps, metric: s.metric, before: s.before, after: s.after });
        }
        record.results = job.stages.map((st) => byStage.get(st)).filter((r): r is FinetuneStageResult => r !== undefined);
        if (m.result.stopped || !m.result.bundleDir) {
          record.state = 'stopped';
          await appendJobLog(job.dir, 'stopped and saved; resume continues from the last checkpoint');
        } else {
          await nameBundle(m.result.bundleDir, record.outputName);
          record.state = 'finished';
          record.outputModel = m.result.bundleDir;
          await appendJobLog(job.dir, `finished: wrote ${m.result.bundleDir} (${record.outputName})`);
        }
      } else {
        record.state = 'failed';
        record.error = m.message;
        await appendJobLog(job.dir, `failed: ${m.message}`);
      }
    } catch (e) {
      record.state = 'failed';
      record.error = `Finishing the job failed: ${(e as Error).message}`;
    }
    await writeJob(job.dir, record).catch(() => undefined);
    const event: FinetuneFinishEvent = {
      runId: job.runId,
      status: record.state === 'finished' ? 'finished' : record.state === 'stopped' ? 'stopped' : 'failed',
      error: record.state === 'failed' ? record.error : null,
      outputModel: record.outputModel,
      results: record.results,
    };
    this.active = null;
    job.resolveDone();
    for (const l of this.finishListeners) l(event);
  }
}

function summariseSkips(skipped: readonly { reason: string }[]): string {
  const counts = new Map<string, number>();
  for (const s of skipped) counts.set(s.reason, (counts.get(s.reason) ?? 0) + 1);
  return [...counts].map(([r, n]) => `${n} ${r}`).join(', ');
}

/** Bytes of the bundle's weights file(s) (what the new bundle and each checkpoint copy). */
async function bundleWeightBytes(dir: string): Promise<number> {
  let total = 0;
  for (const n of await readdir(dir)) if (n.endsWith('.safetensors')) total += (await stat(join(dir, n))).size;
  return Math.max(total, 1);
}

/** Gives a finished bundle its display name (finetune() names it after its folder). */
async function nameBundle(dir: string, name: string): Promise<void> {
  const manifest = await readManifest(dir);
  if (manifest.name === name) return;
  const next = validateManifest({ ...manifest, name }, join(dir, MANIFEST_FILE));
  await writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(next, null, 2)}\n`);
}

// Re-exported for tests that simulate a crash of the process running a job.
export { readJob, writeJob };
export type { JobRecord };
