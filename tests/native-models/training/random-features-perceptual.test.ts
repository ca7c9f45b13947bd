// The random-feature perceptual term the starter recipes use in place of LPIPS (issue 14): zero for identical
// images, larger for a blurred copy than for a slightly brightened one, deterministic for its seed and different
// for another seed, and differentiable through the graph (a gradient step on x̂ lowers it).
import { describe, expect, it } from 'vitest';
import { grad } from '../../../native-models/graph/autodiff';
import { Graph } from '../../../native-models/graph/graph';
import { compile } from '../../../native-models/runtime/program';
import { randomFeaturesPerceptual } from '../../../native-models/training/random-features-perceptual';
import { TrainRng } from '../../../native-models/training/rng';

const S = 16;
const B = 2;

/** A textured batch [B, 3, S, S] in [−1, 1]: stripes plus seeded noise. */
function texture(seed: number): Float32Array {
  const rng = new TrainRng(seed);
  const x = new Float32Array(B * 3 * S * S);
  for (let i = 0; i < x.length; i++) {
    const px = i % S;
    x[i] = 0.5 * Math.sin(px * 1.7 + Math.floor(i / (S * S))) + 0.3 * (rng.nextFloat() * 2 - 1);
  }
  return x;
}

/** 3×3 box blur per plane (edges clamped). */
function blur(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let p = 0; p < B * 3; p++) {
    for (let y = 0; y < S; y++) {
      for (let xx = 0; xx < S; xx++) {
        let s = 0;
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
          const yy = Math.min(S - 1, Math.max(0, y + dy)), xc = Math.min(S - 1, Math.max(0, xx + dx));
          s += x[p * S * S + yy * S + xc]!;
        }
        out[p * S * S + y * S + xx] = s / 9;
      }
    }
  }
  return out;
}

async function termProgram(seed: number) {
  const g = new Graph();
  const x = g.input('x', 'float32', [B, 3, S, S]);
  const xrec = g.input('xrec', 'float32', [B, 3, S, S]);
  const p = randomFeaturesPerceptual(seed)(x, xrec); // [B]
  const [dx] = grad(p.sum(), [xrec]);
  return compile(g, { p, dx: dx! }, { intraOpThreads: 1 });
}

describe('randomFeaturesPerceptual', () => {
  it('is zero for identical images and ranks a blur as further than a small brightness shift', async () => {
    const prog = await termProgram(7);
    const x = texture(1);
    const value = async (y: Float32Array): Promise<number[]> => Array.from((await prog.run({ x, xrec: y })).p!.data as Float32Array);
    const same = await value(x);
    const blurred = await value(blur(x));
    const brighter = await value(Float32Array.from(x, (v) => v + 0.02));
    for (let b = 0; b < B; b++) {
      expect(same[b]!).toBeCloseTo(0, 6);
      expect(blurred[b]!).toBeGreaterThan(5 * brighter[b]!);
    }
  });

  it('is a function of its seed: the same seed gives the same value, another seed another one', async () => {
    const x = texture(2);
    const y = blur(x);
    const at = async (seed: number): Promise<number> => Number((await (await termProgram(seed)).run({ x, xrec: y })).p!.data[0]);
    expect(await at(7)).toBe(await at(7));
    expect(await at(8)).not.toBeCloseTo(await at(7), 4);
  });

  it('has a gradient with respect to x̂ that lowers the term', async () => {
    const prog = await termProgram(7);
    const x = texture(3);
    const y = blur(x);
    const r = await prog.run({ x, xrec: y });
    const p0 = (r.p!.data as Float32Array).reduce((a, b) => a + b, 0);
    const dx = r.dx!.data as Float32Array;
    const norm = Math.sqrt(dx.reduce((a, b) => a + b * b, 0));
    expect(norm).toBeGreaterThan(0);
    const stepped = Float32Array.from(y, (v, i) => v - (0.05 / norm) * dx[i]!);
    const p1 = ((await prog.run({ x, xrec: stepped })).p!.data as Float32Array).reduce((a, b) => a + b, 0);
    expect(p1).toBeLessThan(p0);
  });
});
