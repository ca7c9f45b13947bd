// Shared loader for the PyTorch parity fixtures written by tests/fixtures/models/make_parity.py.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNpy } from '../../../native-models/sampling/npy';
import type { VqganConfig } from '../../../native-models/models/vqgan';
import type { GptConfig } from '../../../native-models/models/gpt';

export const FIXTURES = join(__dirname, '../../fixtures/models');

interface TamingVq {
  ch: number; ch_mult: number[]; num_res_blocks: number; attn_resolutions: number[]; resolution: number;
  z_channels: number; in_channels: number; out_ch: number; embed_dim: number; n_embed: number;
}
interface ParityJson {
  models: {
    'gumbel-f8': { config: TamingVq; discriminator: { in_channels: number; ndf: number; n_layers: number } };
    'disc-actnorm': { discriminator: { in_channels: number; ndf: number; n_layers: number } };
    'net2net-seg': {
      first_stage: { config: TamingVq }; cond_stage: { config: TamingVq }; n_labels: number;
      transformer: { vocab_size: number; block_size: number; n_layer: number; n_head: number; n_embd: number };
    };
  };
}

export const parity = JSON.parse(readFileSync(join(FIXTURES, 'parity.json'), 'utf8')) as ParityJson;

export function vqConfig(t: TamingVq, quantizer: 'vq2' | 'gumbel'): VqganConfig {
  return {
    ch: t.ch, chMult: t.ch_mult, numResBlocks: t.num_res_blocks, attnResolutions: t.attn_resolutions, resolution: t.resolution,
    zChannels: t.z_channels, inChannels: t.in_channels, outCh: t.out_ch, embedDim: t.embed_dim, nEmbed: t.n_embed,
    resampWithConv: true, quantizer,
  };
}

export function gptConfig(): GptConfig {
  const t = parity.models['net2net-seg'].transformer;
  return { vocabSize: t.vocab_size, blockSize: t.block_size, nLayer: t.n_layer, nHead: t.n_head, nEmbd: t.n_embd };
}

export function npy(name: string): { shape: number[]; data: Float64Array } {
  return readNpy(readFileSync(join(FIXTURES, name)));
}

export const f32 = (a: { data: Float64Array }): Float32Array => Float32Array.from(a.data);

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k]! - b[k]!));
  return m;
}
