import { describe, expect, it } from 'vitest';
import { Graph } from '../../native-models/graph/graph';
import { compile } from '../../native-models/runtime/program';
import { parseFiguresArgs, POSE_POS_WEIGHT, poseWeightedL1, figureGrid, mirrorFigure, stickmanAccuracy, stickmanPlanes } from '../../recipes/train-starter-figures';
import { FIGURES_COND_STAGE, FIGURES_CROP, FIGURES_FIRST_STAGE, FIGURES_GPT } from '../../recipes/starter-presets';

describe('starter-figures recipe', () => {
  it('has 8×8 token windows for both stages and a GPT that holds c + z', () => {
    const f = (a: { ch_mult: number[] }): number => 2 ** (a.ch_mult.length - 1);
    expect(FIGURES_CROP / f(FIGURES_FIRST_STAGE)).toBe(8);
    expect(FIGURES_CROP / f(FIGURES_COND_STAGE)).toBe(8);
    expect(FIGURES_COND_STAGE.in_channels).toBe(3);
    expect(FIGURES_GPT.block_size).toBeGreaterThanOrEqual(64 + 64 - 1);
    expect(FIGURES_GPT.vocab_size).toBeGreaterThanOrEqual(Math.max(FIGURES_FIRST_STAGE.n_embed, FIGURES_COND_STAGE.n_embed));
  });

  it('weights the stickman pixels in the condition loss (per image, by their brightness)', async () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [2, 3, 1, 2]); // [B, C, H, W]
    const y = g.input('y', 'float32', [2, 3, 1, 2]);
    const prog = await compile(g, { l: poseWeightedL1(x, y) });
    // b0: pixel 0 black (weight 0), pixel 1 red (1, −1, −1 → weight 1); b1: pixel 0 white (weight 3), pixel 1 black.
    const xs = Float32Array.from([-1, 1, -1, -1, -1, -1, /* b1 */ 1, -1, 1, -1, 1, -1]);
    const ys = Float32Array.from({ length: 12 }, (_, i) => ((i * 7) % 5) / 10 - 0.2);
    const out = await prog.run({ x: xs, y: ys });
    const ref = [0, 1].map((b) => {
      let sum = 0;
      for (let p = 0; p < 2; p++) {
        let w = 0, d = 0;
        for (let c = 0; c < 3; c++) {
          w += (xs[b * 6 + c * 2 + p]! + 1) / 2;
          d += Math.abs(xs[b * 6 + c * 2 + p]! - ys[b * 6 + c * 2 + p]!);
        }
        sum += w * d;
      }
      return (POSE_POS_WEIGHT * sum) / 2;
    });
    expect(out.l!.dims).toEqual([2]);
    expect(Number(out.l!.data[0])).toBeCloseTo(ref[0]!, 5);
    expect(Number(out.l!.data[1])).toBeCloseTo(ref[1]!, 5);
  });

  it('measures stickman reconstruction accuracy on limb and background pixels', () => {
    const kp = new Float32Array(54);
    kp.set([20, 10, 1], 1 * 3); // neck
    kp.set([20, 40, 1], 8 * 3); // r-hip
    const x = stickmanPlanes([kp], 32, 48);
    expect(x.length).toBe(3 * 32 * 48);
    const exact = stickmanAccuracy(x, x);
    expect(exact.limb).toBe(1);
    expect(exact.background).toBe(1);
    expect(exact.limbPixels).toBeGreaterThan(100);
    const black = stickmanAccuracy(x, new Float32Array(x.length).fill(-1));
    expect(black.limb).toBe(0);
    expect(black.background).toBe(1);
  });

  it('parses its options, with small smoke defaults and clear errors', () => {
    const smoke = parseFiguresArgs(['--smoke', '--cache', '/tmp/x']);
    expect([smoke.figures, smoke.condSteps, smoke.vqSteps, smoke.gptSteps, smoke.resize]).toEqual([24, 3, 3, 3, 128]);
    expect(smoke.out).toBe('/tmp/x/starter-figures-smoke-bundle');
    const full = parseFiguresArgs(['--gpt-steps', '500', '--resize', '64']);
    expect([full.figures, full.gptSteps, full.resize, full.minCondAcc]).toEqual([2000, 500, 64, 0.6]);
    expect(() => parseFiguresArgs(['--resize', '32'])).toThrow(/--resize must lie in 64\.\.256/);
    expect(() => parseFiguresArgs(['--cond-step', '5'])).toThrow(/unknown option --cond-step/);
    expect(() => parseFiguresArgs(['--stop-after', 'gpt'])).toThrow(/--stop-after takes cond or vqgan/);
    expect(parseFiguresArgs(['--decoder-only', '--init-from', 'native-models/zoo/starter-figures']).decoderOnly).toBe(true);
    expect(() => parseFiguresArgs(['--decoder-only'])).toThrow(/--decoder-only fine-tunes the decoder of a trained bundle; give it with --init-from BUNDLE/);
  });

  it('encodes a whole prepared figure and its stickman once each, as generation encodes them (16×16 grids at 128²)', async () => {
    const kp = new Float32Array(54);
    for (let k = 0; k < 18; k++) kp.set([20 + 5 * k, 10 + 6 * k, 1], 3 * k);
    const rgb = Uint8Array.from({ length: 128 * 128 * 3 }, (_, i) => i % 251);
    const seen: Float32Array[] = [];
    const enc = (offset: number) => ({
      factor: 8,
      async encode(image: Float32Array, b: number, h: number, w: number) {
        expect([b, h, w]).toEqual([1, 128, 128]);
        seen.push(image);
        return { indices: Int32Array.from({ length: 256 }, (_, i) => i + offset) };
      },
    });
    const g = await figureGrid({ width: 128, height: 128, rgb, people: [kp] }, enc(1000), enc(0));
    expect([g.scale, g.h, g.w, g.c[5], g.z[5]]).toEqual([128, 16, 16, 5, 1005]);
    expect(Array.from(seen[0]!)).toEqual(Array.from(stickmanPlanes([kp], 128, 128))); // the condition stage saw the stickman
    expect(seen[1]![1]).toBeCloseTo(3 / 127.5 - 1, 6); // the first stage saw the pixels, planar in [-1, 1]: R of pixel 1 = rgb[3]
    await expect(figureGrid({ width: 100, height: 128, rgb, people: [kp] }, enc(0), enc(0))).rejects.toThrow(/not a multiple of the factor 8/);
  });

  it('mirrors a figure: pixels flipped left–right, keypoints mirrored with left and right swapped', () => {
    const kp = new Float32Array(54);
    kp.set([10, 20, 1], 2 * 3); // right shoulder
    kp.set([30, 21, 1], 5 * 3); // left shoulder
    kp.set([5, 6, 0], 0); // nose, absent
    const rgb = Uint8Array.from({ length: 8 * 4 * 3 }, (_, i) => i);
    const m = mirrorFigure({ width: 8, height: 4, rgb, people: [kp] });
    expect(Array.from(m.rgb.subarray(0, 3))).toEqual([21, 22, 23]); // row 0: the last pixel comes first
    expect(Array.from(m.rgb.subarray(3 * 8, 3 * 8 + 3))).toEqual([45, 46, 47]);
    const k = m.people![0]!;
    expect(Array.from(k.subarray(2 * 3, 2 * 3 + 3))).toEqual([7 - 30, 21, 1]); // the new right shoulder is the old left, mirrored
    expect(Array.from(k.subarray(5 * 3, 5 * 3 + 3))).toEqual([7 - 10, 20, 1]);
    expect(Array.from(k.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(Array.from(mirrorFigure(m).rgb)).toEqual(Array.from(rgb));
  });
});
