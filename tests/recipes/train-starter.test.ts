import { describe, expect, it } from 'vitest';
import { halfToFloat } from '../../native-models/formats/dtype';
import { Graph } from '../../native-models/graph/graph';
import { compile } from '../../native-models/runtime/program';
import { toHalfBits as floatToHalf } from '../../native-models/graph/dtype';
import { LOGIT_SCALE, oneHotCrossEntropy, toFloat16Bytes } from '../../recipes/train-starter';
import { LANDSCAPES_COND_STAGE, LANDSCAPES_FIRST_STAGE, LANDSCAPES_GPT, STARTER_CROP } from '../../recipes/starter-presets';

describe('starter recipe: fp16 export', () => {
  it('round-trips representable halves exactly and rounds others to the nearest half', () => {
    for (const v of [0, 1, -2, 0.5, 65504, -65504, 2 ** -14, 2 ** -24, 3 * 2 ** -24, 1 + 2 ** -10]) expect(halfToFloat(floatToHalf(v))).toBe(v);
    expect(Object.is(halfToFloat(floatToHalf(-0)), -0)).toBe(true);
    expect(halfToFloat(floatToHalf(1e6))).toBe(Infinity);
    expect(halfToFloat(floatToHalf(2 ** -26))).toBe(0);
    // 1 + 2^-11 lies halfway between 1 and 1 + 2^-10: ties to even (1).
    expect(halfToFloat(floatToHalf(1 + 2 ** -11))).toBe(1);
    expect(halfToFloat(floatToHalf(1 + 3 * 2 ** -11))).toBe(1 + 2 * 2 ** -10);
    for (const v of [0.1, -3.14159, 123.456, 1e-3, -7e-6]) {
      const back = halfToFloat(floatToHalf(v));
      expect(Math.abs(back - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11 + 2 ** -25);
    }
    const bytes = toFloat16Bytes(Float32Array.from([1, -2]));
    expect(Array.from(new Uint16Array(bytes.buffer))).toEqual([0x3c00, 0xc000]);
  });
});

describe('starter recipe: architectures', () => {
  it('gives 8×8 token windows for both stages and a GPT that holds c + z', () => {
    const f = (a: { ch_mult: number[] }): number => 2 ** (a.ch_mult.length - 1);
    expect(STARTER_CROP / f(LANDSCAPES_FIRST_STAGE)).toBe(8);
    expect(STARTER_CROP / f(LANDSCAPES_COND_STAGE)).toBe(8);
    expect(LANDSCAPES_GPT.block_size).toBeGreaterThanOrEqual(64 + 64 - 1);
    expect(LANDSCAPES_GPT.vocab_size).toBeGreaterThanOrEqual(Math.max(LANDSCAPES_FIRST_STAGE.n_embed, LANDSCAPES_COND_STAGE.n_embed));
    expect(LANDSCAPES_COND_STAGE.in_channels).toBe(8);
  });
});

describe('starter recipe: condition-stage loss', () => {
  it('is the per-image mean softmax cross-entropy of the scaled logits', async () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [2, 3, 1, 2]); // [B, C, H, W]
    const y = g.input('y', 'float32', [2, 3, 1, 2]);
    const prog = await compile(g, { ce: oneHotCrossEntropy(x, y) });
    const xs = Float32Array.from([1, 0, 0, 1, 0, 0, /* b1 */ 0, 1, 1, 0, 0, 0]);
    const ys = Float32Array.from({ length: 12 }, (_, i) => ((i * 7) % 5) / 10 - 0.2);
    const out = await prog.run({ x: xs, y: ys });
    const ref = [0, 1].map((b) => {
      let sum = 0;
      for (let p = 0; p < 2; p++) {
        const l = [0, 1, 2].map((c) => LOGIT_SCALE * ys[b * 6 + c * 2 + p]!);
        const lse = Math.log(l.reduce((a, v) => a + Math.exp(v), 0));
        for (let c = 0; c < 3; c++) sum -= xs[b * 6 + c * 2 + p]! * (l[c]! - lse);
      }
      return sum / 2;
    });
    expect(out.ce!.dims).toEqual([2]);
    expect(Number(out.ce!.data[0])).toBeCloseTo(ref[0]!, 4);
    expect(Number(out.ce!.data[1])).toBeCloseTo(ref[1]!, 4);
  });
});
