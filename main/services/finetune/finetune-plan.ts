/**
 * What a base bundle can be fine-tuned as, read from its manifest alone: the training data mode (the condition
 * the images must carry), the training crop size finetune() will choose (the largest multiple of the token
 * alignment whose c + z sequence fits the transformer's block; a VQGAN's training resolution), the stages
 * it offers, and the sampling canvas (the transformer's window in pixels) used by compare.
 */
import { readManifest, type BundleManifest } from '../../../native-models/formats/bundle';
import type { ConditionMode as DataMode } from '../../../native-models/training/data/scan';
import type { ConditionMode } from '../../../preload/generation-record';
import type { FinetuneStage } from '../../../preload/finetune-types';

export interface FinetunePlan {
  manifest: BundleManifest;
  /** Training data mode (native-models/training/data). */
  dataMode: DataMode;
  /** The same as the app's condition mode. */
  mode: ConditionMode;
  /** Training crop side in pixels. */
  cropSize: number;
  stages: FinetuneStage[];
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

export function dataModeOf(m: BundleManifest): DataMode {
  if (m.kind === 'vqgan') return 'none';
  const cs = m.condStage!;
  if (cs.kind === 'sos') return 'none';
  if (cs.kind === 'vqgan') {
    const mode = m.condition?.mode;
    if (mode === 'segmentation') return 'semantic';
    if (mode === 'edge') return 'edges';
    if (mode === 'pose') return 'pose';
    throw new Error(`${m.name}: ${mode ?? 'this'}-conditioned models cannot be fine-tuned from a folder of images (the condition is not in the images).`);
  }
  throw new Error(`${m.name}: ${cs.kind}-conditioned models cannot be fine-tuned from a folder of images (the condition is not in the images).`);
}

const APP_MODE: Record<DataMode, ConditionMode> = { none: 'unconditional', semantic: 'semantic', edges: 'edge', pose: 'pose' };

export function planFromManifest(m: BundleManifest): FinetunePlan {
  const dataMode = dataModeOf(m);
  const fs = m.kind === 'vqgan' ? m.vqgan! : m.firstStage!;
  const fz = 2 ** (fs.ch_mult.length - 1);
  const condArch = m.kind === 'cond-transformer' && m.condStage!.kind === 'vqgan' ? m.condStage!.architecture : null;
  const fc = condArch ? 2 ** (condArch.ch_mult.length - 1) : 1;
  const align = (fz * fc) / gcd(fz, fc);
  let cropSize = fs.resolution;
  if (m.kind !== 'vqgan') {
    const block = m.transformer!.block_size;
    const fits = (x: number): boolean => (x / fz) ** 2 + (condArch ? (x / fc) ** 2 : 1) - 1 <= block;
    if (!fits(align)) throw new Error(`${m.name}: even a ${align}-pixel crop does not fit the transformer's block size ${block}.`);
    cropSize = align;
    while (fits(cropSize + align)) cropSize += align;
  }
  return { manifest: m, dataMode, mode: APP_MODE[dataMode], cropSize, stages: m.kind === 'vqgan' ? ['vqgan'] : ['transformer', 'vqgan', 'both'] };
}

/** Reads `dir`'s manifest; a folder that is not a bundle is refused with what to do. */
export async function planForBundle(dir: string): Promise<FinetunePlan> {
  let m: BundleManifest;
  try {
    m = await readManifest(dir);
  } catch (e) {
    throw new Error(`The base model ${dir} is not a readable model bundle (${(e as Error).message.split('\n')[0]}); choose a model from the Models page.`, { cause: e });
  }
  return planFromManifest(m);
}
