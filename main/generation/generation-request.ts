/**
 * From an API job request (preload/generation-job.ts) and a loaded model to a generate() request: defaults
 * (the model's own mode and training size, a random seed, the model's temperature (1 where it names none) / top-k 100), conditions carried by
 * value decoded, and every field checked with a clear error.
 */
import type { ConditionInput, GenerateMode, GenerateRequest } from '../../native-models/sampling/generate';
import { modelTemperature } from '../../native-models/sampling/filters';
import { randomSeed } from '../../native-models/sampling/rng';
import type { GenerateJobRequest, JobCondition } from '../../preload/generation-job';
import { conditionFromBytes, maskFromPng } from './generation-files';
import type { LoadedGenerator, Palette } from './generator-loader';

function bytesOf(base64: string, what: string): Uint8Array {
  if (typeof base64 !== 'string' || base64.length === 0) throw new Error(`The ${what} is empty.`);
  return new Uint8Array(Buffer.from(base64, 'base64'));
}

export function conditionFromJob(c: JobCondition, mode: GenerateMode, palette: Palette | undefined, what: string): ConditionInput {
  switch (c.kind) {
    case 'png':
      return conditionFromBytes(bytesOf(c.base64, what), '.png', mode, palette, `the ${what}`);
    case 'npy':
      return conditionFromBytes(bytesOf(c.base64, what), '.npy', mode, palette, `the ${what}`);
    case 'labels': {
      if (!Number.isInteger(c.width) || !Number.isInteger(c.height) || c.width < 1 || c.height < 1 || c.labels.length !== c.width * c.height) {
        throw new Error(`The ${what} label raster must have width × height labels (got ${c.labels?.length} for ${c.width}×${c.height}).`);
      }
      return { kind: 'labels', map: { width: c.width, height: c.height, labels: Int32Array.from(c.labels) } };
    }
    case 'openpose':
      return { kind: 'pose', json: JSON.stringify(c.json) };
    default:
      throw new Error(`Unknown ${what} kind ${(c as { kind: string }).kind}; use png, npy, labels or openpose.`);
  }
}

export function resolveJobRequest(job: GenerateJobRequest, loaded: LoadedGenerator): GenerateRequest {
  const { models } = loaded;
  const stage = models.condition;
  const own: GenerateMode = stage.kind === 'sos' ? 'unconditional' : stage.kind === 'class' ? 'class' : stage.mode;
  const mode = job.mode ?? own;
  const width = job.width ?? models.window.w * models.factor;
  const height = job.height ?? models.window.h * models.factor;
  const s = job.sampler ?? {};
  const req: GenerateRequest = {
    mode,
    width,
    height,
    seed: job.seed ?? randomSeed(),
    n: job.n ?? 1,
    sampler: {
      temperature: s.temperature ?? modelTemperature(models),
      topK: s.topK === undefined ? 100 : s.topK,
      topP: s.topP === undefined ? null : s.topP,
      greedy: s.greedy ?? false,
    },
    classIndex: job.classIndex,
    previewEvery: job.previewEvery ?? 0,
    completeFrom: job.completeFrom,
    ...(job.windowStride !== undefined ? { windowStride: job.windowStride } : {}),
  };
  if (mode === 'completion') {
    if (!job.init) throw new Error('Completion needs the image to complete.');
    req.init = conditionFromJob(job.init, 'completion', undefined, 'image to complete');
    if (job.mask) {
      if (job.mask.kind !== 'png') throw new Error('The mask must be a PNG of the output size.');
      req.mask = maskFromPng(bytesOf(job.mask.base64, 'mask'), width, height);
    }
  } else if (job.condition) {
    req.condition = conditionFromJob(job.condition, mode, loaded.palette, 'condition');
  }
  return req;
}
