import { describe, expect, it } from 'vitest';
import { labelsFromRgba, labelsToRgba } from '../../../../renderer/editor/raster/label-colors';
import type { PaletteEntry } from '../../../../renderer/document/document-types';
import { fromAscii } from './ascii';

const palette: PaletteEntry[] = [
  { id: 1, name: 'sky', color: [100, 150, 250] },
  { id: 2, name: 'grass', color: [40, 160, 60] },
  { id: 3, name: 'sea', color: [20, 60, 180] },
];

describe('label colours', () => {
  it('round-trips labels through their palette colours exactly', () => {
    const r = fromAscii(['1122', '3321']);
    const rgba = labelsToRgba(r, palette);
    expect([...rgba.subarray(0, 4)]).toEqual([100, 150, 250, 255]);
    const back = labelsFromRgba(rgba, 4, 2, palette);
    expect(back.interpretation).toBe('palette-colours');
    expect(back.snapped).toBe(0);
    expect(back.labels.data).toEqual(r.data);
  });

  it('snaps anti-aliased pixels to the nearest class and counts them', () => {
    const rgba = Uint8ClampedArray.from([100, 150, 250, 255, 60, 158, 100, 255, 41, 161, 59, 255]);
    const out = labelsFromRgba(rgba, 3, 1, palette);
    expect([...out.labels.data]).toEqual([1, 2, 2]); // (60,158,100) is nearest to grass
    expect(out.snapped).toBe(2);
  });

  it('reads grey-index maps as class ids', () => {
    const rgba = Uint8ClampedArray.from([3, 3, 3, 255, 1, 1, 1, 255]);
    const out = labelsFromRgba(rgba, 2, 1, palette);
    expect(out.interpretation).toBe('grey-ids');
    expect([...out.labels.data]).toEqual([3, 1]);
  });

  it('needs a palette and the right number of bytes', () => {
    expect(() => labelsFromRgba(new Uint8Array(4), 1, 1, [])).toThrow(/palette/);
    expect(() => labelsFromRgba(new Uint8Array(5), 1, 1, palette)).toThrow(/needs 4/);
  });
});
