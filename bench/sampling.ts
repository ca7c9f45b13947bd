// `npm run bench -- sampling [--layers N] [--width D] [--threads N]`: Tessera's sampling loops against a PyTorch
// minGPT with the same weights, in the same run (bench/reference/sampling_bench.py), greedy, batch 1:
//   kv      256 z-tokens after a 256-token condition: Tessera's KV-cache loop (one prefill, then cached steps)
//           vs PyTorch sample_with_past-style (target ≤ 0.8) and vs the reference full-recompute sample() (≤ 0.1)
//   window  a 32 × 48-token grid with a 256-token condition grid: Tessera's optimized sliding window vs the
//           reference window loop (one full 511-token forward per token) (target ≤ 0.5)
// The GPT is scaled down for a 2-core machine (default 4 layers × 256, 8 heads, vocab 1024, block 512; the
// released models are 24 × 1024) with seeded random weights. Times include no program compilation (a warm-up
// run compiles every shape first). Prints seconds, ratios (Tessera / PyTorch) and how many greedy tokens agree.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gptParameters } from '../native-models/models/gpt';
import type { GptConfig } from '../native-models/models/gpt';
import { GptModel } from '../native-models/models/load';
import type { NamedTensor } from '../native-models/models/param-spec';
import { sampleGrid } from '../native-models/sampling/loop';
import type { SampleJob } from '../native-models/sampling/loop';
import { rngForSeed } from '../native-models/sampling/rng';

const PYTHON = '/usr/bin/python3';
const REFERENCE = path.join(import.meta.dirname, 'reference', 'sampling_bench.py');

function arg(args: string[], name: string, fallback: number): number {
  const k = args.indexOf(`--${name}`);
  return k >= 0 && args[k + 1] ? Number(args[k + 1]) : fallback;
}

/** Seeded N(0, std) values (PCG32 floats + Box–Muller): benchmark weights only. */
function normals(n: number, std: number, seed: number): Float32Array {
  const rng = rngForSeed(seed);
  const out = new Float32Array(n);
  for (let k = 0; k < n; k++) out[k] = std * Math.sqrt(-2 * Math.log(1 - rng.nextFloat())) * Math.cos(2 * Math.PI * rng.nextFloat());
  return out;
}

function weights(c: GptConfig): Map<string, NamedTensor> {
  const out = new Map<string, NamedTensor>();
  let seed = 1;
  for (const p of gptParameters(c)) {
    if (p.buffer) continue;
    const n = p.shape.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    if (p.name.endsWith('ln1.weight') || p.name.endsWith('ln2.weight') || p.name === 'ln_f.weight') data = new Float32Array(n).fill(1);
    else if (p.name.endsWith('.bias')) data = normals(n, 0.02, seed++);
    else data = normals(n, p.name === 'pos_emb' ? 0.1 : 0.05, seed++);
    out.set(p.name, { shape: [...p.shape], data });
  }
  return out;
}

const greedy = { temperature: 1, topK: null, topP: null, greedy: true };

function job(h: number, w: number, cond: Int32Array): SampleJob {
  return { batch: 1, grid: { h, w }, window: { h: 16, w: 16 }, condition: { kind: 'grid', tokens: cond }, settings: [greedy], rngs: [rngForSeed(0)] };
}

async function timed<T>(f: () => Promise<T>): Promise<{ s: number; value: T }> {
  const t = performance.now();
  const value = await f();
  return { s: (performance.now() - t) / 1000, value };
}

const agree = (a: ArrayLike<number>, b: ArrayLike<number>): string => {
  let n = 0;
  while (n < a.length && a[n] === b[n]) n++;
  return `${n}/${a.length} leading tokens equal`;
};

export async function runSamplingBench(args: string[]): Promise<void> {
  const c: GptConfig = { vocabSize: 1024, blockSize: 512, nLayer: arg(args, 'layers', 4), nHead: 8, nEmbd: arg(args, 'width', 256) };
  const threads = arg(args, 'threads', os.cpus().length);
  const H = 32;
  const W = 48;
  const cgrid = Int32Array.from({ length: H * W }, (_, k) => (k * 7919 + 13) % c.vocabSize);
  const cond16 = Int32Array.from({ length: 256 }, (_, k) => cgrid[Math.floor(k / 16) * W + (k % 16)]!);
  const w = weights(c);
  console.log(`GPT ${c.nLayer} layers × ${c.nEmbd} (8 heads, vocab ${c.vocabSize}, block ${c.blockSize}), ${threads} threads, seeded random weights`);

  const gpt = new GptModel(c, w, { runtime: { intraOpThreads: threads } });
  // warm-up: compile every program shape both loops use
  await sampleGrid(gpt, job(16, 16, cond16));
  await sampleGrid(gpt, job(H, W, cgrid));
  const kv = await timed(() => sampleGrid(gpt, job(16, 16, cond16)));
  const win = await timed(() => sampleGrid(gpt, job(H, W, cgrid)));

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-bench-sampling-'));
  try {
    const tensors: Record<string, [number, readonly number[]]> = {};
    let offset = 0;
    const parts: Float32Array[] = [];
    for (const [name, t] of w) {
      tensors[name] = [offset, t.shape];
      offset += t.data.length;
      parts.push(t.data);
    }
    const all = new Float32Array(offset);
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    fs.writeFileSync(path.join(dir, 'weights.bin'), new Uint8Array(all.buffer));
    fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ config: c, tensors, grid: { h: H, w: W, cond: Array.from(cgrid), cond16: Array.from(cond16) } }));
    if (!fs.existsSync(PYTHON)) {
      console.log(`Tessera: kv ${kv.s.toFixed(2)} s, window ${win.s.toFixed(2)} s; no ${PYTHON} for the PyTorch reference.`);
      return;
    }
    const py = spawnSync(PYTHON, [REFERENCE, dir, String(threads)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (py.status !== 0) throw new Error(`PyTorch reference failed: ${py.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const ref = JSON.parse(py.stdout.trim().split('\n').at(-1)!) as {
      with_past_s: number; full_s: number; window_s: number; with_past_tokens: number[]; full_tokens: number[]; window_tokens: number[];
    };
    const row = (name: string, ours: number, theirs: number, target: number): string =>
      `  ${name.padEnd(34)} Tessera ${ours.toFixed(2).padStart(7)} s   PyTorch ${theirs.toFixed(2).padStart(7)} s   ratio ${(ours / theirs).toFixed(3)} (target ≤ ${target})`;
    console.log(row('256 tokens, KV cache vs with_past', kv.s, ref.with_past_s, 0.8));
    console.log(row('256 tokens, KV cache vs sample()', kv.s, ref.full_s, 0.1));
    console.log(row(`${H}×${W} window vs reference window`, win.s, ref.window_s, 0.5));
    console.log(`  greedy agreement: kv ${agree(kv.value, ref.with_past_tokens)}, window ${agree(win.value, ref.window_tokens)}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const zoo = path.join(import.meta.dirname, '..', 'native-models', 'zoo');
  const starters = fs.existsSync(zoo) ? fs.readdirSync(zoo).filter((d) => fs.existsSync(path.join(zoo, d, 'manifest.json'))) : [];
  if (starters.length === 0) console.log('  starter models: none bundled yet (native-models/zoo)');
  else console.log(`  starter models: ${starters.join(', ')} — time them with: tessera generate --model <name> --out /tmp/x.png`);
}
