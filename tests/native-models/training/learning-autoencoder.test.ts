// Learning smoke test: a tiny conv autoencoder built from nn/ (Conv, GroupNorm(32), SiLU, a stride-2
// conv with taming's asymmetric padding, nearest ×2 upsampling) trained with L1 by buildTrainStep +
// Trainer (Adam) on fixed synthetic 16×16 RGB images. Pass: the L1 loss at least halves.
import { describe, expect, it } from 'vitest';
import { Graph } from '../../../native-models/graph/graph';
import type { Scope, Tensor } from '../../../native-models/graph/graph';
import { silu } from '../../../native-models/nn/activations';
import { conv2d } from '../../../native-models/nn/conv';
import { groupNorm } from '../../../native-models/nn/norm';
import { l1Loss } from '../../../native-models/nn/losses';
import { upsampleNearest2x } from '../../../native-models/nn/resample';
import { buildTrainStep } from '../../../native-models/training/optim/train-step';
import { Trainer } from '../../../native-models/training/trainer';

const B = 8, S = 16, C = 32, IMAGES = 32;

function autoencoder(s: Scope, x: Tensor): Tensor {
  let h = conv2d(s.child('conv_in'), x, 3, C, 3, { padding: 1 }); // [B, C, 16, 16]
  h = silu(groupNorm(s.child('norm1'), h, C)); // [B, C, 16, 16]
  h = conv2d(s.child('down'), h, C, C, 3, { stride: 2, padding: [0, 0, 1, 1] }); // [B, C, 8, 8]
  h = silu(groupNorm(s.child('norm2'), h, C)); // [B, C, 8, 8]
  h = conv2d(s.child('bottleneck'), h, C, 8, 1); // [B, 8, 8, 8]
  h = conv2d(s.child('conv_mid'), h, 8, C, 3, { padding: 1 }); // [B, C, 8, 8]
  h = silu(groupNorm(s.child('norm3'), h, C)); // [B, C, 8, 8]
  h = conv2d(s.child('up'), upsampleNearest2x(h), C, C, 3, { padding: 1 }); // [B, C, 16, 16]
  h = silu(groupNorm(s.child('norm4'), h, C)); // [B, C, 16, 16]
  return conv2d(s.child('conv_out'), h, C, 3, 3, { padding: 1 }); // [B, 3, 16, 16]
}

/** Smooth synthetic images in [-1, 1]: a few oriented sinusoids per channel plus an offset. */
function images(): Float32Array[] {
  let seed = 12345;
  const rand = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  return Array.from({ length: IMAGES }, () => {
    const img = new Float32Array(3 * S * S);
    for (let c = 0; c < 3; c++) {
      const waves = Array.from({ length: 2 }, () => ({ fx: rand() * 0.6, fy: rand() * 0.6, ph: rand() * 6.28, a: 0.3 + 0.3 * rand() }));
      const off = rand() - 0.5;
      for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
        let v = off;
        for (const w of waves) v += w.a * Math.sin(w.fx * x + w.fy * y + w.ph);
        img[(c * S + y) * S + x] = Math.max(-1, Math.min(1, v));
      }
    }
    return img;
  });
}

function init(g: Graph): Record<string, Float32Array> {
  let seed = 99;
  const rand = (): number => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) + 1) / 4294967297;
  return Object.fromEntries(g.params.map((p) => {
    const v = new Float32Array(p.size);
    if (/norm\d\.weight$/.test(p.name)) v.fill(1);
    else if (p.rank === 4) {
      const bound = 1 / Math.sqrt(p.size / (p.shape[0] as number)); // PyTorch's kaiming-uniform(a=√5) bound
      for (let i = 0; i < v.length; i++) v[i] = (2 * rand() - 1) * bound;
    }
    return [p.name, v];
  }));
}

describe('learning: tiny conv autoencoder', () => {
  it('at least halves its L1 reconstruction loss', async () => {
    const data = images();
    const g = new Graph();
    const x = g.input('x', 'float32', [B, 3, S, S]); // [B, 3, 16, 16]
    const spec = buildTrainStep(g, l1Loss(autoencoder(g.scope(), x), x), { optimizer: { kind: 'adam' } });
    const trainer = await Trainer.create(spec, init(g), { intraOpThreads: 1 });
    const batchAt = (k: number): Float32Array => {
      const out = new Float32Array(B * 3 * S * S);
      for (let i = 0; i < B; i++) out.set(data[(k * B + i) % IMAGES] as Float32Array, i * 3 * S * S);
      return out;
    };
    const epochLoss = (losses: number[]): number => losses.slice(-IMAGES / B).reduce((a, b) => a + b, 0) / (IMAGES / B);
    const losses: number[] = [];
    const t0 = performance.now();
    for (let step = 0; step < 300; step++) {
      losses.push((await trainer.trainStep({ x: batchAt(step) }, 2e-3)).scalars.loss!);
      if (step >= 100 && epochLoss(losses) < losses.slice(0, IMAGES / B).reduce((a, b) => a + b, 0) / (IMAGES / B) / 3) break;
    }
    const start = losses.slice(0, IMAGES / B).reduce((a, b) => a + b, 0) / (IMAGES / B);
    const end = epochLoss(losses);
    console.log(`autoencoder: L1 ${start.toFixed(4)} -> ${end.toFixed(4)} in ${losses.length} steps, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    expect(end).toBeLessThan(start / 2);
  }, 120_000);
});
