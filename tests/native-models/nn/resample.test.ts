// nn/resample.ts against PyTorch (F.interpolate nearest ×2 equals repeat_interleave on H and W).
// Tolerance: relative L2 ≤ 1e-6.
import { describe, expect, it } from 'vitest';
import { upsampleNearest2x } from '../../../native-models/nn/resample';
import { checkFixture, worst } from './check-fixture';

describe('nn.upsampleNearest2x', () => {
  it('copies each pixel into a 2×2 block and sums the block back in the gradient', async () => {
    const e = await checkFixture('upsample_nearest', (_s, { x }) => ({ y: upsampleNearest2x(x!) }));
    expect(e.case.outputs.y?.shape).toEqual([2, 3, 8, 10]);
    expect(worst(e).err, worst(e).name).toBeLessThan(1e-6);
  });
});
