import type { LabelRaster } from '../../../../renderer/editor/raster/label-raster';
import { createLabelRaster } from '../../../../renderer/editor/raster/label-raster';

/** Rows of the raster: '.' for 0, the id's digit (or letter from 10) otherwise. */
export function ascii(r: LabelRaster): string[] {
  const rows: string[] = [];
  for (let y = 0; y < r.height; y++) {
    let row = '';
    for (let x = 0; x < r.width; x++) {
      const v = r.data[y * r.width + x]!;
      row += v === 0 ? '.' : v.toString(36);
    }
    rows.push(row);
  }
  return rows;
}

/** The inverse of ascii(): build a raster from rows. */
export function fromAscii(rows: string[]): LabelRaster {
  const r = createLabelRaster(rows[0]!.length, rows.length);
  rows.forEach((row, y) => [...row].forEach((c, x) => { r.data[y * r.width + x] = c === '.' ? 0 : parseInt(c, 36); }));
  return r;
}
