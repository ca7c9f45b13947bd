/**
 * VQGAN (taming's VQModel / GumbelVQ: taming/models/vqgan.py, taming/modules/diffusionmodules/model.py,
 * taming/modules/vqvae/quantize.py): Encoder, Decoder, quant_conv/post_quant_conv and the quantizer.
 * Parameter names are taming's state_dict keys.
 */
import type { Scope, Tensor } from '../graph/graph';
import { silu } from '../nn/activations';
import { conv2d } from '../nn/conv';
import { groupNorm } from '../nn/norm';
import { upsampleNearest2x } from '../nn/resample';
import { resnetBlock } from '../nn/resnet-block';
import { vqStraightThrough } from '../nn/quantize';
import { param } from '../nn/state';
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

// ---------------------------------------------------------------------------------------------------------------
// The model on the graph. Scopes are rooted at the VQModel (names `encoder.…`, `quantize.…`); a Net2Net stage is
// built from its prefix-stripped weights.
// ---------------------------------------------------------------------------------------------------------------

/** AttnBlock: single-head global self-attention over the H·W positions, 1×1 convs q, k, v, proj_out. */
function attnBlock(s: Scope, x: Tensor): Tensor {
  const [b, c, hh, ww] = x.shape as [number, number, number, number];
  const n = groupNorm(s.child('norm'), x, c); // [B, C, H, W]
  const q = conv2d(s.child('q'), n, c, c, 1).reshape([b, c, hh * ww]).transpose([0, 2, 1]); // [B, HW, C]
  const k = conv2d(s.child('k'), n, c, c, 1).reshape([b, c, hh * ww]); // [B, C, HW]
  const v = conv2d(s.child('v'), n, c, c, 1).reshape([b, c, hh * ww]); // [B, C, HW]
  const w = q.matmul(k).mul(1 / Math.sqrt(c)).softmax(-1); // [B, HW(i), HW(j)]
  const o = v.matmul(w.transpose([0, 2, 1])).reshape([b, c, hh, ww]); // [B, C, H, W]: o_i = Σ_j w_ij v_j
  return x.add(conv2d(s.child('proj_out'), o, c, c, 1)); // [B, C, H, W]
}

/** Downsample: zero-pad right/bottom by 1, 3×3 stride-2 conv (or 2×2 average pool without conv). */
function downsample(s: Scope, x: Tensor, withConv: boolean): Tensor {
  if (!withConv) return x.avgPool(2, { stride: 2 }); // [B, C, H/2, W/2]
  return conv2d(s.child('conv'), x, x.shape[1]!, x.shape[1]!, 3, { stride: 2, padding: [0, 0, 1, 1] }); // [B, C, ⌊H/2⌋, ⌊W/2⌋]
}

/** Upsample: nearest ×2, then a 3×3 conv (unless resamp_with_conv is false). */
function upsample(s: Scope, x: Tensor, withConv: boolean): Tensor {
  const u = upsampleNearest2x(x); // [B, C, 2H, 2W]
  return withConv ? conv2d(s.child('conv'), u, x.shape[1]!, x.shape[1]!, 3, { padding: 1 }) : u;
}

function mid(s: Scope, x: Tensor): Tensor {
  const c = x.shape[1]!;
  const h = resnetBlock(s.child('block_1'), x, c, c); // [B, C, h, w]
  return resnetBlock(s.child('block_2'), attnBlock(s.child('attn_1'), h), c, c); // [B, C, h, w]
}

/** Encoder: x [B, in_ch, H, W] → [B, z_channels, H/f, W/f]. */
export function encoder(s: Scope, x: Tensor, c: VqganConfig): Tensor {
  if (x.shape[1] !== c.inChannels) {
    throw new Error(`VQGAN encoder takes ${c.inChannels} channels, got an input of ${x.shape[1]} channels ([${x.shape.join(', ')}]).`);
  }
  let h = conv2d(s.child('conv_in'), x, c.inChannels, c.ch, 3, { padding: 1 }); // [B, ch, H, W]
  encoderPlan(c).levels.forEach((lv, level) => {
    const d = s.child('down').child(level);
    lv.blocks.forEach(([cin, cout], b) => {
      h = resnetBlock(d.child('block').child(b), h, cin, cout); // [B, cout, h, w]
      if (lv.attn) h = attnBlock(d.child('attn').child(b), h); // [B, cout, h, w]
    });
    if (lv.resample !== null) h = downsample(d.child('downsample'), h, c.resampWithConv); // [B, C, h/2, w/2]
  });
  h = mid(s.child('mid'), h); // [B, C_mid, h, w]
  h = silu(groupNorm(s.child('norm_out'), h, h.shape[1]!)); // [B, C_mid, h, w]
  return conv2d(s.child('conv_out'), h, h.shape[1]!, c.zChannels, 3, { padding: 1 }); // [B, z, h, w]
}

/** Decoder: z [B, z_channels, h, w] → [B, out_ch, h·f, w·f] (not clamped). */
export function decoder(s: Scope, z: Tensor, c: VqganConfig): Tensor {
  const plan = decoderPlan(c);
  let h = conv2d(s.child('conv_in'), z, c.zChannels, plan.midChannels, 3, { padding: 1 }); // [B, C_mid, h, w]
  h = mid(s.child('mid'), h); // [B, C_mid, h, w]
  for (let level = plan.levels.length - 1; level >= 0; level--) {
    const lv = plan.levels[level]!;
    const u = s.child('up').child(level);
    lv.blocks.forEach(([cin, cout], b) => {
      h = resnetBlock(u.child('block').child(b), h, cin, cout); // [B, cout, h, w]
      if (lv.attn) h = attnBlock(u.child('attn').child(b), h); // [B, cout, h, w]
    });
    if (lv.resample !== null) h = upsample(u.child('upsample'), h, c.resampWithConv); // [B, C, 2h, 2w]
  }
  h = silu(groupNorm(s.child('norm_out'), h, h.shape[1]!)); // [B, C, H, W]
  return conv2d(s.child('conv_out'), h, h.shape[1]!, c.outCh, 3, { padding: 1 }); // [B, out_ch, H, W]
}

/** The codebook [n_embed, embed_dim] (VQ2 `quantize.embedding.weight`, Gumbel `quantize.embed.weight`). */
export function codebook(root: Scope, c: VqganConfig): Tensor {
  return param(root, codebookKey(c), [c.nEmbed, c.embedDim]); // [K, E]
}

/**
 * Quantizer indices of h = quant_conv(encoder(x)) [B, E, h, w] → [B, h, w] int64, raster order.
 * VQ2: argmin ||z||² + ||e||² − 2 z·e (the reference formula, same order of terms). Gumbel: argmax of proj(h)
 * (deterministic; the reference adds Gumbel noise even in eval).
 */
export function quantizeIndices(root: Scope, h: Tensor, c: VqganConfig): Tensor {
  const [b, e, hh, ww] = h.shape as [number, number, number, number];
  if (c.quantizer === 'gumbel') {
    const logits = conv2d(root.child('quantize').child('proj'), h, c.embedDim, c.nEmbed, 1); // [B, K, h, w]
    return logits.argmax(1); // [B, h, w]
  }
  const z = h.transpose([0, 2, 3, 1]).reshape([b * hh * ww, e]); // [N, E]
  const emb = codebook(root, c); // [K, E]
  const zz = z.mul(z).sum(1, true); // [N, 1]
  const ee = emb.mul(emb).sum(1); // [K]
  const d = zz.add(ee).sub(z.matmul(emb.transpose([1, 0])).mul(2)); // [N, K]
  return d.argmin(1).reshape([b, hh, ww]); // [B, h, w]
}

/** get_codebook_entry: indices [B, h, w] int64 → z_q [B, E, h, w]. */
export function lookupCodes(root: Scope, indices: Tensor, c: VqganConfig): Tensor {
  return codebook(root, c).gather(indices, 0) // [B, h, w, E]
    .transpose([0, 3, 1, 2]); // [B, E, h, w]
}

/** encode: image [B, in_ch, H, W] (in [-1, 1]) → { pre: h before quantization [B, E, h, w], indices [B, h, w] }. */
export function vqganEncode(root: Scope, x: Tensor, c: VqganConfig): { pre: Tensor; indices: Tensor } {
  const z = encoder(root.child('encoder'), x, c); // [B, z, h, w]
  const pre = conv2d(root.child('quant_conv'), z, c.zChannels, c.embedDim, 1); // [B, E, h, w]
  return { pre, indices: quantizeIndices(root, pre, c) };
}

/** decode: indices [B, h, w] int64 → image [B, out_ch, H, W] (before clamping). */
export function vqganDecode(root: Scope, indices: Tensor, c: VqganConfig): Tensor {
  const zq = lookupCodes(root, indices, c); // [B, E, h, w]
  const z = conv2d(root.child('post_quant_conv'), zq, c.embedDim, c.zChannels, 1); // [B, z, h, w]
  return decoder(root.child('decoder'), z, c); // [B, out_ch, H, W]
}

export interface VqTrainingOptions {
  /** β of the quantizer loss (0.25 in taming). */
  beta?: number;
  /**
   * taming's VQModel always runs legacy=true: mean((sg[z_q]−z)²) + β·mean((z_q−sg[z])²), β on the codebook term
   * (issues #46/#57). false gives the fixed β·mean((sg[z_q]−z)²) + mean((z_q−sg[z])²).
   */
  legacy?: boolean;
}

export interface VqTrainingForward {
  /** reconstruction [B, out_ch, H, W] */
  xrec: Tensor;
  /** scalar quantizer loss (VQ2 legacy/fixed, or Gumbel KL · kl_weight) */
  qLoss: Tensor;
  /** [B, h, w] int64 */
  indices: Tensor;
  /** the quantizer's input (quant_conv output) [B, embed_dim, h, w] */
  pre: Tensor;
}

/**
 * The VQGAN trainer's forward (VectorQuantizer2): encoder → quant_conv → nearest code → straight-through
 * z + sg(z_q − z) → post_quant_conv → decoder, and the quantizer loss.
 */
export function vqganTrainingForward(root: Scope, x: Tensor, c: VqganConfig, o: VqTrainingOptions = {}): VqTrainingForward {
  if (c.quantizer !== 'vq2') throw new Error('vqganTrainingForward is the VectorQuantizer2 path; use gumbelTrainingForward for GumbelVQ.');
  const z = conv2d(root.child('quant_conv'), encoder(root.child('encoder'), x, c), c.zChannels, c.embedDim, 1); // [B, E, h, w]
  const [b, , hh, ww] = z.shape as [number, number, number, number];
  const vq = vqStraightThrough(root.child('quantize'), z, { codes: c.nEmbed, beta: o.beta ?? 0.25, legacy: o.legacy ?? true }); // zq [B, E, h, w]
  const xrec = decoder(root.child('decoder'), conv2d(root.child('post_quant_conv'), vq.zq, c.embedDim, c.zChannels, 1), c); // [B, out, H, W]
  const qLoss = vq.loss; // []
  const indices = vq.indices.reshape([b, hh, ww]); // [B, h, w]
  return { xrec, qLoss, indices, pre: z };
}

/**
 * GumbelVQ training forward: logits = proj(h); y = softmax((logits + g)/τ) with Gumbel noise g [B, K, h, w] given by
 * the caller's seeded RNG; hard one-hot with straight-through; z_q = Σ_k y_k e_k; loss = kl_weight · mean(Σ_k
 * q_k log(q_k·K + 1e-10)) with q = softmax(logits).
 */
export function gumbelTrainingForward(root: Scope, x: Tensor, noise: Tensor, c: VqganConfig, o: { temperature: number; klWeight?: number; hard?: boolean }): VqTrainingForward {
  if (c.quantizer !== 'gumbel') throw new Error('gumbelTrainingForward needs a Gumbel quantizer config.');
  const z = conv2d(root.child('quant_conv'), encoder(root.child('encoder'), x, c), c.zChannels, c.embedDim, 1); // [B, E, h, w]
  const logits = conv2d(root.child('quantize').child('proj'), z, c.embedDim, c.nEmbed, 1); // [B, K, h, w]
  const soft = logits.add(noise).mul(1 / o.temperature).softmax(1); // [B, K, h, w]
  const indices = soft.argmax(1); // [B, h, w]
  let y = soft;
  if (o.hard ?? true) {
    const [b, k, hh, ww] = logits.shape as [number, number, number, number];
    const ids = root.graph.constant(BigInt64Array.from({ length: k }, (_, i) => BigInt(i)), [1, k, 1, 1], 'int64'); // [1, K, 1, 1]
    const hard = indices.reshape([b, 1, hh, ww]).equal(ids).cast('float32'); // [B, K, h, w]
    y = hard.sub(soft.stopGradient()).stopGradient().add(soft); // [B, K, h, w] value hard, gradient soft
  }
  const emb = codebook(root, c); // [K, E]
  const zq = y.transpose([0, 2, 3, 1]).matmul(emb).transpose([0, 3, 1, 2]); // [B, E, h, w]
  const q = logits.softmax(1); // [B, K, h, w]
  const kl = q.mul(q.mul(c.nEmbed).add(1e-10).log()).sum(1).mean().mul(o.klWeight ?? 5e-4); // []
  const xrec = decoder(root.child('decoder'), conv2d(root.child('post_quant_conv'), zq, c.embedDim, c.zChannels, 1), c); // [B, out, H, W]
  return { xrec, qLoss: kl, indices, pre: z };
}
