/**
 * The sampling loops and generate() on a REAL tiny model: the taming-compatible Net2Net segmentation fixture
 * (random weights; GPT 2 layers × 48, block 32; first stage f8 at 32² → a 4 × 4 window; condition VQGAN f4 with
 * 13 label channels), imported through the real `tessera import` code path and run by onnxruntime.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importTamingCheckpoint } from '../../../native-models/formats/import-taming';
import { loadBundle } from '../../../native-models/models/load';
import type { GptModel } from '../../../native-models/models/load';
import { loadBundleGenerator } from '../../../native-models/sampling/bundle-generator';
import type { BundleGenerator } from '../../../native-models/sampling/bundle-generator';
import { argmax } from '../../../native-models/sampling/filters';
import type { SamplerSettings } from '../../../native-models/sampling/filters';
import { generate } from '../../../native-models/sampling/generate';
import { sampleGrid, sampleGridReference } from '../../../native-models/sampling/loop';
import type { Condition, LoopStats, SampleJob } from '../../../native-models/sampling/loop';
import { rngForSeed } from '../../../native-models/sampling/rng';

const FIXTURES = path.join(import.meta.dirname, '../../fixtures/models');
let dir = '';
let gpt: GptModel;
let gen: BundleGenerator;
const greedy: SamplerSettings = { temperature: 1, topK: null, topP: null, greedy: true };

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-realgpt-'));
  const bundle = path.join(dir, 'seg');
  await importTamingCheckpoint(path.join(FIXTURES, 'net2net-seg.ckpt'), { out: bundle, config: path.join(FIXTURES, 'net2net-seg.project.yaml') });
  const loaded = await loadBundle(bundle);
  if (loaded.kind !== 'cond-transformer') throw new Error('fixture is not a transformer bundle');
  gpt = loaded.gpt;
  gen = await loadBundleGenerator(bundle);
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const V = 64;
const cgrid = (n: number): Int32Array => Int32Array.from({ length: n }, (_, k) => (k * 13 + 5) % V);
const mkJob = (h: number, w: number, settings: SamplerSettings[]): SampleJob => ({
  batch: settings.length,
  grid: { h, w },
  window: { h: 4, w: 4 },
  condition: { kind: 'grid', tokens: (() => { const c = cgrid(h * w); const out = new Int32Array(settings.length * h * w); for (let b = 0; b < settings.length; b++) out.set(c, b * h * w); return out; })() } as Condition,
  settings,
  rngs: settings.map((_, b) => rngForSeed(100 + b)),
});

/** The reference scripts' loop, literally: full window forward, logits[-16:].reshape(4, 4)[li, lj], greedy. */
async function bruteForce(h: number, w: number): Promise<Int32Array> {
  const idx = new Int32Array(h * w);
  const c = cgrid(h * w);
  const local = (i: number, n: number): number => (i <= 2 ? i : n - i < 2 ? 4 - (n - i) : 2);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const li = local(i, h);
      const lj = local(j, w);
      const seq: number[] = [];
      const patch: number[] = [];
      for (let r = i - li; r < i - li + 4; r++) for (let q = j - lj; q < j - lj + 4; q++) { seq.push(c[r * w + q]!); patch.push(idx[r * w + q]!); }
      const tokens = Int32Array.from([...seq, ...patch].slice(0, -1)); // 31 tokens
      const all = await gpt.logits(tokens, 1, 31); // [1, 31, V]
      const at = 31 - 16 + li * 4 + lj;
      idx[i * w + j] = argmax(all, at * V, V);
    }
  }
  return idx;
}

describe('sampling with the real tiny GPT (onnxruntime)', () => {
  it('KV-cache loop equals the full-recompute loop token for token (greedy, one window)', async () => {
    const st: LoopStats = { forwardTokens: 0, prefillTokens: 0, stepTokens: 0, calls: 0 };
    const cached = await sampleGrid(gpt, mkJob(4, 4, [greedy, greedy]), {}, st);
    const full = await sampleGrid(gpt, mkJob(4, 4, [greedy, greedy]), { maxCaches: 0 });
    const plain = await sampleGridReference(gpt, mkJob(4, 4, [greedy, greedy]));
    expect(Array.from(cached)).toEqual(Array.from(full));
    expect(Array.from(cached)).toEqual(Array.from(plain));
    expect(st.prefillTokens).toBe(16); // the condition, once
    expect(st.stepTokens).toBe(15); // then one cached step per token
    expect(new Set(cached).size).toBeGreaterThan(2);
  });

  it('sliding window on an 8 × 8 grid (2× the window): optimized = plain = brute-force reference', async () => {
    const expected = await bruteForce(8, 8);
    const plain = await sampleGridReference(gpt, mkJob(8, 8, [greedy]));
    const fast = await sampleGrid(gpt, mkJob(8, 8, [greedy]));
    expect(Array.from(plain)).toEqual(Array.from(expected));
    expect(Array.from(fast)).toEqual(Array.from(expected));
  });

  it('repeatCache: one prefilled row repeated equals prefilling every row, through the following step', async () => {
    const head = Int32Array.from({ length: 20 }, (_, k) => (k * 11 + 3) % V);
    const three = new Int32Array(60);
    for (let b = 0; b < 3; b++) three.set(head, b * 20);
    const full = await gpt.prefill(three, 3, 20);
    const one = await gpt.prefill(head, 1, 20);
    const repeated = gpt.repeatCache(one.cache, 3);
    expect(repeated.batch).toBe(3);
    expect(gpt.cacheLength(repeated)).toBe(20);
    expect(() => gpt.repeatCache(one.cache, 2)).toThrow(/released/);
    const next = Int32Array.of(5, 17, 40); // the rows diverge here, as variations do once sampled
    const a = await gpt.step(full.cache, next);
    const b = await gpt.step(repeated, next);
    let maxDiff = 0;
    for (let k = 0; k < a.logits.length; k++) maxDiff = Math.max(maxDiff, Math.abs(a.logits[k]! - b.logits[k]!));
    expect(maxDiff).toBeLessThan(1e-5);
    expect(new Set([0, 1, 2].map((r) => Array.from(b.logits.subarray(r * V, (r + 1) * V)).join())).size).toBe(3);
  });

  it('sampled (top-k/top-p) variations in one batch equal the same seeds run alone', async () => {
    const s: SamplerSettings[] = [
      { temperature: 1, topK: 20, topP: 0.9, greedy: false },
      { temperature: 0.7, topK: null, topP: null, greedy: false },
    ];
    const both = await sampleGrid(gpt, mkJob(8, 8, s));
    const second = await sampleGrid(gpt, { ...mkJob(8, 8, [s[1]!]), rngs: [rngForSeed(101)] });
    expect(Array.from(both.subarray(64))).toEqual(Array.from(second));
  });

  it('generate() with n = 4 (what --n and the studio\'s variations run: one batch) equals 4 single runs of seeds S..S+3', async () => {
    const labels = Int32Array.from({ length: 32 * 32 }, (_, k) => ((k >> 5) >> 3) + ((k & 31) >> 4) * 4);
    const req = { mode: 'semantic' as const, width: 64, height: 64, seed: 40, n: 4, sampler: { temperature: 1, topK: 30, topP: 0.95, greedy: false },
      condition: { kind: 'labels' as const, map: { width: 32, height: 32, labels } } };
    const calls: number[] = [];
    const prefill = gen.models.gpt.prefill.bind(gen.models.gpt);
    const counted = { ...gen.models, gpt: Object.assign(Object.create(gen.models.gpt) as typeof gen.models.gpt, {
      prefill: (t: Int32Array, b: number, l: number) => { calls.push(b); return prefill(t, b, l); },
    }) };
    const batch = await generate(counted, req);
    expect(calls.length).toBeGreaterThan(0);
    // The four variations went through the model together: windows they see alike (the condition before any
    // token is sampled) are prefilled once and the cache repeated (repeatCache), the rest as one batch of four.
    expect(calls.every((b) => b === 4 || b === 1)).toBe(true);
    expect(calls).toContain(4);
    expect(calls).toContain(1);
    expect(batch.seeds).toEqual([40, 41, 42, 43]);
    const n = 8 * 8;
    for (let k = 0; k < 4; k++) {
      const one = await generate(gen.models, { ...req, n: 1, seed: 40 + k });
      expect(Array.from(batch.tokens.subarray(k * n, (k + 1) * n)), `variation ${k}`).toEqual(Array.from(one.tokens));
      expect(Buffer.from(batch.images[k]!).equals(Buffer.from(one.images[0]!)), `image ${k}`).toBe(true);
    }
    expect(new Set(Array.from({ length: 4 }, (_, k) => batch.tokens.subarray(k * n, (k + 1) * n).join())).size).toBe(4);
  });

  it('generate(): the model\'s own window stride applies unless the request names one, lowered to what the window allows', async () => {
    const labels = Int32Array.from({ length: 32 * 32 }, (_, k) => ((k >> 5) >> 3) + ((k & 31) >> 4) * 4);
    const req = { mode: 'semantic' as const, width: 64, height: 64, seed: 3, n: 1, sampler: greedy,
      condition: { kind: 'labels' as const, map: { width: 32, height: 32, labels } } };
    const own = { ...gen.models, windowStride: 4 }; // the fixture's 4 × 4 window takes at most 2
    const byDefault = await generate(own, req);
    expect(byDefault.windowStride).toBe(2);
    const asked = await generate(gen.models, { ...req, windowStride: 2 });
    expect(Array.from(byDefault.tokens)).toEqual(Array.from(asked.tokens));
    const reference = await generate(own, { ...req, windowStride: 1 });
    expect(reference.windowStride).toBe(1);
    expect(Array.from(reference.tokens)).toEqual(Array.from((await generate(gen.models, req)).tokens));
    expect((await generate(gen.models, req)).windowStride).toBe(1);
    const oneWindow = await generate(own, { ...req, width: 32, height: 32, condition: { kind: 'labels' as const, map: { width: 16, height: 16, labels: labels.subarray(0, 256) } } });
    expect(oneWindow.windowStride).toBe(1); // nothing slides
    await expect(generate(gen.models, { ...req, windowStride: 3 })).rejects.toThrow(/window stride must be a whole number from 1 to 2/);
  });

  it('generate(): semantic labels → image, same seed → same pixels, labels beyond the palette refused', async () => {
    const labels = Int32Array.from({ length: 32 * 32 }, (_, k) => ((k >> 5) >> 3) + ((k & 31) >> 4) * 4);
    const req = { mode: 'semantic' as const, width: 64, height: 64, seed: 5, n: 1, sampler: { temperature: 1, topK: 30, topP: null, greedy: false },
      condition: { kind: 'labels' as const, map: { width: 32, height: 32, labels } }, previewEvery: 32 };
    let previews = 0;
    const a = await generate(gen.models, req, { onProgress: (p) => void (p.preview && previews++) });
    const b = await generate(gen.models, req);
    expect(a.grid).toEqual({ h: 8, w: 8 });
    expect(a.images[0]!.length).toBe(64 * 64 * 3);
    expect(Buffer.from(a.images[0]!).equals(Buffer.from(b.images[0]!))).toBe(true);
    expect(previews).toBe(1);
    const c = await generate(gen.models, { ...req, seed: 6 });
    expect(Buffer.from(a.images[0]!).equals(Buffer.from(c.images[0]!))).toBe(false);
    const bad = Int32Array.from(labels);
    bad[40] = 13;
    await expect(generate(gen.models, { ...req, condition: { kind: 'labels', map: { width: 32, height: 32, labels: bad } } })).rejects.toThrow(/Label 13 .* has 13 classes/);
  });
});
