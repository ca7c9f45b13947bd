// Between label rasters and colour pixels, exactly. The view draws `labelsToRgba` (what is shown is
// what the model gets); importing a label-map PNG goes through `labelsFromRgba`, which never
// invents a class: every pixel becomes the palette entry of its exact colour, or — for anti-
// aliased or re-compressed maps — the nearest palette colour, and the count of such snapped pixels
// is reported. Grey-index maps (r = g = b = class id, as DeepLab/COCO-Stuff tools write them) are
// read as ids directly.

import type { PaletteEntry } from '../../document/document-types';
import type { LabelRaster } from './label-raster';
import { createLabelRaster } from './label-raster';

/** RGBA pixels (Uint8ClampedArray for ImageData) of the label raster; unknown ids are magenta. */
export function labelsToRgba(r: LabelRaster, palette: readonly PaletteEntry[], alpha = 255): Uint8ClampedArray<ArrayBuffer> {
  const lut = new Map(palette.map((p) => [p.id, p.color] as const));
  const out = new Uint8ClampedArray(r.width * r.height * 4);
  for (let i = 0; i < r.data.length; i++) {
    const c = lut.get(r.data[i]!) ?? [255, 0, 255];
    out[i * 4] = c[0];
    out[i * 4 + 1] = c[1];
    out[i * 4 + 2] = c[2];
    out[i * 4 + 3] = alpha;
  }
  return out;
}

export interface LabelImport {
  labels: LabelRaster;
  /** How the pixels were read. */
  interpretation: 'palette-colours' | 'grey-ids';
  /** Pixels whose colour was not exactly a palette colour and were snapped to the nearest. */
  snapped: number;
}

/** Read an RGBA label map (e.g. a decoded PNG) into class ids of `palette`. */
export function labelsFromRgba(rgba: ArrayLike<number>, width: number, height: number, palette: readonly PaletteEntry[]): LabelImport {
  if (rgba.length !== width * height * 4) throw new Error(`RGBA data has ${rgba.length} bytes; ${width}x${height} needs ${width * height * 4}.`);
  if (palette.length === 0) throw new Error('Choose a model first: importing a label map needs its class palette.');
  const ids = new Set(palette.map((p) => p.id));
  const wide = palette.some((p) => p.id > 255);
  const labels = createLabelRaster(width, height, 0, wide ? 16 : 8);
  const n = width * height;

  // Grey-index map: every pixel grey and every grey level a class id of the palette.
  let grey = true;
  for (let i = 0; i < n && grey; i++) {
    const r = rgba[i * 4]!;
    grey = r === rgba[i * 4 + 1] && r === rgba[i * 4 + 2] && ids.has(r);
  }
  const exactColours = new Map(palette.map((p) => [(p.color[0] << 16) | (p.color[1] << 8) | p.color[2], p.id] as const));
  // A grey map whose levels are also palette colours is ambiguous; prefer colours when all match.
  if (grey) {
    let allColours = true;
    for (let i = 0; i < n && allColours; i++) allColours = exactColours.has((rgba[i * 4]! << 16) | (rgba[i * 4 + 1]! << 8) | rgba[i * 4 + 2]!);
    if (!allColours) {
      for (let i = 0; i < n; i++) labels.data[i] = rgba[i * 4]!;
      return { labels, interpretation: 'grey-ids', snapped: 0 };
    }
  }

  let snapped = 0;
  const nearestCache = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const key = (rgba[i * 4]! << 16) | (rgba[i * 4 + 1]! << 8) | rgba[i * 4 + 2]!;
    let id = exactColours.get(key);
    if (id === undefined) {
      snapped++;
      id = nearestCache.get(key);
      if (id === undefined) {
        let best = Infinity;
        for (const p of palette) {
          const d = (p.color[0] - rgba[i * 4]!) ** 2 + (p.color[1] - rgba[i * 4 + 1]!) ** 2 + (p.color[2] - rgba[i * 4 + 2]!) ** 2;
          if (d < best) {
            best = d;
            id = p.id;
          }
        }
        nearestCache.set(key, id!);
      }
    }
    labels.data[i] = id!;
  }
  return { labels, interpretation: 'palette-colours', snapped };
}
