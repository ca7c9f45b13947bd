// Importing a label-map image into the semantic layer, exactly: every pixel must be a palette colour,
// or a grey value that is itself a class id (8-bit label PNGs as datasets store them). Anything else
// is refused with the first offending pixel, never snapped to a "nearest" class silently.

import type { PaletteEntry } from '../document/document-types';

export class LabelMapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabelMapError';
  }
}

/** RGBA pixels [H, W, 4] → class ids [H, W]. */
export function labelsFromRgba(rgba: ArrayLike<number>, width: number, height: number, palette: readonly PaletteEntry[]): Uint16Array {
  const byColor = new Map<number, number>(palette.map((p) => [(p.color[0] << 16) | (p.color[1] << 8) | p.color[2], p.id]));
  const ids = new Set(palette.map((p) => p.id));
  const out = new Uint16Array(width * height);
  for (let i = 0; i < width * height; i++) {
    const r = rgba[i * 4]!;
    const g = rgba[i * 4 + 1]!;
    const b = rgba[i * 4 + 2]!;
    const id = byColor.get((r << 16) | (g << 8) | b);
    if (id !== undefined) out[i] = id;
    else if (r === g && g === b && ids.has(r)) out[i] = r;
    else {
      throw new LabelMapError(`Pixel (${i % width}, ${Math.floor(i / width)}) has colour rgb(${r}, ${g}, ${b}), which is neither a class colour of this model nor a grey class id. Export the map without anti-aliasing, or pick the model it was made for.`);
    }
  }
  return out;
}
