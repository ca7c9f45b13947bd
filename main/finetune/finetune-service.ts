/**
 * The fine-tune job service behind the `finetune` API domain (issues 6 and 8).
 *
 * Jobs run one at a time in the fine-tune worker (worker_threads; main/finetune/finetune-worker.ts) on the
 * execution provider resolved from settings.device at each start and resume. Each job owns
 * `<userData>/runs/<runId>/` (see finetune-store.ts) and writes a new bundle to `<library>/models/<slug>`, a
 * folder reserved at start that never existed before (so never the base). Stop asks the trainer to checkpoint
 * and end as 'stopped'; resume continues the job's newest stage run from its checkpoint. A job whose process
 * died is 'interrupted' and resumable. If the worker dies, the running job fails with the reason and the next
 * job starts a fresh worker.
 * Progress events are throttled by finetune-progress.ts; the worker is reached through finetune-worker-client.ts.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { access, mkdir, readdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { scanFolder } from '../../native-models/training/data/scan';
import { FINETUNE_BASE_LR, FINETUNE_DEFAULT_BATCH } from '../../native-models/training/finetune-plan';
import { Run } from '../../native-models/training/run';
import { scaledLr } from '../../native-models/training/schedule';
import type {
  FinetuneCompareRequest, FinetuneCompareResult, FinetuneEstimate, FinetuneEstimateRequest, FinetuneFinishEvent, FinetuneProgressEvent,
  FinetuneRunDetail, FinetuneRunSummary, FinetuneScanReport, FinetuneScanRequest, FinetuneStageName, FinetuneStageResult, FinetuneStartRequest,
} from '../../preload/finetune-types';
import type { CompareAnswer, WorkerFinetuneJob, WorkerFinetuneResult } from './finetune-protocol';
import { writeFileAtomic } from '../services/atomic-write';
import { libraryModelsFolder } from '../models/model-folders';
import { estimatePresets, scanForFinetune } from './finetune-scan';
import { planForBundle } from './finetune-plan';
import { bundleWeightBytes, checkImagesFolder, folderSlug, freeOutputFolder, summariseSkips } from './finetune-output';
import { JobProgress } from './finetune-progress';
import { StepTimes } from './finetune-step-times';
import { FinetuneWorkerClient, type JobMessage } from './finetune-worker-client';
import {
  appendJobLog, effectiveStatus, JOB_FILE, jobDetail, jobSummary, readJob, stageRuns, stagesOf, writeJob, type JobRecord,
} from './finetune-store';

type Listener<T> = (event: T) => void;

export const MAX_STEPS = 1_000_000;
export const DEFAULT_EVERY = 50;

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

const RUN_ID_RE = /^[\w][\w.-]{0,127}$/;

interface ActiveJob {
  runId: string;
  dir: string;
  record: JobRecord;
  stages: FinetuneStageName[];
  progress: JobProgress;
  /** Serialises the async handling of worker messages. */
  chain: Promise<void>;
  done: Promise<void>;
  resolveDone: () => void;
}

export class FinetuneService {
  private active: ActiveJob | null = null;
  private starting = false;
  private closed = false;
  private readonly progressListeners = new Set<Listener<FinetuneProgressEvent>>();
  private readonly finishListeners = new Set<Listener<FinetuneFinishEvent>>();
  private readonly stepTimes: StepTimes;
  private readonly worker: FinetuneWorkerClient;

  constructor(private readonly options: FinetuneServiceOptions) {
    this.stepTimes = new StepTimes(options.userDataDir);
    this.worker = new FinetuneWorkerClient({
      ...(options.startWorker ? { start: options.startWorker } : {}),
      onJobMessage: (m) => this.onJobMessage(m),
      onDied: (message) => {
        const job = this.active;
        if (job) job.chain = job.chain.then(() => this.finishJob(job, { type: 'failed', jobId: job.runId, message }));
      },
    });
  }

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
    await checkImagesFolder(images);
    const s = await scanForFinetune({ images, mode: plan.dataMode, size: plan.cropSize, previews: Math.min(48, req.previews ?? 12), previewSize: 96 });
    return { ...s, conditions: { ...s.conditions, mode: plan.mode }, stages: plan.stages };
  }

  async estimate(req: FinetuneEstimateRequest): Promise<FinetuneEstimate> {
    const model = resolve(req.model);
    const plan = await planForBundle(model, req.stage);
    const batch = req.batch ?? FINETUNE_DEFAULT_BATCH;
    const { provider } = await this.options.resolveProvider();
    const stepSeconds: Partial<Record<FinetuneStageName, number>> = {};
    for (const stage of stagesOf(req.stage)) {
      const key = StepTimes.key(plan.manifest.weights.sha256, stage, batch, provider);
      let t = await this.stepTimes.get(key);
      if (t === undefined) {
        const scratch = join(this.options.userDataDir, 'tmp', `estimate-${process.pid}-${randomBytes(4).toString('hex')}`);
        const query = { model, stage, batch, provider, scratch, cropSize: plan.cropSize, dataMode: plan.dataMode };
        t = (await this.request<{ stepSeconds: number }>({ type: 'estimate', requestId: 0, query })).stepSeconds;
        await this.stepTimes.set(key, t);
      }
      stepSeconds[stage] = t;
    }
    const total = Object.values(stepSeconds).reduce((a, b) => a + b, 0);
    const bundleBytes = await bundleWeightBytes(model);
    const presets = estimatePresets({ images: Math.max(1, req.images), batch, stepSeconds: total, bundleBytes })
      .map((p) => ({ ...p, diskBytes: p.diskBytes * stagesOf(req.stage).length }));
    return { provider, stepSeconds, presets, defaults: { batch: FINETUNE_DEFAULT_BATCH, lr: scaledLr(FINETUNE_BASE_LR, FINETUNE_DEFAULT_BATCH), every: DEFAULT_EVERY } };
  }

  // ───────────────────────────── start / stop / resume ─────────────────────────────

  async start(req: FinetuneStartRequest): Promise<{ runId: string }> {
    this.ensureOpen();
    if (this.active || this.starting) throw new Error(`A fine-tune job is already running (${this.active?.runId ?? 'starting'}); stop it or wait for it to finish.`);
    this.starting = true;
    try {
      if (!Number.isInteger(req.steps) || req.steps < 1 || req.steps > MAX_STEPS) throw new Error(`steps must be an integer from 1 to ${MAX_STEPS}, got ${req.steps}.`);
      const model = resolve(req.model);
      const plan = await planForBundle(model, req.stage);
      const images = resolve(req.images);
      await checkImagesFolder(images);
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
      const batch = req.batch ?? FINETUNE_DEFAULT_BATCH;
      const record: JobRecord = {
        version: 1, runId,
        request: {
          model, images, stage: req.stage, steps: req.steps, name: outputName, batch, lr: req.lr ?? scaledLr(FINETUNE_BASE_LR, batch),
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
      out.push(await jobSummary(dir, active ? this.active!.record : record, active, active ? this.active!.progress.live : null));
    }
    return out.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : b.runId.localeCompare(a.runId)));
  }

  async run({ runId }: { runId: string }): Promise<FinetuneRunDetail> {
    const dir = await this.jobDir(runId);
    const active = this.active?.runId === runId;
    return jobDetail(dir, active ? this.active!.record : await readJob(dir), active, active ? this.active!.progress.live : null);
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
    const a = await this.request<CompareAnswer>({
      type: 'compare', requestId: 0, query: { base: record.baseModel, tuned: record.outputModel, checkpointRuns, scratch, images: record.request.images, seed, provider },
    });
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
    await this.worker.close();
  }

  // ───────────────────────────── internals ─────────────────────────────

  private ensureOpen(): void {
    if (this.closed) throw new Error('The fine-tune service is closed.');
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
    const reserved = new Set<string>([resolve(base)]);
    for (const s of await this.runs()) {
      try {
        reserved.add(resolve((await readJob(join(this.runsRoot, s.runId))).outputFolder));
      } catch {
        // unreadable job
      }
    }
    return freeOutputFolder(libraryModelsFolder(this.options.libraryFolder()), name, reserved);
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
    const stages = stagesOf(record.request.stage);
    const progress = new JobProgress({ runId: record.runId, stages }, this.options.progressIntervalMs ?? 200, (e) => {
      if (this.active?.runId === record.runId) for (const l of this.progressListeners) l(e);
    });
    const job: ActiveJob = { runId: record.runId, dir, record, stages, progress, chain: Promise.resolve(), done, resolveDone };
    this.active = job;
    const r = record.request;
    const lpips = join(libraryModelsFolder(this.options.libraryFolder()), 'lpips');
    const w: WorkerFinetuneJob = {
      model: r.model, images: r.images, stage: r.stage, steps: r.steps, out: record.outputFolder, name: record.outputName, runsDir: dir, cacheDir: join(dir, 'cache'),
      batch: r.batch, lr: r.lr, every: r.every, seed: r.seed, provider: record.provider, ...(resumeDir ? { resume: resumeDir } : {}),
      // Perceptual loss when the user has put LPIPS + VGG16 weights there (a resume keeps its run's own setting).
      ...(r.stage !== 'transformer' && existsSync(lpips) ? { lpips } : {}),
    };
    try {
      this.post({ type: 'start', jobId: record.runId, job: w });
    } catch (e) {
      void this.finishJob(job, { type: 'failed', jobId: job.runId, message: `The fine-tune engine could not start: ${(e as Error).message}` });
    }
  }

  private post(m: Parameters<FinetuneWorkerClient['post']>[0]): void {
    this.worker.post(m);
  }

  private request<T>(m: Parameters<FinetuneWorkerClient['request']>[0]): Promise<T> {
    this.ensureOpen();
    return this.worker.request<T>(m);
  }

  private onJobMessage(m: JobMessage): void {
    const job = this.active;
    if (!job || job.runId !== m.jobId) return;
    job.chain = job.chain.then(() => this.handle(job, m)).catch(async (e: unknown) => {
      await appendJobLog(job.dir, `service error: ${(e as Error).message}`).catch(() => undefined);
    });
  }

  private async handle(job: ActiveJob, m: JobMessage): Promise<void> {
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
        job.progress.onStep(m.stage, m.progress);
        return;
      case 'sample':
        await job.progress.onSample(m.stage, m.step, m.path);
        return;
      case 'done':
      case 'failed':
        await this.finishJob(job, m);
        return;
    }
  }

  private async finishJob(job: ActiveJob, m: { type: 'done'; result: WorkerFinetuneResult } | { type: 'failed'; jobId: string; message: string }): Promise<void> {
    if (this.active !== job) return;
    job.progress.finish();
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

// Re-exported for tests that simulate a crash of the process running a job.
export { readJob, writeJob };
export type { JobRecord };
