// `npm run bench -- training [--iters N] [--warmup N] [--threads 1]`: steps/s of the fine-tuning trainers' step
// programs against PyTorch (bench/reference/training_bench.py) on the same configs, measured in the same run:
//   vqgan  small VQGAN (ch 32, ch_mult 1,2,2, one res-block per level, attention at 8², 256 codes) with a BatchNorm
//          PatchGAN (ndf 32, 2 layers) on x [4, 3, 32, 32]; one iteration in the adversarial phase, as
//          training/vqgan-trainer.ts runs it: generator step (L1 + codebook loss + λ·hinge g-loss, λ adaptive from
//          decoder.conv_out.weight; the step program also outputs x̂ and the code indices), discriminator step on
//          that x̂ (hinge, running statistics updated); Adam (0.5, 0.9) on both.
//   gpt    small GPT (4 layers, d 256, 8 heads, vocab 1024) on [8, 1 + 128 − 1] tokens, cross-entropy over the 128
//          z positions, AdamW (0.9, 0.95, decay 0.01 on Linear weights), as training/gpt-trainer.ts runs it.
// Times are medians of wall time per iteration; ratio = Tessera time / PyTorch time (= PyTorch steps/s / Tessera's).
// The CPU columns are process CPU time per iteration (mean; all threads), less sensitive to other load on the machine.
import { join } from 'node:path';
import { discriminatorParameters, type DiscriminatorConfig } from '../native-models/models/discriminator';
import type { GptConfig } from '../native-models/models/gpt';
import { gptParameters } from '../native-models/models/gpt';
import { vqganParameters, type VqganConfig } from '../native-models/models/vqgan';
import { buildGptLoss, gptDecays } from '../native-models/training/gpt-loss';
import { initParams } from '../native-models/training/init';
import { buildTrainStep } from '../native-models/training/optim/train-step';
import { TrainRng } from '../native-models/training/rng';
import { Trainer } from '../native-models/training/trainer';
import { buildVqganDiscriminatorStep, buildVqganGeneratorStep } from '../native-models/training/vqgan-loss';
import { flag, medianMs, pythonReference } from './timing';

const REFERENCE = join(import.meta.dirname, 'reference', 'training_bench.py');
const DISC = 'loss.discriminator.';

/** The configs both sides use (training_bench.py repeats them; keep the two in step). */
export const VQGAN: VqganConfig = {
  ch: 32, chMult: [1, 2, 2], numResBlocks: 1, attnResolutions: [8], resolution: 32, zChannels: 64,
  inChannels: 3, outCh: 3, embedDim: 64, nEmbed: 256, resampWithConv: true, quantizer: 'vq2',
};
export const DISCRIMINATOR: DiscriminatorConfig = { inChannels: 3, ndf: 32, nLayers: 2, norm: 'batchnorm' };
export const VQGAN_BATCH = 4;
export const VQGAN_SIZE = 32;
export const GPT: GptConfig = { vocabSize: 1024, blockSize: 256, nLayer: 4, nHead: 8, nEmbd: 256 };
export const GPT_BATCH = 8;
export const GPT_C = 1;
export const GPT_Z = 128;

/** Deterministic pseudo-random uniforms in [0, 1) (32-bit LCG): benchmark data only. */
function uniforms(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

/** One adversarial-phase VQGAN iteration per call: G step (which also returns the fakes), D step. */
async function vqganIteration(threads: number): Promise<() => Promise<void>> {
  const copts = { intraOpThreads: threads, interOpThreads: 1 };
  const optimizer = { kind: 'adam' as const, beta1: 0.5, beta2: 0.9, weightDecay: 0 };
  const rng = new TrainRng(1);
  const values: Record<string, Float32Array> = initParams('vqgan', vqganParameters(VQGAN), rng, { nEmbed: VQGAN.nEmbed });
  for (const [n, v] of Object.entries(initParams('discriminator', discriminatorParameters(DISCRIMINATOR), rng))) values[DISC + n] = v;
  const pick = (names: Set<string>): Record<string, Float32Array> => Object.fromEntries(Object.entries(values).filter(([n]) => names.has(n)));

  const gs = buildVqganGeneratorStep(VQGAN, DISCRIMINATOR, VQGAN_BATCH, VQGAN_SIZE, { discWeight: 0.8, codebookWeight: 1, beta: 0.25, legacy: true });
  const gSpec = buildTrainStep(gs.graph, gs.loss, {
    optimizer, trainable: gs.aeParams, metrics: { nll: gs.nll, q: gs.qLoss, g: gs.gLoss!, lambda: gs.lambda! }, objective: gs.objective,
    outputs: { xrec: gs.xrec, indices: gs.indices, pre: gs.pre }, // as vqgan-trainer.ts builds it
  });
  const G = await Trainer.create(gSpec, pick(new Set([...gSpec.trainable, ...gSpec.frozen].map((t) => t.name))), copts);

  const ds = buildVqganDiscriminatorStep(DISCRIMINATOR, VQGAN_BATCH, VQGAN_SIZE);
  const dSpec = buildTrainStep(ds.graph, ds.dLoss, { optimizer, trainable: ds.params, bufferUpdates: ds.bufferUpdates });
  const D = await Trainer.create(dSpec, pick(new Set([...dSpec.trainable, ...dSpec.buffers, ...dSpec.frozen].map((t) => t.name))), copts);

  const x = uniforms(gs.x.size, 7).map((v) => v * 2 - 1); // [B, 3, S, S] in [-1, 1)
  const factor = new Float32Array([1]);
  return async () => {
    for (const t of D.spec.trainable) G.get(t.name).set(D.get(t.name)); // the trainer's syncDiscIntoG
    const g = await G.trainStep({ x, disc_factor: factor }, 4.5e-6);
    await D.trainStep({ x, xrec: g.outputs.xrec as Float32Array, disc_factor: factor }, 4.5e-6);
  };
}

/** One GPT optimizer step per call. */
async function gptIteration(threads: number): Promise<() => Promise<void>> {
  const lg = buildGptLoss(GPT, GPT_BATCH, GPT_C, GPT_Z);
  const spec = buildTrainStep(lg.graph, lg.loss, { optimizer: { kind: 'adamw', beta1: 0.9, beta2: 0.95, weightDecay: 0.01, decay: gptDecays } });
  const trainer = await Trainer.create(spec, initParams('gpt', gptParameters(GPT), new TrainRng(2)), { intraOpThreads: threads, interOpThreads: 1 });
  const t = GPT_C + GPT_Z - 1;
  const input = BigInt64Array.from(uniforms(GPT_BATCH * t, 3), (v) => BigInt(Math.floor(v * GPT.vocabSize))); // [B, T]
  const target = BigInt64Array.from(uniforms(GPT_BATCH * GPT_Z, 4), (v) => BigInt(Math.floor(v * GPT.vocabSize))); // [B, Tz]
  return async () => { await trainer.trainStep({ input, target }, 4.5e-4); };
}

interface Reference { torch: string; results: { workload: string; threads: number; ms: number; cpu_ms?: number }[] }

function pytorch(workload: string, threads: number, iters: number, warmup: number): { ms?: number; cpuMs?: number; note: string } {
  const r = pythonReference<Reference>(REFERENCE, ['--only', workload, '--threads', String(threads), '--iters', String(iters), '--warmup', String(warmup)]);
  if ('skipped' in r) return { note: r.skipped };
  const out = r.out;
  return { ms: out.results[0]?.ms, cpuMs: out.results[0]?.cpu_ms, note: `PyTorch ${out.torch}, measured right before Tessera for each row` };
}

export async function runTrainingBench(args: string[]): Promise<void> {
  const iters = Number(flag(args, 'iters', '10'));
  const warmup = Number(flag(args, 'warmup', '2'));
  const threads = flag(args, 'threads', '1').split(',').map(Number);
  console.log(`training bench: median of ${iters} iterations after ${warmup} warm-up; threads ${threads.join(', ')}`);
  console.log(`  vqgan  ch 32 × (1,2,2), 256 codes, BatchNorm PatchGAN ndf 32; x [${VQGAN_BATCH}, 3, ${VQGAN_SIZE}, ${VQGAN_SIZE}]; G step + fakes + D step, Adam (0.5, 0.9)`);
  console.log(`  gpt    ${GPT.nLayer} layers, d ${GPT.nEmbd}, ${GPT.nHead} heads, vocab ${GPT.vocabSize}; [${GPT_BATCH}, ${GPT_C + GPT_Z - 1}] tokens; AdamW (0.9, 0.95)`);
  const workloads: [string, (n: number) => Promise<() => Promise<void>>][] = [['vqgan', vqganIteration], ['gpt', gptIteration]];
  const notes = new Set<string>();
  const rows: string[] = [];
  for (const [name, make] of workloads) {
    for (const n of threads) {
      const ref = pytorch(name, n, iters, warmup); // interleaved, so both see the same machine load
      notes.add(ref.note);
      const mine = await medianMs(await make(n), iters, warmup);
      const sps = (ms: number | undefined): string => (ms === undefined ? '-' : (1000 / ms).toFixed(2));
      const num = (v: number | undefined): string => (v === undefined ? '-' : v.toFixed(1));
      const ratio = (a: number, b: number | undefined): string => (b === undefined ? '-' : (a / b).toFixed(2));
      rows.push(`${name.padEnd(6)} ${String(n).padStart(3)} | ${mine.ms.toFixed(1).padStart(9)} ${sps(mine.ms).padStart(8)} | ` +
        `${num(ref.ms).padStart(9)} ${sps(ref.ms).padStart(8)} | ${ratio(mine.ms, ref.ms).padStart(5)} | ` +
        `${mine.cpuMs.toFixed(1).padStart(8)} ${num(ref.cpuMs).padStart(8)} ${ratio(mine.cpuMs, ref.cpuMs).padStart(5)}`);
    }
  }
  for (const note of notes) console.log(note);
  console.log(`\n${'model'.padEnd(6)} thr | ${'tessera ms'.padStart(9)} ${'steps/s'.padStart(8)} | ${'torch ms'.padStart(9)} ${'steps/s'.padStart(8)} | ratio | ${'cpu ms'.padStart(8)} ${'torch'.padStart(8)} ratio`);
  console.log(`${rows.join('\n')}\n(ratio = Tessera ms / PyTorch ms per iteration, target <= 1.1; cpu = process CPU time per iteration, both sides)`);
}
