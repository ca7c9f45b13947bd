import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArchitectureError, inferGpt, inferVqgan } from '../../../native-models/formats/infer-architecture';
import { gptShapes, vqganShapes } from '../../../native-models/formats/taming-shapes';

// The full state_dict key lists of the published taming models (printed from the published checkpoints'
// state_dicts under PyTorch, committed as tests/fixtures/models/taming-keys.json.gz): name -> shape, in state_dict order.
const REF = JSON.parse(gunzipSync(readFileSync(resolve(__dirname, '../../fixtures/models/taming-keys.json.gz'))).toString()) as Record<
  'f16' | 'f16_16384' | 'gumbel' | 'gpt' | 'loss_disc3' | 'loss_disc2',
  Array<[string, number[]]>
>;
const shapesOf = (list: Array<[string, number[]]>, prefix = ''): Map<string, number[]> => new Map(list.map(([k, s]) => [prefix + k, s]));

describe('architecture inference from the published checkpoints\' key lists', () => {
  for (const [name, expected] of [
    ['f16', { ch: 128, ch_mult: [1, 1, 2, 2, 4], num_res_blocks: 2, attn_resolutions: [16], z_channels: 256, n_embed: 1024, embed_dim: 256, quantizer: 'vq' }],
    ['f16_16384', { ch: 128, ch_mult: [1, 1, 2, 2, 4], num_res_blocks: 2, attn_resolutions: [16], z_channels: 256, n_embed: 16384, embed_dim: 256, quantizer: 'vq' }],
    ['gumbel', { ch: 128, ch_mult: [1, 1, 2, 4], num_res_blocks: 2, attn_resolutions: [32], z_channels: 256, n_embed: 8192, embed_dim: 256, quantizer: 'gumbel' }],
  ] as const) {
    it(`${name}: infers the published config and regenerates the exact key list in order`, () => {
      const { architecture, assumed } = inferVqgan(shapesOf(REF[name]));
      expect(architecture).toMatchObject({ ...expected, in_channels: 3, out_ch: 3, resolution: 256, double_z: false, resamp_with_conv: true });
      expect(assumed.join()).toMatch(/resolution=256/);
      expect([...vqganShapes(architecture)]).toEqual(REF[name]);
    });
  }

  it('GPT (S-FLCKR size): vocab, block, layers, width from shapes; n_head from options', () => {
    const shapes = shapesOf(REF.gpt, 'transformer.');
    const g = inferGpt(shapes, 'transformer.', { nHead: 16 });
    expect(g).toEqual({ vocab_size: 1024, block_size: 512, n_layer: 24, n_head: 16, n_embd: 1024, n_unmasked: 0 });
    expect([...gptShapes(g, '')]).toEqual(REF.gpt.filter(([k]) => !k.endsWith('attn.mask')));
    expect(() => inferGpt(shapes)).toThrow(ArchitectureError);
    expect(() => inferGpt(shapes)).toThrow(/n_head cannot be inferred.*--n-head N or --config project\.yaml/s);
    expect(() => inferGpt(shapes, 'transformer.', { nHead: 3 })).toThrow(/does not divide n_embd 1024/);
    expect(() => inferGpt(shapes, 'transformer.', { nHead: 8, config: { params: { n_head: 16 } } })).toThrow(/contradicts project\.yaml/);
  });

  it('cross-checks project.yaml against the weights', () => {
    const shapes = shapesOf(REF.f16);
    expect(() => inferVqgan(shapes, '', { ch_mult: [1, 2, 2, 4], n_embed: 16384 })).toThrow(/n_embed: config 16384, weights 1024[\s\S]*ch_mult: config \[1, 2, 2, 4\], weights \[1, 1, 2, 2, 4\]/);
    expect(() => inferVqgan(shapes, '', { resolution: 256, attn_resolutions: [32] })).toThrow(/attention: config attn_resolutions \[32\]/);
    expect(inferVqgan(shapes, '', { resolution: 512, attn_resolutions: [32] }).architecture.attn_resolutions).toEqual([32]);
    expect(() => inferVqgan(new Map(), 'first_stage_model.')).toThrow(/missing first_stage_model\.encoder\.conv_in\.weight/);
  });
});
