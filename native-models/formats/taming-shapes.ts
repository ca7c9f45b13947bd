// Expected state_dict key -> shape tables of taming's VQModel/GumbelVQ and minGPT for a given architecture
// (the state_dict schema of taming's VQModel and minGPT; checked against the full published key lists in tests). Used to validate imports
// and to name exactly what is missing or mis-shaped.

import type { GptArchitecture, VqganArchitecture } from './bundle';

export type ShapeTable = Map<string, number[]>;

function norm(t: ShapeTable, p: string, c: number): void {
  t.set(`${p}.weight`, [c]);
  t.set(`${p}.bias`, [c]);
}

function conv(t: ShapeTable, p: string, cout: number, cin: number, k: number): void {
  t.set(`${p}.weight`, [cout, cin, k, k]);
  t.set(`${p}.bias`, [cout]);
}

function resnet(t: ShapeTable, p: string, cin: number, cout: number): void {
  norm(t, `${p}.norm1`, cin);
  conv(t, `${p}.conv1`, cout, cin, 3);
  norm(t, `${p}.norm2`, cout);
  conv(t, `${p}.conv2`, cout, cout, 3);
  if (cin !== cout) conv(t, `${p}.nin_shortcut`, cout, cin, 1);
}

function attn(t: ShapeTable, p: string, c: number): void {
  norm(t, `${p}.norm`, c);
  for (const n of ['q', 'k', 'v', 'proj_out']) conv(t, `${p}.${n}`, c, c, 1);
}

/** Keys of a VQModel (or GumbelVQ) with `prefix` ('' | 'first_stage_model.' | 'cond_stage_model.'). */
export function vqganShapes(a: VqganArchitecture, prefix = ''): ShapeTable {
  const t: ShapeTable = new Map();
  const levels = a.ch_mult.length;
  const inMult = [1, ...a.ch_mult];
  conv(t, 'encoder.conv_in', a.ch, a.in_channels, 3);
  let res = a.resolution;
  let blockIn = a.ch;
  for (let l = 0; l < levels; l++) {
    blockIn = a.ch * inMult[l]!;
    const blockOut = a.ch * a.ch_mult[l]!;
    const withAttn = a.attn_resolutions.includes(res);
    for (let b = 0; b < a.num_res_blocks; b++) {
      resnet(t, `encoder.down.${l}.block.${b}`, blockIn, blockOut);
      blockIn = blockOut;
    }
    if (withAttn) for (let b = 0; b < a.num_res_blocks; b++) attn(t, `encoder.down.${l}.attn.${b}`, blockIn);
    if (l !== levels - 1) {
      if (a.resamp_with_conv) conv(t, `encoder.down.${l}.downsample.conv`, blockIn, blockIn, 3);
      res = Math.floor(res / 2);
    }
  }
  resnet(t, 'encoder.mid.block_1', blockIn, blockIn);
  attn(t, 'encoder.mid.attn_1', blockIn);
  resnet(t, 'encoder.mid.block_2', blockIn, blockIn);
  norm(t, 'encoder.norm_out', blockIn);
  conv(t, 'encoder.conv_out', a.double_z ? 2 * a.z_channels : a.z_channels, blockIn, 3);

  blockIn = a.ch * a.ch_mult[levels - 1]!;
  res = Math.floor(a.resolution / 2 ** (levels - 1));
  conv(t, 'decoder.conv_in', blockIn, a.z_channels, 3);
  resnet(t, 'decoder.mid.block_1', blockIn, blockIn);
  attn(t, 'decoder.mid.attn_1', blockIn);
  resnet(t, 'decoder.mid.block_2', blockIn, blockIn);
  const perLevel: ShapeTable[] = [];
  for (let l = levels - 1; l >= 0; l--) {
    const part: ShapeTable = new Map();
    const blockOut = a.ch * a.ch_mult[l]!;
    const withAttn = a.attn_resolutions.includes(res);
    for (let b = 0; b <= a.num_res_blocks; b++) {
      resnet(part, `decoder.up.${l}.block.${b}`, blockIn, blockOut);
      blockIn = blockOut;
    }
    if (withAttn) for (let b = 0; b <= a.num_res_blocks; b++) attn(part, `decoder.up.${l}.attn.${b}`, blockIn);
    if (l !== 0) {
      if (a.resamp_with_conv) conv(part, `decoder.up.${l}.upsample.conv`, blockIn, blockIn, 3);
      res *= 2;
    }
    perLevel[l] = part;
  }
  for (const part of perLevel) for (const [k, v] of part) t.set(k, v);
  norm(t, 'decoder.norm_out', blockIn);
  conv(t, 'decoder.conv_out', a.out_ch, blockIn, 3);
  if (a.quantizer === 'gumbel') {
    conv(t, 'quantize.proj', a.n_embed, a.z_channels, 1);
    t.set('quantize.embed.weight', [a.n_embed, a.embed_dim]);
  } else {
    t.set('quantize.embedding.weight', [a.n_embed, a.embed_dim]);
  }
  conv(t, 'quant_conv', a.embed_dim, a.z_channels, 1);
  conv(t, 'post_quant_conv', a.z_channels, a.embed_dim, 1);
  if (!prefix) return t;
  return new Map([...t].map(([k, v]) => [prefix + k, v]));
}

/** Keys of taming's minGPT (without the attn.mask buffers) with `prefix` (default 'transformer.'). */
export function gptShapes(g: Omit<GptArchitecture, 'n_head'>, prefix = 'transformer.'): ShapeTable {
  const t: ShapeTable = new Map();
  const d = g.n_embd;
  t.set('pos_emb', [1, g.block_size, d]);
  t.set('tok_emb.weight', [g.vocab_size, d]);
  for (let i = 0; i < g.n_layer; i++) {
    const p = `blocks.${i}`;
    norm(t, `${p}.ln1`, d);
    norm(t, `${p}.ln2`, d);
    for (const n of ['key', 'query', 'value', 'proj']) {
      t.set(`${p}.attn.${n}.weight`, [d, d]);
      t.set(`${p}.attn.${n}.bias`, [d]);
    }
    t.set(`${p}.mlp.0.weight`, [4 * d, d]);
    t.set(`${p}.mlp.0.bias`, [4 * d]);
    t.set(`${p}.mlp.2.weight`, [d, 4 * d]);
    t.set(`${p}.mlp.2.bias`, [d]);
  }
  norm(t, 'ln_f', d);
  t.set('head.weight', [g.vocab_size, d]);
  return new Map([...t].map(([k, v]) => [prefix + k, v]));
}

export interface ShapeComparison {
  missing: string[];
  misShaped: Array<{ name: string; expected: number[]; actual: readonly number[] }>;
  unexpected: string[];
}

export function compareShapes(expected: ShapeTable, actual: ReadonlyMap<string, readonly number[]>, prefix = ''): ShapeComparison {
  const missing: string[] = [];
  const misShaped: ShapeComparison['misShaped'] = [];
  for (const [k, shape] of expected) {
    const got = actual.get(k);
    if (!got) missing.push(k);
    else if (got.length !== shape.length || got.some((d, i) => d !== shape[i])) misShaped.push({ name: k, expected: shape, actual: got });
  }
  const unexpected = [...actual.keys()].filter((k) => k.startsWith(prefix) && !expected.has(k));
  return { missing, misShaped, unexpected };
}
