// Infer taming architectures from tensor shapes: encoder.conv_in gives ch and in_ch, the count of encoder.down.*
// the levels, where attn.* appears the attention level, tok_emb/pos_emb vocab and block size. What shapes cannot tell — n_head, the
// resolution that placed the attention blocks, the condition key — comes from a parsed project.yaml
// (taming's OmegaConf config) or explicit options.

import type { GptArchitecture, VqganArchitecture } from './bundle';
import type { YamlValue } from './project-yaml';

export type ShapeMap = ReadonlyMap<string, readonly number[]>;

export class ArchitectureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArchitectureError';
  }
}

type YObj = { [key: string]: YamlValue };

export function yamlObj(v: YamlValue | undefined): YObj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
}

export function yamlPath(v: YamlValue | undefined, ...keys: string[]): YamlValue | undefined {
  let cur = v;
  for (const k of keys) {
    const o = yamlObj(cur);
    if (!o) return undefined;
    cur = o[k];
  }
  return cur;
}

const num = (v: YamlValue | undefined): number | undefined => (typeof v === 'number' ? v : undefined);
const nums = (v: YamlValue | undefined): number[] | undefined =>
  Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : undefined;

/** A VQModel/GumbelVQ config node ({target, params: {embed_dim, n_embed, ddconfig}}) as partial architecture. */
export function vqganFromConfig(node: YamlValue | undefined): Partial<VqganArchitecture> {
  const params = yamlPath(node, 'params');
  const dd = yamlPath(params, 'ddconfig');
  const target = yamlPath(node, 'target');
  const out: Partial<VqganArchitecture> = {};
  const set = <K extends keyof VqganArchitecture>(k: K, v: VqganArchitecture[K] | undefined): void => {
    if (v !== undefined) out[k] = v;
  };
  set('ch', num(yamlPath(dd, 'ch')));
  set('ch_mult', nums(yamlPath(dd, 'ch_mult')));
  set('num_res_blocks', num(yamlPath(dd, 'num_res_blocks')));
  set('attn_resolutions', nums(yamlPath(dd, 'attn_resolutions')));
  set('z_channels', num(yamlPath(dd, 'z_channels')));
  set('resolution', num(yamlPath(dd, 'resolution')));
  set('in_channels', num(yamlPath(dd, 'in_channels')));
  set('out_ch', num(yamlPath(dd, 'out_ch')));
  set('dropout', num(yamlPath(dd, 'dropout')));
  const dz = yamlPath(dd, 'double_z');
  if (typeof dz === 'boolean') out.double_z = dz;
  set('n_embed', num(yamlPath(params, 'n_embed')));
  set('embed_dim', num(yamlPath(params, 'embed_dim')));
  if (typeof target === 'string') out.quantizer = /Gumbel/i.test(target) ? 'gumbel' : 'vq';
  return out;
}

export interface InferredVqgan {
  architecture: VqganArchitecture;
  /** Fields that could not be inferred and took their default (e.g. "resolution=256"). */
  assumed: string[];
}

/**
 * Infer a VQModel's architecture from the shapes under `prefix`. `config` (from project.yaml) supplies the
 * resolution and is cross-checked against the shapes.
 */
export function inferVqgan(shapes: ShapeMap, prefix = '', config: Partial<VqganArchitecture> = {}): InferredVqgan {
  const where = prefix ? `"${prefix}*"` : 'the VQGAN';
  const get = (k: string): readonly number[] | undefined => shapes.get(prefix + k);
  // A required tensor's shape, checked to have `rank` dimensions (so its entries are all there).
  function req(k: string, rank: 2): readonly [number, number];
  function req(k: string, rank: 4): readonly [number, number, number, number];
  function req(k: string, rank: number): readonly number[] {
    const s = get(k);
    if (!s) throw new ArchitectureError(`${where}: missing ${prefix}${k}, which every taming VQModel has`);
    if (s.length !== rank) throw new ArchitectureError(`${where}: ${prefix}${k} has shape [${s.join(', ')}], expected rank ${rank}`);
    return s;
  }
  const convIn = req('encoder.conv_in.weight', 4);
  const ch = convIn[0];
  const inChannels = convIn[1];
  const keys = [...shapes.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  const indices = (re: RegExp): number[] => {
    const s = new Set<number>();
    for (const k of keys) {
      const m = re.exec(k);
      if (m) s.add(Number(m[1]));
    }
    return [...s].sort((a, b) => a - b);
  };
  const levelIdx = indices(/^encoder\.down\.(\d+)\./);
  if (levelIdx.length === 0) throw new ArchitectureError(`${where}: no encoder.down.* keys`);
  const levels = levelIdx[levelIdx.length - 1]! + 1;
  const numResBlocks = indices(/^encoder\.down\.0\.block\.(\d+)\./).length;
  if (numResBlocks === 0) throw new ArchitectureError(`${where}: no encoder.down.0.block.* keys`);
  const chMult: number[] = [];
  for (let l = 0; l < levels; l++) {
    const w = req(`encoder.down.${l}.block.0.conv1.weight`, 4);
    if (w[0] % ch !== 0) throw new ArchitectureError(`${where}: encoder.down.${l} has ${w[0]} channels, not a multiple of ch=${ch}`);
    chMult.push(w[0] / ch);
  }
  const attnLevels = Array.from({ length: levels }, (_, l) => l).filter((l) => get(`encoder.down.${l}.attn.0.norm.weight`));
  const zChannels = req('decoder.conv_in.weight', 4)[1];
  const encOut = req('encoder.conv_out.weight', 4)[0];
  const doubleZ = encOut === 2 * zChannels;
  if (!doubleZ && encOut !== zChannels) {
    throw new ArchitectureError(`${where}: encoder.conv_out has ${encOut} output channels but the decoder expects z_channels=${zChannels}`);
  }
  const outCh = req('decoder.conv_out.weight', 4)[0];
  let quantizer: 'vq' | 'gumbel';
  let nEmbed: number;
  let embedDim: number;
  if (get('quantize.embedding.weight')) {
    quantizer = 'vq';
    [nEmbed, embedDim] = req('quantize.embedding.weight', 2);
  } else if (get('quantize.embed.weight')) {
    quantizer = 'gumbel';
    [nEmbed, embedDim] = req('quantize.embed.weight', 2);
  } else {
    throw new ArchitectureError(
      `${where}: no codebook: expected ${prefix}quantize.embedding.weight (VectorQuantizer2) or ${prefix}quantize.embed.weight (GumbelQuantize)`,
    );
  }
  if (get('quantize.used')) {
    throw new ArchitectureError(`${where}: the quantizer uses a remap table (${prefix}quantize.used), which Tessera does not support`);
  }
  const assumed: string[] = [];
  let resolution = config.resolution;
  if (resolution === undefined) {
    resolution = 256;
    assumed.push('resolution=256 (every taming config; only decides where attention sits)');
  }
  const attnResolutions = attnLevels.map((l) => Math.floor(resolution / 2 ** l));
  const architecture: VqganArchitecture = {
    ch,
    ch_mult: chMult,
    num_res_blocks: numResBlocks,
    attn_resolutions: attnResolutions,
    z_channels: zChannels,
    resolution,
    in_channels: inChannels,
    out_ch: outCh,
    double_z: doubleZ,
    dropout: config.dropout ?? 0,
    resamp_with_conv: levels === 1 || get('encoder.down.0.downsample.conv.weight') !== undefined,
    n_embed: nEmbed,
    embed_dim: embedDim,
    quantizer,
    legacy_beta: true,
    beta: 0.25,
  };
  const mismatches: string[] = [];
  for (const k of ['ch', 'num_res_blocks', 'z_channels', 'in_channels', 'out_ch', 'n_embed', 'embed_dim', 'double_z', 'quantizer'] as const) {
    if (config[k] !== undefined && config[k] !== architecture[k]) mismatches.push(`${k}: config ${JSON.stringify(config[k])}, weights ${JSON.stringify(architecture[k])}`);
  }
  if (config.ch_mult && config.ch_mult.join(',') !== chMult.join(',')) {
    mismatches.push(`ch_mult: config [${config.ch_mult.join(', ')}], weights [${chMult.join(', ')}]`);
  }
  if (config.attn_resolutions) {
    const cfgLevels = Array.from({ length: levels }, (_, l) => l).filter((l) => config.attn_resolutions?.includes(Math.floor(resolution / 2 ** l)));
    if (cfgLevels.join(',') !== attnLevels.join(',')) {
      mismatches.push(`attention: config attn_resolutions [${config.attn_resolutions.join(', ')}] at resolution ${resolution} puts it at levels [${cfgLevels.join(', ')}], the weights have it at [${attnLevels.join(', ')}]`);
    } else {
      architecture.attn_resolutions = [...config.attn_resolutions];
    }
  }
  if (mismatches.length) throw new ArchitectureError(`${where}: project.yaml does not match the checkpoint:\n  - ${mismatches.join('\n  - ')}`);
  return { architecture, assumed };
}

export interface GptInferOptions {
  nHead?: number;
  /** transformer_config node of project.yaml. */
  config?: YamlValue;
}

/** Infer minGPT's architecture from the shapes under `prefix`; n_head must come from options or config. */
export function inferGpt(shapes: ShapeMap, prefix = 'transformer.', options: GptInferOptions = {}): GptArchitecture {
  const tokShape = shapes.get(`${prefix}tok_emb.weight`);
  const posShape = shapes.get(`${prefix}pos_emb`);
  if (!tokShape || tokShape.length !== 2) throw new ArchitectureError(`transformer: missing or mis-shaped ${prefix}tok_emb.weight (expected [vocab_size, n_embd])`);
  if (!posShape || posShape.length !== 3) throw new ArchitectureError(`transformer: missing or mis-shaped ${prefix}pos_emb (expected [1, block_size, n_embd])`);
  const tok = tokShape as readonly [number, number];
  const pos = posShape as readonly [number, number, number];
  const layers = new Set<number>();
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')}blocks\\.(\\d+)\\.`);
  for (const k of shapes.keys()) {
    const m = re.exec(k);
    if (m) layers.add(Number(m[1]));
  }
  const nLayer = layers.size ? Math.max(...layers) + 1 : 0;
  if (nLayer === 0) throw new ArchitectureError(`transformer: no ${prefix}blocks.* keys`);
  const params = yamlPath(options.config, 'params');
  const cfgHead = num(yamlPath(params, 'n_head'));
  const nHead = options.nHead ?? cfgHead;
  const nEmbd = tok[1];
  if (nHead === undefined) {
    throw new ArchitectureError(
      `transformer: n_head cannot be inferred from tensor shapes (n_embd=${nEmbd}, ${nLayer} layers). Pass --n-head N or ` +
        `--config project.yaml (taming's 1024-wide GPTs use n_head 16; the 1536-wide cIN model 24).`,
    );
  }
  if (options.nHead !== undefined && cfgHead !== undefined && options.nHead !== cfgHead) {
    throw new ArchitectureError(`transformer: --n-head ${options.nHead} contradicts project.yaml (n_head ${cfgHead})`);
  }
  if (!Number.isInteger(nHead) || nHead < 1 || nEmbd % nHead !== 0) {
    throw new ArchitectureError(`transformer: n_head ${nHead} does not divide n_embd ${nEmbd}`);
  }
  const arch: GptArchitecture = { vocab_size: tok[0], block_size: pos[1], n_layer: nLayer, n_head: nHead, n_embd: nEmbd, n_unmasked: num(yamlPath(params, 'n_unmasked')) ?? 0 };
  const mismatches: string[] = [];
  for (const k of ['vocab_size', 'block_size', 'n_layer', 'n_embd'] as const) {
    const c = num(yamlPath(params, k));
    if (c !== undefined && c !== arch[k]) mismatches.push(`${k}: config ${c}, weights ${arch[k]}`);
  }
  if (mismatches.length) throw new ArchitectureError(`transformer: project.yaml does not match the checkpoint:\n  - ${mismatches.join('\n  - ')}`);
  return arch;
}
