import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gptParameters, type GptConfig } from '../../../native-models/models/gpt';
import { loadCheckpoint, listCheckpoints } from '../../../native-models/training/checkpoint';
import { trainGpt, type TokenSource } from '../../../native-models/training/gpt-trainer';
import { initParams } from '../../../native-models/training/init';
import { TrainRng } from '../../../native-models/training/rng';
import { listRuns, resumeRun, Run } from '../../../native-models/training/run';

// Synthetic token data with structure a tiny GPT can learn: c = [start, direction token],
// z[k] = start ± k (mod 16). Train items are randomly mirrored (direction flipped) by the RNG, as an image
// flip would change its tokens, so resume must restore the RNG to replay the same batches.
const V = 16, CL = 2, ZL = 8;
function sequence(start: number, dir: number): { c: number[]; z: number[] } {
  return { c: [start, dir === 1 ? 14 : 15], z: Array.from({ length: ZL }, (_, k) => (((start + dir * k) % V) + V) % V) };
}
const items = Array.from({ length: 20 }, (_, i) => ({ start: i % 14, dir: i % 3 === 0 ? -1 : 1 }));
const source: TokenSource = {
  cLen: CL, zLen: ZL, trainSize: 18, heldOutSize: 2,
  async batch(split, indices, rng, augment) {
    const c = new Int32Array(indices.length * CL);
    const z = new Int32Array(indices.length * ZL);
    indices.forEach((idx, b) => {
      const it = items[split === 'train' ? idx : 18 + idx]!;
      const dir = augment && rng.nextFloat() < 0.5 ? -it.dir : it.dir;
      const s = sequence(it.start, dir);
      c.set(s.c, b * CL);
      z.set(s.z, b * ZL);
    });
    return { c, z };
  },
};
const gpt: GptConfig = { vocabSize: V, blockSize: CL + ZL - 1, nLayer: 1, nHead: 2, nEmbd: 32 };
const base = () => initParams('gpt', gptParameters(gpt), new TrainRng(1));
const opts = (steps: number) => ({
  gpt, init: base(), steps, batchSize: 8, lr: 3e-3, warmupSteps: 5, seed: 42, checkpointEvery: 4, pkeep: 0.9, clipGradNorm: 1,
});

let root: string;
beforeAll(async () => { root = await mkdtemp(join(tmpdir(), 'tessera-gpt-train-')); });
afterAll(async () => { await rm(root, { recursive: true, force: true }); });

describe('trainGpt', () => {
  it('lowers the held-out NLL clearly and records the run', async () => {
    const run = await Run.create(root, { name: 'learn', config: { stage: 'transformer' } });
    const progress: number[] = [];
    const res = await trainGpt(run, source, { ...opts(80), evalEvery: 40 }, { onProgress: (p) => progress.push(p.step) });
    console.log(`held-out NLL ${res.heldOutBefore!.toFixed(3)} -> ${res.heldOutAfter!.toFixed(3)}`);
    expect(res.heldOutBefore!).toBeGreaterThan(2);
    expect(res.heldOutAfter!).toBeLessThan(res.heldOutBefore! * 0.5); // stated margin: at least halved
    expect(progress).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    const m = await run.metrics();
    expect(m.filter((r) => 'heldOutNll' in r).map((r) => r.step)).toEqual([0, 40, 80]);
    expect((await listRuns(root))[0]!.status).toBe('finished');
    const last = await listCheckpoints(run.checkpointsDir);
    expect(last.map((c) => c.step)).toEqual([72, 76, 80]); // every 4 steps, last 3 kept
    const ck = await loadCheckpoint(last[2]!.path);
    expect(Array.from(ck.params['head.weight']!.data)).toEqual(Array.from(res.params['head.weight']!));
    expect(ck.optimizer.tensors['opt.m:head.weight']).toBeDefined();
  });

  it('gradient accumulation: 2 micro-batches of 4 train like one batch of 8', async () => {
    const o = { ...opts(5), pkeep: 1 }; // no corruption draws, so both consume the RNG identically
    const one = await trainGpt(await Run.create(root, { name: 'b8', config: {} }), source, o);
    const two = await trainGpt(await Run.create(root, { name: 'b4x2', config: {} }), source, { ...o, batchSize: 4, accumulate: 2 });
    let maxDiff = 0;
    for (const [name, v] of Object.entries(one.params)) {
      const w = two.params[name]!;
      for (let i = 0; i < v.length; i++) maxDiff = Math.max(maxDiff, Math.abs(v[i]! - w[i]!));
    }
    expect(maxDiff).toBeLessThan(1e-4);
    expect(two.step).toBe(5);
  });

  it('cancel saves a usable checkpoint, and resume continues exactly like an uninterrupted run', async () => {
    const full = await trainGpt(await Run.create(root, { name: 'full', config: {} }), source, opts(12));
    const controller = new AbortController();
    const run = await Run.create(root, { name: 'cut', config: {} });
    const first = await trainGpt(run, source, opts(12), { signal: controller.signal, onProgress: (p) => { if (p.step === 6) controller.abort(); } });
    expect([first.stopped, first.step]).toEqual([true, 6]);
    const info = (await listRuns(root)).find((r) => r.id === run.id)!;
    expect([info.status, info.resumable, info.checkpointStep]).toEqual(['stopped', true, 6]);
    const { run: again, checkpoint } = await resumeRun(run.dir);
    const second = await trainGpt(again, source, opts(12), { resume: checkpoint!.state });
    expect([second.stopped, second.step]).toEqual([false, 12]);
    let maxDiff = 0;
    for (const [name, v] of Object.entries(full.params)) {
      const w = second.params[name]!;
      for (let i = 0; i < v.length; i++) maxDiff = Math.max(maxDiff, Math.abs(v[i]! - w[i]!));
    }
    expect(maxDiff).toBeLessThan(1e-6);
    expect(second.heldOutAfter).toBeCloseTo(full.heldOutAfter!, 5);
    expect((await again.metrics()).filter((m) => typeof m.loss === 'number').map((m) => m.step)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });
});
