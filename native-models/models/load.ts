/**
 * Runnable models from architecture configs + weights (a Tessera bundle, or weights read from a checkpoint).
 *
 * Programs are built on first use for each input shape (the graph has static shapes) and kept for the life of the
 * model; the session cache (runtime/session.ts) shares sessions between models with identical bytes.
 *
 * Weights, by default:
 *   - VQGAN programs BAKE THE WEIGHTS IN AS INITIALIZERS: ORT then pre-packs the conv weights (NCHWc) once per
 *     session; measured ~1.5× faster encode than feeding them (f16 config, 256², 1 thread), same decode.
 *   - GPT programs FEED THE WEIGHTS AS INPUTS: the prefill, step and window programs then share the one JS copy of
 *     the weights (baking would hold a copy per program plus ORT's packed copy: several GB for the 24×1024 and
 *     1.4B transformers), and the measured speed is the same (8×512 GPT, 1 thread: step 59 vs 64 ms, window 1.27 vs
 *     1.35 s, fed vs baked).
 * `bakeWeights` overrides this per model.
 *
 * Programs of a VqganModel:   encode:B:H:W   image [B, in, H, W] → indices [B, h, w]
 *                             decode:B:h:w   indices [B, h, w] → image [B, out, H, W] (not clamped)
 * Programs of a GptModel:     logits:B:T     tokens [B, T] → logits [B, T, V]
 *                             window:B:T     tokens [B, T], at [1] → logits of position `at` [B, V]
 *                             prefill:B:T    tokens [B, T] → last logits [B, V] + per-layer k, v
 *                             step:B:N       N new tokens at positions p…p+N-1 with the cache → last logits [B, V]
 */
import { Graph, type Tensor } from '../graph/graph';
import { readBundle, type BundleManifest, type GptArchitecture, type VqganArchitecture } from '../formats/bundle';
import { bytesToFloat32 } from '../formats/dtype';
import { compile, type Program } from '../runtime/program';
import type { RuntimeOptions } from '../runtime/session';
import type { TokenModel } from '../sampling/token-model';
import { validateCondStage, type CondStageConfig, type VqConditionMode } from './cond-stages';
import { gptLogits, gptLogitsAt, gptParameters, gptPrefill, gptStep, validateGptConfig, type GptConfig } from './gpt';
import { int8Feeds } from './int8-weights';
import { checkWeights, type NamedTensor, type WeightMap } from './param-spec';
import { makePermutation, type Permutation, type PermuterName } from './permuters';
import { vqganDecode, vqganEncode, vqganFactor, vqganParameters, type VqganConfig } from './vqgan';

export interface ModelOptions {
  runtime?: RuntimeOptions;
  /** Bake weights into the programs as initializers (default: true for VQGANs, false for the GPT; see above). */
  bakeWeights?: boolean;
  /**
   * The transformer's linear weights: float32 as loaded (default), or 'int8' (models/int8-weights.ts: blockwise
   * weight-only int8 through onnxruntime's MatMulNBits, a quarter of the bytes per token step; logits differ by
   * the measured error in docs, so sampled tokens can differ). VQGANs ignore it.
   */
  gptWeights?: 'float32' | 'int8';
  /**
   * Called once for every program compiled (programs are built on first use): its session's provider is the
   * one it actually runs on, which differs from `runtime.provider` when the session layer fell back to CPU.
   */
  onProgram?(program: Program): void;
}

export function vqganConfigFromArchitecture(a: VqganArchitecture): VqganConfig {
  if (a.double_z) throw new Error('VQGAN architecture has double_z: true; VQ models need false.');
  return {
    ch: a.ch, chMult: [...a.ch_mult], numResBlocks: a.num_res_blocks, attnResolutions: [...a.attn_resolutions],
    resolution: a.resolution, zChannels: a.z_channels, inChannels: a.in_channels, outCh: a.out_ch,
    embedDim: a.embed_dim, nEmbed: a.n_embed, resampWithConv: a.resamp_with_conv, quantizer: a.quantizer === 'gumbel' ? 'gumbel' : 'vq2',
  };
}

export function gptConfigFromArchitecture(a: GptArchitecture): GptConfig {
  if (a.n_unmasked) throw new Error(`GPT n_unmasked=${a.n_unmasked} is not supported (no released model uses it).`);
  return { vocabSize: a.vocab_size, blockSize: a.block_size, nLayer: a.n_layer, nHead: a.n_head, nEmbd: a.n_embd };
}

/** Compiles a graph built by `build` with the weights baked in or as feeds; the caller feeds `weightFeeds`. */
class ProgramSet {
  private readonly programs = new Map<string, Promise<Program>>();
  /** int8 linear weights by param name (`linearWeights` 'int8'), made once from the float32 ones. */
  private readonly int8: ReadonlyMap<string, Uint8Array | Float32Array>;

  constructor(private readonly weights: WeightMap, private readonly options: ModelOptions, private readonly bakeByDefault: boolean,
    private readonly linearWeights: 'float32' | 'int8' = 'float32') {
    this.int8 = linearWeights === 'int8' ? int8Feeds(weights) : new Map();
  }

  /** The compiled program `key` (built on first use); `threads` sets its intra-op threads unless the caller's runtime options fix them. */
  get(key: string, build: (g: Graph) => Record<string, Tensor>, threads?: number): Promise<Program> {
    let p = this.programs.get(key);
    if (!p) {
      const g = new Graph();
      g.linearWeights = this.linearWeights;
      const outputs = build(g);
      const bake = this.options.bakeWeights ?? this.bakeByDefault;
      const weights: Record<string, Float32Array | Uint8Array> = {};
      // int8 weights are always baked: MatMulNBits pre-packs constant weights for its int8 kernels, fed ones
      // take a dequantising path measured 4.7× slower than fp32 (24 × 1024 step)
      for (const t of g.params) if (bake || this.int8.has(t.name)) weights[t.name] = this.value(t.name);
      const own = threads !== undefined && this.options.runtime?.intraOpThreads === undefined ? { intraOpThreads: threads } : {};
      p = compile(g, outputs, { ...this.options.runtime, ...own, weights });
      const onProgram = this.options.onProgram;
      if (onProgram) p.then(onProgram, () => undefined);
      this.programs.set(key, p);
      p.catch(() => this.programs.delete(key));
    }
    return p;
  }

  /** Weight feeds a program still expects (none when baked). */
  feedsFor(program: Program): Record<string, Float32Array | Uint8Array> {
    const out: Record<string, Float32Array | Uint8Array> = {};
    for (const io of program.inputs) if (this.weights.has(io.name) || this.int8.has(io.name)) out[io.name] = this.value(io.name);
    return out;
  }

  private value(name: string): Float32Array | Uint8Array {
    return this.int8.get(name) ?? this.tensor(name).data;
  }

  private tensor(name: string): NamedTensor {
    const t = this.weights.get(name);
    if (!t) throw new Error(`Weight "${name}" is missing.`);
    return t;
  }
}

const int64 = (values: ArrayLike<number>): BigInt64Array => {
  const out = new BigInt64Array(values.length);
  for (let k = 0; k < values.length; k++) out[k] = BigInt(values[k]!);
  return out;
};

const toInt32 = (data: ArrayLike<number | bigint>): Int32Array => Int32Array.from(data as ArrayLike<number>, (v) => Number(v));

/** A VQGAN (first stage or VQ condition stage) ready to encode and decode. */
export class VqganModel {
  private readonly programs: ProgramSet;

  constructor(readonly config: VqganConfig, weights: WeightMap, options: ModelOptions = {}, readonly name = 'VQGAN') {
    checkWeights(vqganParameters(config), weights, name);
    this.programs = new ProgramSet(weights, options, true);
  }

  /** Pixel → token factor. */
  get factor(): number {
    return vqganFactor(this.config);
  }

  /** image [B, in_ch, H, W] in [-1, 1] → indices [B, H/f, W/f] (raster order). */
  async encode(image: Float32Array, batch: number, height: number, width: number): Promise<{ indices: Int32Array; height: number; width: number }> {
    const c = this.config;
    const f = this.factor;
    if (image.length !== batch * c.inChannels * height * width) {
      const channels = image.length / (batch * height * width);
      throw new Error(`${this.name} encode: expected ${c.inChannels}-channel input [${batch}, ${c.inChannels}, ${height}, ${width}] ` +
        `(${batch * c.inChannels * height * width} values), got ${image.length} values` +
        (Number.isInteger(channels) ? ` (${channels} channels)` : '') + '.');
    }
    if (height % f !== 0 || width % f !== 0 || height < f || width < f) {
      throw new Error(`${this.name} encode: ${height}x${width} is not a multiple of the model's factor ${f}; ` +
        `crop or pad the input to a multiple of ${f}.`);
    }
    const program = await this.programs.get(`encode:${batch}:${height}:${width}`, (g) => {
      const x = g.input('image', 'float32', [batch, c.inChannels, height, width]); // [B, in, H, W]
      return { indices: vqganEncode(g.scope(), x, c).indices }; // [B, h, w]
    });
    const out = await program.run({ ...this.programs.feedsFor(program), image });
    return { indices: toInt32(out.indices!.data as BigInt64Array), height: height / f, width: width / f };
  }

  /** indices [B, h, w] → image [B, out_ch, h·f, w·f] (before clamping). */
  async decode(indices: ArrayLike<number>, batch: number, h: number, w: number): Promise<Float32Array> {
    const c = this.config;
    if (indices.length !== batch * h * w) {
      throw new Error(`${this.name} decode: expected ${batch}x${h}x${w} indices, got ${indices.length}.`);
    }
    for (let k = 0; k < indices.length; k++) {
      const v = indices[k]!;
      if (!Number.isInteger(v) || v < 0 || v >= c.nEmbed) {
        throw new Error(`${this.name} decode: index ${v} at position ${k} is outside the codebook 0..${c.nEmbed - 1}.`);
      }
    }
    const program = await this.programs.get(`decode:${batch}:${h}:${w}`, (g) => {
      const idx = g.input('indices', 'int64', [batch, h, w]); // [B, h, w]
      return { image: vqganDecode(g.scope(), idx, c) }; // [B, out, H, W]
    });
    const out = await program.run({ ...this.programs.feedsFor(program), indices: int64(indices) });
    return out.image!.data as Float32Array;
  }
}

/** KV cache of a GptModel: per layer keys [B, nh, hs, S] (transposed) and values [B, nh, S, hs], S = block_size. */
export interface GptCache {
  readonly batch: number;
  length: number;
  readonly keys: Float32Array[];
  readonly values: Float32Array[];
  released: boolean;
}

/**
 * Multiply-adds per call below which a token-step program runs on one intra-op thread: its ~100 small ops then
 * cost more in waking a second thread (onnxruntime's pool does not spin, see runtime/session.ts) than they
 * gain. Measured on the 4 × 128 starters (0.9 M MACs a token), 256² at window stride 4 on 2 cores: sampling
 * 0.91–1.18 s on one thread against 1.05–1.27 s on two. A 24 × 1024 step (300 M) keeps every core.
 */
const ONE_THREAD_STEP_MACS = 8e6;

/** taming's minGPT with full-sequence, window, prefill and KV-cache step programs. */
export class GptModel implements TokenModel<GptCache> {
  private readonly programs: ProgramSet;
  private readonly headSize: number;
  /** Multiply-adds of one token through the linears (≈ the parameter count but the embedding tables). */
  private readonly macsPerToken: number;

  constructor(readonly config: GptConfig, weights: WeightMap, options: ModelOptions = {}) {
    validateGptConfig(config);
    checkWeights(gptParameters(config), weights, 'GPT');
    this.programs = new ProgramSet(weights, options, false, options.gptWeights ?? 'float32');
    this.headSize = config.nEmbd / config.nHead;
    this.macsPerToken = config.nLayer * 12 * config.nEmbd * config.nEmbd + config.nEmbd * config.vocabSize;
  }

  get vocabSize(): number { return this.config.vocabSize; }
  get blockSize(): number { return this.config.blockSize; }

  private checkTokens(tokens: ArrayLike<number>, batch: number, length: number, what: string): void {
    if (tokens.length !== batch * length) throw new Error(`GPT ${what}: expected ${batch}x${length} tokens, got ${tokens.length}.`);
    if (length < 1 || length > this.config.blockSize) {
      throw new Error(`GPT ${what}: ${length} tokens do not fit block_size ${this.config.blockSize}.`);
    }
    for (let k = 0; k < tokens.length; k++) {
      const v = tokens[k]!;
      if (!Number.isInteger(v) || v < 0 || v >= this.config.vocabSize) {
        throw new Error(`GPT ${what}: token ${v} at position ${k % length} is outside the vocabulary 0..${this.config.vocabSize - 1}.`);
      }
    }
  }

  /** Full-sequence logits: tokens [B, T] → [B, T, V]. */
  async logits(tokens: ArrayLike<number>, batch: number, length: number): Promise<Float32Array> {
    this.checkTokens(tokens, batch, length, 'logits');
    const c = this.config;
    const program = await this.programs.get(`logits:${batch}:${length}`, (g) => {
      const t = g.input('tokens', 'int64', [batch, length]); // [B, T]
      return { logits: gptLogits(g.scope(), t, c) }; // [B, T, V]
    });
    const out = await program.run({ ...this.programs.feedsFor(program), tokens: int64(tokens) });
    return out.logits!.data as Float32Array;
  }

  /** Logits of position `at` of a full forward (sliding-window sampling): [B, V]. */
  async logitsAt(tokens: Int32Array, batch: number, length: number, at: number): Promise<Float32Array> {
    this.checkTokens(tokens, batch, length, 'window');
    if (!Number.isInteger(at) || at < 0 || at >= length) throw new Error(`GPT window: position ${at} is outside 0..${length - 1}.`);
    const c = this.config;
    const program = await this.programs.get(`window:${batch}:${length}`, (g) => {
      const t = g.input('tokens', 'int64', [batch, length]); // [B, T]
      const a = g.input('at', 'int64', [1]); // [1]
      return { logits: gptLogitsAt(g.scope(), t, a, c) }; // [B, V]
    });
    const out = await program.run({ ...this.programs.feedsFor(program), tokens: int64(tokens), at: int64([at]) });
    return out.logits!.data as Float32Array;
  }

  private emptyCache(batch: number): GptCache {
    const { nLayer, nHead, blockSize } = this.config;
    const size = batch * nHead * this.headSize * blockSize;
    return {
      batch, length: 0, released: false,
      keys: Array.from({ length: nLayer }, () => new Float32Array(size)),
      values: Array.from({ length: nLayer }, () => new Float32Array(size)),
    };
  }

  /** Copies n new positions (keys [B, nh, hs, n], values [B, nh, n, hs]) into the cache at its length. */
  private append(cache: GptCache, keys: Float32Array[], values: Float32Array[], n: number): void {
    const { nHead, blockSize: s } = this.config;
    const hs = this.headSize;
    const p = cache.length;
    for (let l = 0; l < keys.length; l++) {
      const kc = cache.keys[l]!;
      const vc = cache.values[l]!;
      const kn = keys[l]!;
      const vn = values[l]!;
      for (let bh = 0; bh < cache.batch * nHead; bh++) {
        if (n < 16) {
          // a few positions (token steps): element copies; a subarray per row costs more than the copy
          for (let d = 0; d < hs; d++) {
            const from = (bh * hs + d) * n;
            const to = (bh * hs + d) * s + p;
            for (let t = 0; t < n; t++) kc[to + t] = kn[from + t]!;
          }
        } else {
          for (let d = 0; d < hs; d++) kc.set(kn.subarray((bh * hs + d) * n, (bh * hs + d + 1) * n), (bh * hs + d) * s + p);
        }
        vc.set(vn.subarray(bh * n * hs, (bh + 1) * n * hs), (bh * s + p) * hs);
      }
    }
    cache.length = p + n;
  }

  async prefill(tokens: Int32Array, batch: number, length: number): Promise<{ logits: Float32Array; cache: GptCache }> {
    this.checkTokens(tokens, batch, length, 'prefill');
    const c = this.config;
    const program = await this.programs.get(`prefill:${batch}:${length}`, (g) => {
      const t = g.input('tokens', 'int64', [batch, length]); // [B, T]
      const r = gptPrefill(g.scope(), t, c);
      const outs: Record<string, Tensor> = { logits: r.logits }; // [B, V]
      r.keys.forEach((k, l) => { outs[`present_key.${l}`] = k; }); // [B, nh, hs, T]
      r.values.forEach((v, l) => { outs[`present_value.${l}`] = v; }); // [B, nh, T, hs]
      return outs;
    });
    const out = await program.run({ ...this.programs.feedsFor(program), tokens: int64(tokens) });
    const cache = this.emptyCache(batch);
    const range = Array.from({ length: c.nLayer }, (_, l) => l);
    this.append(cache, range.map((l) => out[`present_key.${l}`]!.data as Float32Array),
      range.map((l) => out[`present_value.${l}`]!.data as Float32Array), length);
    return { logits: out.logits!.data as Float32Array, cache };
  }

  async step(cache: GptCache, tokens: Int32Array): Promise<{ logits: Float32Array; cache: GptCache }> {
    return this.extend(cache, tokens, 1);
  }

  /** Append `count` tokens per row ([B, count]) at positions cacheLength … +count-1; logits of the last one. */
  async extend(cache: GptCache, tokens: Int32Array, count: number): Promise<{ logits: Float32Array; cache: GptCache }> {
    if (cache.released) throw new Error('GPT step: this cache was released.');
    const c = this.config;
    const batch = cache.batch;
    const p = cache.length;
    if (p + count > c.blockSize) {
      throw new Error(`GPT step: position ${p + count - 1} is beyond block_size ${c.blockSize}; use the sliding window for longer sequences.`);
    }
    this.checkTokens(tokens, batch, count, 'step');
    const program = await this.programs.get(`step:${batch}:${count}`, (g) => {
      const t = g.input('tokens', 'int64', [batch, count]); // [B, N]
      const pos = g.input('positions', 'int64', [count]); // [N]
      const mask = g.input('past_mask', 'float32', [1, 1, 1, c.blockSize]); // [1, 1, 1, S]
      const hs = this.headSize;
      const pk = Array.from({ length: c.nLayer }, (_, l) => g.input(`past_key.${l}`, 'float32', [batch, c.nHead, hs, c.blockSize]));
      const pv = Array.from({ length: c.nLayer }, (_, l) => g.input(`past_value.${l}`, 'float32', [batch, c.nHead, c.blockSize, hs]));
      const r = gptStep(g.scope(), t, pos, pk, pv, mask, c);
      const outs: Record<string, Tensor> = { logits: r.logits }; // [B, V]
      r.keys.forEach((k, l) => { outs[`new_key.${l}`] = k; }); // [B, nh, hs, N]
      r.values.forEach((v, l) => { outs[`new_value.${l}`] = v; }); // [B, nh, N, hs]
      return outs;
    }, batch * count * this.macsPerToken < ONE_THREAD_STEP_MACS ? 1 : undefined);
    const mask = new Float32Array(c.blockSize);
    for (let k = p; k < c.blockSize; k++) mask[k] = -1e9;
    const feeds: Record<string, Float32Array | Uint8Array | BigInt64Array> = {
      ...this.programs.feedsFor(program), tokens: int64(tokens), positions: int64(Array.from({ length: count }, (_, k) => p + k)),
      past_mask: mask,
    };
    for (let l = 0; l < c.nLayer; l++) {
      feeds[`past_key.${l}`] = cache.keys[l]!;
      feeds[`past_value.${l}`] = cache.values[l]!;
    }
    const out = await program.run(feeds);
    const range = Array.from({ length: c.nLayer }, (_, l) => l);
    this.append(cache, range.map((l) => out[`new_key.${l}`]!.data as Float32Array),
      range.map((l) => out[`new_value.${l}`]!.data as Float32Array), count);
    return { logits: out.logits!.data as Float32Array, cache };
  }

  /** The batch-1 `cache` repeated into `batch` rows (each layer's [1, nh, hs, S] / [1, nh, S, hs] copied B times). */
  repeatCache(cache: GptCache, batch: number): GptCache {
    if (cache.released) throw new Error('GPT repeatCache: this cache was released.');
    if (cache.batch !== 1) throw new Error(`GPT repeatCache: needs a cache of one row, got ${cache.batch}.`);
    const out = this.emptyCache(batch);
    out.length = cache.length;
    for (let l = 0; l < cache.keys.length; l++) {
      for (let b = 0; b < batch; b++) {
        out.keys[l]!.set(cache.keys[l]!, b * cache.keys[l]!.length);
        out.values[l]!.set(cache.values[l]!, b * cache.values[l]!.length);
      }
    }
    this.release(cache);
    return out;
  }

  cacheLength(cache: GptCache): number {
    return cache.length;
  }

  release(cache: GptCache): void {
    cache.released = true;
    cache.keys.length = 0;
    cache.values.length = 0;
  }
}

export type LoadedCondStage =
  | { kind: 'vq'; mode: VqConditionMode; nLabels?: number; model: VqganModel }
  | { kind: 'first_stage' }
  | { kind: 'sos'; token: number }
  | { kind: 'class'; nClasses: number }
  | { kind: 'coord'; nEmbed: number; downFactor: number };

export type LoadedBundle =
  | { kind: 'vqgan'; manifest: BundleManifest; vqgan: VqganModel }
  | {
      kind: 'cond-transformer'; manifest: BundleManifest; firstStage: VqganModel; gpt: GptModel;
      condStage: LoadedCondStage; permutation: Permutation | null;
    };

const PERMUTERS: Record<string, PermuterName> = {
  identity: 'identity', subsample: 'subsample', zcurve: 'zcurve', 'spiral-in': 'spiral_in', 'spiral-out': 'spiral_out',
  random: 'random', 'alternate-parsing': 'alternate',
};

/** Weights under `prefix` (removed from the names). */
export function subWeights(all: WeightMap, prefix: string): Map<string, NamedTensor> {
  const out = new Map<string, NamedTensor>();
  for (const [k, v] of all) if (k.startsWith(prefix)) out.set(k.slice(prefix.length), v);
  return out;
}

/** Load a bundle folder (manifest.json + weights.safetensors, sha256-verified) into runnable models. */
export async function loadBundle(dir: string, options: ModelOptions & { verify?: boolean } = {}): Promise<LoadedBundle> {
  const bundle = await readBundle(dir, { verify: options.verify ?? true });
  const all = new Map<string, NamedTensor>();
  try {
    for (const [name, t] of bundle.weights.tensors) {
      if (t.dtype === 'int64' || t.dtype === 'uint8' || t.dtype === 'bool') continue;
      all.set(name, { shape: [...t.shape], data: bytesToFloat32(t.dtype, await t.read()) });
    }
  } finally {
    await bundle.close();
  }
  const m = bundle.manifest;
  if (m.kind === 'vqgan') {
    if (!m.vqgan) throw new Error(`${dir}: manifest of kind vqgan has no vqgan architecture.`);
    return { kind: 'vqgan', manifest: m, vqgan: new VqganModel(vqganConfigFromArchitecture(m.vqgan), all, options) };
  }
  if (!m.firstStage || !m.transformer || !m.condStage) throw new Error(`${dir}: a cond-transformer manifest needs firstStage, transformer and condStage.`);
  const firstStage = new VqganModel(vqganConfigFromArchitecture(m.firstStage), subWeights(all, 'first_stage_model.'), options, 'first stage');
  const gpt = new GptModel(gptConfigFromArchitecture(m.transformer), subWeights(all, 'transformer.'), options);
  let condStage: LoadedCondStage;
  const cs = m.condStage;
  if (cs.kind === 'vqgan') {
    const mode = m.condition?.mode;
    const vqMode: VqConditionMode = mode === 'segmentation' || mode === 'depth' || mode === 'edge' || mode === 'pose' ? mode : 'image';
    const cfg = vqganConfigFromArchitecture(cs.architecture);
    const stage: CondStageConfig = { kind: 'vq', mode: vqMode, vqgan: cfg, nLabels: m.condition?.n_labels };
    validateCondStage(stage);
    condStage = { kind: 'vq', mode: vqMode, nLabels: m.condition?.n_labels,
      model: new VqganModel(cfg, subWeights(all, 'cond_stage_model.'), options, 'condition stage') };
  } else if (cs.kind === 'first-stage') condStage = { kind: 'first_stage' };
  else if (cs.kind === 'sos') condStage = { kind: 'sos', token: m.sosToken ?? 0 };
  else if (cs.kind === 'class') condStage = { kind: 'class', nClasses: cs.n_classes };
  else condStage = { kind: 'coord', nEmbed: cs.n_embed, downFactor: cs.down_factor };
  let permutation: Permutation | null = null;
  if (m.permuter && m.permuter.kind !== 'identity') {
    const name = PERMUTERS[m.permuter.kind];
    if (!name || m.permuter.H === undefined || m.permuter.W === undefined) {
      throw new Error(`${dir}: permuter ${m.permuter.kind} needs H and W in the manifest.`);
    }
    permutation = makePermutation(name, m.permuter.H, m.permuter.W);
  }
  return { kind: 'cond-transformer', manifest: m, firstStage, gpt, condStage, permutation };
}
