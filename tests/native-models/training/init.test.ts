import { describe, expect, it } from 'vitest';
import { discriminatorParameters } from '../../../native-models/models/discriminator';
import { gptParameters } from '../../../native-models/models/gpt';
import { vqganParameters, type VqganConfig } from '../../../native-models/models/vqgan';
import { initParams } from '../../../native-models/training/init';
import { TrainRng } from '../../../native-models/training/rng';

const stats = (a: Float32Array) => {
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  const std = Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length);
  return { mean, std, min: Math.min(...a), max: Math.max(...a) };
};

describe('initParams', () => {
  it('GPT: N(0, 0.02) Linear/Embedding weights, zero biases and pos_emb, unit LayerNorm; reproducible', () => {
    const specs = gptParameters({ vocabSize: 64, blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 32 });
    const p = initParams('gpt', specs, new TrainRng(1));
    expect(Object.keys(p)).not.toContain('blocks.0.attn.mask');
    const w = stats(p['blocks.0.mlp.0.weight']!);
    expect(Math.abs(w.mean)).toBeLessThan(0.002);
    expect(w.std).toBeCloseTo(0.02, 2);
    expect(stats(p['tok_emb.weight']!).std).toBeCloseTo(0.02, 2);
    expect(p['blocks.1.attn.key.bias']!.every((v) => v === 0)).toBe(true);
    expect(p.pos_emb!.every((v) => v === 0)).toBe(true);
    expect(p['ln_f.weight']!.every((v) => v === 1)).toBe(true);
    expect(p['blocks.0.ln2.bias']!.every((v) => v === 0)).toBe(true);
    expect(Array.from(initParams('gpt', specs, new TrainRng(1))['head.weight']!)).toEqual(Array.from(p['head.weight']!));
  });

  it('VQGAN: PyTorch-default conv bounds, unit GroupNorm, codebook U(−1/n_e, 1/n_e)', () => {
    const cfg: VqganConfig = { ch: 32, chMult: [1, 2], numResBlocks: 1, attnResolutions: [8], resolution: 16, zChannels: 8, inChannels: 3, outCh: 3, embedDim: 8, nEmbed: 64, resampWithConv: true, quantizer: 'vq2' };
    const specs = vqganParameters(cfg);
    const p = initParams('vqgan', specs, new TrainRng(2));
    expect(Object.keys(p).length).toBe(specs.length);
    const conv = stats(p['encoder.down.0.block.0.conv1.weight']!); // fan_in 32·3·3 = 288
    expect(conv.max).toBeLessThanOrEqual(1 / Math.sqrt(288));
    expect(conv.max).toBeGreaterThan(0.9 / Math.sqrt(288));
    const bias = stats(p['encoder.conv_in.bias']!); // fan_in 27
    expect(bias.max).toBeLessThanOrEqual(1 / Math.sqrt(27));
    expect(p['encoder.norm_out.weight']!.every((v) => v === 1)).toBe(true);
    expect(p['encoder.down.1.attn.0.norm.bias']!.every((v) => v === 0)).toBe(true);
    const cb = stats(p['quantize.embedding.weight']!);
    expect(cb.max).toBeLessThanOrEqual(1 / 64);
    expect(cb.min).toBeGreaterThanOrEqual(-1 / 64);
  });

  it('discriminator: conv N(0, 0.02), BatchNorm N(1, 0.02) / 0, running stats reset', () => {
    const specs = discriminatorParameters({ inChannels: 3, ndf: 16, nLayers: 3, norm: 'batchnorm' });
    const p = initParams('discriminator', specs, new TrainRng(3));
    expect(stats(p['main.2.weight']!).std).toBeCloseTo(0.02, 2);
    const bn = stats(p['main.3.weight']!);
    expect(bn.mean).toBeCloseTo(1, 1);
    expect(bn.std).toBeLessThan(0.05);
    expect(p['main.3.bias']!.every((v) => v === 0)).toBe(true);
    expect(p['main.3.running_var']!.every((v) => v === 1)).toBe(true);
    expect(p['main.3.running_mean']!.every((v) => v === 0)).toBe(true);
    expect(p['main.0.bias']!.some((v) => v !== 0)).toBe(true); // conv bias at the PyTorch default
    expect(Object.keys(p)).not.toContain('main.3.num_batches_tracked');
  });
});
