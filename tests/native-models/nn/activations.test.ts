// nn/activations.ts (and the Softmax/LogSoftmax primitives they sit next to) against PyTorch float64
// autograd (float32 engine). Tolerance: relative L2 ≤ 1e-5.
import { describe, expect, it } from 'vitest';
import { gelu, silu } from '../../../native-models/nn/activations';
import { checkFixture, worst } from './check-fixture';

const TOL = 1e-5;

describe('nn activations', () => {
  it('silu = x·σ(x)', async () => {
    const e = await checkFixture('silu', (_s, { x }) => ({ y: silu(x!) }));
    expect(worst(e).err, worst(e).name).toBeLessThan(TOL);
  });
  it('gelu (exact, erf)', async () => {
    const e = await checkFixture('gelu', (_s, { x }) => ({ y: gelu(x!) }));
    expect(worst(e).err, worst(e).name).toBeLessThan(TOL);
  });
  it('softmax over the last axis', async () => {
    const e = await checkFixture('softmax', (_s, { x }) => ({ y: x!.softmax(-1) }));
    expect(worst(e).err, worst(e).name).toBeLessThan(TOL);
  });
  it('logSoftmax over the last axis', async () => {
    const e = await checkFixture('log_softmax', (_s, { x }) => ({ y: x!.logSoftmax(-1) }));
    expect(worst(e).err, worst(e).name).toBeLessThan(TOL);
  });
});
