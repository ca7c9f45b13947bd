// Learning smoke test: a tiny GPT built from nn/ (token + learned position embeddings, 2 minGPT blocks,
// ln_f, bias-free head) trained by buildTrainStep + Trainer (AdamW) learns to sort digits: given 6 digits
// 0..9 it emits them in ascending order. Loss only on the sorted half (ignore index -1). Pass: ≥ 99%
// teacher-forced token accuracy on 512 fresh sequences.
import { describe, expect, it } from 'vitest';
import { Graph } from '../../../native-models/graph/graph';
import type { Scope, Tensor } from '../../../native-models/graph/graph';
import { compile } from '../../../native-models/runtime/program';
import { embedding } from '../../../native-models/nn/embedding';
import { linear } from '../../../native-models/nn/linear';
import { layerNorm } from '../../../native-models/nn/norm';
import { crossEntropy } from '../../../native-models/nn/losses';
import { param } from '../../../native-models/nn/state';
import { transformerBlock } from '../../../native-models/nn/transformer-block';
import { buildTrainStep } from '../../../native-models/training/optim/train-step';
import { Trainer } from '../../../native-models/training/trainer';

const N = 6; // digits per problem
const T = 2 * N - 1; // model input length
const V = 10, D = 48, HEADS = 4, LAYERS = 2, B = 32;

function gpt(s: Scope, idx: Tensor): Tensor {
  let x = embedding(s.child('tok_emb'), idx, V, D) // [B, T, D]
    .add(param(s, 'pos_emb', [1, T, D])); // [B, T, D]
  for (let i = 0; i < LAYERS; i++) x = transformerBlock(s.child('blocks').child(i), x, HEADS).y; // [B, T, D]
  return linear(s.child('head'), layerNorm(s.child('ln_f'), x, D), D, V, { bias: false }); // [B, T, V]
}

/** A batch of sort problems: inputs seq[:-1], targets seq[1:] with the unsorted half ignored (-1). */
function batch(rand: () => number, b: number): { idx: BigInt64Array; targets: BigInt64Array } {
  const idx = new BigInt64Array(b * T);
  const targets = new BigInt64Array(b * T);
  for (let r = 0; r < b; r++) {
    const digits = Array.from({ length: N }, () => Math.floor(rand() * V));
    const seq = [...digits, ...[...digits].sort((p, q) => p - q)];
    for (let t = 0; t < T; t++) {
      idx[r * T + t] = BigInt(seq[t] as number);
      targets[r * T + t] = t < N - 1 ? -1n : BigInt(seq[t + 1] as number);
    }
  }
  return { idx, targets };
}

/** mulberry32: a small seeded PRNG for the test data and init. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function init(g: Graph, rand: () => number): Record<string, Float32Array> {
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return Object.fromEntries(g.params.map((p) => {
    const v = new Float32Array(p.size);
    if (/ln\w*\.weight$/.test(p.name)) v.fill(1);
    else if (p.rank >= 2) for (let i = 0; i < v.length; i++) v[i] = 0.02 * normal();
    return [p.name, v];
  }));
}

describe('learning: tiny GPT sorts digits', () => {
  it('reaches ≥ 99% token accuracy on the sorted half', async () => {
    const rand = rng(7);
    const g = new Graph();
    const idx = g.input('idx', 'int64', [B, T]); // [B, T]
    const targets = g.input('targets', 'int64', [B, T]); // [B, T]
    const logits = gpt(g.scope(), idx); // [B, T, V]
    const spec = buildTrainStep(g, crossEntropy(logits, targets, { ignoreIndex: -1 }), {
      optimizer: { kind: 'adamw', beta1: 0.9, beta2: 0.95, weightDecay: 0.01 }, clipGradNorm: 1,
    });
    const trainer = await Trainer.create(spec, init(g, rand), { intraOpThreads: 1 });
    const predict = await compile(g, { pred: logits.argmax(-1) }, { intraOpThreads: 1 });
    const accuracy = async (): Promise<number> => {
      let right = 0, total = 0;
      for (let k = 0; k < 8; k++) {
        const b = batch(rand, B);
        const feeds: Record<string, Float32Array | BigInt64Array> = { idx: b.idx };
        for (const p of spec.trainable) feeds[p.name] = trainer.get(p.name);
        const pred = (await predict.run(feeds)).pred!.data as BigInt64Array;
        b.targets.forEach((t, i) => { if (t >= 0n) { total++; if (pred[i] === t) right++; } });
      }
      return right / total;
    };
    const t0 = performance.now();
    let acc = 0;
    let first = Infinity, last = Infinity;
    for (let step = 1; step <= 1500; step++) {
      const lr = 5e-3 * Math.min(1, step / 50);
      const r = await trainer.trainStep(batch(rand, B), lr);
      if (step === 1) first = r.scalars.loss!;
      last = r.scalars.loss!;
      if (step % 50 === 0 && (acc = await accuracy()) >= 0.995) break;
    }
    const seconds = (performance.now() - t0) / 1000;
    console.log(`sort digits: accuracy ${(acc * 100).toFixed(2)}% after ${trainer.step} steps, ${seconds.toFixed(1)} s ` +
      `(median step ${trainer.timings().medianMs.toFixed(1)} ms), loss ${first.toFixed(3)} -> ${last.toFixed(4)}`);
    expect(acc).toBeGreaterThanOrEqual(0.99);
    expect(last).toBeLessThan(first / 10);
  }, 120_000);
});
