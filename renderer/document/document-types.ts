// The Tessera document: the editor's source of truth (fabric.js only draws it). It is stored with
// every result (in the PNG's generation record and the gallery) and autosaved, so it is versioned:
// `schema` names the last migration applied (see migrations.ts).
//
// Conventions
// - Canvas coordinates: x right, y down, in pixels of the condition (width × height); pixel (x, y)
//   covers [x, x+1) × [y, y+1).
// - Semantic: `labels` holds one class id per pixel (COCO-Stuff ids for S-FLCKR); `palette` names
//   and colours them. What is shown is exactly what the model gets.
// - Edge polarity (canonical, one for all): WHITE EDGES ON BLACK — 255 = edge, 0 = background,
//   as ControlNet 1.1 standardised. Imports of dark-on-light sketches are inverted on the way in.
// - Mask (completion / masked resampling): 1 = regenerate this pixel, 0 = keep.
// - Pose: COCO-18 keypoints per person; a hidden joint keeps its position (so un-hiding restores
//   it) but is not drawn and its limbs disappear.

import type { ConditionMode } from '../../native-models/condition-modes';
import type { LabelRaster } from '../editor/raster/label-raster';

/** The document's mode is one of the app's condition modes (native-models/condition-modes.ts). */
export type EditorMode = ConditionMode;

export interface PaletteEntry {
  id: number;
  name: string;
  /** Display colour, RGB 0..255. */
  color: [number, number, number];
}

export interface SemanticLayer {
  labels: LabelRaster;
  /** The palette the ids refer to (from the model bundle); null until a model is chosen. */
  palette: PaletteEntry[] | null;
  /** The eraser's class. */
  background: number;
}

export interface EdgeStroke {
  tool: 'pen' | 'eraser';
  /** Brush diameter in pixels. */
  size: number;
  points: { x: number; y: number }[];
}

export interface EdgeLayer {
  /** Imported edge map (0 / 255, white edges on black) or null for a blank start. */
  base: LabelRaster | null;
  /** Strokes drawn on top of `base`, in order. */
  strokes: EdgeStroke[];
}

export interface Keypoint {
  x: number;
  y: number;
  visible: boolean;
}

export interface PosePerson {
  id: string;
  /** 18 COCO keypoints in OpenPose order (see editor/pose/coco18.ts). */
  keypoints: Keypoint[];
}

export interface PoseLayer {
  people: PosePerson[];
}

export interface ImageLayer {
  /** Condition image for depth / super-resolution / completion, as a PNG data URL, or null. */
  image: string | null;
  /** Completion mask: 1 = regenerate, 0 = keep; null = no mask. */
  mask: LabelRaster | null;
}

export interface GenerationSettings {
  modelId: string | null;
  seed: number;
  /** Keep the seed between runs instead of drawing a new one. */
  seedLocked: boolean;
  temperature: number;
  topK: number | null;
  topP: number | null;
  greedy: boolean;
  /** Images per click; variation i uses seed + i. */
  variations: number;
  /** Output size; larger than the model's window uses the sliding window. */
  outputWidth: number;
  outputHeight: number;
  /** For class-conditional models. */
  classIndex: number | null;
  /** The transformer's weights: float32 (exact) or int8 (weight-only; faster token steps on large models). */
  gptWeights: 'float32' | 'int8';
  /**
   * Sliding window only: S × S targets share one window (1 = taming's rule, slowest); null = the model's own
   * (its manifest's recommendation, ModelSummary.windowStride).
   */
  windowStride: number | null;
}

export interface TesseraDocument {
  format: 'tessera.document';
  /** Id of the last migration applied, e.g. '0004-window-stride'. */
  schema: string;
  mode: EditorMode;
  width: number;
  height: number;
  semantic: SemanticLayer;
  edge: EdgeLayer;
  pose: PoseLayer;
  image: ImageLayer;
  generation: GenerationSettings;
}
