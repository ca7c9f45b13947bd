// Generation jobs as the API sees them: the request the renderer (or any host) sends, the progress events and
// the finish event. Types only, no imports but the generation record: shared by main/services (which runs the
// jobs in the worker) and, through preload/contract, by the renderer.

import type { ConditionMode, GenerationRecord, JsonValue, SamplerSettings } from './generation-record';

/** A condition (or start image, or mask) carried by value. */
export type JobCondition =
  /** PNG bytes, base64: label indices (grey) or palette colours for semantic, grey/RGB otherwise; masks: non-black = resample. */
  | { kind: 'png'; base64: string }
  /** NumPy .npy bytes, base64: integer label map [H, W] or float map [H, W]. */
  | { kind: 'npy'; base64: string }
  /** A label raster [height, width] of class ids, row-major (exact, no blending). */
  | { kind: 'labels'; width: number; height: number; labels: number[] }
  /** OpenPose JSON (`{people: [{pose_keypoints_2d: [...]}]}`, COCO-18 or BODY_25) in output pixels. */
  | { kind: 'openpose'; json: JsonValue };

export type GenerateJobMode = ConditionMode;

export interface GenerateJobRequest {
  /** Model bundle folder or registered model name. */
  model: string;
  /** Default: the model's own mode. `completion` = image completion / masked resampling. */
  mode?: GenerateJobMode;
  /** Output size in pixels (multiples of the model's factor); default: the model's training size. */
  width?: number;
  height?: number;
  /** Default: random (reported in the records). Image k of the request uses seed + k. */
  seed?: number;
  /** Variations, 1..64 (default 1). */
  n?: number;
  /** Default: the model's temperature (ModelSummary.temperature; 1 where it names none), top-k 100, top-p off, sampling. */
  sampler?: Partial<SamplerSettings>;
  classIndex?: number;
  condition?: JobCondition;
  /** complete: the image to complete (PNG) and an optional mask PNG of the output size. */
  init?: JobCondition;
  mask?: JobCondition;
  /** complete without a mask: flat token index to start from (default half). */
  completeFrom?: number;
  /** Preview every K tokens (0 = none). */
  previewEvery?: number;
  /** The editor document the condition came from; stored in each record so the result can be reproduced. */
  document?: JsonValue;
  /**
   * The transformer's weights: 'float32' (default, exact) or 'int8' (weight-only, blocks of 32: token steps of large
   * models read a quarter of the bytes; logits differ slightly, so samples differ). Recorded in each result.
   */
  gptWeights?: 'float32' | 'int8';
  /**
   * Sliding window only: S × S targets share one window (1 = taming's rule; at most half the window). Default: the
   * model's own (its manifest's `sampling.windowStride`, 4 for the starters), else 1. Recorded when it is not 1.
   */
  windowStride?: number;
}

export interface JobProgressEvent {
  jobId: string;
  /** Tokens sampled so far and in all (per image; the n variations run together). */
  done: number;
  total: number;
  elapsedMs: number;
  /** Recency-weighted estimate; null until the first token. */
  etaMs: number | null;
  /** When a preview was decoded: one PNG data URL per variation (not-yet-sampled tokens neutral). */
  previews?: string[];
}

export type JobStatus = 'done' | 'cancelled' | 'failed';

export interface JobFinishEvent {
  jobId: string;
  status: JobStatus;
  /** failed: what went wrong, in one clear sentence. */
  error?: string;
  /** done: one entry per image, in variation order. */
  images?: Array<{ path: string; galleryId?: string; record: GenerationRecord }>;
  /**
   * done: why the requested execution provider was not used (the sessions fell back to CPU); absent when it was.
   * The records' `executionProvider` is the provider that actually ran.
   */
  providerFallback?: string;
}
