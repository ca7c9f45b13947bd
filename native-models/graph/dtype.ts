// Element types of graph tensors. The strings match onnxruntime's `Tensor.Type` so feeds type-check
// against graph inputs. float64 is supported for gradient checks (ORT CPU runs many ops in double).

export type DType = 'float32' | 'float16' | 'float64' | 'int64' | 'int32' | 'uint8' | 'bool';

export type TypedArray = Float32Array | Float64Array | Uint16Array | BigInt64Array | Int32Array | Uint8Array;

export const FLOAT_DTYPES: readonly DType[] = ['float32', 'float16', 'float64'];

export function isFloat(d: DType): boolean {
  return d === 'float32' || d === 'float16' || d === 'float64';
}

/** ONNX TensorProto.DataType enum values. */
export const ONNX_DTYPE: Readonly<Record<DType, number>> = {
  float32: 1,
  uint8: 2,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
};

export const BYTES_PER_ELEMENT: Readonly<Record<DType, number>> = {
  float32: 4,
  float16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
  uint8: 1,
  bool: 1,
};

export function dtypeFromOnnx(code: number): DType {
  for (const [k, v] of Object.entries(ONNX_DTYPE)) if (v === code) return k as DType;
  throw new Error(`ONNX data type ${code} is not one of the engine's dtypes (${Object.keys(ONNX_DTYPE).join(', ')})`);
}

/** A zero-filled typed array of the right class for `dtype`. */
export function allocate(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(size);
    case 'float64': return new Float64Array(size);
    case 'float16': return new Uint16Array(size);
    case 'int64': return new BigInt64Array(size);
    case 'int32': return new Int32Array(size);
    case 'uint8': case 'bool': return new Uint8Array(size);
  }
}

/** Typed array of `dtype` filled from plain numbers (bool: nonzero -> 1; float16 not accepted here). */
export function fromNumbers(dtype: DType, values: ArrayLike<number>): TypedArray {
  const out = allocate(dtype, values.length);
  if (dtype === 'float16') throw new Error('fromNumbers: float16 constants must be given as raw Uint16Array bits');
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (out instanceof BigInt64Array) out[i] = BigInt(Math.trunc(v));
    else if (dtype === 'bool') out[i] = v ? 1 : 0;
    else (out as Float32Array)[i] = v;
  }
  return out;
}

/** Which dtype a typed array carries (Uint16Array is read as float16 bits, Uint8Array as bool). */
export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Uint16Array) return 'float16';
  if (a instanceof BigInt64Array) return 'int64';
  if (a instanceof Int32Array) return 'int32';
  return 'bool';
}

/** Whether `a` can carry values of `dtype` (a Uint8Array carries bool and uint8). */
export function arrayFits(a: TypedArray, dtype: DType): boolean {
  const d = dtypeOfArray(a);
  return d === dtype || (d === 'bool' && dtype === 'uint8');
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** IEEE half-precision bits of a number (round to nearest even), for float16 constants. */
export function toHalfBits(value: number): number {
  const f = new Float32Array([value]);
  const x = new Uint32Array(f.buffer)[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++;
  e = half;
  return sign | e;
}
