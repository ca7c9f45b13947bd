/**
 * The plan of a fine-tune, made once from the base bundle's manifest: the training data mode (the condition the
 * images must carry), the token alignment of a crop, the default crop size (the largest multiple of the alignment
 * whose c + z sequence fits the transformer's block; a VQGAN's training resolution) and the stages the bundle
 * offers. finetune() trains by it; the app's scan, estimate, start and compare read the same plan.
 */
import { readManifest, type BundleManifest } from '../formats/bundle';
import type { TrainingDataMode } from './data/scan';

export type FinetuneStage = 'transformer' | 'vqgan' | 'both';

/** taming's base_learning_rate in every shipped config; lr = batch × base (scaledLr). */
export const FINETUNE_BASE_LR = 4.5e-6;
export const FINETUNE_DEFAULT_BATCH = 4;

export interface FinetunePlan {
  manifest: BundleManifest;
  /** The condition the training images carry (native-models/training/data). */
  dataMode: TrainingDataMode;
  /** Crop sides must be multiples of this (both stages' downsampling factors). */
  align: number;
  /** Default training crop side in pixels. */
  cropSize: number;
  stages: FinetuneStage[];
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

function dataModeOf(m: BundleManifest): TrainingDataMode {
  if (m.kind === 'vqgan') return 'none';
  const cs = m.condStage!;
  if (cs.kind === 'sos') return 'none';
  const notInImages = (what: string): Error =>
    new Error(`${m.name}: ${what}-conditioned models cannot be fine-tuned from a folder of images (the condition is not in the images).`);
  if (cs.kind !== 'vqgan') throw notInImages(cs.kind);
  const mode = m.condition?.mode;
  if (mode === 'segmentation') return 'semantic';
  if (mode === 'edge') return 'edges';
  if (mode === 'pose') return 'pose';
  throw notInImages(mode ?? 'this');
}

export function planFinetune(m: BundleManifest): FinetunePlan {
  const dataMode = dataModeOf(m);
  const firstStage = m.kind === 'vqgan' ? m.vqgan! : m.firstStage!;
  const fz = 2 ** (firstStage.ch_mult.length - 1);
  const condArch = m.kind === 'cond-transformer' && m.condStage!.kind === 'vqgan' ? m.condStage!.architecture : null;
  const fc = condArch ? 2 ** (condArch.ch_mult.length - 1) : 1;
  const align = (fz * fc) / gcd(fz, fc);
  let cropSize = firstStage.resolution;
  if (m.kind !== 'vqgan') {
    const block = m.transformer!.block_size;
    const fits = (x: number): boolean => (x / fz) ** 2 + (condArch ? (x / fc) ** 2 : 1) - 1 <= block;
    if (!fits(align)) throw new Error(`${m.name}: even a ${align}-pixel crop does not fit the transformer's block size ${block}.`);
    cropSize = align;
    while (fits(cropSize + align)) cropSize += align;
  }
  return { manifest: m, dataMode, align, cropSize, stages: m.kind === 'vqgan' ? ['vqgan'] : ['transformer', 'vqgan', 'both'] };
}

/** Reads `dir`'s manifest and plans; a folder that is not a bundle is refused with what to do. */
export async function planFinetuneBundle(dir: string): Promise<FinetunePlan> {
  let m: BundleManifest;
  try {
    m = await readManifest(dir);
  } catch (e) {
    throw new Error(`The base model ${dir} is not a readable model bundle (${(e as Error).message.split('\n')[0]}); choose a model from the Models page.`, { cause: e });
  }
  return planFinetune(m);
}
