// From the studio's document and generate settings to a jobs.generate request. Pure: the PNG encoder
// (a canvas in the renderer, anything in tests) is passed in.

import type { TesseraDocument } from '../document/document-types';
import { rasterizeEdges, serializeDocument } from '../document/document';
import type { LabelRaster } from '../editor/raster/label-raster';
import { rescalePeople, toOpenPoseJson } from '../editor/pose/openpose-json';
import type { GenerateJobRequest, ModelSummary } from '../../preload/contract';
import { requestWindowStride } from './window-stride';

/** Encodes grey values (0..255, one per pixel) as a PNG of `width`×`height` (nearest-scaled), base64. */
export type GreyPngEncoder = (raster: LabelRaster, width: number, height: number) => string;

export interface GenerateOptions {
  encodeGrey: GreyPngEncoder;
  /** Seed actually used (the caller draws a new one unless the seed is locked). */
  seed: number;
}

/** Tokens per image for this output size and model. */
export function tokenCount(doc: TesseraDocument, model: Pick<ModelSummary, 'factor'>): number {
  return Math.ceil(doc.generation.outputWidth / model.factor) * Math.ceil(doc.generation.outputHeight / model.factor);
}

/** What the document must have before this model can run, or null when it is ready. */
export function missingCondition(doc: TesseraDocument, model: ModelSummary): string | null {
  switch (model.mode) {
    case 'pose':
      return doc.pose.people.some((p) => p.keypoints.some((k) => k.visible)) ? null : 'Add a person to the pose first.';
    case 'depth':
    case 'superres':
      return doc.image.image ? null : 'Import the condition image first.';
    default:
      return null;
  }
}

function pngBase64(dataUrl: string): string {
  const m = /^data:image\/png;base64,(.*)$/.exec(dataUrl);
  if (!m) throw new Error('The condition image must be a PNG; import it again.');
  return m[1]!;
}

export function buildGenerateRequest(doc: TesseraDocument, model: ModelSummary, options: GenerateOptions): GenerateJobRequest {
  const g = doc.generation;
  const width = g.outputWidth;
  const height = g.outputHeight;
  const previewEvery = Math.max(1, Math.round(tokenCount(doc, model) / 12));
  const stride = requestWindowStride(model, g, g.windowStride);
  const base: GenerateJobRequest = {
    model: model.id,
    width,
    height,
    seed: options.seed,
    n: g.variations,
    sampler: { temperature: g.temperature, topK: g.topK, topP: g.topP, greedy: g.greedy },
    previewEvery,
    ...(g.gptWeights === 'int8' ? { gptWeights: 'int8' as const } : {}),
    ...(stride !== undefined ? { windowStride: stride } : {}),
    document: serializeDocument({ ...doc, generation: { ...g, seed: options.seed, modelId: model.id } }),
  };
  if (doc.mode === 'completion') {
    if (!doc.image.image) throw new Error('Completion needs an image: use a result or import one.');
    return {
      ...base,
      mode: 'completion',
      init: { kind: 'png', base64: pngBase64(doc.image.image) },
      mask: doc.image.mask ? { kind: 'png', base64: options.encodeGrey({ ...doc.image.mask, data: doc.image.mask.data.map((v) => (v ? 255 : 0)) }, width, height) } : undefined,
    };
  }
  switch (model.mode) {
    case 'semantic':
      return { ...base, condition: { kind: 'labels', width: doc.width, height: doc.height, labels: Array.from(doc.semantic.labels.data) } };
    case 'edge':
      return { ...base, condition: { kind: 'png', base64: options.encodeGrey(rasterizeEdges(doc), doc.width, doc.height) } };
    case 'pose': {
      const people = rescalePeople(doc.pose.people, doc, { width, height });
      return { ...base, condition: { kind: 'openpose', json: toOpenPoseJson(people, { width, height }) as unknown as GenerateJobRequest['document'] & object } };
    }
    case 'depth':
    case 'superres':
      if (!doc.image.image) throw new Error('Import the condition image first.');
      return { ...base, condition: { kind: 'png', base64: pngBase64(doc.image.image) } };
    case 'class':
      return { ...base, classIndex: g.classIndex ?? 0 };
    default:
      return base;
  }
}

/** A fresh uint32 seed. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 0x1_0000_0000) >>> 0;
}
