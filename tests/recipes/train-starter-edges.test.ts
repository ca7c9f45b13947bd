import { describe, expect, it } from 'vitest';
import { Graph } from '../../native-models/graph/graph';
import { compile } from '../../native-models/runtime/program';
import { EDGE_LOGIT_SCALE, EDGE_POS_WEIGHT, edgeBce, planeToMask } from '../../recipes/train-starter-edges';
import { EDGES_COND_STAGE, EDGES_GPT, STARTER_CROP } from '../../recipes/starter-presets';

describe('edges recipe: architectures', () => {
  it('has a one-channel f = 8 condition stage whose codes fit the shared token table', () => {
    expect(EDGES_COND_STAGE.in_channels).toBe(1);
    expect(EDGES_COND_STAGE.out_ch).toBe(1);
    expect(STARTER_CROP / 2 ** (EDGES_COND_STAGE.ch_mult.length - 1)).toBe(8);
    expect(EDGES_GPT.vocab_size).toBeGreaterThanOrEqual(EDGES_COND_STAGE.n_embed);
    expect(EDGES_GPT.block_size).toBeGreaterThanOrEqual(64 + 64 - 1);
  });
});

describe('edges recipe: condition-stage loss', () => {
  it('is the per-image mean positive-weighted binary cross-entropy of the scaled logits', async () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [2, 1, 2, 2]); // [B, 1, H, W]
    const y = g.input('y', 'float32', [2, 1, 2, 2]);
    const prog = await compile(g, { bce: edgeBce(x, y) });
    const xs = Float32Array.from([1, -1, -1, -1, /* b1 */ -1, 1, 1, -1]);
    const ys = Float32Array.from([0.8, -0.9, 0.3, -30, /* b1 */ 30, -0.2, 0.05, 0.6]); // −30 / 30: saturated logits stay finite
    const out = await prog.run({ x: xs, y: ys });
    // −log σ(l) = softplus(−l), −log(1 − σ(l)) = softplus(l); softplus in its overflow-free form.
    const softplus = (v: number): number => (v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v)));
    const ref = [0, 1].map((b) => {
      let sum = 0;
      for (let p = 0; p < 4; p++) {
        const t = (xs[b * 4 + p]! + 1) / 2;
        const l = EDGE_LOGIT_SCALE * ys[b * 4 + p]!;
        sum += t ? EDGE_POS_WEIGHT * softplus(-l) : softplus(l);
      }
      return sum / 4;
    });
    expect(out.bce!.dims).toEqual([2]);
    expect(Number(out.bce!.data[0])).toBeCloseTo(ref[0]!, 4);
    expect(Number(out.bce!.data[1])).toBeCloseTo(ref[1]!, 4);
  });

  it('reads a decoder output as edges where it is above zero', () => {
    expect(Array.from(planeToMask(Float32Array.from([-1, 0, 1e-3, 2])))).toEqual([0, 0, 1, 1]);
  });
});
