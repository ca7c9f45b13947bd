/**
 * Messages between the fine-tune service (main thread, main/finetune/finetune-service.ts) and the
 * fine-tune worker (main/finetune/finetune-worker.ts). One training job at a time; estimate and compare requests
 * are answered by id (`reply`).
 */
import type { TrainingDataMode as DataMode } from '../../native-models/training/data/scan';
import type { FinetuneStage, StageSummary } from '../../native-models/training/finetune';
import type { TrainProgress } from '../../native-models/training/progress';

/** What the worker passes to native-models' finetune(). */
export interface WorkerFinetuneJob {
  model: string;
  images: string;
  stage: FinetuneStage;
  steps: number;
  /** Output bundle folder. */
  out: string;
  /** Display name of the new bundle (written into its manifest by finetune()). */
  name: string;
  /** The job folder (the trainer's run folders go inside). */
  runsDir: string;
  cacheDir: string;
  batch?: number;
  lr?: number;
  every?: number;
  seed?: number;
  /** A trainer run folder to continue. */
  resume?: string;
  /** Folder with the user's imported LPIPS + VGG16 weights (`<library>/models/lpips`): perceptual loss on for the VQGAN stage. */
  lpips?: string;
  /** Execution provider resolved from settings.device. */
  provider: string;
}

export interface EstimateQuery {
  model: string;
  /** A single trainer stage (the service asks once per stage). */
  stage: 'vqgan' | 'transformer';
  batch: number;
  provider: string;
  /** From the service's plan of the base: the timing images' side and the condition files they need. */
  cropSize: number;
  dataMode: DataMode;
  /** Scratch folder (deleted by the worker afterwards). */
  scratch: string;
}

export interface CompareQuery {
  base: string;
  /** The fine-tuned bundle; null: assemble one from the base and the newest checkpoint of each stage run. */
  tuned: string | null;
  checkpointRuns: { stage: 'vqgan' | 'transformer'; runDir: string }[];
  /** Scratch folder for an assembled bundle (deleted afterwards). */
  scratch: string;
  /** Training images folder: a held-out image's condition is used. */
  images: string;
  seed: number;
  provider: string;
}

export interface CompareAnswer {
  /** PNG bytes. */
  condition: Uint8Array | null;
  base: Uint8Array;
  tuned: Uint8Array;
}

export type FinetuneToWorker =
  | { type: 'start'; jobId: string; job: WorkerFinetuneJob }
  | { type: 'stop'; jobId: string }
  | { type: 'estimate'; requestId: number; query: EstimateQuery }
  | { type: 'compare'; requestId: number; query: CompareQuery };

export interface WorkerFinetuneResult {
  bundleDir: string | null;
  stopped: boolean;
  stages: StageSummary[];
}

export type FinetuneFromWorker =
  | { type: 'ready' }
  /** The provider the job really uses (after the self-test fallback). */
  | { type: 'provider'; jobId: string; provider: string; fallbackReason: string | null }
  | { type: 'progress'; jobId: string; stage: 'vqgan' | 'transformer'; progress: TrainProgress }
  /** A stage wrote sample previews of `step`; `path` is the first (the one shown). Sent after that step's progress. */
  | { type: 'sample'; jobId: string; stage: 'vqgan' | 'transformer'; step: number; path: string }
  | { type: 'log'; jobId: string; line: string }
  | { type: 'done'; jobId: string; result: WorkerFinetuneResult }
  | { type: 'failed'; jobId: string; message: string }
  | { type: 'reply'; requestId: number; ok: true; value: { stepSeconds: number } | CompareAnswer }
  | { type: 'reply'; requestId: number; ok: false; message: string };
