// nn/transformer-block.ts (minGPT Block: ln1, attn, ln2, mlp.0/mlp.2 with exact GELU) against PyTorch
// float64 autograd with the taming state_dict names (float32 engine).
// Tolerance: relative L2 ≤ 1e-5 on the output and on every parameter and input gradient.
import { describe, expect, it } from 'vitest';
import { transformerBlock } from '../../../native-models/nn/transformer-block';
import { checkFixture, worst } from './check-fixture';

describe('nn.transformerBlock', () => {
  it('matches the minGPT Block, forward and all 17 gradients', async () => {
    const e = await checkFixture('gpt_block', (s, { x }) => ({ y: transformerBlock(s, x!, 4).y }));
    expect(worst(e).err, worst(e).name).toBeLessThan(1e-5);
    expect(Object.keys(e.grads)).toHaveLength(17);
    expect(e.grads['mlp.0.weight']).toBeDefined();
  });
});
