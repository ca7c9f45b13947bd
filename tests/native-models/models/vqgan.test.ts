import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VqganModel } from '../../../native-models/models/load';
import { checkpointWeights } from '../../../native-models/models/weights';
import { releaseSessions } from '../../../native-models/runtime/session';
import { FIXTURES, f32, maxAbsDiff, npy, parity, vqConfig } from './parity-fixtures';

afterAll(async () => { await releaseSessions(); });

describe('VQGAN parity with the PyTorch reference (random-weight taming checkpoints)', () => {
  it('f8 VectorQuantizer2 with attention (first stage of a Net2Net checkpoint): encode indices identical, decode ≤ 1e-4', async () => {
    const cfg = vqConfig(parity.models['net2net-seg'].first_stage.config, 'vq2');
    const model = new VqganModel(cfg, await checkpointWeights(join(FIXTURES, 'net2net-seg.ckpt'), 'first_stage_model.'));
    for (const [img, idxName, decName] of [['image', 'z-indices', 'z-decoded'], ['image2', 'z-indices2', 'z-decoded2']] as const) {
      const x = npy(`net2net-seg.${img}.npy`);
      const [b, , h, w] = x.shape as [number, number, number, number];
      const enc = await model.encode(f32(x), b, h, w);
      const ref = npy(`net2net-seg.${idxName}.npy`);
      expect([enc.height, enc.width]).toEqual(ref.shape.slice(1));
      expect(Array.from(enc.indices)).toEqual(Array.from(ref.data));
      const dec = await model.decode(enc.indices, b, enc.height, enc.width);
      expect(maxAbsDiff(dec, npy(`net2net-seg.${decName}.npy`).data)).toBeLessThanOrEqual(1e-4);
    }
  });

  it('Gumbel f8: deterministic argmax indices identical, decode ≤ 1e-4', async () => {
    const cfg = vqConfig(parity.models['gumbel-f8'].config, 'gumbel');
    const model = new VqganModel(cfg, await checkpointWeights(join(FIXTURES, 'gumbel-f8.ckpt')));
    const x = npy('gumbel-f8.input.npy');
    const [b, , h, w] = x.shape as [number, number, number, number];
    const enc = await model.encode(f32(x), b, h, w);
    expect(Array.from(enc.indices)).toEqual(Array.from(npy('gumbel-f8.indices.npy').data));
    const dec = await model.decode(enc.indices, b, enc.height, enc.width);
    expect(maxAbsDiff(dec, npy('gumbel-f8.decoded.npy').data)).toBeLessThanOrEqual(1e-4);
  });

  it('segmentation condition stage (f4, n_labels one-hot channels): indices identical, decode ≤ 1e-4', async () => {
    const m = parity.models['net2net-seg'];
    const cfg = vqConfig(m.cond_stage.config, 'vq2');
    const model = new VqganModel(cfg, await checkpointWeights(join(FIXTURES, 'net2net-seg.ckpt'), 'cond_stage_model.'));
    const labels = npy('net2net-seg.labels.npy');
    const [b, h, w] = labels.shape as [number, number, number];
    const { segmentationOneHot } = await import('../../../native-models/models/cond-stages');
    const enc = await model.encode(segmentationOneHot(labels.data, b, h, w, m.n_labels), b, h, w);
    expect(Array.from(enc.indices)).toEqual(Array.from(npy('net2net-seg.c-indices.npy').data));
    const dec = await model.decode(enc.indices, b, enc.height, enc.width);
    expect(maxAbsDiff(dec, npy('net2net-seg.c-decoded.npy').data)).toBeLessThanOrEqual(1e-4);
  });

  it('bad input: wrong channel count, size not a multiple of f, index outside the codebook', async () => {
    const cfg = vqConfig(parity.models['gumbel-f8'].config, 'gumbel');
    const model = new VqganModel(cfg, await checkpointWeights(join(FIXTURES, 'gumbel-f8.ckpt')));
    await expect(model.encode(new Float32Array(1 * 4 * 16 * 16), 1, 16, 16)).rejects.toThrow(/expected 3-channel input.*\(4 channels\)/);
    await expect(model.encode(new Float32Array(3 * 12 * 16), 1, 12, 16)).rejects.toThrow(/not a multiple of the model's factor 8/);
    await expect(model.decode([0, 64], 1, 1, 2)).rejects.toThrow(/index 64 at position 1 is outside the codebook 0..63/);
  });

  it('weights that do not fit the architecture are refused with the keys named', async () => {
    const cfg = vqConfig(parity.models['gumbel-f8'].config, 'gumbel');
    const weights = await checkpointWeights(join(FIXTURES, 'gumbel-f8.ckpt'));
    const missing = new Map(weights);
    missing.delete('decoder.up.3.attn.0.q.weight');
    expect(() => new VqganModel(cfg, missing)).toThrow(/1 missing \(decoder\.up\.3\.attn\.0\.q\.weight\)/);
    expect(() => new VqganModel({ ...cfg, nEmbed: 128 }, weights)).toThrow(/quantize\.proj\.weight is \[64, 16, 1, 1\], expected \[128, 16, 1, 1\]/);
  });
});
