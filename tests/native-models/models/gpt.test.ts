import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GptModel } from '../../../native-models/models/load';
import type { Program } from '../../../native-models/runtime/program';
import { checkpointWeights } from '../../../native-models/models/weights';
import { releaseSessions } from '../../../native-models/runtime/session';
import { FIXTURES, gptConfig, maxAbsDiff, npy } from './parity-fixtures';

let gpt: GptModel;
beforeAll(async () => {
  gpt = new GptModel(gptConfig(), await checkpointWeights(join(FIXTURES, 'net2net-seg.ckpt'), 'transformer.'));
});
afterAll(async () => { await releaseSessions(); });

const V = gptConfig().vocabSize;
const row = (a: ArrayLike<number>, b: number, t: number, T: number): number[] =>
  Array.from(a).slice((b * T + t) * V, (b * T + t + 1) * V);

describe('GPT parity with the PyTorch reference (taming minGPT, random weights)', () => {
  it('full-sequence logits of c-tokens ++ z-tokens (shared table) ≤ 1e-4', async () => {
    const tokens = npy('net2net-seg.tokens.npy');
    const [b, t] = tokens.shape as [number, number];
    const logits = await gpt.logits(Int32Array.from(tokens.data), b, t);
    expect(maxAbsDiff(logits, npy('net2net-seg.logits.npy').data)).toBeLessThanOrEqual(1e-4);
  });

  it('a whole block of random tokens ≤ 1e-4, and window logits at any position equal it', async () => {
    const tokens = npy('net2net-seg.tokens-full.npy');
    const [b, t] = tokens.shape as [number, number];
    const ref = npy('net2net-seg.logits-full.npy').data;
    const ids = Int32Array.from(tokens.data);
    expect(maxAbsDiff(await gpt.logits(ids, b, t), ref)).toBeLessThanOrEqual(1e-4);
    for (const at of [0, 17, t - 1]) {
      const w = await gpt.logitsAt(ids, b, t, at);
      for (let k = 0; k < b; k++) expect(maxAbsDiff(w.subarray(k * V, (k + 1) * V), row(ref, k, at, t))).toBeLessThanOrEqual(1e-4);
    }
  });

  it('prefill + single-token KV-cache steps equal the full-sequence logits (≤ 1e-4), also a 3-token extend', async () => {
    const tokens = npy('net2net-seg.tokens-full.npy');
    const [b, t] = tokens.shape as [number, number];
    const ref = npy('net2net-seg.logits-full.npy').data;
    const ids = Int32Array.from(tokens.data);
    const column = (k: number): Int32Array => Int32Array.from({ length: b }, (_, r) => ids[r * t + k]!);
    const prefixLen = 5;
    const prefix = Int32Array.from({ length: b * prefixLen }, (_, k) => ids[Math.floor(k / prefixLen) * t + (k % prefixLen)]!);
    let { logits, cache } = await gpt.prefill(prefix, b, prefixLen);
    let worst = 0;
    for (let r = 0; r < b; r++) worst = Math.max(worst, maxAbsDiff(logits.subarray(r * V, (r + 1) * V), row(ref, r, prefixLen - 1, t)));
    for (let k = prefixLen; k < t - 3; k++) {
      ({ logits, cache } = await gpt.step(cache, column(k)));
      for (let r = 0; r < b; r++) worst = Math.max(worst, maxAbsDiff(logits.subarray(r * V, (r + 1) * V), row(ref, r, k, t)));
    }
    expect(gpt.cacheLength(cache)).toBe(t - 3);
    const last3 = Int32Array.from({ length: b * 3 }, (_, k) => ids[Math.floor(k / 3) * t + t - 3 + (k % 3)]!);
    ({ logits, cache } = await gpt.extend(cache, last3, 3));
    for (let r = 0; r < b; r++) worst = Math.max(worst, maxAbsDiff(logits.subarray(r * V, (r + 1) * V), row(ref, r, t - 1, t)));
    expect(worst).toBeLessThanOrEqual(1e-4);
    await expect(gpt.step(cache, column(0))).rejects.toThrow(/beyond block_size 32/);
    gpt.release(cache);
  });

  it('refuses tokens outside the vocabulary and sequences longer than block_size', async () => {
    await expect(gpt.logits([0, 64], 1, 2)).rejects.toThrow(/token 64 at position 1 is outside the vocabulary 0..63/);
    await expect(gpt.logits(new Array(33).fill(0), 1, 33)).rejects.toThrow(/do not fit block_size 32/);
  });
});

describe('GPT program threads', () => {
  it('token steps of a small model run on one intra-op thread; prefills and large steps keep ORT\'s choice', async () => {
    // 2 layers × 48: 58 k MACs a token. A step of 1 row × 1 token is far below the one-thread bound (8 M MACs);
    // 8 rows × 31 tokens (14.5 M) is above it, as is every step of a 24 × 1024 model.
    const programs: Program[] = [];
    const model = new GptModel(gptConfig(), await checkpointWeights(join(FIXTURES, 'net2net-seg.ckpt'), 'transformer.'), { onProgram: (p) => programs.push(p) });
    const threadsOfNext = async (run: () => Promise<unknown>): Promise<number | null> => {
      const before = programs.length;
      await run();
      expect(programs.length, 'one new program').toBe(before + 1);
      return programs[before]!.intraOpThreads;
    };
    const one = await model.prefill(new Int32Array(1), 1, 1);
    expect(programs[0]!.intraOpThreads).toBeNull(); // prefill
    expect(await threadsOfNext(() => model.step(one.cache, new Int32Array(1)))).toBe(1);
    const eight = await model.prefill(new Int32Array(8), 8, 1);
    expect(await threadsOfNext(() => model.extend(eight.cache, new Int32Array(8 * 31), 31))).toBeNull();
  });
});
