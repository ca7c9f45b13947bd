// The generation record: everything needed to reproduce one result, stored as JSON in the
// `tessera` iTXt chunk of every PNG the app writes and indexed by the gallery.
// Types and the condition-mode list: shared by main/services (which writes and reads it) and, through
// preload/contract, by the renderer (which shows it and reuses it).

/** A JSON value: what the condition document is to everyone but the renderer's document module. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

// The condition modes: one vocabulary for the app and the library (native-models/condition-modes.ts, data only).
export { CONDITION_MODES, type ConditionMode } from '../native-models/condition-modes';
import type { ConditionMode } from '../native-models/condition-modes';

export interface SamplerSettings {
  /** Softmax temperature, > 0. */
  temperature: number;
  /** Keep the k most likely tokens; null = no top-k. */
  topK: number | null;
  /** Nucleus mass in (0, 1]; null = no top-p. Applied after top-k. */
  topP: number | null;
  /** Argmax instead of sampling. */
  greedy: boolean;
}

export interface GenerationTimings {
  /** Wall time of the whole job, milliseconds. */
  totalMs: number;
  /** Condition encode, token sampling and VQGAN decode, when measured. */
  encodeMs?: number;
  sampleMs?: number;
  decodeMs?: number;
}

export interface GenerationRecord {
  /** Marks the JSON as ours; checked on read. */
  format: 'tessera.generation';
  /** Schema version of this record; readers accept <= their own. */
  version: 1;
  /** package.json version of the app that wrote it. */
  appVersion: string;
  /** ISO 8601 time the image was produced. */
  createdAt: string;
  model: {
    id: string;
    /** sha256 of the bundle's weights (hex). */
    sha256: string;
    name?: string;
  };
  mode: ConditionMode;
  /** Seed of the library's CPU RNG (uint32). */
  seed: number;
  sampler: SamplerSettings;
  /** Output size in pixels. */
  size: { width: number; height: number };
  /** onnxruntime execution provider that produced the logits (`cpu`, `cuda`, `dml`, `coreml`). */
  executionProvider: string;
  /** Human-readable device, e.g. "NVIDIA H200" or "CPU (16 cores)". */
  device?: string;
  /** 'int8' when the transformer ran on int8 weight-only linears (`--weights int8`): the same seed needs them again. */
  gptWeights?: 'int8';
  /** Targets per shared sliding window along each axis when > 1 (`--window-stride`; absent = taming's rule). */
  windowStride?: number;
  timings: GenerationTimings;
  /** Index of this image among the variations of one request. */
  variation?: { index: number; count: number };
  /** Class index for class-conditional models. */
  classIndex?: number;
  /** Names of the semantic classes present in the condition (for search). */
  classesUsed?: string[];
  /** The versioned Tessera editor document that was the condition (null when none). */
  condition: JsonValue | null;
}
