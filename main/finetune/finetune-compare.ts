/**
 * Base vs fine-tuned on the same seed and condition (the dashboard's compare view): both bundles are loaded
 * as generators, the condition is the first held-out image's (label map, Canny edges or pose, cropped to the
 * model's window in pixels), and each model samples one image of that size with the app's default sampler.
 * A job that has not finished is compared at its newest checkpoints: the base bundle with each trained stage's
 * checkpoint weights put in, written to a scratch folder for the comparison.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readBundle, writeBundle } from '../../native-models/formats/bundle';
import type { TensorSource } from '../../native-models/formats/safetensors';
import { loadLatestCheckpoint } from '../../native-models/training/checkpoint';
import { ImageSet } from '../../native-models/training/data/dataset';
import { TrainRng } from '../../native-models/training/rng';
import { loadBundleGenerator, type BundleGenerator } from '../../native-models/sampling/bundle-generator';
import { generate, type ConditionInput, type GenerateMode } from '../../native-models/sampling/generate';
import { renderPose } from '../../native-models/sampling/pose-render';
import { planFinetuneBundle } from '../../native-models/training/finetune-plan';
import { encodePng } from '../gallery/png-record';
import type { CompareAnswer, CompareQuery } from './finetune-protocol';

const GREYS: readonly (readonly [number, number, number])[] = [[0, 0, 0], [255, 255, 255]];

function png(width: number, height: number, rgb: Uint8Array): Uint8Array {
  return new Uint8Array(encodePng({ width, height, channels: 3, data: rgb }));
}

/** The base bundle with the newest checkpoint weights of each stage run, written to `out`. */
async function bundleFromCheckpoints(baseDir: string, runs: CompareQuery['checkpointRuns'], out: string): Promise<string> {
  const b = await readBundle(baseDir, { verify: false });
  try {
    const m = b.manifest;
    const replaced = new Map<string, Float32Array>();
    let found = 0;
    for (const r of runs) {
      const ck = await loadLatestCheckpoint(join(r.runDir, 'checkpoints'));
      if (!ck) continue;
      found++;
      const prefix = r.stage === 'transformer' ? 'transformer.' : m.kind === 'vqgan' ? '' : 'first_stage_model.';
      for (const [name, t] of Object.entries(ck.state.params)) {
        if (r.stage === 'vqgan' && name.startsWith('loss.')) continue; // the discriminator is not part of the model
        if (t.data instanceof Float32Array) replaced.set(prefix + name, t.data);
      }
    }
    if (found === 0) throw new Error('the job has no checkpoint yet; compare once it has saved one');
    const tensors: TensorSource[] = [];
    for (const [name, t] of b.weights.tensors) {
      const v = replaced.get(name);
      tensors.push(v
        ? { name, dtype: 'float32', shape: [...t.shape], data: new Uint8Array(v.buffer, v.byteOffset, v.byteLength) }
        : { name, dtype: t.dtype, shape: [...t.shape], data: new Uint8Array(await t.read()) });
    }
    const { weights: _w, format: _f, formatVersion: _v, ...rest } = m;
    await writeBundle(out, { ...rest, name: `${m.name} (checkpoint)` }, tensors);
    return out;
  } finally {
    await b.close();
  }
}

export async function compareModels(q: CompareQuery): Promise<CompareAnswer> {
  try {
    const tunedDir = q.tuned ?? (await bundleFromCheckpoints(q.base, q.checkpointRuns, join(q.scratch, 'checkpoint-bundle')));
    return await sampleBoth({ ...q, tuned: tunedDir });
  } finally {
    await rm(q.scratch, { recursive: true, force: true });
  }
}

async function sampleBoth(q: CompareQuery & { tuned: string }): Promise<CompareAnswer> {
  const plan = await planFinetuneBundle(q.base);
  const gens: BundleGenerator[] = [];
  try {
    const base = await loadBundleGenerator(q.base, { provider: q.provider });
    gens.push(base);
    const tuned = await loadBundleGenerator(q.tuned, { provider: q.provider });
    gens.push(tuned);
    const side = base.models.window.w * base.models.factor;
    let mode: GenerateMode = 'unconditional';
    let condition: ConditionInput | undefined;
    let conditionPng: Uint8Array | null = null;
    if (plan.dataMode !== 'none') {
      const palette = plan.manifest.palette?.colors.map((c) => [c[0], c[1], c[2]] as const);
      const set = await ImageSet.open({ folder: q.images, mode: plan.dataMode, size: side, ...(palette ? { palette } : {}) });
      const split = set.heldOut.length > 0 ? 'heldOut' : 'train';
      const b = await set.batch(split, [0], new TrainRng(q.seed), false); // centre crop, no flip
      const rgb = new Uint8Array(side * side * 3);
      if (plan.dataMode === 'semantic') {
        const labels = Int32Array.from(b.labels!);
        condition = { kind: 'labels', map: { width: side, height: side, labels } };
        mode = 'semantic';
        const colors = palette ?? GREYS;
        labels.forEach((l, i) => rgb.set(colors[l % colors.length]!, i * 3));
      } else if (plan.dataMode === 'edges') {
        const e = b.edges!;
        condition = { kind: 'float', width: side, height: side, data: Float32Array.from(e, (v) => (v ? 1 : 0)) };
        mode = 'edge';
        e.forEach((v, i) => rgb.fill(v ? 255 : 0, i * 3, i * 3 + 3));
      } else {
        const people = (b.people?.[0] ?? []).map((kp) => ({ keypoints: kp }));
        condition = { kind: 'pose', people };
        mode = 'pose';
        rgb.set(renderPose(people, side, side));
      }
      conditionPng = png(side, side, rgb);
    }
    const sample = async (g: BundleGenerator): Promise<Uint8Array> => {
      const r = await generate(g.models, {
        mode, width: side, height: side, seed: q.seed, n: 1, sampler: { temperature: 1, topK: 100, topP: null, greedy: false },
        ...(condition ? { condition } : {}),
      });
      return png(r.width, r.height, r.images[0]!);
    };
    return { condition: conditionPng, base: await sample(base), tuned: await sample(tuned) };
  } finally {
    for (const g of gens) await g.dispose?.();
  }
}
