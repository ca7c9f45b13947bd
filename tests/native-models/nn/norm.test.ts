// nn/norm.ts against PyTorch float64 autograd (float32 engine). Tolerance: relative L2 ≤ 2e-5.
import { describe, expect, it } from 'vitest';
import { batchNorm, groupNorm, layerNorm } from '../../../native-models/nn/norm';
import { isBuffer } from '../../../native-models/nn/state';
import { checkFixture, worst } from './check-fixture';

const TOL = 2e-5;

describe('nn norms', () => {
  it('layerNorm (eps 1e-5) over the last axis', async () => {
    const e = await checkFixture('layer_norm', (s, { x }) => ({ y: layerNorm(s, x!, 8) }));
    expect(worst(e).err, worst(e).name).toBeLessThan(TOL);
  });
  it('groupNorm (32 groups of 2 channels, eps 1e-6)', async () => {
    const e = await checkFixture('group_norm', (s, { x }) => ({ y: groupNorm(s, x!, 64, { groups: 32, eps: 1e-6 }) }));
    expect(worst(e).err, worst(e).name).toBeLessThan(TOL);
  });
  it('groupNorm rejects a channel count that does not split into the groups', async () => {
    await expect(checkFixture('group_norm', (s, { x }) => ({ y: groupNorm(s, x!, 64, { groups: 24 }) }))).rejects.toThrow(/64 channels do not split into 24 groups/);
  });
  it('batchNorm in training mode: batch statistics, running stats updated with the unbiased variance', async () => {
    const e = await checkFixture('batch_norm_train', (s, { x }) => {
      const r = batchNorm(s, x!, 6, { training: true });
      const rm = s.graph.get('running_mean')!;
      expect(isBuffer(rm)).toBe(true);
      expect(isBuffer(s.graph.get('weight')!)).toBe(false);
      return { y: r.y, running_mean: r.updates.running_mean!, running_var: r.updates.running_var! };
    });
    expect(worst(e).err, worst(e).name).toBeLessThan(TOL);
    expect(e.grads.running_mean).toBe(0); // no gradient reaches a buffer in training mode
  });
  it('batchNorm in eval mode: running statistics', async () => {
    const e = await checkFixture('batch_norm_eval', (s, { x }) => ({ y: batchNorm(s, x!, 6, { training: false }).y }));
    expect(worst(e).err, worst(e).name).toBeLessThan(TOL);
  });
});
