// The `jobs` domain of the API (preload/contract.ts): generation jobs run by GenerationJobs in the engine
// worker, plus the run-time payload schemas of its methods (see main/services/api.ts).

import type { JobsApi } from '../../preload/contract';
import type { GenerateJobRequest, JobCondition } from '../../preload/generation-job';
import { CONDITION_MODES, type JsonValue } from '../../preload/generation-record';
import type { GenerationJobs } from './generation-jobs';
import { PayloadError, boolean, literal, number, nullable, object, optional, string } from '../services/validate';
import type { Schema } from '../services/validate';

const MAX_JSON_DEPTH = 64;
const MAX_BASE64 = 64 * 1024 * 1024;

/** Any JSON value (the editor document), depth-limited. */
export const jsonValueSchema: Schema<JsonValue> = {
  expected: 'a JSON value',
  parse(value, at = 'value') {
    const check = (v: unknown, where: string, depth: number): JsonValue => {
      if (depth > MAX_JSON_DEPTH) throw new PayloadError(where, `nested at most ${MAX_JSON_DEPTH} levels`, v);
      if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
      if (typeof v === 'number') {
        if (!Number.isFinite(v)) throw new PayloadError(where, 'a finite number', v);
        return v;
      }
      if (Array.isArray(v)) return v.map((x, i) => check(x, `${where}[${i}]`, depth + 1));
      if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
        const out: { [k: string]: JsonValue } = {};
        for (const [k, x] of Object.entries(v)) out[k] = check(x, `${where}.${k}`, depth + 1);
        return out;
      }
      throw new PayloadError(where, 'a JSON value', v);
    };
    return check(value, at, 0);
  },
};

const base64 = string({ minLength: 1, maxLength: MAX_BASE64, check: (s) => (/^[A-Za-z0-9+/=\s]*$/.test(s) ? null : 'base64 text') });

export const jobConditionSchema: Schema<JobCondition> = {
  expected: 'a condition {kind: "png" | "npy" | "labels" | "openpose", …}',
  parse(value, at = 'value') {
    const kind = (value as { kind?: unknown } | null)?.kind;
    switch (kind) {
      case 'png':
      case 'npy':
        return object({ kind: literal(kind), base64 }).parse(value, at);
      case 'labels': {
        const v = object({
          kind: literal('labels'),
          width: number({ integer: true, min: 1, max: 8192 }),
          height: number({ integer: true, min: 1, max: 8192 }),
          labels: { expected: 'an array of label ids', parse: (x, w = 'labels') => {
            if (!Array.isArray(x) || !x.every((n) => Number.isInteger(n) && n >= 0 && n < 65536)) throw new PayloadError(w, 'an array of integer label ids 0..65535', x);
            return x as number[];
          } } as Schema<number[]>,
        }).parse(value, at);
        if (v.labels.length !== v.width * v.height) throw new PayloadError(`${at}.labels`, `width × height = ${v.width * v.height} labels`, v.labels);
        return v;
      }
      case 'openpose':
        return object({ kind: literal('openpose'), json: jsonValueSchema }).parse(value, at);
      default:
        throw new PayloadError(`${at}.kind`, 'one of "png", "npy", "labels", "openpose"', kind);
    }
  },
};

const generateSchema: Schema<GenerateJobRequest> = object({
  model: string({ minLength: 1, maxLength: 4096 }),
  mode: optional(literal(...CONDITION_MODES)),
  width: optional(number({ integer: true, min: 1, max: 8192 })),
  height: optional(number({ integer: true, min: 1, max: 8192 })),
  seed: optional(number({ integer: true, min: 0, max: Number.MAX_SAFE_INTEGER })),
  n: optional(number({ integer: true, min: 1, max: 64 })),
  sampler: optional(object({
    temperature: optional(number({ min: 1e-6, max: 100 })),
    topK: optional(nullable(number({ integer: true, min: 0 }))),
    topP: optional(nullable(number({ min: 1e-9, max: 1 }))),
    greedy: optional(boolean()),
  })),
  classIndex: optional(number({ integer: true, min: 0 })),
  condition: optional(jobConditionSchema),
  init: optional(jobConditionSchema),
  mask: optional(jobConditionSchema),
  completeFrom: optional(number({ integer: true, min: 0 })),
  previewEvery: optional(number({ integer: true, min: 0 })),
  document: optional(jsonValueSchema),
  gptWeights: optional(literal('float32', 'int8')),
  windowStride: optional(number({ integer: true, min: 1, max: 64 })),
});

/** Payload schemas of the jobs domain. */
export const jobsSchemas = {
  generate: generateSchema,
  cancel: object({ jobId: string({ minLength: 1, maxLength: 100 }) }),
};

export function createJobsDomain(jobs: GenerationJobs): JobsApi {
  return {
    generate: (request) => jobs.generate(request),
    cancel: ({ jobId }) => jobs.cancel(jobId),
    onDidJobProgress: (listener) => jobs.onDidJobProgress(listener),
    onDidJobFinish: (listener) => jobs.onDidJobFinish(listener),
  };
}
