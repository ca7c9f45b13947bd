/**
 * Messages between the job service (main thread) and the generation worker. Typed arrays travel by
 * structured clone (image buffers are transferred).
 */
import type { GenerateMode } from '../../native-models/sampling/generate';
import type { SamplerSettings } from '../../native-models/sampling/filters';
import type { GenerateJobRequest } from '../../preload/generation-job';

export type ToWorker =
  /** `provider`: the execution provider resolved from settings.device when the job was queued (default cpu). */
  | { type: 'generate'; jobId: string; request: GenerateJobRequest; provider?: string }
  | { type: 'cancel'; jobId: string };

export interface WorkerResult {
  images: Uint8Array[];
  width: number;
  height: number;
  grid: { h: number; w: number };
  tokens: Int32Array;
  seeds: number[];
  /** The window stride the images were sampled with (GenerateResult.windowStride). */
  windowStride: number;
  timings: { totalMs: number; encodeMs: number; sampleMs: number; decodeMs: number };
  /** The request as resolved with the model's defaults (what the record stores). */
  resolved: { mode: GenerateMode; sampler: SamplerSettings; classIndex?: number; seed: number; n: number };
  /**
   * `executionProvider`: the provider the model's sessions actually ran on (after any fallback to CPU);
   * `providerFallback`: why the requested provider was not used, when it was not.
   */
  model: { id: string; sha256: string; name?: string; executionProvider: string; providerFallback?: string; device?: string; classNames?: readonly string[]; gptWeights?: 'int8' };
}

export type FromWorker =
  | { type: 'ready' }
  | { type: 'progress'; jobId: string; done: number; total: number; elapsedMs: number; etaMs: number | null; previews?: Uint8Array[] }
  | { type: 'result'; jobId: string; result: WorkerResult }
  | { type: 'failed'; jobId: string; cancelled: boolean; message: string };

export interface WorkerData {
  /** file: URL of the module exporting `loadGenerator(spec)`. */
  loaderModule: string;
}
