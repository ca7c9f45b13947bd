// The `models` and `conditions` domains of the API (issue 7, the studio) and their payload types
// (re-exported by preload/contract). Types only.

import type { ConditionMode } from './generation-record';

// ───────────────────────────── models ─────────────────────────────

/** One class of a semantic model's palette (id = label value in the condition raster). */
export interface ModelClass {
  id: number;
  name: string;
  /** Display colour, RGB 0..255. */
  color: [number, number, number];
}

/** A generation bundle the app can run, summarised from its manifest. */
export interface ModelSummary {
  /** What `jobs.generate({ model })` takes: the bundle's folder (absolute). */
  id: string;
  /** The manifest's name. */
  name: string;
  /** Where it was found: the library's `models` folder or the app's bundled zoo. */
  source: 'library' | 'zoo';
  /** The condition it is trained on (editor mode terms: semantic, edge, pose, depth, superres, class, unconditional). */
  mode: ConditionMode;
  /** Training size in pixels (one transformer window). */
  width: number;
  height: number;
  /** Pixels per token (output sizes are multiples of it). */
  factor: number;
  /** Semantic models: the palette; null otherwise. */
  classes: ModelClass[] | null;
  /** Class-conditional models: the number of classes; null otherwise. */
  classCount: number | null;
  /** The output size the model is made for (its manifest's `outputSize`), which the studio switches to when the model is picked; null = no preference. */
  outputSize: { width: number; height: number } | null;
  /**
   * The window stride the model recommends (its manifest's `sampling.windowStride`; 1 = taming's rule when it
   * names none): what a sliding-window generation uses unless the request names another.
   */
  windowStride: number;
  /**
   * The temperature the model recommends (its manifest's `sampling.temperature`), which the studio switches to when
   * the model is picked; null = none named (sampled at 1 unless the person sets another).
   */
  temperature: number | null;
  /** sha256 of the weights (hex). */
  sha256: string;
  /** Size of the weights in bytes. */
  bytes: number;
}

export interface ModelListResult {
  models: ModelSummary[];
  /** Folders that look like bundles but could not be read, with the reason (never fatal). */
  problems: { folder: string; reason: string }[];
  /** Where the library's models are looked for (drop a bundle folder here). */
  libraryModelsFolder: string;
}

export interface ModelsApi {
  /** Every runnable transformer bundle: `<library>/models/*` and the bundled zoo. */
  list(): Promise<ModelListResult>;
}

// ───────────────────────────── conditions ─────────────────────────────

export interface EdgesFromImageRequest {
  /** The photo as PNG bytes, base64 (the renderer scales it to the canvas size first). */
  pngBase64: string;
  /** Canny weak / strong thresholds on the gradient magnitude (per-pixel intensity change, 0..1); low ≤ high. */
  low: number;
  high: number;
  /** Gaussian blur σ in pixels (default 1.4; 0 = none). */
  sigma?: number;
  /** Skip Canny: the image already is an edge map (light lines are edges unless `invert`). */
  passThrough?: boolean;
  /** Swap edge and background in the result (dark-on-light drawings). */
  invert?: boolean;
}

export interface EdgesFromImageResult {
  width: number;
  height: number;
  /** One byte per pixel, row-major, base64: 255 = edge, 0 = background (canonical white-on-black). */
  edgesBase64: string;
  /** How many pixels are edges. */
  edgePixels: number;
  durationMs: number;
}

export interface ConditionsApi {
  /** A photo → a canonical edge map (Canny, or pass-through for a ready-made map). */
  edgesFromImage(request: EdgesFromImageRequest): Promise<EdgesFromImageResult>;
}
