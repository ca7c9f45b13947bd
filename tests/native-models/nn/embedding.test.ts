// nn/embedding.ts against PyTorch float64 autograd; repeated ids make the weight gradient accumulate.
// Tolerance: relative L2 ≤ 1e-6.
import { describe, expect, it } from 'vitest';
import { embedding } from '../../../native-models/nn/embedding';
import { checkFixture, worst } from './check-fixture';

describe('nn.embedding', () => {
  it('gathers rows and scatter-adds their gradient', async () => {
    const e = await checkFixture('embedding', (s, { idx }) => ({ y: embedding(s, idx!, 10, 6) }));
    expect(worst(e).err, worst(e).name).toBeLessThan(1e-6);
    expect(Object.keys(e.grads)).toEqual(['weight']);
  });
});
