import { describe, expect, it } from 'vitest';
import type { SamplerSettings } from '../../../native-models/sampling/filters';
import { pickTokens } from '../../../native-models/sampling/filters';
import { completionTargets, sampleGrid, sampleGridReference } from '../../../native-models/sampling/loop';
import type { Condition, LoopStats, SampleJob } from '../../../native-models/sampling/loop';
import { rngForSeed } from '../../../native-models/sampling/rng';
import { HashTokenModel } from './hash-token-model';

const V = 16;
const greedy: SamplerSettings = { temperature: 1, topK: null, topP: null, greedy: true };
const sampled: SamplerSettings[] = [
  { temperature: 1, topK: 6, topP: null, greedy: false },
  { temperature: 0.8, topK: 8, topP: 0.9, greedy: false },
  { temperature: 1.3, topK: null, topP: 0.95, greedy: false },
];

function condTokens(batch: number, n: number, salt: number): Int32Array {
  return Int32Array.from({ length: batch * n }, (_, k) => (k * 7 + salt * 3 + ((k * k) >> 2)) % V);
}

/**
 * Brute force: the reference scripts' loop written out literally (window wh × ww, "8" → wh/2, "16" → wh),
 * one full window forward per token, reading logits[-wh*ww:].reshape(wh, ww)[local_i, local_j].
 */
async function bruteForce(
  model: HashTokenModel,
  H: number,
  W: number,
  wh: number,
  ww: number,
  cond: { grid: Int32Array } | { sos: number[] },
  settings: SamplerSettings[],
  seed: number,
  init?: Int32Array,
  startFlat = 0,
): Promise<Int32Array> {
  const B = settings.length;
  const rngs = settings.map((_, b) => rngForSeed(seed + b));
  const idx = init ? Int32Array.from(init) : new Int32Array(B * H * W);
  const startI = Math.floor(startFlat / W);
  for (let i = startI; i < H; i++) {
    let li: number;
    if (i <= wh / 2) li = i;
    else if (H - i < wh / 2) li = wh - (H - i);
    else li = wh / 2;
    for (let j = i === startI ? startFlat % W : 0; j < W; j++) {
      let lj: number;
      if (j <= ww / 2) lj = j;
      else if (W - j < ww / 2) lj = ww - (W - j);
      else lj = ww / 2;
      const i0 = i - li;
      const j0 = j - lj;
      const logits = new Float32Array(B * V);
      for (let b = 0; b < B; b++) {
        const patch: number[] = [];
        const cpatch: number[] = [];
        for (let r = i0; r < i0 + wh; r++) {
          for (let c = j0; c < j0 + ww; c++) {
            patch.push(idx[b * H * W + r * W + c]!);
            if ('grid' in cond) cpatch.push(cond.grid[b * H * W + r * W + c]!);
          }
        }
        const c = 'grid' in cond ? cpatch : [cond.sos[b]!];
        const seq = Int32Array.from([...c, ...patch].slice(0, -1));
        const all = model.allLogits(seq);
        const last = all.slice(all.length - wh * ww);
        logits.set(last[li * ww + lj]!, b * V);
      }
      const picked = pickTokens(logits, V, settings, rngs);
      for (let b = 0; b < B; b++) idx[b * H * W + i * W + j] = picked[b]!;
    }
  }
  return idx;
}

function job(H: number, W: number, wh: number, ww: number, condition: Condition, settings: SamplerSettings[], seed: number): SampleJob {
  return {
    batch: settings.length,
    grid: { h: H, w: W },
    window: { h: wh, w: ww },
    condition,
    settings,
    rngs: settings.map((_, b) => rngForSeed(seed + b)),
  };
}

const newStats = (): LoopStats => ({ forwardTokens: 0, prefillTokens: 0, stepTokens: 0, calls: 0 });

describe('sampling loops against the brute-force reference rule', () => {
  const cases = [
    { name: 'grid condition, 4×4 window, 9×11 grid', H: 9, W: 11, wh: 4, ww: 4, grid: true },
    { name: 'grid condition, 4×6 window, 10×13 grid', H: 10, W: 13, wh: 4, ww: 6, grid: true },
    { name: 'SOS prefix, 4×4 window, 9×10 grid', H: 9, W: 10, wh: 4, ww: 4, grid: false },
  ];
  for (const c of cases) {
    for (const mode of ['greedy', 'sampled'] as const) {
      it(`${c.name}, ${mode}: plain and optimized loops equal the brute force`, async () => {
        const settings = mode === 'greedy' ? [greedy, greedy] : sampled;
        const B = settings.length;
        const n = c.H * c.W;
        const L = c.grid ? c.wh * c.ww : 1;
        const model = new HashTokenModel({ vocabSize: V, blockSize: L + c.wh * c.ww - 1, withExtend: false });
        const cgrid = condTokens(B, n, 5);
        const sos = settings.map((_, b) => b + 3);
        const condition: Condition = c.grid
          ? { kind: 'grid', tokens: cgrid }
          : { kind: 'prefix', tokens: Int32Array.from(sos), length: 1 };
        const expected = await bruteForce(model, c.H, c.W, c.wh, c.ww, c.grid ? { grid: cgrid } : { sos }, settings, 42);
        const refStats = newStats();
        const plain = await sampleGridReference(model, job(c.H, c.W, c.wh, c.ww, condition, settings, 42), refStats);
        expect(Array.from(plain)).toEqual(Array.from(expected));
        for (const withExtend of [false, true]) {
          for (const maxCaches of [0, 2, 64]) {
            const m = new HashTokenModel({ vocabSize: V, blockSize: L + c.wh * c.ww - 1, withExtend });
            const st = newStats();
            const fast = await sampleGrid(m, job(c.H, c.W, c.wh, c.ww, condition, settings, 42), { maxCaches }, st);
            expect(Array.from(fast), `extend=${withExtend} maxCaches=${maxCaches}`).toEqual(Array.from(expected));
            expect(m.counts.liveCaches).toBe(0);
            const fed = st.forwardTokens + st.prefillTokens + st.stepTokens;
            if (maxCaches === 64) expect(fed).toBeLessThan(0.6 * refStats.forwardTokens);
          }
        }
        // different seeds give different samples
        if (mode === 'sampled') {
          const other = await sampleGrid(model, job(c.H, c.W, c.wh, c.ww, condition, settings, 43));
          expect(Array.from(other)).not.toEqual(Array.from(expected));
        }
      });
    }
  }

  it('prefix model on a grid lower than the window (window = all rows) equals the plain loop', async () => {
    const model = new HashTokenModel({ vocabSize: V, blockSize: 16, withExtend: true });
    const condition: Condition = { kind: 'prefix', tokens: Int32Array.from([0, 0, 0]), length: 1 };
    const j = (): SampleJob => job(3, 10, 4, 4, condition, sampled, 7);
    expect(Array.from(await sampleGrid(model, j()))).toEqual(Array.from(await sampleGridReference(model, j())));
  });

  it('a grid that fits one window is a KV-cache loop: one prefill, then one step per token', async () => {
    const model = new HashTokenModel({ vocabSize: V, blockSize: 16 + 15, withExtend: true });
    const condition: Condition = { kind: 'grid', tokens: condTokens(2, 16, 1) };
    const st = newStats();
    const fast = await sampleGrid(model, job(4, 4, 4, 4, condition, [greedy, sampled[0]!], 5), {}, st);
    const full = await sampleGrid(model, job(4, 4, 4, 4, condition, [greedy, sampled[0]!], 5), { maxCaches: 0 });
    expect(Array.from(fast)).toEqual(Array.from(full));
    expect(model.counts.prefill).toBe(1);
    expect(st.prefillTokens).toBe(16);
    expect(st.stepTokens).toBe(15);
  });
});

describe('variations of one request (one condition, B seeds)', () => {
  it('share their first window prefill (repeatCache) and equal the same seeds run alone', async () => {
    const H = 9, W = 11, wh = 4, ww = 4;
    const c = condTokens(1, H * W, 2);
    const B = sampled.length;
    const shared = new Int32Array(B * H * W);
    for (let b = 0; b < B; b++) shared.set(c, b * H * W);
    const model = new HashTokenModel({ vocabSize: V, blockSize: wh * ww * 2 - 1, withExtend: true });
    const batch = await sampleGrid(model, job(H, W, wh, ww, { kind: 'grid', tokens: shared }, sampled, 42));
    expect(model.counts.repeat).toBeGreaterThan(0);
    expect(model.counts.liveCaches).toBe(0);
    for (let b = 0; b < B; b++) {
      const alone = new HashTokenModel({ vocabSize: V, blockSize: wh * ww * 2 - 1, withExtend: true });
      const one = await sampleGrid(alone, job(H, W, wh, ww, { kind: 'grid', tokens: c }, [sampled[b]!], 42 + b));
      expect(Array.from(batch.subarray(b * H * W, (b + 1) * H * W)), `variation ${b}`).toEqual(Array.from(one));
      expect(alone.counts.repeat).toBe(0);
    }
  });
});

describe('completion and masked resampling', () => {
  it('image completion from a mid-row start keeps the prefix and equals the plain loop', async () => {
    const H = 9;
    const W = 10;
    const model = new HashTokenModel({ vocabSize: V, blockSize: 16 + 15 });
    const cond: Condition = { kind: 'grid', tokens: condTokens(1, H * W, 2) };
    const init = condTokens(1, H * W, 9);
    const start = 4 * W + 3;
    const mk = (): SampleJob => ({ ...job(H, W, 4, 4, cond, [sampled[1]!], 3), initial: init, targets: completionTargets({ h: H, w: W }, start) });
    const fast = await sampleGrid(model, mk());
    const plain = await sampleGridReference(model, mk());
    expect(Array.from(fast)).toEqual(Array.from(plain));
    expect(Array.from(fast.subarray(0, start))).toEqual(Array.from(init.subarray(0, start)));
    // The brute force (reference scripts) restarts every later row at column start_j; for a row-aligned start
    // the two agree exactly.
    const rowStart = 4 * W;
    const zeroed = Int32Array.from(init).fill(0, rowStart);
    const bf = await bruteForce(model, H, W, 4, 4, { grid: cond.tokens }, [greedy], 3, zeroed, rowStart);
    const ours = await sampleGrid(model, { ...job(H, W, 4, 4, cond, [greedy], 3), initial: zeroed, targets: completionTargets({ h: H, w: W }, rowStart) });
    expect(Array.from(ours)).toEqual(Array.from(bf));
  });

  it('masked resampling keeps every token outside the mask and resamples inside', async () => {
    const H = 9;
    const W = 11;
    const B = 3;
    const model = new HashTokenModel({ vocabSize: V, blockSize: 1 + 15, withExtend: true });
    const cond: Condition = { kind: 'prefix', tokens: Int32Array.from([0, 0, 0]), length: 1 };
    const init = condTokens(B, H * W, 4);
    const mask = new Uint8Array(H * W);
    for (let i = 2; i < 7; i++) for (let j = 3; j < 9; j++) mask[i * W + j] = 1;
    mask[0] = 1;
    mask[H * W - 1] = 1;
    const mk = (): SampleJob => ({ ...job(H, W, 4, 4, cond, sampled, 21), initial: init, targets: mask });
    const out = await sampleGrid(model, mk());
    let changed = 0;
    for (let b = 0; b < B; b++) {
      for (let q = 0; q < H * W; q++) {
        if (!mask[q]) expect(out[b * H * W + q]).toBe(init[b * H * W + q]);
        else if (out[b * H * W + q] !== init[b * H * W + q]) changed++;
      }
    }
    expect(changed).toBeGreaterThan(20);
    expect(Array.from(out)).toEqual(Array.from(await sampleGridReference(model, mk())));
  });

  it('shape buckets bound the distinct call shapes without changing any token', async () => {
    const H = 12;
    const W = 13;
    const cond: Condition = { kind: 'grid', tokens: condTokens(2, H * W, 6) };
    const init = condTokens(2, H * W, 8);
    const mask = new Uint8Array(H * W);
    for (let q = 0; q < H * W; q++) mask[q] = (q * 7919) % 5 === 0 ? 1 : 0;
    const mk = (): SampleJob => ({ ...job(H, W, 8, 8, cond, [sampled[0]!, sampled[1]!], 4), initial: init, targets: mask });
    const bucketed = new HashTokenModel({ vocabSize: V, blockSize: 64 + 63, withExtend: true });
    const exact = new HashTokenModel({ vocabSize: V, blockSize: 64 + 63, withExtend: true });
    const a = await sampleGrid(bucketed, mk());
    const b = await sampleGrid(exact, mk(), { shapeBuckets: false });
    expect(Array.from(a)).toEqual(Array.from(b));
    const count = (m: HashTokenModel, kind: string): number => [...m.shapes].filter((s) => s.startsWith(kind)).length;
    expect(count(bucketed, 'prefill')).toBeLessThanOrEqual(8); // whole window rows only
    expect(count(bucketed, 'extend')).toBeLessThanOrEqual(7); // powers of two below 64
    expect(count(exact, 'prefill') + count(exact, 'extend')).toBeGreaterThan(count(bucketed, 'prefill') + count(bucketed, 'extend'));
  });
});

describe('progress and cancellation', () => {
  it('reports every token in raster order and honours an abort within one token step', async () => {
    const stepMs = 40;
    const model = new HashTokenModel({ vocabSize: V, blockSize: 16, delayMs: stepMs });
    const controller = new AbortController();
    const seen: number[] = [];
    let abortedAt = 0;
    let callsAtAbort = -1;
    const calls = (): number => model.counts.logitsAt + model.counts.prefill + model.counts.step + model.counts.extend;
    const run = sampleGrid(model, {
      ...job(4, 4, 4, 4, { kind: 'prefix', tokens: Int32Array.from([0]), length: 1 }, [greedy], 1),
      signal: controller.signal,
      onToken: (e) => {
        seen.push(e.i * 4 + e.j);
        expect(e.total).toBe(16);
        if (e.done === 3) {
          // abort in the middle of the next model call
          setTimeout(() => {
            abortedAt = performance.now();
            callsAtAbort = calls();
            controller.abort();
          }, stepMs / 2);
        }
      },
    });
    await expect(run).rejects.toThrow(/abort/i);
    const latency = performance.now() - abortedAt;
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(calls()).toBe(callsAtAbort); // no model call started after the abort: only the one in flight finished
    expect(latency).toBeLessThan(3 * stepMs + 250); // generous: timers are late on a loaded machine
    expect(model.counts.liveCaches).toBe(0);
  });

  it('refuses a condition grid of the wrong size and windows longer than the block', async () => {
    const model = new HashTokenModel({ vocabSize: V, blockSize: 20 });
    await expect(
      sampleGrid(model, job(8, 8, 4, 4, { kind: 'grid', tokens: new Int32Array(10) }, [greedy], 1)),
    ).rejects.toThrow(/same grid size as the image/);
    await expect(
      sampleGrid(model, job(8, 8, 4, 4, { kind: 'grid', tokens: new Int32Array(64) }, [greedy], 1)),
    ).rejects.toThrow(/block size is 20/);
    await expect(
      sampleGrid(model, { ...job(8, 8, 4, 4, { kind: 'prefix', tokens: new Int32Array(1), length: 1 }, [greedy], 1), initial: new Int32Array(64).fill(99) }),
    ).rejects.toThrow(/outside the vocabulary/);
  });
});

describe('window stride (opt-in: blocks of targets share one window)', () => {
  it('the optimized loop equals the plain loop token for token, and feeds far fewer tokens', async () => {
    const H = 16, W = 16, wh = 8, ww = 8;
    const settings = sampled;
    const B = settings.length;
    const L = wh * ww;
    const cgrid = condTokens(B, H * W, 9);
    const condition: Condition = { kind: 'grid', tokens: cgrid };
    const strided = (stride: number, seed = 42): SampleJob => ({ ...job(H, W, wh, ww, condition, settings, seed), windowStride: { h: stride, w: stride } });
    const model = new HashTokenModel({ vocabSize: V, blockSize: L + L - 1, withExtend: true });
    // Stride 1 is the reference rule.
    expect(Array.from(await sampleGrid(model, strided(1)))).toEqual(Array.from(await sampleGrid(model, job(H, W, wh, ww, condition, settings, 42))));
    const plain = await sampleGridReference(model, strided(4));
    const s1 = newStats(), s4 = newStats();
    await sampleGrid(model, strided(1), {}, s1);
    const fast = await sampleGrid(model, strided(4), {}, s4);
    expect(Array.from(fast)).toEqual(Array.from(plain));
    expect(Array.from(fast)).not.toEqual(Array.from(await sampleGrid(model, strided(1)))); // another placement, other samples
    expect(model.counts.liveCaches).toBe(0);
    const fed = (s: LoopStats): number => s.forwardTokens + s.prefillTokens + s.stepTokens;
    expect(fed(s4)).toBeLessThan(0.5 * fed(s1));
    expect(s4.prefillTokens).toBeLessThan(0.3 * s1.prefillTokens);
    // At most one step or extend call per target (a target at a window row's start gets its logits from the
    // prefill): the step from a block row's last target to the next row's first (the sampled token + the window
    // row's 4 tokens left of the block = 5) goes whole; as 4 + 1 it took 279 calls here.
    const counted = new HashTokenModel({ vocabSize: V, blockSize: L + L - 1, withExtend: true });
    expect(Array.from(await sampleGrid(counted, strided(4)))).toEqual(Array.from(plain));
    expect(counted.counts.step + counted.counts.extend).toBeLessThanOrEqual(H * W);
  });

  it('refuses a stride that would push targets out of their window', async () => {
    const model = new HashTokenModel({ vocabSize: V, blockSize: 127, withExtend: true });
    const base = job(16, 16, 8, 8, { kind: 'grid', tokens: condTokens(3, 256, 1) }, sampled, 1);
    await expect(sampleGrid(model, { ...base, windowStride: { h: 5, w: 5 } })).rejects.toThrow(/window stride must be a whole number from 1 to 4 rows/);
    await expect(sampleGrid(model, { ...base, windowStride: { h: 2, w: 0 } })).rejects.toThrow(/from 1 to 4 columns/);
  });
});
