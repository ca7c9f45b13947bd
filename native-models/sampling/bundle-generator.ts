/**
 * A Tessera model bundle (formats/bundle.ts) → what generate() runs: the GPT as a TokenModel, the first-stage
 * VQGAN's decode/encode programs, the condition stage, the sampling window and the palette.
 *
 * Window: the transformer was trained on the first stage's latent grid at its training resolution
 * (resolution / factor, 16 × 16 for every released model); the condition length is that grid's size for VQ
 * condition stages (their map is given at grid × the condition VQGAN's factor pixels) and 1 for SOS/class. Checked against block_size (cond + window − 1 ≤ block_size).
 */
import { conditionModeOfManifest, isVqConditioned, type VqConditionedMode } from '../condition-modes';
import * as os from 'node:os';
import { readManifest } from '../formats/bundle';
import type { BundleManifest, VqganArchitecture } from '../formats/bundle';
import { loadBundle } from '../models/load';
import type { VqganModel } from '../models/load';
import type { ProviderName } from '../runtime/session';
import type { ConditionStage, GeneratorModels } from './generate';
import type { GridShape } from './window';

export interface BundleGenerator {
  models: GeneratorModels;
  id: string;
  sha256: string;
  name?: string;
  executionProvider: string;
  device?: string;
  palette?: ReadonlyArray<readonly [number, number, number]>;
  classNames?: readonly string[];
  /** The manifest's `outputSize`: the size the model is made to generate at, when it says. */
  outputSize?: { width: number; height: number };
  /**
   * The provider the sessions compiled so far actually run on (onnxruntime sessions fall back to CPU with a
   * reason when the requested provider cannot load); null before the first program is compiled. Loaders of
   * tests may leave it out: callers then record `executionProvider`.
   */
  sessionProvider?(): SessionProviderInfo | null;
  dispose?(): Promise<void> | void;
}

export interface SessionProviderInfo {
  /** 'cpu', 'cuda', …; several providers (some programs fell back, others did not) are joined with '+'. */
  provider: string;
  /** Why the requested provider was not used (the session layer's reason); null when it was. */
  fallbackReason: string | null;
  /** Human-readable device when known (the CPU's description when it runs on the CPU). */
  device?: string;
}

/** Collects the provider (and fallback reason) of every program a loaded bundle compiles. */
export class SessionProviders {
  private readonly used = new Set<string>();
  private reason: string | null = null;

  record(program: { provider: string; fallbackReason: string | null }): void {
    this.used.add(program.provider);
    this.reason ??= program.fallbackReason;
  }

  info(): SessionProviderInfo | null {
    if (this.used.size === 0) return null;
    const provider = [...this.used].sort().join('+');
    return { provider, fallbackReason: this.reason, ...(provider === 'cpu' ? { device: cpuDevice() } : {}) };
  }
}

function cpuDevice(): string {
  const cpus = os.cpus();
  return `CPU (${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown'})`;
}

export interface BundleLoadOptions {
  /** onnxruntime execution provider ('cpu', 'cuda', 'auto', …). */
  provider?: string;
  /** The transformer's linear weights: float32 (default) or int8 weight-only (models/int8-weights.ts). */
  gptWeights?: 'float32' | 'int8';
}

export function vqFactor(a: VqganArchitecture): number {
  return 2 ** (a.ch_mult.length - 1);
}

/** Sampling geometry of a transformer bundle; throws a clear error for bundles generate() cannot run. */
export function bundleGeometry(m: BundleManifest): { factor: number; window: GridShape; condLength: number; mode: ConditionStage['kind'] | string } {
  if (m.kind !== 'cond-transformer' || !m.firstStage || !m.transformer || !m.condStage) {
    throw new Error(`${m.name} is a ${m.kind} bundle; generation needs a transformer bundle (first stage + GPT + condition stage).`);
  }
  const factor = vqFactor(m.firstStage);
  const side = m.firstStage.resolution / factor;
  if (!Number.isInteger(side) || side < 1) throw new Error(`${m.name}: first-stage resolution ${m.firstStage.resolution} is not a multiple of its factor ${factor}.`);
  const window = { h: side, w: side };
  let condLength: number;
  switch (m.condStage.kind) {
    case 'sos':
    case 'class':
      condLength = 1;
      break;
    case 'vqgan':
    case 'first-stage':
      // c-tokens on the same token grid as z (the condition map is scaled by the condition stage's own factor).
      condLength = side * side;
      break;
    case 'coord':
      throw new Error(`${m.name}: coordinate-conditioned models (FacesHQ CoordStage) are not supported for generation.`);
  }
  if (condLength + side * side - 1 > m.transformer.block_size) {
    throw new Error(`${m.name}: a ${side}×${side} window with ${condLength} condition tokens needs block size ≥ ${condLength + side * side - 1}, the GPT has ${m.transformer.block_size}.`);
  }
  return { factor, window, condLength, mode: m.condStage.kind };
}

/** The code an all-grey image encodes to most often (shown for not-yet-sampled tokens in previews). */
async function greyCode(first: VqganModel, window: GridShape, factor: number): Promise<number> {
  const h = window.h * factor;
  const w = window.w * factor;
  const { indices } = await first.encode(new Float32Array(first.config.inChannels * h * w), 1, h, w); // mid-grey = 0 in [-1, 1]
  const counts = new Map<number, number>();
  let best = 0;
  let bestCount = 0;
  for (const v of indices) {
    const c = (counts.get(v) ?? 0) + 1;
    counts.set(v, c);
    if (c > bestCount) {
      best = v;
      bestCount = c;
    }
  }
  return best;
}

export async function loadBundleGenerator(dir: string, options: BundleLoadOptions = {}): Promise<BundleGenerator> {
  const manifest = await readManifest(dir);
  const { factor, window } = bundleGeometry(manifest);
  if (manifest.permuter && manifest.permuter.kind !== 'identity') {
    throw new Error(`${manifest.name}: models with a ${manifest.permuter.kind} permuter cannot be sampled here (every released model uses identity).`);
  }
  const provider = (options.provider ?? 'cpu') as ProviderName | 'auto';
  // Baked weights are fastest (ORT pre-packs them) but every program shape holds its own copy: bake only models
  // small enough that the ~25 shapes a sliding-window run compiles stay well inside memory.
  const t = manifest.transformer!;
  const gptParams = t.n_layer * 12 * t.n_embd * t.n_embd + (t.vocab_size * 2 + t.block_size) * t.n_embd;
  const sessions = new SessionProviders();
  const loaded = await loadBundle(dir, { runtime: { provider }, bakeWeights: gptParams <= 30_000_000, gptWeights: options.gptWeights ?? 'float32', onProgram: (p) => sessions.record(p) });
  if (loaded.kind !== 'cond-transformer') throw new Error(`${manifest.name} is a VQGAN bundle; generation needs a transformer bundle.`);
  const { firstStage, gpt, condStage: cs } = loaded;
  let condition: ConditionStage;
  const vqStage = (mode: VqConditionedMode, model: VqganModel, numClasses?: number): ConditionStage => ({
    kind: 'vq',
    mode,
    channels: model.config.inChannels,
    factor: model.factor,
    numClasses,
    encode: async (input, height, width) => (await model.encode(input, 1, height, width)).indices,
  });
  switch (cs.kind) {
    case 'sos':
      condition = { kind: 'sos', token: cs.token };
      break;
    case 'class':
      condition = { kind: 'class', numClasses: cs.nClasses };
      break;
    case 'first_stage':
      condition = vqStage('superres', firstStage);
      break;
    case 'vq': {
      const mode = conditionModeOfManifest(cs.mode);
      if (!isVqConditioned(mode)) throw new Error(`${manifest.name}: a ${cs.mode} condition has no condition VQGAN to encode it.`);
      condition = vqStage(mode, cs.model, cs.mode === 'segmentation' ? (cs.nLabels ?? cs.model.config.inChannels) : undefined);
      break;
    }
    case 'coord':
      throw new Error(`${manifest.name}: coordinate-conditioned models are not supported for generation.`);
  }
  let neutral: Promise<number> | null = null;
  const models: GeneratorModels = {
    gpt,
    window,
    factor,
    condition,
    decode: (tokens, batch, h, w) => firstStage.decode(tokens, batch, h, w),
    encodeImage: async (image, height, width) => (await firstStage.encode(image, 1, height, width)).indices,
    neutralCode: () => (neutral ??= greyCode(firstStage, window, factor)),
    ...(manifest.sampling?.windowStride !== undefined ? { windowStride: manifest.sampling.windowStride } : {}),
    ...(manifest.sampling?.temperature !== undefined ? { temperature: manifest.sampling.temperature } : {}),
  };
  return {
    models,
    id: manifest.name,
    sha256: manifest.weights.sha256,
    name: manifest.name,
    executionProvider: provider === 'auto' ? 'auto' : provider,
    device: provider === 'cpu' ? cpuDevice() : undefined,
    palette: manifest.palette?.colors.map((c) => [c[0], c[1], c[2]] as const),
    classNames: manifest.palette?.names,
    ...(manifest.outputSize ? { outputSize: { width: manifest.outputSize.width, height: manifest.outputSize.height } } : {}),
    sessionProvider: () => sessions.info(),
  };
}
