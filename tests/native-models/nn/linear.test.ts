// nn/linear.ts against PyTorch float64 autograd (fixtures from tests/fixtures/engine/make_fixtures.py).
// Tolerance: relative L2 ≤ 1e-5 for outputs and gradients (float32 engine vs float64 reference).
import { describe, expect, it } from 'vitest';
import { linear } from '../../../native-models/nn/linear';
import { checkFixture, worst } from './check-fixture';

const TOL = 1e-5;

describe('nn.linear', () => {
  it('matches nn.Linear (with bias) on a rank-3 input, forward and gradients', async () => {
    const e = await checkFixture('linear', (s, { x }) => ({ y: linear(s, x!, 5, 4) }));
    expect(worst(e).err, worst(e).name).toBeLessThan(TOL);
    expect(Object.keys(e.grads).sort()).toEqual(['bias', 'weight', 'x']);
  });
  it('matches nn.Linear without bias on a rank-2 input', async () => {
    const e = await checkFixture('linear_nobias', (s, { x }) => ({ y: linear(s, x!, 5, 3, { bias: false }) }));
    expect(worst(e).err, worst(e).name).toBeLessThan(TOL);
  });
});
