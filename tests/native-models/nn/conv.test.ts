// nn/conv.ts against PyTorch float64 autograd. ORT CPU has no float64 Conv, so the engine runs float32.
// Tolerance: relative L2 ≤ 1e-5 for outputs and gradients.
import { describe, expect, it } from 'vitest';
import { conv2d } from '../../../native-models/nn/conv';
import { checkFixture, worst } from './check-fixture';

const TOL = 1e-5;

describe('nn.conv2d', () => {
  it('stride 2 with taming Downsample padding [0, 0, 1, 1] (asymmetric)', async () => {
    const e = await checkFixture('conv2d_down', (s, { x }) => ({ y: conv2d(s, x!, 4, 6, 3, { stride: 2, padding: [0, 0, 1, 1] }) }));
    expect(e.case.outputs.y?.shape).toEqual([2, 6, 4, 4]);
    expect(worst(e).err, worst(e).name).toBeLessThan(TOL);
  });
  it('3×3 padding 1 (same size)', async () => {
    const e = await checkFixture('conv2d_same', (s, { x }) => ({ y: conv2d(s, x!, 4, 5, 3, { padding: 1 }) }));
    expect(worst(e).err, worst(e).name).toBeLessThan(TOL);
  });
  it('1×1 (nin_shortcut, quant_conv)', async () => {
    const e = await checkFixture('conv2d_1x1', (s, { x }) => ({ y: conv2d(s, x!, 4, 3, 1) }));
    expect(worst(e).err, worst(e).name).toBeLessThan(TOL);
  });
});
