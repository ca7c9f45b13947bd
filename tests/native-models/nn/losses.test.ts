// nn/losses.ts against PyTorch float64 autograd (float32 engine). Tolerance: relative L2 ≤ 1e-5.
import { describe, expect, it } from 'vitest';
import {
  crossEntropy, hingeDLoss, hingeGLoss, l1Loss, mseLoss, nonSaturatingDLoss, nonSaturatingGLoss,
} from '../../../native-models/nn/losses';
import { checkFixture, worst } from './check-fixture';

const TOL = 1e-5;

describe('nn losses', () => {
  it('crossEntropy (mean over all targets)', async () => {
    const e = await checkFixture('cross_entropy', (_s, { logits, target }) => ({ loss: crossEntropy(logits!, target!) }));
    expect(worst(e).err, worst(e).name).toBeLessThan(TOL);
  });
  it('crossEntropy with ignore index -1 (mean over the kept targets)', async () => {
    const e = await checkFixture('cross_entropy_ignore', (_s, { logits, target }) => ({ loss: crossEntropy(logits!, target!, { ignoreIndex: -1 }) }));
    expect(worst(e).err, worst(e).name).toBeLessThan(TOL);
  });
  it('crossEntropy with ignore index and label smoothing 0.1', async () => {
    const e = await checkFixture('cross_entropy_ignore_smooth', (_s, { logits, target }) =>
      ({ loss: crossEntropy(logits!, target!, { ignoreIndex: -1, labelSmoothing: 0.1 }) }));
    expect(worst(e).err, worst(e).name).toBeLessThan(TOL);
  });
  it('crossEntropy names the shapes when targets do not match the logits', async () => {
    await expect(checkFixture('cross_entropy', (_s, { logits, target }) => ({ loss: crossEntropy(logits!, target!.reshape([15])) })))
      .rejects.toThrow(/targets \[15\] must have the shape of logits without the class axis \[3, 5\]/);
  });
  it('l1Loss and mseLoss', async () => {
    for (const [name, fn] of [['l1', l1Loss], ['mse', mseLoss]] as const) {
      const e = await checkFixture(name, (_s, { x, y }) => ({ loss: fn(x!, y!) }));
      expect(worst(e).err, `${name} ${worst(e).name}`).toBeLessThan(TOL);
    }
  });
  it('hinge and non-saturating discriminator losses', async () => {
    const h = await checkFixture('hinge_d_loss', (_s, i) => ({ loss: hingeDLoss(i.logits_real!, i.logits_fake!) }));
    expect(worst(h).err, worst(h).name).toBeLessThan(TOL);
    const v = await checkFixture('vanilla_d_loss', (_s, i) => ({ loss: nonSaturatingDLoss(i.logits_real!, i.logits_fake!) }));
    expect(worst(v).err, worst(v).name).toBeLessThan(TOL);
  });
  it('generator losses: non-saturating and hinge (−mean D(fake))', async () => {
    const n = await checkFixture('non_saturating_g_loss', (_s, i) => ({ loss: nonSaturatingGLoss(i.logits_fake!) }));
    expect(worst(n).err, worst(n).name).toBeLessThan(TOL);
    const h = await checkFixture('hinge_g_loss', (_s, i) => ({ loss: hingeGLoss(i.logits_fake!) }));
    expect(worst(h).err, worst(h).name).toBeLessThan(TOL);
  });
});
