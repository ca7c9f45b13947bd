import { describe, expect, it } from 'vitest';
import {
  classTokens, conditionChannels, coordMap, coordTokens, segmentationOneHot, sosTokens, transformerInput,
  validateCondStage, zLogitRange,
} from '../../../native-models/models/cond-stages';
import type { VqganConfig } from '../../../native-models/models/vqgan';

const vq = (inChannels: number): VqganConfig => ({
  ch: 32, chMult: [1, 1, 1], numResBlocks: 0, attnResolutions: [], resolution: 16, zChannels: 16, inChannels,
  outCh: inChannels, embedDim: 16, nEmbed: 64, resampWithConv: true, quantizer: 'vq2',
});

describe('condition stages', () => {
  it('one-hot segmentation in NCHW, label beyond n_labels refused with its position', () => {
    const oh = segmentationOneHot([0, 2, 1, 2], 1, 2, 2, 3); // [1, 3, 2, 2]
    expect(Array.from(oh)).toEqual([1, 0, 0, 0, /* c1 */ 0, 0, 1, 0, /* c2 */ 0, 1, 0, 1]);
    expect(() => segmentationOneHot([0, 3, 1, 2], 1, 2, 2, 3)).toThrow(/label 3 at \(batch 0, row 0, col 1\).*n_labels=3/);
  });

  it('channels per mode, and the VQGAN must match them', () => {
    expect(conditionChannels('depth')).toBe(1);
    expect(conditionChannels('edge')).toBe(1);
    expect(conditionChannels('pose')).toBe(3);
    expect(conditionChannels('segmentation', 182)).toBe(182);
    expect(() => validateCondStage({ kind: 'vq', mode: 'depth', vqgan: vq(3) })).toThrow(/1 input channels/);
    expect(() => validateCondStage({ kind: 'vq', mode: 'segmentation', vqgan: vq(13), nLabels: 12 })).toThrow(/12 input channels; this one has 13/);
    validateCondStage({ kind: 'vq', mode: 'segmentation', vqgan: vq(13), nLabels: 13 });
  });

  it('SOS and class tokens share the table with image codes (no offset)', () => {
    expect(Array.from(sosTokens(2))).toEqual([0, 0]);
    expect(Array.from(classTokens([7, 999], 1000, 16384))).toEqual([7, 999]);
    expect(() => classTokens([1000], 1000, 16384)).toThrow(/outside 0..999/);
    // c = [5], z = [5, 6, 7]: the transformer sees [5, 5, 6]; no offset is added to either
    expect(Array.from(transformerInput(Int32Array.of(5), 1, Int32Array.of(5, 6, 7), 3, 1, 64))).toEqual([5, 5, 6]);
    expect(zLogitRange(256, 256)).toEqual({ start: 255, count: 256 });
    expect(() => transformerInput(Int32Array.of(64), 1, Int32Array.of(1, 2), 2, 1, 64)).toThrow(/outside the vocabulary/);
  });

  it('coord stage: area mean of the coordinate map, x n_embed, rounded', () => {
    const m = coordMap(4, 4); // k/16
    const t = coordTokens(m, 1, 4, 4, 1024, 2); // 2x2 blocks
    // block (0,0): (0+1+4+5)/4/16 = 0.15625 -> 160; (0,1): (2+3+6+7)/64 -> 288; (1,0): (8+9+12+13)/64 -> 672; (1,1): 800
    expect(Array.from(t)).toEqual([160, 288, 672, 800]);
    expect(() => coordTokens(m, 1, 4, 4, 1024, 3)).toThrow(/not divisible/);
  });
});
