// nn/quantize.ts against PyTorch float64 autograd of VectorQuantizer2's math (float32 engine).
// The fixtures have no near-ties in the argmin, so the indices must match exactly.
// Tolerance: relative L2 ≤ 1e-5 for z_q, the loss and the gradients of z and the codebook.
import { describe, expect, it } from 'vitest';
import { vqStraightThrough } from '../../../native-models/nn/quantize';
import { checkFixture, worst } from './check-fixture';

describe('nn.vqStraightThrough', () => {
  for (const legacy of [true, false]) {
    it(`legacy=${legacy}: indices, z_q, loss, straight-through and codebook gradients`, async () => {
      const e = await checkFixture(legacy ? 'vq_legacy' : 'vq', (s, { z }) => {
        const r = vqStraightThrough(s, z!, { codes: 10, beta: 0.25, legacy });
        return { z_q: r.zq, loss: r.loss, indices: r.indices };
      });
      expect(e.intMismatches.indices).toBe(0);
      expect(worst(e).err, worst(e).name).toBeLessThan(1e-5);
    });
  }
});
