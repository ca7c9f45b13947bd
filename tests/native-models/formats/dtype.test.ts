// Raw tensor bytes to float32: the table-driven float16 decode and the bit-shift bfloat16 decode give exactly the
// scalar decoders' values for every bit pattern.
import { describe, expect, it } from 'vitest';
import { bfloat16ToFloat, bytesToFloat32, halfToFloat } from '../../../native-models/formats/dtype';

const allPatterns = (): Uint8Array => {
  const bits = new Uint16Array(65536);
  for (let i = 0; i < bits.length; i++) bits[i] = i;
  return new Uint8Array(bits.buffer);
};

describe('bytesToFloat32', () => {
  it('decodes every float16 bit pattern as halfToFloat does (±0, subnormals, ±Inf, NaN)', () => {
    const out = bytesToFloat32('float16', allPatterns());
    for (let h = 0; h < 65536; h++) expect(Object.is(out[h], Math.fround(halfToFloat(h))), `pattern ${h}`).toBe(true);
    expect([out[0x3c00], out[0xc000], out[0x7bff], out[0x0001]]).toEqual([1, -2, 65504, 2 ** -24]);
  });

  it('decodes every bfloat16 bit pattern as bfloat16ToFloat does', () => {
    const out = bytesToFloat32('bfloat16', allPatterns());
    for (let b = 0; b < 65536; b++) expect(Object.is(out[b], bfloat16ToFloat(b)), `pattern ${b}`).toBe(true);
    expect([out[0x3f80], out[0xc000]]).toEqual([1, -2]);
  });
});
