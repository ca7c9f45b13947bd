/**
 * VQGAN (taming's VQModel / GumbelVQ, taming.md §1): Encoder, Decoder, quant_conv/post_quant_conv and the quantizer.
 * Parameter names are taming's state_dict keys.
 */
import { affine, conv, type ParamSpec } from './param-spec';

export type QuantizerKind = 'vq2' | 'gumbel';

export interface VqganConfig {
  /** Base channel count (128 in every released model; a multiple of 32 because of GroupNorm(32)). */
  ch: number;
  /** Channel multiplier per level; the down/up factor is 2^(levels-1). */
  chMult: readonly number[];
  numResBlocks: number;
  /** Latent resolutions (at `resolution` input) that get attention after every block. */
  attnResolutions: readonly number[];
  /** Construction resolution; decides only where attention goes. */
  resolution: number;
  zChannels: number;
  inChannels: number;
  outCh: number;
  embedDim: number;
  nEmbed: number;
  /** Downsample by pad+stride-2 conv and upsample by nearest+conv (true in all configs) or avg-pool / nearest only. */
  resampWithConv: boolean;
  quantizer: QuantizerKind;
}

/** taming's ddconfig + n_embed/embed_dim (snake_case, as in project.yaml) → VqganConfig. */
export function vqganConfigFromTaming(dd: {
  ch: number; ch_mult: readonly number[]; num_res_blocks: number; attn_resolutions: readonly number[];
  resolution: number; z_channels: number; in_channels: number; out_ch: number; resamp_with_conv?: boolean;
  double_z?: boolean;
}, nEmbed: number, embedDim: number, quantizer: QuantizerKind): VqganConfig {
  if (dd.double_z) throw new Error('VQGAN config has double_z: true, which only KL autoencoders use; a VQModel needs false.');
  return {
    ch: dd.ch, chMult: [...dd.ch_mult], numResBlocks: dd.num_res_blocks, attnResolutions: [...dd.attn_resolutions],
    resolution: dd.resolution, zChannels: dd.z_channels, inChannels: dd.in_channels, outCh: dd.out_ch,
    embedDim, nEmbed, resampWithConv: dd.resamp_with_conv ?? true, quantizer,
  };
}

export function validateVqganConfig(c: VqganConfig): void {
  const bad = (m: string): never => { throw new Error(`Invalid VQGAN config: ${m}`); };
  if (!(c.ch > 0) || c.ch % 32 !== 0) bad(`ch=${c.ch} must be a positive multiple of 32 (GroupNorm has 32 groups).`);
  if (c.chMult.length < 1) bad('ch_mult is empty.');
  if (c.chMult.some((m) => !Number.isInteger(m) || m < 1)) bad(`ch_mult [${c.chMult.join(', ')}] must hold positive integers.`);
  if (!Number.isInteger(c.numResBlocks) || c.numResBlocks < 0) bad(`num_res_blocks=${c.numResBlocks}.`);
  for (const k of ['zChannels', 'inChannels', 'outCh', 'embedDim', 'nEmbed', 'resolution'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) bad(`${k}=${c[k]} must be a positive integer.`);
  }
  if (c.quantizer === 'gumbel' && c.embedDim !== c.zChannels) {
    bad(`Gumbel quantizer needs embed_dim (${c.embedDim}) == z_channels (${c.zChannels}), as in taming's GumbelVQ.`);
  }
}

/** Pixel → token factor, 2^(levels-1). */
export function vqganFactor(c: VqganConfig): number {
  return 2 ** (c.chMult.length - 1);
}

/** Channels and attention flag of one encoder/decoder level walk, shared by the parameter list and the graph. */
export interface LevelPlan {
  /** [in, out] channels of each res block of the level. */
  blocks: [number, number][];
  attn: boolean;
  /** Channels of the down/upsample conv after the level (absent on the last encoder / first decoder level). */
  resample: number | null;
}

export function encoderPlan(c: VqganConfig): { levels: LevelPlan[]; midChannels: number } {
  const levels: LevelPlan[] = [];
  let res = c.resolution;
  let cin = c.ch;
  for (let level = 0; level < c.chMult.length; level++) {
    const blockIn = c.ch * (level === 0 ? 1 : c.chMult[level - 1]!);
    cin = blockIn;
    const blocks: [number, number][] = [];
    for (let b = 0; b < c.numResBlocks; b++) {
      blocks.push([cin, c.ch * c.chMult[level]!]);
      cin = c.ch * c.chMult[level]!;
    }
    const last = level === c.chMult.length - 1;
    levels.push({ blocks, attn: c.attnResolutions.includes(res) && blocks.length > 0, resample: last ? null : cin });
    if (!last) res = Math.floor(res / 2);
  }
  return { levels, midChannels: cin };
}

/** Decoder levels indexed like taming's `up` list (0 = full resolution); executed from the last to 0. */
export function decoderPlan(c: VqganConfig): { levels: LevelPlan[]; midChannels: number; outChannels: number } {
  const n = c.chMult.length;
  const levels: LevelPlan[] = new Array<LevelPlan>(n);
  const midChannels = c.ch * c.chMult[n - 1]!;
  let cin = midChannels;
  let res = Math.floor(c.resolution / 2 ** (n - 1));
  for (let level = n - 1; level >= 0; level--) {
    const blocks: [number, number][] = [];
    for (let b = 0; b < c.numResBlocks + 1; b++) {
      blocks.push([cin, c.ch * c.chMult[level]!]);
      cin = c.ch * c.chMult[level]!;
    }
    levels[level] = { blocks, attn: c.attnResolutions.includes(res), resample: level === 0 ? null : cin };
    if (level !== 0) res *= 2;
  }
  return { levels, midChannels, outChannels: cin };
}

function resBlockParams(name: string, cin: number, cout: number): ParamSpec[] {
  return [
    ...affine(`${name}.norm1`, cin), ...conv(`${name}.conv1`, cout, cin, 3),
    ...affine(`${name}.norm2`, cout), ...conv(`${name}.conv2`, cout, cout, 3),
    ...(cin !== cout ? conv(`${name}.nin_shortcut`, cout, cin, 1) : []),
  ];
}

function attnParams(name: string, c: number): ParamSpec[] {
  return [...affine(`${name}.norm`, c), ...conv(`${name}.q`, c, c, 1), ...conv(`${name}.k`, c, c, 1),
    ...conv(`${name}.v`, c, c, 1), ...conv(`${name}.proj_out`, c, c, 1)];
}

function midParams(name: string, c: number): ParamSpec[] {
  return [...resBlockParams(`${name}.block_1`, c, c), ...attnParams(`${name}.attn_1`, c), ...resBlockParams(`${name}.block_2`, c, c)];
}

/** Every parameter of the VQModel, in taming's state_dict order (encoder, decoder, quantize, quant convs). */
export function vqganParameters(c: VqganConfig): ParamSpec[] {
  validateVqganConfig(c);
  const out: ParamSpec[] = [...conv('encoder.conv_in', c.ch, c.inChannels, 3)];
  const enc = encoderPlan(c);
  enc.levels.forEach((lv, level) => {
    lv.blocks.forEach(([i, o], b) => out.push(...resBlockParams(`encoder.down.${level}.block.${b}`, i, o)));
    if (lv.attn) lv.blocks.forEach(([, o], b) => out.push(...attnParams(`encoder.down.${level}.attn.${b}`, o)));
    if (lv.resample !== null && c.resampWithConv) out.push(...conv(`encoder.down.${level}.downsample.conv`, lv.resample, lv.resample, 3));
  });
  out.push(...midParams('encoder.mid', enc.midChannels), ...affine('encoder.norm_out', enc.midChannels),
    ...conv('encoder.conv_out', c.zChannels, enc.midChannels, 3));
  const dec = decoderPlan(c);
  out.push(...conv('decoder.conv_in', dec.midChannels, c.zChannels, 3), ...midParams('decoder.mid', dec.midChannels));
  dec.levels.forEach((lv, level) => {
    lv.blocks.forEach(([i, o], b) => out.push(...resBlockParams(`decoder.up.${level}.block.${b}`, i, o)));
    if (lv.attn) lv.blocks.forEach(([, o], b) => out.push(...attnParams(`decoder.up.${level}.attn.${b}`, o)));
    if (lv.resample !== null && c.resampWithConv) out.push(...conv(`decoder.up.${level}.upsample.conv`, lv.resample, lv.resample, 3));
  });
  out.push(...affine('decoder.norm_out', dec.outChannels), ...conv('decoder.conv_out', c.outCh, dec.outChannels, 3));
  if (c.quantizer === 'gumbel') {
    out.push(...conv('quantize.proj', c.nEmbed, c.zChannels, 1), { name: 'quantize.embed.weight', shape: [c.nEmbed, c.embedDim] });
  } else {
    out.push({ name: 'quantize.embedding.weight', shape: [c.nEmbed, c.embedDim] });
  }
  out.push(...conv('quant_conv', c.embedDim, c.zChannels, 1), ...conv('post_quant_conv', c.zChannels, c.embedDim, 1));
  return out;
}

/** The codebook key of the quantizer. */
export function codebookKey(c: VqganConfig): string {
  return c.quantizer === 'gumbel' ? 'quantize.embed.weight' : 'quantize.embedding.weight';
}
