// nn/resnet-block.ts (taming ResnetBlock: GroupNorm -> SiLU -> Conv3×3, twice, + skip) against PyTorch
// float64 autograd with the state_dict names norm1/conv1/norm2/conv2/nin_shortcut (float32 engine).
// Tolerance: relative L2 ≤ 1e-5 on the output and on every parameter and input gradient.
import { describe, expect, it } from 'vitest';
import { resnetBlock } from '../../../native-models/nn/resnet-block';
import { checkFixture, worst } from './check-fixture';

describe('nn.resnetBlock', () => {
  it('64 -> 64 channels (identity skip)', async () => {
    const e = await checkFixture('resnet_block', (s, { x }) => ({ y: resnetBlock(s, x!, 64, 64) }));
    expect(worst(e).err, worst(e).name).toBeLessThan(1e-5);
    expect(Object.keys(e.grads)).toHaveLength(9);
  });
  it('32 -> 64 channels (nin_shortcut 1×1 conv)', async () => {
    const e = await checkFixture('resnet_block_nin', (s, { x }) => ({ y: resnetBlock(s, x!, 32, 64) }));
    expect(worst(e).err, worst(e).name).toBeLessThan(1e-5);
    expect(e.grads['nin_shortcut.weight']).toBeDefined();
  });
});
