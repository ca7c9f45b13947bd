/**
 * Fine-tune jobs on disk: `<userData>/runs/<runId>/` holds `job.json` (the request, base and output, provider,
 * state, pid, results), `log.txt` (service and data-pipeline lines) and the trainer's run folders (one per
 * stage; native-models/training/run.ts). This module reads them into the contract's summaries and details:
 * effective status (a job recorded running whose process is gone, or that this process no longer runs, is
 * 'interrupted'), metrics from the runs' metrics.jsonl, preview PNGs as data URLs, and the log tail.
 */
import { appendFile, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isProcessAlive, listRuns, type RunInfo } from '../../native-models/training/run';
import type {
  FinetuneMetricPoint, FinetuneRunDetail, FinetuneRunStatus, FinetuneRunSummary, FinetuneSample, FinetuneStageName, FinetuneStageResult,
  FinetuneStartRequest,
} from '../../preload/finetune-types';
import { writeFileAtomic } from '../services/atomic-write';

export const JOB_FILE = 'job.json';
export const JOB_LOG = 'log.txt';
/** Samples returned by `run()` (the newest ones) and the largest PNG sent as a data URL. */
export const MAX_SAMPLES = 24;
export const MAX_SAMPLE_BYTES = 4 * 1024 * 1024;
const LOG_TAIL = 60;

export interface JobRecord {
  version: 1;
  runId: string;
  /** The request as validated, with absolute model and images folders and the defaults filled in. */
  request: Required<Omit<FinetuneStartRequest, 'name'>> & { name: string };
  baseModel: string;
  baseName: string;
  outputName: string;
  /** Where the new bundle is written (reserved at start; never an existing folder). */
  outputFolder: string;
  /** The new bundle once written. */
  outputModel: string | null;
  provider: string;
  createdAt: string;
  updatedAt: string;
  state: 'running' | 'stopped' | 'finished' | 'failed';
  /** Process that runs (or last ran) the job. */
  pid: number;
  error: string | null;
  results: FinetuneStageResult[];
}

export async function readJob(jobDir: string): Promise<JobRecord> {
  return JSON.parse(await readFile(join(jobDir, JOB_FILE), 'utf8')) as JobRecord;
}

export async function writeJob(jobDir: string, record: JobRecord): Promise<void> {
  record.updatedAt = new Date().toISOString();
  await writeFileAtomic(join(jobDir, JOB_FILE), JSON.stringify(record, null, 2) + '\n');
}

export async function appendJobLog(jobDir: string, line: string): Promise<void> {
  const stamp = new Date().toISOString();
  await appendFile(join(jobDir, JOB_LOG), line.split('\n').map((l) => `${stamp} ${l}`).join('\n') + '\n');
}

/** Stage order of a job: 'both' trains the VQGAN first. */
export function stagesOf(stage: FinetuneStartRequest['stage']): FinetuneStageName[] {
  return stage === 'both' ? ['vqgan', 'transformer'] : [stage];
}

/** The trainer runs of a job, oldest stage first (by the stage order). */
export async function stageRuns(jobDir: string): Promise<RunInfo[]> {
  const runs = (await listRuns(jobDir)).filter((r) => r.config.kind === 'tessera-finetune');
  const rank = (r: RunInfo): number => (r.config.stage === 'vqgan' ? 0 : 1);
  return runs.sort((a, b) => rank(a) - rank(b) || a.id.localeCompare(b.id));
}

/** The job's status as the user should see it. `active`: this process is running it right now. */
export function effectiveStatus(record: JobRecord, active: boolean): FinetuneRunStatus {
  if (active) return 'running';
  if (record.state !== 'running') return record.state;
  // Recorded running but not run by this service: alive only if another live process owns it.
  return record.pid !== process.pid && isProcessAlive(record.pid) ? 'running' : 'interrupted';
}

export interface LiveState {
  stage: FinetuneStageName;
  step: number;
}

export async function jobSummary(jobDir: string, record: JobRecord, active: boolean, live: LiveState | null): Promise<FinetuneRunSummary> {
  const runs = await stageRuns(jobDir);
  const last = runs.at(-1) ?? null;
  const status = effectiveStatus(record, active);
  const currentStage = live?.stage ?? ((last?.config.stage as FinetuneStageName | undefined) ?? null);
  const step = live?.step ?? last?.recorded.step ?? 0;
  return {
    runId: record.runId,
    status,
    stage: record.request.stage,
    baseModel: record.baseModel,
    baseName: record.baseName,
    images: record.request.images,
    outputName: record.outputName,
    outputModel: record.outputModel,
    currentStage,
    step,
    totalSteps: record.request.steps,
    checkpointStep: last?.checkpointStep ?? null,
    resumable: status === 'stopped' || status === 'interrupted',
    provider: record.provider,
    createdAt: record.createdAt,
    updatedAt: active ? new Date().toISOString() : record.updatedAt, // a running job changes with every step
    error: status === 'failed' ? record.error : null,
  };
}

/**
 * One metrics.jsonl record as a metric point with the same loss names as the progress events:
 * VQGAN {loss, rec, p? (perceptual), d?}, transformer {nll}. Held-out records (no lr) are left out (they are in `results`).
 */
export function metricPoint(stage: FinetuneStageName, r: Record<string, unknown>): FinetuneMetricPoint | null {
  if (typeof r.step !== 'number' || typeof r.lr !== 'number' || typeof r.loss !== 'number') return null;
  const losses: Record<string, number> = {};
  if (stage === 'transformer') losses.nll = r.loss;
  else {
    losses.loss = r.loss;
    if (typeof r.nll === 'number') losses.rec = r.nll;
    if (typeof r.p === 'number') losses.p = r.p;
    if (typeof r.d === 'number') losses.d = r.d;
  }
  return { stage, step: r.step, losses, lr: r.lr };
}

async function readMetrics(run: RunInfo): Promise<FinetuneMetricPoint[]> {
  const stage = run.config.stage as FinetuneStageName;
  const text = await readFile(join(run.dir, 'metrics.jsonl'), 'utf8').catch(() => '');
  const out: FinetuneMetricPoint[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const p = metricPoint(stage, JSON.parse(line) as Record<string, unknown>);
      if (p) out.push(p);
    } catch {
      // a line torn by a crash
    }
  }
  return out;
}

const SAMPLE_RE = /^step-(\d{9})-(\d+)\.png$/;

/** Preview files of a run, oldest first: [step, index, path]. */
export async function sampleFiles(runDir: string): Promise<{ step: number; index: number; path: string }[]> {
  let names: string[];
  try {
    names = await readdir(join(runDir, 'samples'));
  } catch {
    return [];
  }
  const out: { step: number; index: number; path: string }[] = [];
  for (const n of names) {
    const m = SAMPLE_RE.exec(n);
    if (m) out.push({ step: Number(m[1]), index: Number(m[2]), path: join(runDir, 'samples', n) });
  }
  return out.sort((a, b) => a.step - b.step || a.index - b.index);
}

/** A PNG file as a data URL; null when missing or larger than MAX_SAMPLE_BYTES. */
export async function pngDataUrl(path: string): Promise<string | null> {
  try {
    if ((await stat(path)).size > MAX_SAMPLE_BYTES) return null;
    return `data:image/png;base64,${(await readFile(path)).toString('base64')}`;
  } catch {
    return null;
  }
}

async function logLines(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l.trim() !== '');
}

export async function jobDetail(jobDir: string, record: JobRecord, active: boolean, live: LiveState | null): Promise<FinetuneRunDetail> {
  const summary = await jobSummary(jobDir, record, active, live);
  const runs = await stageRuns(jobDir);
  const metrics: FinetuneMetricPoint[] = [];
  const files: { stage: FinetuneStageName; step: number; path: string }[] = [];
  let discStart: number | null = null;
  const logs: string[] = await logLines(join(jobDir, JOB_LOG));
  for (const run of runs) {
    const stage = run.config.stage as FinetuneStageName;
    metrics.push(...(await readMetrics(run)));
    for (const f of await sampleFiles(run.dir)) {
      // While a stage runs, its preview of the current step may still be being written.
      if (active && live?.stage === stage && f.step >= live.step) continue;
      files.push({ stage, step: f.step, path: f.path });
    }
    if (stage === 'vqgan' && typeof run.config.steps === 'number') discStart = Math.floor(run.config.steps / 2);
    logs.push(...(await logLines(join(run.dir, 'log.txt'))));
  }
  const samples: FinetuneSample[] = [];
  for (const f of files.slice(-MAX_SAMPLES)) {
    const dataUrl = await pngDataUrl(f.path);
    if (dataUrl) samples.push({ stage: f.stage, step: f.step, dataUrl });
  }
  // Lines start with an ISO time: a stable sort by it interleaves the service's and the trainers' logs.
  const logTail = logs.map((l, i) => ({ l, i })).sort((a, b) => (a.l.slice(0, 24) < b.l.slice(0, 24) ? -1 : a.l.slice(0, 24) > b.l.slice(0, 24) ? 1 : a.i - b.i)).map((x) => x.l).slice(-LOG_TAIL);
  return { ...summary, metrics, discStart, samples, results: record.results, logTail };
}
