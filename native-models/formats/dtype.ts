// Tensor element types shared by the checkpoint, safetensors and bundle formats.

export type DType =
  | 'float32'
  | 'float16'
  | 'bfloat16'
  | 'float64'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'bool';

export const DTYPE_BYTES: Readonly<Record<DType, number>> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

/** torch storage class name (GLOBAL `torch <name>`) -> dtype. */
export const TORCH_STORAGE_DTYPE: Readonly<Record<string, DType>> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
  UntypedStorage: 'uint8',
};

export const DTYPE_TORCH_STORAGE: Readonly<Record<DType, string>> = {
  float32: 'FloatStorage',
  float16: 'HalfStorage',
  bfloat16: 'BFloat16Storage',
  float64: 'DoubleStorage',
  int64: 'LongStorage',
  int32: 'IntStorage',
  int16: 'ShortStorage',
  int8: 'CharStorage',
  uint8: 'ByteStorage',
  bool: 'BoolStorage',
};

export const DTYPE_SAFETENSORS: Readonly<Record<DType, string>> = {
  float32: 'F32',
  float16: 'F16',
  bfloat16: 'BF16',
  float64: 'F64',
  int64: 'I64',
  int32: 'I32',
  int16: 'I16',
  int8: 'I8',
  uint8: 'U8',
  bool: 'BOOL',
};

export const SAFETENSORS_DTYPE: Readonly<Record<string, DType>> = Object.fromEntries(
  Object.entries(DTYPE_SAFETENSORS).map(([k, v]) => [v, k as DType]),
);

export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_BYTES, x);
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export type TypedArrayFor<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int64'
      ? BigInt64Array
      : D extends 'int32'
        ? Int32Array
        : D extends 'int16'
          ? Int16Array
          : D extends 'int8'
            ? Int8Array
            : Uint8Array | Uint16Array;

export type AnyTypedArray =
  | Float32Array
  | Float64Array
  | BigInt64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array
  | Uint16Array;

/**
 * View little-endian raw bytes as a typed array (copying once so the result is aligned).
 * float16/bfloat16 come back as their raw Uint16 bit patterns; bool as Uint8 (0/1).
 */
export function bytesToTypedArray(dtype: DType, bytes: Uint8Array): AnyTypedArray {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  const buf = copy.buffer;
  switch (dtype) {
    case 'float32':
      return new Float32Array(buf);
    case 'float64':
      return new Float64Array(buf);
    case 'int64':
      return new BigInt64Array(buf);
    case 'int32':
      return new Int32Array(buf);
    case 'int16':
      return new Int16Array(buf);
    case 'int8':
      return new Int8Array(buf);
    case 'float16':
    case 'bfloat16':
      return new Uint16Array(buf);
    case 'uint8':
    case 'bool':
      return copy;
  }
}

/** float16 bits -> number. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** bfloat16 bits -> number. */
export function bfloat16ToFloat(b: number): number {
  const f = new Float32Array(1);
  new Uint32Array(f.buffer)[0] = (b & 0xffff) << 16;
  return f[0]!;
}

let halfTable: Float32Array | null = null;

/** Every float16 bit pattern's value (256 KiB, built once): decoding a tensor is one lookup per element. */
function halfToFloatTable(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = halfToFloat(h);
  }
  return halfTable;
}

/** Decode any dtype's raw bytes to float32 (int64 beyond 2^24 loses precision; use for weights). */
export function bytesToFloat32(dtype: DType, bytes: Uint8Array): Float32Array {
  const a = bytesToTypedArray(dtype, bytes);
  if (a instanceof Float32Array) return a;
  const out = new Float32Array(a.length);
  if (dtype === 'float16') {
    const table = halfToFloatTable(), h = a as Uint16Array;
    for (let i = 0; i < h.length; i++) out[i] = table[h[i]!]!;
  } else if (dtype === 'bfloat16') {
    // bfloat16 is the top half of a float32: shift the bits into place.
    const bits = new Uint32Array(out.buffer), b = a as Uint16Array;
    for (let i = 0; i < b.length; i++) bits[i] = b[i]! << 16;
  } else for (let i = 0; i < a.length; i++) out[i] = Number(a[i]);
  return out;
}
