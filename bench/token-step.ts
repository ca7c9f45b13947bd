// `npm run bench -- token-step [--layers 24] [--width 1024] [--heads 16] [--threads N] [--steps 6] [--window-tokens 2]
//  [--no-image] [--batch 4]`: generation at the size of the released taming transformers (24 layers × 1024, 16 heads,
// vocab 1024, block 512; 307 M parameters, seeded random weights built in-process), against PyTorch with the same
// weights in the same run (bench/reference/token_step_bench.py):
//   bandwidth  this machine's streaming-read bandwidth (torch.sum over 1 GiB, best of 5); the bound of a token step is
//              the bytes it must read (every weight but the two embedding tables, of which one row each, plus the live
//              KV cache) / bandwidth
//   step       one KV-cache token step after a 256-token prefill (median), Tessera vs a sample_with_past-style step
//   prefill    the 256-token condition, both sides, and how far Tessera's logits are from PyTorch's
//   image      a 16×16-token (256²) image: 256 greedy tokens after a 256-token condition with the KV cache; PyTorch's
//              is estimated as its prefill + 255 × its step (Debian's torch takes minutes for the whole loop here)
//   window     a 48×32-token image by the sliding window, SCALED: only `--window-tokens` mid-grid targets are sampled
//              (each needs its own window forward in both loops, the costliest kind); the full image is estimated as
//              1536 × the per-token time (an upper estimate for Tessera, whose edge rows reuse cached windows)
//   batch      (with --batch N) N variations as one batch: N × 256 tokens vs one image
//   int8       (with --int8) the same step with int8 weight-only linears (models/int8-weights.ts, MatMulNBits): its
//              time against the fp32 bound and its own (int8 bytes), its logits against fp32, greedy image tokens
// Times are wall-clock on whatever else the machine runs; ratios compare runs made in this one process run.
// Debian's python3-torch is built with the netlib reference BLAS (BLAS_INFO=generic): the reference runs its
// multi-row linears on oneDNN instead (bench/reference/sampling_bench.py MiniGpt onednn), one-row ones on F.linear.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { GptConfig } from '../native-models/models/gpt';
import { int8LinearNames } from '../native-models/models/int8-weights';
import { GptModel } from '../native-models/models/load';
import type { NamedTensor } from '../native-models/models/param-spec';
import { sampleGrid, type SampleJob } from '../native-models/sampling/loop';
import { rngForSeed } from '../native-models/sampling/rng';
import { benchGptWeights, writeWeightFolder } from './gpt-weights';
import { flag, pythonReference } from './timing';

const REFERENCE = path.join(import.meta.dirname, 'reference', 'token_step_bench.py');
const greedy = { temperature: 1, topK: null, topP: null, greedy: true };

interface Reference {
  threads: number; torch: string; bandwidth: number; prefill_s: number; prefill_logits: number[]; step_s: number;
  window_s?: number; window_tokens?: number[];
}

/** Bytes one token step at cache length `past` must read: weights (one row of each embedding) + the live K/V. */
function stepBytes(c: GptConfig, w: Map<string, NamedTensor>, past: number, bytesOf: (name: string, values: number) => number = (_n, v) => 4 * v): { weights: number; cache: number } {
  let n = 0;
  for (const [name, t] of w) n += name === 'tok_emb.weight' || name === 'pos_emb' ? 4 * c.nEmbd : bytesOf(name, t.data.length);
  return { weights: n, cache: 2 * c.nLayer * past * c.nEmbd * 4 };
}

/** Median time of `steps` KV-cache steps after a 256-token prefill (two untimed steps first: compilation). */
async function medianStep(gpt: GptModel, cond16: Int32Array, steps: number): Promise<number> {
  const { cache } = await gpt.prefill(cond16, 1, 256);
  const times: number[] = [];
  for (let s = 0; s < steps + 2; s++) {
    const r = await seconds(() => gpt.step(cache, Int32Array.of(cond16[s]!)));
    if (s >= 2) times.push(r.s);
  }
  gpt.release(cache);
  times.sort((a, b) => a - b);
  return times[times.length >> 1]!;
}

async function seconds<T>(f: () => Promise<T>): Promise<{ s: number; value: T }> {
  const t = performance.now();
  const value = await f();
  return { s: (performance.now() - t) / 1000, value };
}

function job(batch: number, grid: { h: number; w: number }, cond: Int32Array, targets?: Uint8Array): SampleJob {
  const rows = Array.from({ length: batch }, (_, b) => b);
  const tokens = new Int32Array(batch * cond.length);
  for (let b = 0; b < batch; b++) tokens.set(cond, b * cond.length);
  return {
    batch, grid, window: { h: 16, w: 16 }, condition: { kind: 'grid', tokens }, targets,
    settings: rows.map(() => greedy), rngs: rows.map((b) => rngForSeed(b)),
  };
}

const agree = (a: ArrayLike<number>, b: ArrayLike<number> | undefined): string => {
  if (!b) return '';
  let n = 0;
  for (let k = 0; k < a.length; k++) if (a[k] === b[k]) n++;
  return ` (greedy tokens equal to PyTorch: ${n}/${a.length})`;
};

/** Streaming copy bandwidth of this process (read + write bytes / s, best of 5), for when there is no PyTorch. */
function copyBandwidth(): number {
  const a = new Float32Array(64 << 20).fill(1);
  const b = new Float32Array(a.length);
  let best = 0;
  for (let k = 0; k < 5; k++) {
    const t = performance.now();
    b.set(a);
    best = Math.max(best, (2 * a.byteLength) / ((performance.now() - t) / 1000));
  }
  return best;
}

export async function runTokenStepBench(args: string[]): Promise<void> {
  const width = Number(flag(args, 'width', '1024'));
  const c: GptConfig = { vocabSize: 1024, blockSize: 512, nLayer: Number(flag(args, 'layers', '24')), nHead: Number(flag(args, 'heads', String(width / 64))), nEmbd: width };
  const threads = Number(flag(args, 'threads', String(os.cpus().length)));
  const steps = Number(flag(args, 'steps', '6'));
  const windowTokens = Number(flag(args, 'window-tokens', '2'));
  const batch = Number(flag(args, 'batch', '0'));
  const image = !args.includes('--no-image');
  const int8 = args.includes('--int8');
  const H = 32;
  const W = 48;
  const cgrid = Int32Array.from({ length: H * W }, (_, k) => (k * 7919 + 13) % c.vocabSize);
  const cond16 = Int32Array.from({ length: 256 }, (_, k) => cgrid[Math.floor(k / 16) * W + (k % 16)]!);
  const targetList = Array.from({ length: windowTokens }, (_, k) => [16, 20 + k] as [number, number]);

  let t0 = performance.now();
  const w = benchGptWeights(c);
  const params = [...w.values()].reduce((n, t) => n + t.data.length, 0);
  console.log(`GPT ${c.nLayer} layers × ${c.nEmbd} (${c.nHead} heads, vocab ${c.vocabSize}, block ${c.blockSize}): ` +
    `${(params / 1e6).toFixed(1)} M parameters, seeded random weights built in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${threads} threads`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-token-step-'));
  let reference: { out: Reference } | { skipped: string };
  try {
    writeWeightFolder(dir, c, w, { job: { steps, image, h: H, w: W, cond: Array.from(cgrid), cond16: Array.from(cond16), targets: targetList } });
    t0 = performance.now();
    // OpenMP threads that sleep when idle, as onnxruntime's do here (allow_spinning 0)
    reference = pythonReference<Reference>(REFERENCE, [dir, String(threads)], { OMP_WAIT_POLICY: 'PASSIVE' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const ref = 'out' in reference ? reference.out : null;
  console.log(ref ? `PyTorch ${ref.torch} reference: ${((performance.now() - t0) / 1000).toFixed(0)} s, ${ref.threads} threads` : 'skipped' in reference ? reference.skipped : '');

  const gpt = new GptModel(c, w, { runtime: { intraOpThreads: threads, interOpThreads: 1 } });
  // the step: prefill 256 tokens (once untimed: compilation), two untimed steps (compilation), then `steps` timed ones
  gpt.release((await gpt.prefill(cond16, 1, 256)).cache);
  const pre = await seconds(() => gpt.prefill(cond16, 1, 256));
  gpt.release(pre.value.cache);
  if (ref) {
    let diff = 0;
    let scale = 0;
    pre.value.logits.forEach((v, k) => { diff = Math.max(diff, Math.abs(v - ref.prefill_logits[k]!)); scale = Math.max(scale, Math.abs(v)); });
    console.log(`prefill (256 tokens): Tessera ${pre.s.toFixed(2)} s, PyTorch ${ref.prefill_s.toFixed(2)} s; last logits max |Δ| ${diff.toExponential(1)} (max |logit| ${scale.toFixed(1)})`);
  }
  const step = await medianStep(gpt, cond16, steps);
  const bytes = stepBytes(c, w, 256 + steps);
  const bandwidth = ref?.bandwidth ?? copyBandwidth();
  const bound = (bytes.weights + bytes.cache) / bandwidth;
  console.log(`bandwidth: ${(bandwidth / 1e9).toFixed(1)} GB/s (${ref ? 'torch.sum over 1 GiB' : 'TypedArray copy, no PyTorch'}); ` +
    `a step reads ${(bytes.weights / 1e9).toFixed(2)} GB of fp32 weights + ${(bytes.cache / 1e6).toFixed(0)} MB of K/V → bound ${(bound * 1000).toFixed(1)} ms`);
  console.log(`token step (KV cache, position ${256 + 2}…): Tessera ${(step * 1000).toFixed(1)} ms` +
    (ref ? `, PyTorch ${(ref.step_s * 1000).toFixed(1)} ms` : ''));
  console.log(`ratio vs bandwidth bound: ${(step / bound).toFixed(2)}   (goal ≤ 2.0)`);
  if (ref) console.log(`ratio vs pytorch: ${(step / ref.step_s).toFixed(2)}   (goal ≤ 0.8)`);

  let fp32Image: Int32Array | null = null;
  if (image) {
    const r = await seconds(() => sampleGrid(gpt, job(1, { h: 16, w: 16 }, cond16)));
    fp32Image = r.value;
    const refImage = ref ? ref.prefill_s + 255 * ref.step_s : undefined;
    console.log(`256² image (16×16 tokens after a 256-token condition, KV cache): Tessera ${r.s.toFixed(1)} s` +
      (refImage ? `, PyTorch ${refImage.toFixed(1)} s (estimated: its prefill + 255 × its step), ratio ${(r.s / refImage).toFixed(2)}` : ''));
    if (batch > 1) {
      const rb = await seconds(() => sampleGrid(gpt, job(batch, { h: 16, w: 16 }, cond16)));
      console.log(`${batch} variations as one batch: ${rb.s.toFixed(1)} s = ${(rb.s / r.s).toFixed(2)} × one image (goal ≤ 2.0 for 4)`);
    }
  }
  if (int8) await int8Section(c, w, cond16, pre.value.logits, { steps, threads, bound, bandwidth, step, fp32Image, batch });
  if (windowTokens > 0) {
    const targets = new Uint8Array(H * W);
    // warm-up on another mid-grid target of the same window shape (compiles its prefill and extend programs)
    targets[17 * W + 20] = 1;
    await sampleGrid(gpt, job(1, { h: H, w: W }, cgrid, targets));
    targets.fill(0);
    for (const [i, j] of targetList) targets[i * W + j] = 1;
    const r = await seconds(() => sampleGrid(gpt, job(1, { h: H, w: W }, cgrid, targets)));
    const sampled = targetList.map(([i, j]) => r.value[i * W + j]!);
    const per = r.s / windowTokens;
    const refPer = ref?.window_s !== undefined ? ref.window_s / windowTokens : undefined;
    console.log(`48×32 sliding window, SCALED to ${windowTokens} mid-grid tokens: Tessera ${per.toFixed(2)} s/token` +
      (refPer ? `, PyTorch reference loop ${refPer.toFixed(2)} s/token, ratio ${(per / refPer).toFixed(2)}` : '') + agree(sampled, ref?.window_tokens));
    console.log(`  whole 1536-token image, estimated: Tessera ≤ ${(per * H * W / 60).toFixed(0)} min` +
      (refPer ? `, PyTorch reference ${(refPer * H * W / 60).toFixed(0)} min` : ''));
  }
}

/** The int8 weight-only step beside the fp32 one (same weights, same process). */
async function int8Section(c: GptConfig, w: Map<string, NamedTensor>, cond16: Int32Array, fp32Logits: Float32Array,
  o: { steps: number; threads: number; bound: number; bandwidth: number; step: number; fp32Image: Int32Array | null; batch: number }): Promise<void> {
  const gpt = new GptModel(c, w, { gptWeights: 'int8', runtime: { intraOpThreads: o.threads, interOpThreads: 1 } });
  gpt.release((await gpt.prefill(cond16, 1, 256)).cache);
  const { logits, cache } = await gpt.prefill(cond16, 1, 256);
  gpt.release(cache);
  const step = await medianStep(gpt, cond16, o.steps);
  let diff = 0;
  let scale = 0;
  logits.forEach((v, k) => { diff = Math.max(diff, Math.abs(v - fp32Logits[k]!)); scale = Math.max(scale, Math.abs(fp32Logits[k]!)); });
  const linears = new Set(int8LinearNames(w));
  const b = stepBytes(c, w, 256 + o.steps, (name, v) => (linears.has(name) ? v * (1 + 4 / 32) : 4 * v)); // 1 byte + a float32 scale per 32
  const bytes = b.weights + b.cache;
  const ownBound = bytes / o.bandwidth;
  console.log(`int8 token step (weight-only, blocks of 32): ${(step * 1000).toFixed(1)} ms = ${(step / o.step).toFixed(2)} × fp32; ` +
    `reads ${(bytes / 1e9).toFixed(2)} GB → its own bound ${(ownBound * 1000).toFixed(1)} ms; prefill last logits max |Δ| vs fp32 ${diff.toFixed(3)} (max |logit| ${scale.toFixed(1)})`);
  console.log(`int8 ratio vs fp32 bandwidth bound: ${(step / o.bound).toFixed(2)}   int8 ratio vs its own bound: ${(step / ownBound).toFixed(2)}`);
  if (o.fp32Image) {
    const r = await seconds(() => sampleGrid(gpt, job(1, { h: 16, w: 16 }, cond16)));
    let same = 0;
    for (let k = 0; k < r.value.length; k++) if (r.value[k] === o.fp32Image[k]) same++;
    console.log(`int8 256² image: ${r.s.toFixed(1)} s; greedy tokens equal to fp32: ${same}/${r.value.length}`);
    if (o.batch > 1) {
      const rb = await seconds(() => sampleGrid(gpt, job(o.batch, { h: 16, w: 16 }, cond16)));
      console.log(`int8 ${o.batch} variations as one batch: ${rb.s.toFixed(1)} s = ${(rb.s / r.s).toFixed(2)} × one int8 image (goal ≤ 2.0 for 4)`);
    }
  }
}
