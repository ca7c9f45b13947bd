// The `conditions` domain of the API: turns what a person imports into a condition the model takes.
// edgesFromImage: photo (PNG, already scaled to the canvas by the renderer) → Canny edge map, or a
// ready-made edge map passed through; always canonical white edges on black.

import { PNG } from 'pngjs';
import { canny, rgbToGrey } from '../../native-models/training/data/canny';
import type { ConditionsApi, EdgesFromImageRequest, EdgesFromImageResult } from '../../preload/studio-types';
import { checkPngBeforeDecode } from '../gallery/png-record';
import { PayloadError, boolean, number, object, optional, string } from '../services/validate';
import type { Schema } from '../services/validate';

/** At most 4096 × 4096 pixels of photo per call. */
const MAX_PIXELS = 4096 * 4096;
const MAX_BASE64 = 96 * 1024 * 1024;

export function edgesFromImage(request: EdgesFromImageRequest): EdgesFromImageResult {
  const started = performance.now();
  if (request.low > request.high) throw new Error(`The low threshold (${request.low}) must not be above the high one (${request.high}).`);
  const bytes = Buffer.from(request.pngBase64, 'base64');
  checkPngBeforeDecode(bytes, 'The image', MAX_PIXELS);
  let png: PNG;
  try {
    png = PNG.sync.read(bytes);
  } catch (err) {
    throw new Error(`The image is not a readable PNG (${(err as Error).message}); export it as PNG and try again.`, { cause: err });
  }
  const { width, height } = png;
  if (width * height > MAX_PIXELS) throw new Error(`The image is ${width}×${height}; scale it to at most 4096×4096 pixels first.`);
  const rgba = new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length); // [H, W, 4]
  const grey = rgbToGrey(rgba, width, height, 4); // [H, W] in [0, 1]
  const out = new Uint8Array(width * height); // [H, W], 255 = edge
  if (request.passThrough) {
    for (let i = 0; i < out.length; i++) out[i] = grey[i]! >= 0.5 ? 255 : 0;
  } else {
    const { edges } = canny(grey, width, height, { low: request.low, high: request.high, sigma: request.sigma });
    for (let i = 0; i < out.length; i++) out[i] = edges[i] ? 255 : 0;
  }
  let edgePixels = 0;
  for (let i = 0; i < out.length; i++) {
    if (request.invert) out[i] = 255 - out[i]!;
    if (out[i]) edgePixels++;
  }
  return {
    width,
    height,
    edgesBase64: Buffer.from(out.buffer, out.byteOffset, out.length).toString('base64'),
    edgePixels,
    durationMs: Math.round((performance.now() - started) * 10) / 10,
  };
}

export function createConditionsDomain(): ConditionsApi {
  return {
    edgesFromImage: async (request) => edgesFromImage(request),
  };
}

const threshold = number({ min: 0, max: 1 });
const edgesSchema = object({
  pngBase64: string({ minLength: 1, maxLength: MAX_BASE64, check: (s) => (/^[A-Za-z0-9+/=\s]*$/.test(s) ? null : 'base64 text') }),
  low: threshold,
  high: threshold,
  sigma: optional(number({ min: 0, max: 10 })),
  passThrough: optional(boolean()),
  invert: optional(boolean()),
});

export const conditionsSchemas = {
  edgesFromImage: {
    expected: edgesSchema.expected,
    parse(value: unknown, at = 'params') {
      const v = edgesSchema.parse(value, at);
      if (v.low > v.high) throw new PayloadError(`${at}.low`, `at most high (${v.high})`, v.low);
      return v;
    },
  } as Schema<EdgesFromImageRequest>,
};
