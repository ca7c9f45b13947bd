/**
 * Training runs on disk. Each run is its own folder under a runs root:
 *   config.json     the settings the run was started with (never rewritten)
 *   status.json     { status, pid, hostname, heartbeat, step, … } — rewritten atomically (temp + rename)
 *   log.txt         human-readable log, one timestamped line per entry
 *   metrics.jsonl   one JSON object per line, each with a `step`
 *   checkpoints/    see checkpoint.ts
 *   samples/        preview images
 *
 * Registry (`listRuns`): a run whose status says `running` is reported as `interrupted` when its process is gone
 * — same host and the pid no longer exists — or when its heartbeat is older than `staleMs` (default 10 min;
 * covers other hosts and reused pids). Interrupted and stopped runs that have a checkpoint are resumable.
 * `resumeRun` takes the run over: it refuses a run that is still live, loads the newest readable checkpoint,
 * cuts metrics.jsonl back to that checkpoint's step (so the curve has no duplicates), logs the resume and marks
 * the run running under the new pid.
 *
 * `heldOutSplit`: the held-out set is the `fraction` (default 10%) of items with the smallest
 * sha256(seed ‖ key) — independent of listing order, stable when unrelated files are added, and at least one item
 * when there are two or more.
 */
import { createHash, randomBytes } from 'node:crypto';
import { appendFile, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { listCheckpoints, loadLatestCheckpoint, removeTempFiles, type LatestCheckpoint } from './checkpoint';
import type { JsonValue } from './data/cache';

export type RunState = 'running' | 'stopped' | 'finished' | 'failed';
export type RunStatus = RunState | 'interrupted';

export interface RunStatusFile {
  status: RunState;
  pid: number;
  hostname: string;
  createdAt: string;
  /** Last heartbeat (ISO time). */
  updatedAt: string;
  step: number;
  totalSteps: number | null;
  resumes: number;
  finishedAt?: string;
  /** Why it stopped or failed. */
  message?: string;
}

export interface RunInfo {
  id: string;
  dir: string;
  status: RunStatus;
  /** The status file as written (its `status` may say running for an interrupted run). */
  recorded: RunStatusFile;
  config: Record<string, JsonValue>;
  /** Newest checkpoint step on disk, if any. */
  checkpointStep: number | null;
  resumable: boolean;
}

export const DEFAULT_STALE_MS = 10 * 60 * 1000;
const HEARTBEAT_MIN_MS = 2000;

/** True when a process with this pid exists on this host. */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(3).toString('hex')}`;
  await writeFile(tmp, JSON.stringify(value, null, 2) + '\n');
  await rename(tmp, path);
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'run';
}

function effectiveStatus(s: RunStatusFile, staleMs: number, now: number): RunStatus {
  if (s.status !== 'running') return s.status;
  const sameHost = s.hostname === hostname();
  if (sameHost && !isProcessAlive(s.pid)) return 'interrupted';
  if (now - Date.parse(s.updatedAt) > staleMs) return 'interrupted';
  return 'running';
}

export class Run {
  private lastBeat = 0;

  private constructor(
    readonly id: string,
    readonly dir: string,
    private status: RunStatusFile,
  ) {}

  get checkpointsDir(): string { return join(this.dir, 'checkpoints'); }
  get samplesDir(): string { return join(this.dir, 'samples'); }
  get logPath(): string { return join(this.dir, 'log.txt'); }
  get metricsPath(): string { return join(this.dir, 'metrics.jsonl'); }
  get configPath(): string { return join(this.dir, 'config.json'); }
  get statusPath(): string { return join(this.dir, 'status.json'); }
  get step(): number { return this.status.step; }

  /** Create a new run folder under `root`. The id is `<UTC yyyymmdd-hhmmss of now>-<name>-<4 hex>`. */
  static async create(root: string, opts: { name: string; config: Record<string, JsonValue>; totalSteps?: number; now?: Date }): Promise<Run> {
    const now = opts.now ?? new Date();
    const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    const id = `${stamp}-${slug(opts.name)}-${randomBytes(2).toString('hex')}`;
    const dir = join(root, id);
    await mkdir(join(dir, 'checkpoints'), { recursive: true });
    await mkdir(join(dir, 'samples'), { recursive: true });
    await writeFile(join(dir, 'config.json'), JSON.stringify(opts.config, null, 2) + '\n', { flag: 'wx' });
    await writeFile(join(dir, 'metrics.jsonl'), '');
    const iso = new Date().toISOString(); // status times are real times; `now` only names the run
    const status: RunStatusFile = {
      status: 'running', pid: process.pid, hostname: hostname(), createdAt: iso, updatedAt: iso,
      step: 0, totalSteps: opts.totalSteps ?? null, resumes: 0,
    };
    const run = new Run(id, dir, status);
    await writeJsonAtomic(run.statusPath, status);
    await run.log(`run ${id} created`);
    return run;
  }

  async config(): Promise<Record<string, JsonValue>> {
    return JSON.parse(await readFile(this.configPath, 'utf8')) as Record<string, JsonValue>;
  }

  async log(message: string): Promise<void> {
    const lines = message.split('\n').map((l) => `${new Date().toISOString()} ${l}`).join('\n');
    await appendFile(this.logPath, lines + '\n');
  }

  /** Append one metrics record; `step` is required so resume can cut the file back. */
  async metric(record: { step: number } & Record<string, JsonValue>): Promise<void> {
    await appendFile(this.metricsPath, JSON.stringify(record) + '\n');
  }

  /** Record progress; writes status.json at most every 2 s unless `force`. */
  async heartbeat(step: number, force = false): Promise<void> {
    this.status.step = step;
    const now = Date.now();
    if (!force && now - this.lastBeat < HEARTBEAT_MIN_MS) return;
    this.lastBeat = now;
    this.status.updatedAt = new Date(now).toISOString();
    await writeJsonAtomic(this.statusPath, this.status);
  }

  /** End the run: finished, stopped (cancelled; resumable) or failed (with the error message). */
  async end(state: Exclude<RunState, 'running'>, message?: string): Promise<void> {
    const iso = new Date().toISOString();
    this.status = { ...this.status, status: state, updatedAt: iso, finishedAt: iso };
    if (message !== undefined) this.status.message = message;
    await writeJsonAtomic(this.statusPath, this.status);
    await this.log(`run ${state}${message ? `: ${message}` : ''} at step ${this.status.step}`);
  }

  /** Path for a preview sample: samples/step-<9 digits>-<index>.png. */
  samplePath(step: number, index = 0): string {
    return join(this.samplesDir, `step-${String(step).padStart(9, '0')}-${index}.png`);
  }

  /** Metrics records, in file order (a torn last line from a crash is ignored). */
  async metrics(): Promise<Record<string, JsonValue>[]> {
    return parseMetrics(await readFile(this.metricsPath, 'utf8').catch(() => ''));
  }

  /** @internal */
  static async open(dir: string): Promise<{ run: Run; info: RunStatusFile }> {
    let status: RunStatusFile;
    try {
      status = JSON.parse(await readFile(join(dir, 'status.json'), 'utf8')) as RunStatusFile;
    } catch (e) {
      throw new Error(`${dir} is not a Tessera run folder (no readable status.json).`, { cause: e });
    }
    const id = dir.split(/[\\/]/).filter(Boolean).pop()!;
    return { run: new Run(id, dir, { ...status }), info: status };
  }

  /** @internal used by resumeRun */
  async takeOver(step: number): Promise<void> {
    this.status = {
      ...this.status, status: 'running', pid: process.pid, hostname: hostname(),
      updatedAt: new Date().toISOString(), step, resumes: this.status.resumes + 1,
    };
    delete this.status.finishedAt;
    delete this.status.message;
    await writeJsonAtomic(this.statusPath, this.status);
  }
}

function parseMetrics(text: string): Record<string, JsonValue>[] {
  const out: Record<string, JsonValue>[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as Record<string, JsonValue>);
    } catch {
      // a line torn by a crash mid-append
    }
  }
  return out;
}

/** Every run under `root`, newest first, with its effective status. Folders that are not runs are ignored. */
export async function listRuns(root: string, opts: { staleMs?: number } = {}): Promise<RunInfo[]> {
  const staleMs = opts.staleMs ?? DEFAULT_STALE_MS;
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return [];
  }
  const now = Date.now();
  const out: RunInfo[] = [];
  for (const name of names.sort().reverse()) {
    const dir = join(root, name);
    let recorded: RunStatusFile;
    let config: Record<string, JsonValue>;
    try {
      recorded = JSON.parse(await readFile(join(dir, 'status.json'), 'utf8')) as RunStatusFile;
      config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as Record<string, JsonValue>;
    } catch {
      continue;
    }
    const ckpts = await listCheckpoints(join(dir, 'checkpoints'));
    const checkpointStep = ckpts.length ? ckpts[ckpts.length - 1]!.step : null;
    const status = effectiveStatus(recorded, staleMs, now);
    out.push({ id: name, dir, status, recorded, config, checkpointStep, resumable: (status === 'interrupted' || status === 'stopped') && checkpointStep !== null });
  }
  return out;
}

export interface ResumedRun {
  run: Run;
  /** The checkpoint to continue from; null when the run never wrote one (start over from step 0). */
  checkpoint: LatestCheckpoint | null;
}

/** Take over an interrupted or stopped run to continue it from its newest readable checkpoint. */
export async function resumeRun(dir: string, opts: { staleMs?: number } = {}): Promise<ResumedRun> {
  const { run, info } = await Run.open(dir);
  const status = effectiveStatus(info, opts.staleMs ?? DEFAULT_STALE_MS, Date.now());
  if (status === 'running') {
    throw new Error(`Run ${run.id} is still running (pid ${info.pid} on ${info.hostname}); stop it before resuming.`);
  }
  if (status === 'finished') throw new Error(`Run ${run.id} has finished; start a new run to train further.`);
  const removed = await removeTempFiles(run.checkpointsDir);
  const checkpoint = await loadLatestCheckpoint(run.checkpointsDir);
  const step = checkpoint?.state.step ?? 0;
  const all = parseMetrics(await readFile(run.metricsPath, 'utf8').catch(() => ''));
  const kept = all.filter((m) => typeof m.step === 'number' && m.step <= step);
  const tmp = `${run.metricsPath}.tmp-${process.pid}`;
  await writeFile(tmp, kept.map((m) => JSON.stringify(m) + '\n').join(''));
  await rename(tmp, run.metricsPath);
  await run.takeOver(step);
  const notes = [
    `resumed (${status}) from ${checkpoint ? `checkpoint step ${step}` : 'the start: no checkpoint was written'} by pid ${process.pid}`,
    ...(checkpoint?.unreadable ?? []).map((u) => `skipped unreadable checkpoint ${u.path}: ${u.error}`),
    ...(removed.length ? [`removed ${removed.length} partial checkpoint file(s) left by the interruption`] : []),
    ...(all.length !== kept.length ? [`dropped ${all.length - kept.length} metric record(s) after step ${step}`] : []),
  ];
  await run.log(notes.join('\n'));
  return { run, checkpoint };
}

/** Split items into train and held-out sets deterministically (see the file comment). */
export function heldOutSplit<T>(items: readonly T[], key: (item: T) => string, fraction = 0.1, seed = 0): { train: T[]; heldOut: T[] } {
  if (!(fraction >= 0 && fraction < 1)) throw new Error(`heldOutSplit: fraction ${fraction} must be in [0, 1).`);
  const n = items.length;
  let count = Math.round(n * fraction);
  if (fraction > 0 && n >= 2) count = Math.max(1, count);
  const ranked = items
    .map((item, index) => ({ index, h: createHash('sha256').update(`${seed}\0${key(item)}`).digest('hex') }))
    .sort((a, b) => (a.h < b.h ? -1 : a.h > b.h ? 1 : a.index - b.index));
  const held = new Set(ranked.slice(0, count).map((r) => r.index));
  return { train: items.filter((_, i) => !held.has(i)), heldOut: items.filter((_, i) => held.has(i)) };
}
