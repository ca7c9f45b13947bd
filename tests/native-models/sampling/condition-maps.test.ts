import { describe, expect, it } from 'vitest';
import {
  floatMapToUnit, labelsToOneHot, paletteToLabels, resizeBilinear, resizeNearest, toPlanar, byteToUnit,
} from '../../../native-models/sampling/condition-maps';
import { readNpy, writeNpyFloat32, writeNpyInt64 } from '../../../native-models/sampling/npy';

describe('condition maps', () => {
  it('one-hot encodes labels and refuses ids beyond the palette', () => {
    const map = { width: 2, height: 1, labels: Int32Array.from([2, 0]) };
    expect(Array.from(labelsToOneHot(map, 3))).toEqual([0, 1, 0, 0, 1, 0]);
    expect(() => labelsToOneHot({ width: 2, height: 1, labels: Int32Array.from([0, 7]) }, 3)).toThrow(
      /Label 7 at pixel \(1, 0\) is beyond the model's palette: it has 3 classes/,
    );
  });

  it('resizes labels by nearest neighbour only (no new ids appear)', () => {
    const src = Int32Array.from([1, 2, 3, 4]); // 2×2
    expect(Array.from(resizeNearest(src, 2, 2, 1, 4, 4))).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
    expect(Array.from(resizeNearest(Int32Array.from([1, 2, 3, 4, 5, 6]), 3, 2, 1, 1, 1))).toEqual([5]);
  });

  it('resizes continuous maps bilinearly at pixel centres', () => {
    const out = resizeBilinear(Float32Array.from([0, 1]), 2, 1, 1, 4, 1);
    expect(Array.from(out)).toEqual([0, 0.25, 0.75, 1]);
  });

  it('maps palette colours to ids and refuses colours outside the palette', () => {
    const palette = [[0, 0, 0], [255, 0, 0]] as const;
    const px = Uint8Array.from([255, 0, 0, 255, 0, 0, 0, 255]);
    expect(Array.from(paletteToLabels(px, 2, 1, 4, palette).labels)).toEqual([1, 0]);
    expect(() => paletteToLabels(Uint8Array.from([10, 0, 0]), 1, 1, 3, palette)).toThrow(/rgb\(10, 0, 0\), which is not in the model's palette/);
  });

  it('scales grey and float maps to [-1, 1] and refuses out-of-range floats', () => {
    expect(Array.from(toPlanar(Uint8Array.from([0, 255]), 2, 1, 1, byteToUnit))).toEqual([-1, 1]);
    expect(Array.from(floatMapToUnit([0, 0.5, 1]))).toEqual([-1, 0, 1]);
    expect(Array.from(floatMapToUnit([-1, 0.5]))).toEqual([-1, 0.5]);
    expect(() => floatMapToUnit([0, 3])).toThrow(/spans \[0, 3\]/);
  });
});

describe('npy', () => {
  it('round-trips int64 and float32 arrays', () => {
    const a = readNpy(writeNpyInt64([2, 2, 3], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1023]));
    expect(a.shape).toEqual([2, 2, 3]);
    expect(a.dtype).toBe('<i8');
    expect(Array.from(a.data)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1023]);
    const f = readNpy(writeNpyFloat32([3], [0.5, -1, 2]));
    expect(f.shape).toEqual([3]);
    expect(Array.from(f.data)).toEqual([0.5, -1, 2]);
    const bytes = writeNpyInt64([5], [1, 2, 3, 4, 5]);
    expect((bytes.length - 5 * 8) % 64).toBe(0); // header padded to 64 bytes as numpy does
  });

  it('reads a numpy-written uint8 header and refuses other files', () => {
    const text = "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2), }";
    const pad = 64 - ((10 + text.length + 1) % 64);
    const headerText = text + ' '.repeat(pad) + '\n';
    const bytes = new Uint8Array(10 + headerText.length + 4);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, headerText.length, 0]);
    for (let k = 0; k < headerText.length; k++) bytes[10 + k] = headerText.charCodeAt(k);
    bytes.set([3, 1, 4, 1], 10 + headerText.length);
    expect(readNpy(bytes)).toEqual({ shape: [2, 2], dtype: '|u1', data: Float64Array.from([3, 1, 4, 1]) });
    expect(() => readNpy(new TextEncoder().encode('hello world'))).toThrow(/Not a .npy file/);
  });
});
