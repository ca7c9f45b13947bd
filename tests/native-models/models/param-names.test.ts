import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { discriminatorParameters } from '../../../native-models/models/discriminator';
import { gptParameters } from '../../../native-models/models/gpt';
import { vqganParameters, type VqganConfig } from '../../../native-models/models/vqgan';

// The published key lists (taming-transformers state_dict printed under PyTorch, committed as taming-keys.json.gz).
const lists = JSON.parse(gunzipSync(readFileSync(join(__dirname, '../../fixtures/models/taming-keys.json.gz'))).toString('utf8')) as
  Record<string, [string, number[]][]>;

const f16: VqganConfig = {
  ch: 128, chMult: [1, 1, 2, 2, 4], numResBlocks: 2, attnResolutions: [16], resolution: 256, zChannels: 256,
  inChannels: 3, outCh: 3, embedDim: 256, nEmbed: 1024, resampWithConv: true, quantizer: 'vq2',
};

const rows = (specs: { name: string; shape: readonly number[] }[]): [string, number[]][] => specs.map((s) => [s.name, [...s.shape]]);

describe('parameter names and shapes equal the published taming state_dicts', () => {
  it('VQGAN f16/1024 (343 keys, in order)', () => {
    expect(rows(vqganParameters(f16))).toEqual(lists.f16);
  });
  it('VQGAN f16/16384', () => {
    expect(rows(vqganParameters({ ...f16, nEmbed: 16384 }))).toEqual(lists.f16_16384);
  });
  it('Gumbel f8/8192', () => {
    const g: VqganConfig = { ...f16, chMult: [1, 1, 2, 4], attnResolutions: [32], nEmbed: 8192, quantizer: 'gumbel' };
    expect(rows(vqganParameters(g))).toEqual(lists.gumbel);
  });
  it('GPT 24 layers x 1024, vocab 1024, block 512 (with attn.mask buffers)', () => {
    expect(rows(gptParameters({ vocabSize: 1024, blockSize: 512, nLayer: 24, nHead: 16, nEmbd: 1024 }))).toEqual(lists.gpt);
  });
  for (const [key, layers] of [['loss_disc3', 3], ['loss_disc2', 2]] as const) {
    it(`NLayerDiscriminator n_layers=${layers}`, () => {
      const expected = lists[key]!.filter(([n]) => n.startsWith('loss.discriminator.')).map(([n, s]) => [n.slice('loss.discriminator.'.length), s]);
      // the reference listing omits BatchNorm running_mean/running_var (it printed them elsewhere); compare the rest
      const ours = discriminatorParameters({ inChannels: 3, ndf: 64, nLayers: layers, norm: 'batchnorm' })
        .filter((s) => !/running_(mean|var)$/.test(s.name));
      expect(rows(ours)).toEqual(expected);
    });
  }
  it('ActNorm discriminator has biased convs and loc/scale', () => {
    const names = discriminatorParameters({ inChannels: 3, ndf: 64, nLayers: 3, norm: 'actnorm' }).map((s) => s.name);
    expect(names).toContain('main.2.bias');
    expect(names).toContain('main.3.loc');
    expect(names).toContain('main.9.initialized');
  });
  it('refuses invalid configs with the reason', () => {
    expect(() => vqganParameters({ ...f16, ch: 100 })).toThrow(/multiple of 32/);
    expect(() => vqganParameters({ ...f16, quantizer: 'gumbel', embedDim: 64 })).toThrow(/embed_dim/);
    expect(() => gptParameters({ vocabSize: 10, blockSize: 8, nLayer: 1, nHead: 3, nEmbd: 64 })).toThrow(/n_head/);
  });
});
