/**
 * The one vocabulary of condition modes: what a model is conditioned on, as the app, the API, the CLI, the
 * generation records, the editor and the library all name it. One table gives each mode its condition (what the
 * request carries and how it is rasterised), the condition stage a bundle of that mode has, the modes a bundle
 * manifest spells for it (taming's names: `segmentation`, `image`), the training data a folder fine-tune needs,
 * and its UI label.
 *
 * No imports, data only: the renderer and preload/contract read it as well (the one exception to their import
 * rules, see ARCHITECTURE.md).
 */

export const CONDITION_MODES = ['semantic', 'edge', 'pose', 'depth', 'superres', 'completion', 'class', 'unconditional'] as const;

/** The condition a model is trained on; `unconditional` and `class` need no sketch. */
export type ConditionMode = (typeof CONDITION_MODES)[number];

/** How a bundle manifest spells its condition (`manifest.condition.mode`; taming's naming). */
export const MANIFEST_CONDITION_MODES = ['segmentation', 'depth', 'edge', 'pose', 'class', 'unconditional', 'coord', 'image'] as const;
export type ManifestConditionMode = (typeof MANIFEST_CONDITION_MODES)[number];

/** What a folder of training pictures must carry (native-models/training/data): nothing, Canny edges, label maps, poses. */
export type TrainingDataMode = 'none' | 'edges' | 'semantic' | 'pose';

export interface ConditionModeSpec {
  /** Shown in the studio's mode picker. */
  label: string;
  /**
   * What a request carries: a label raster (exact, one-hot for the condition VQGAN), an edge map, an OpenPose
   * skeleton (rendered in OpenPose colours), an image (depth map, low-resolution picture, or the picture to
   * complete with its mask), a class index, or nothing.
   */
  condition: 'labels' | 'edges' | 'pose' | 'image' | 'image+mask' | 'class' | 'none';
  /** The condition stage of a bundle in this mode: a condition VQGAN, a class embedding, or taming's SOS token. */
  stage: 'vqgan' | 'class' | 'sos';
  /** The manifest's spelling of this mode; null: no bundle is made for it (completion uses an unconditional or class model). */
  manifest: ManifestConditionMode | null;
  /** The data a folder fine-tune reads for it; null: it cannot be fine-tuned from a folder of pictures. */
  trainingData: TrainingDataMode | null;
}

export const CONDITION_MODE_TABLE: Readonly<Record<ConditionMode, ConditionModeSpec>> = {
  semantic: { label: 'Semantic', condition: 'labels', stage: 'vqgan', manifest: 'segmentation', trainingData: 'semantic' },
  edge: { label: 'Edges', condition: 'edges', stage: 'vqgan', manifest: 'edge', trainingData: 'edges' },
  pose: { label: 'Pose', condition: 'pose', stage: 'vqgan', manifest: 'pose', trainingData: 'pose' },
  depth: { label: 'Depth', condition: 'image', stage: 'vqgan', manifest: 'depth', trainingData: null },
  superres: { label: 'Super-res', condition: 'image', stage: 'vqgan', manifest: 'image', trainingData: null },
  completion: { label: 'Completion', condition: 'image+mask', stage: 'sos', manifest: null, trainingData: null },
  class: { label: 'Class', condition: 'class', stage: 'class', manifest: 'class', trainingData: null },
  unconditional: { label: 'Unconditional', condition: 'none', stage: 'sos', manifest: 'unconditional', trainingData: 'none' },
};

/** The modes whose condition stage is a condition VQGAN (their condition is encoded to c-tokens). */
export type VqConditionedMode = Extract<ConditionMode, 'semantic' | 'edge' | 'pose' | 'depth' | 'superres'>;

export function isVqConditioned(mode: ConditionMode): mode is VqConditionedMode {
  return CONDITION_MODE_TABLE[mode].stage === 'vqgan';
}

/** The app's mode for a manifest's condition mode (`coord`, which the app does not generate with, reads as unconditional). */
export function conditionModeOfManifest(mode: ManifestConditionMode | undefined): ConditionMode {
  const found = CONDITION_MODES.find((m) => CONDITION_MODE_TABLE[m].manifest === mode);
  return found ?? 'unconditional';
}

/** The app's mode for a training data mode. */
export function conditionModeOfTrainingData(data: TrainingDataMode): ConditionMode {
  const found = CONDITION_MODES.find((m) => CONDITION_MODE_TABLE[m].trainingData === data);
  if (found === undefined) throw new Error(`no condition mode trains on ${data} data`);
  return found;
}
