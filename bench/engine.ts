// `npm run bench -- engine [--iters N] [--warmup N] [--threads 1,2]`: Tessera's engine against PyTorch on
// the two workloads of issue 3, measured in the same run (PyTorch via bench/reference/engine_bench.py):
//   resblock  taming ResnetBlock 64 -> 64 on x [8, 64, 64, 64], MSE to a fixed target, Adam
//   gpt       minGPT Block (d 256, 8 heads) on x [8, 256, 256] + bias-free Linear(256 -> 1024) + cross-entropy, Adam
// Train step = forward + loss + backward + Adam update (Trainer: preallocated ping-pong state);
// forward = the same loss computed by an inference program (weights baked in). Times are medians; ratio = Tessera / PyTorch.
import { join } from 'node:path';
import { Graph } from '../native-models/graph/graph';
import type { Tensor } from '../native-models/graph/graph';
import type { TypedArray } from '../native-models/graph/dtype';
import { compile } from '../native-models/runtime/program';
import { linear } from '../native-models/nn/linear';
import { crossEntropy, mseLoss } from '../native-models/nn/losses';
import { resnetBlock } from '../native-models/nn/resnet-block';
import { transformerBlock } from '../native-models/nn/transformer-block';
import { buildTrainStep } from '../native-models/training/optim/train-step';
import { Trainer } from '../native-models/training/trainer';
import { flag, medianMs, normals, pythonReference } from './timing';

const REFERENCE = join(import.meta.dirname, 'reference', 'engine_bench.py');

interface Timing { workload: string; threads: number; train_ms: number; forward_ms: number; train_cpu_ms: number; forward_cpu_ms: number }
interface Workload {
  name: string;
  describe: string;
  /** builds the model graph; returns its loss and the batch it is fed */
  build(g: Graph): { loss: Tensor; batch: Record<string, TypedArray> };
}

const WORKLOADS: Workload[] = [
  {
    name: 'resblock',
    describe: 'VQGAN ResnetBlock 64->64, x [8,64,64,64], MSE',
    build(g) {
      const x = g.input('x', 'float32', [8, 64, 64, 64]); // [8, 64, 64, 64]
      const target = g.input('target', 'float32', [8, 64, 64, 64]); // [8, 64, 64, 64]
      const loss = mseLoss(resnetBlock(g.scope(), x, 64, 64), target); // []
      return { loss, batch: { x: normals(x.size, 1, 1), target: normals(target.size, 1, 2) } };
    },
  },
  {
    name: 'gpt',
    describe: 'minGPT Block d256 h8, x [8,256,256] + 1024-way CE',
    build(g) {
      const x = g.input('x', 'float32', [8, 256, 256]); // [8, 256, 256]
      const targets = g.input('targets', 'int64', [8, 256]); // [8, 256]
      const h = transformerBlock(g.scope().child('block'), x, 8).y; // [8, 256, 256]
      const logits = linear(g.scope().child('head'), h, 256, 1024, { bias: false }); // [8, 256, 1024]
      const t = BigInt64Array.from(normals(targets.size, 1, 3), (v) => BigInt(Math.floor(Math.abs(v) * 1000) % 1024));
      return { loss: crossEntropy(logits, targets), batch: { x: normals(x.size, 1, 4), targets: t } };
    },
  },
];

/** Initial values for every param: norm weights 1, biases 0, other weights N(0, 0.02). */
function initParams(g: Graph): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  g.params.forEach((p, i) => {
    const isNorm = /(^|\.)(norm\d?|ln\d?|ln_f)\.weight$/.test(p.name);
    out[p.name] = p.rank === 1 ? new Float32Array(p.size).fill(isNorm ? 1 : 0) : normals(p.size, 0.02, 100 + i);
  });
  return out;
}

async function tessera(w: Workload, threads: number, iters: number, warmup: number): Promise<Timing> {
  const opts = { intraOpThreads: threads, interOpThreads: 1 };
  // forward program: its own graph, the loss only, weights baked in as initializers (how inference programs
  // are built: ORT pre-packs constant weights and can pick blocked NCHWc convolutions)
  const fg = new Graph();
  const f = w.build(fg);
  const forward = await compile(fg, { loss: f.loss }, { ...opts, weights: initParams(fg) });
  const feeds: Record<string, TypedArray> = { ...f.batch };
  const lossOut = { loss: new Float32Array(1) };
  const { ms: forwardMs, cpuMs: forwardCpu } = await medianMs(() => forward.run(feeds, undefined, lossOut), iters, warmup);
  // train step: forward + backward + Adam in one program, state kept by the Trainer
  const tg = new Graph();
  const t = w.build(tg);
  const spec = buildTrainStep(tg, t.loss, { optimizer: { kind: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8 } });
  const trainer = await Trainer.create(spec, initParams(tg), opts);
  const { ms: trainMs, cpuMs: trainCpu } = await medianMs(() => trainer.trainStep(t.batch, 1e-4), iters, warmup);
  return { workload: w.name, threads, train_ms: trainMs, forward_ms: forwardMs, train_cpu_ms: trainCpu, forward_cpu_ms: forwardCpu };
}

/** PyTorch's timing of one workload at one thread count, or why there is none. */
function pytorch(workload: string, threads: number, iters: number, warmup: number): { timing?: Timing; note: string } {
  const r = pythonReference<{ torch: string; blas: string; results: Timing[] }>(REFERENCE, ['--only', workload, '--threads', String(threads), '--iters', String(iters), '--warmup', String(warmup)]);
  if ('skipped' in r) return { note: r.skipped };
  const out = r.out;
  return { timing: out.results[0], note: `PyTorch ${out.torch} (BLAS: ${out.blas}), measured right before Tessera for each row` };
}

export async function runEngineBench(args: string[]): Promise<void> {
  const iters = Number(flag(args, 'iters', '20'));
  const warmup = Number(flag(args, 'warmup', '3'));
  const threads = flag(args, 'threads', '1,2').split(',').map(Number);
  console.log(`engine bench: median of ${iters} after ${warmup} warm-up runs; threads ${threads.join(', ')}`);
  for (const w of WORKLOADS) console.log(`  ${w.name.padEnd(9)} ${w.describe}`);
  const rows: string[] = [];
  const notes = new Set<string>();
  const head = `${'workload'.padEnd(9)} thr | ${'train ms'.padStart(15)} ${'ratio'.padStart(5)} | ${'train cpu ms'.padStart(15)} ${'ratio'.padStart(5)} | ${'fwd ms'.padStart(13)} ${'ratio'.padStart(5)} | ${'fwd cpu ms'.padStart(13)} ${'ratio'.padStart(5)}`;
  const num = (v: number | undefined, digits = 0): string => (v === undefined ? '-' : v.toFixed(digits));
  const pair = (mine: number, theirs: number | undefined, width: number): string =>
    `${`${num(mine)}/${num(theirs)}`.padStart(width)} ${num(theirs === undefined ? undefined : mine / theirs, 2).padStart(5)}`;
  for (const w of WORKLOADS) {
    for (const n of threads) {
      const ref = pytorch(w.name, n, iters, warmup); // interleaved, so both see the same machine load
      notes.add(ref.note);
      const theirs = ref.timing;
      const mine = await tessera(w, n, iters, warmup);
      rows.push(`${w.name.padEnd(9)} ${String(n).padStart(3)} | ${pair(mine.train_ms, theirs?.train_ms, 15)} | ${pair(mine.train_cpu_ms, theirs?.train_cpu_ms, 15)} | ` +
        `${pair(mine.forward_ms, theirs?.forward_ms, 13)} | ${pair(mine.forward_cpu_ms, theirs?.forward_cpu_ms, 13)}`);
    }
  }
  for (const note of notes) console.log(note);
  console.log(`\n${head}\n${rows.join('\n')}\n(Tessera/PyTorch ms: median wall time and mean process CPU time per run; ratio = Tessera / PyTorch, target <= 1.1 for train steps)`);
}
