/**
 * NumPy .npy reader/writer (format versions 1.0–3.0, C order only) for condition maps and token grids.
 * Reads dtypes b1, u1, i1, u2, i2, u4, i4, i8, u8, f4, f8 (little endian, or byte-order free for 1-byte
 * types); every value comes back as a JS number (int64 beyond 2^53 is refused). Writes int64 or float32.
 */

export interface NpyArray {
  shape: number[];
  dtype: string;
  /** Values in C order. */
  data: Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

export function readNpy(bytes: Uint8Array): NpyArray {
  if (bytes.length < 10 || !MAGIC.every((m, k) => bytes[k] === m)) {
    throw new Error('Not a .npy file (missing the \\x93NUMPY magic); save the array with numpy.save.');
  }
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder('latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new Error(`Unreadable .npy header: ${header.trim()}`);
  if (fortran === 'True') throw new Error('The .npy array is in Fortran order; save it with numpy.ascontiguousarray first.');
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new Error(`Unreadable .npy header: the shape (${shapeText.trim()}) must list non-negative integers.`);
  const count = shape.reduce((a, b) => a * b, 1);
  const order = descr[0]!;
  const kind = descr.slice(1);
  if (order === '>') throw new Error(`Big-endian .npy arrays (${descr}) are not supported; save with a little-endian dtype.`);
  const sizes: Record<string, number> = { b1: 1, u1: 1, i1: 1, u2: 2, i2: 2, u4: 4, i4: 4, i8: 8, u8: 8, f4: 4, f8: 8 };
  const size = sizes[kind];
  if (!size) throw new Error(`Unsupported .npy dtype ${descr}; use uint8, int32, int64, float32 or float64.`);
  const off = start + headerLen;
  if (bytes.length < off + count * size) throw new Error(`The .npy file is truncated: expected ${count} values of ${descr}.`);
  const data = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    const p = off + k * size;
    switch (kind) {
      case 'b1': case 'u1': data[k] = view.getUint8(p); break;
      case 'i1': data[k] = view.getInt8(p); break;
      case 'u2': data[k] = view.getUint16(p, true); break;
      case 'i2': data[k] = view.getInt16(p, true); break;
      case 'u4': data[k] = view.getUint32(p, true); break;
      case 'i4': data[k] = view.getInt32(p, true); break;
      case 'f4': data[k] = view.getFloat32(p, true); break;
      case 'f8': data[k] = view.getFloat64(p, true); break;
      default: {
        const v = kind === 'i8' ? view.getBigInt64(p, true) : view.getBigUint64(p, true);
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`.npy value ${v} is too large.`);
        data[k] = Number(v);
      }
    }
  }
  return { shape, dtype: descr, data };
}

function header(descr: string, shape: readonly number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let text = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + text.length + 1;
  text += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + text.length);
  out.set(MAGIC);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, text.length, true);
  for (let k = 0; k < text.length; k++) out[10 + k] = text.charCodeAt(k);
  return out;
}

/** An int64 .npy array from integer values. */
export function writeNpyInt64(shape: readonly number[], values: ArrayLike<number>): Uint8Array {
  const h = header('<i8', shape);
  const out = new Uint8Array(h.length + values.length * 8);
  out.set(h);
  const view = new DataView(out.buffer);
  for (let k = 0; k < values.length; k++) view.setBigInt64(h.length + k * 8, BigInt(values[k]!), true);
  return out;
}

/** A float32 .npy array. */
export function writeNpyFloat32(shape: readonly number[], values: ArrayLike<number>): Uint8Array {
  const h = header('<f4', shape);
  const out = new Uint8Array(h.length + values.length * 4);
  out.set(h);
  const view = new DataView(out.buffer);
  for (let k = 0; k < values.length; k++) view.setFloat32(h.length + k * 4, values[k]!, true);
  return out;
}
