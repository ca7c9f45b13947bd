/**
 * A Tessera model bundle (formats/bundle.ts) → what generate() runs: the GPT as a TokenModel, the first-stage
 * VQGAN's decode/encode programs, the condition stage, the sampling window and the palette.
 *
 * Window: the transformer was trained on the first stage's latent grid at its training resolution
 * (resolution / factor, 16 × 16 for every released model); the condition length is that grid's size for VQ
 * condition stages and 1 for SOS/class. Checked against block_size (cond + window − 1 ≤ block_size).
 */
import { readManifest } from '../formats/bundle';
import type { BundleManifest, VqganArchitecture } from '../formats/bundle';
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
  dispose?(): Promise<void> | void;
}

export interface BundleLoadOptions {
  /** onnxruntime execution provider ('cpu', 'cuda', 'auto', …). */
  provider?: string;
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
    case 'first-stage': {
      const cf = m.condStage.kind === 'vqgan' ? vqFactor(m.condStage.architecture) : factor;
      if (cf !== factor) throw new Error(`${m.name}: condition factor ${cf} differs from the image factor ${factor}; the sliding window needs both on one grid.`);
      condLength = side * side;
      break;
    }
    case 'coord':
      throw new Error(`${m.name}: coordinate-conditioned models (FacesHQ CoordStage) are not supported for generation.`);
  }
  if (condLength + side * side - 1 > m.transformer.block_size) {
    throw new Error(`${m.name}: a ${side}×${side} window with ${condLength} condition tokens needs block size ≥ ${condLength + side * side - 1}, the GPT has ${m.transformer.block_size}.`);
  }
  return { factor, window, condLength, mode: m.condStage.kind };
}

export async function loadBundleGenerator(dir: string, _options: BundleLoadOptions = {}): Promise<BundleGenerator> {
  const manifest = await readManifest(dir);
  bundleGeometry(manifest);
  throw new Error(`${manifest.name}: the GPT/VQGAN inference programs are not available in this build yet.`);
}
