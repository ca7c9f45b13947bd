// Fine-tuning from the app (issues 6 and 8): the `finetune` domain. A fine-tune job trains one base bundle
// on a folder of images in the engine worker and writes a NEW bundle into `<library>/models/<name>` (never
// over its base). Each job has its own folder under `<userData>/runs/<runId>` (the request, the provider used,
// and the trainer's run folder per stage), so it can be listed, stopped, and resumed after the app was closed
// or crashed. Types only; re-exported by preload/contract.

import type { ApiEvent } from './wire-types';
import type { ConditionMode } from './generation-record';

/** Which networks train: the first-stage VQGAN, the transformer, or the VQGAN then the transformer. */
export type FinetuneStage = 'transformer' | 'vqgan' | 'both';
/** One trainer stage of a job (`both` runs 'vqgan' then 'transformer'). */
export type FinetuneStageName = 'vqgan' | 'transformer';
export type FinetunePresetName = 'quick' | 'balanced' | 'thorough';
/** `interrupted`: the process died while it ran (crash, app closed); resumable from its last checkpoint. */
export type FinetuneRunStatus = 'running' | 'stopped' | 'finished' | 'failed' | 'interrupted';

// ───────────────────────────── scan ─────────────────────────────

export interface FinetuneScanRequest {
  /** Base bundle folder (a ModelEntry id). */
  model: string;
  /** Absolute folder of training images (searched recursively). */
  images: string;
  /** How many training crops to preview (default 12, at most 48). */
  previews?: number;
}

export interface FinetuneScanReport {
  /** The folder as resolved. */
  root: string;
  /** Files seen / images usable for training. */
  found: number;
  usable: number;
  /** Every file that will not be used, with a reason code (e.g. 'not-an-image', 'truncated', 'too-small') and a sentence. */
  skipped: { relPath: string; reason: string; detail: string }[];
  /** The base model's condition mode and how many usable images have that condition (seg maps, pose files; edges are computed). */
  conditions: { mode: ConditionMode; present: number; missing: string[] };
  /** Training crops as they will be seen (PNG data URLs), with their source file. */
  previews: { relPath: string; dataUrl: string }[];
  /** Stages this base can fine-tune (a bare VQGAN: only 'vqgan'). */
  stages: FinetuneStage[];
  elapsedMs: number;
}

// ───────────────────────────── estimate ─────────────────────────────

export interface FinetuneEstimateRequest {
  model: string;
  stage: FinetuneStage;
  /** Usable images (from the scan report). */
  images: number;
  batch?: number;
}

export interface FinetunePresetInfo {
  name: FinetunePresetName;
  /** Optimizer steps per stage. */
  steps: number;
  /** Estimated wall time on this device for all stages. */
  seconds: number;
  /** Disk the run and the new bundle will use. */
  diskBytes: number;
}

export interface FinetuneEstimate {
  /** The execution provider the job would use (from settings.device). */
  provider: string;
  /** Seconds per optimizer step per stage, measured on this device (a few timed steps). */
  stepSeconds: Partial<Record<FinetuneStageName, number>>;
  presets: FinetunePresetInfo[];
  /** The defaults `start` would use when the advanced fields are left empty. */
  defaults: { batch: number; lr: number; every: number };
}

// ───────────────────────────── start / stop / resume ─────────────────────────────

export interface FinetuneStartRequest {
  model: string;
  images: string;
  stage: FinetuneStage;
  /** Optimizer steps per stage. */
  steps: number;
  /** Display name of the new model (default: "<base name> (fine-tuned)"); its folder name is derived from it. */
  name?: string;
  batch?: number;
  lr?: number;
  /** Checkpoint, metrics and sample-preview interval in steps. */
  every?: number;
  seed?: number;
}

export interface FinetuneStageResult {
  stage: FinetuneStageName;
  steps: number;
  /** 'heldOutL1' (VQGAN) or 'heldOutNll' (transformer, nats per token). */
  metric: string;
  before: number | null;
  after: number | null;
}

export interface FinetuneRunSummary {
  runId: string;
  status: FinetuneRunStatus;
  stage: FinetuneStage;
  /** Base bundle folder and display name. */
  baseModel: string;
  baseName: string;
  images: string;
  /** Display name of the model the run writes. */
  outputName: string;
  /** The new bundle folder once finished; null before. */
  outputModel: string | null;
  /** Stage being (or last) trained, its step and planned steps. */
  currentStage: FinetuneStageName | null;
  step: number;
  totalSteps: number;
  /** Latest step with a saved checkpoint (what resume continues from); null before the first. */
  checkpointStep: number | null;
  resumable: boolean;
  /** The execution provider the run used (recorded at start and at every resume). */
  provider: string;
  createdAt: string;
  updatedAt: string;
  /** Why it failed (status 'failed'), else null. */
  error: string | null;
}

export interface FinetuneMetricPoint {
  stage: FinetuneStageName;
  step: number;
  losses: Record<string, number>;
  lr: number;
}

export interface FinetuneSample {
  stage: FinetuneStageName;
  step: number;
  /** PNG data URL (VQGAN: input | reconstruction; transformer: samples of fixed seeds and conditions). */
  dataUrl: string;
}

export interface FinetuneRunDetail extends FinetuneRunSummary {
  /** Every logged step of every stage, oldest first. */
  metrics: FinetuneMetricPoint[];
  /** Step at which the VQGAN stage's discriminator loss starts counting (null: no VQGAN stage). */
  discStart: number | null;
  /** Sample previews, oldest first. */
  samples: FinetuneSample[];
  /** Per-stage held-out loss before/after (finished stages). */
  results: FinetuneStageResult[];
  /** The last lines of the run log. */
  logTail: string[];
}

export interface FinetuneCompareRequest {
  runId: string;
  /** Same seed for both models (default 1). */
  seed?: number;
}

export interface FinetuneCompareResult {
  seed: number;
  /** The condition both models were given (a held-out image's condition), as a PNG data URL; null when unconditional. */
  condition: string | null;
  base: string;
  tuned: string;
}

// ───────────────────────────── events ─────────────────────────────

export interface FinetuneProgressEvent {
  runId: string;
  stage: FinetuneStageName;
  /** 1-based index of this stage and how many the job has. */
  stageIndex: number;
  stageCount: number;
  step: number;
  totalSteps: number;
  losses: Record<string, number>;
  lr: number;
  imagesPerSec: number | null;
  etaSec: number | null;
  elapsedSec: number;
  /** Set on the steps that wrote a preview. */
  sample: FinetuneSample | null;
}

export interface FinetuneFinishEvent {
  runId: string;
  /** 'stopped': Stop-and-save (resumable); 'failed': see error. */
  status: 'finished' | 'stopped' | 'failed';
  error: string | null;
  /** The new bundle folder (status 'finished'), listed by models.registry as origin 'fine-tuned'. */
  outputModel: string | null;
  results: FinetuneStageResult[];
}

export interface FinetuneApi {
  /** Scan a folder for the wizard: what will train, what is skipped and why, conditions, crop previews. */
  scan(req: FinetuneScanRequest): Promise<FinetuneScanReport>;
  /** Presets with steps, time on this device and disk use (times a few real steps on first use). */
  estimate(req: FinetuneEstimateRequest): Promise<FinetuneEstimate>;
  /** Start a job in the engine worker (one at a time); resolves at once with its id. */
  start(req: FinetuneStartRequest): Promise<{ runId: string }>;
  /** Stop and save: the job checkpoints at its next step and finishes as 'stopped'. */
  stop(params: { runId: string }): Promise<{ stopped: boolean }>;
  /** Continue a stopped or interrupted job from its last checkpoint. */
  resume(params: { runId: string }): Promise<{ runId: string }>;
  /** Every job, newest first, with its effective status. */
  runs(): Promise<FinetuneRunSummary[]>;
  /** One job with its metrics, samples and results (for the dashboard). */
  run(params: { runId: string }): Promise<FinetuneRunDetail>;
  /** Base vs tuned on the same seed and condition (a finished or checkpointed job). */
  compare(req: FinetuneCompareRequest): Promise<FinetuneCompareResult>;
  onDidFinetuneProgress: ApiEvent<FinetuneProgressEvent>;
  onDidFinetuneFinish: ApiEvent<FinetuneFinishEvent>;
}
