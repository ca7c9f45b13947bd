// Label rasters in JSON: run-length encoded, then base64. Label maps are mostly long runs of one
// class, so a 256×256 map of a few regions takes a few hundred bytes instead of 64 KiB.
//
// Byte stream: for each run, the value (1 byte for 8-bit rasters, 2 bytes little-endian for
// 16-bit) followed by the run length as an unsigned LEB128 varint. Runs continue across row ends.

import type { LabelRaster } from '../editor/raster/label-raster';

export type EncodedRaster = {
  width: number;
  height: number;
  bits: 8 | 16;
  encoding: 'rle-base64';
  data: string;
};

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < B64.length; i++) t[B64.charCodeAt(i)] = i;
  return t;
})();

export function bytesToBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += `${B64[n >> 18]!}${B64[(n >> 12) & 63]!}==`;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += `${B64[n >> 18]!}${B64[(n >> 12) & 63]!}${B64[(n >> 6) & 63]!}=`;
  }
  return out;
}

export function base64ToBytes(text: string): Uint8Array {
  const clean = text.replace(/=+$/, '');
  if (clean.length % 4 === 1) throw new Error('Invalid base64: wrong length.');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < clean.length; i++) {
    const c = clean.charCodeAt(i);
    const v = c < 128 ? B64_INDEX[c]! : -1;
    if (v < 0) throw new Error(`Invalid base64: unexpected character at ${i}.`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, o);
}

export function encodeRaster(r: LabelRaster): EncodedRaster {
  const wide = r.data instanceof Uint16Array;
  const bytes: number[] = [];
  const { data } = r;
  let i = 0;
  while (i < data.length) {
    const v = data[i]!;
    let run = 1;
    while (i + run < data.length && data[i + run] === v) run++;
    bytes.push(v & 0xff);
    if (wide) bytes.push(v >> 8);
    let n = run;
    while (n >= 0x80) {
      bytes.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    bytes.push(n);
    i += run;
  }
  return { width: r.width, height: r.height, bits: wide ? 16 : 8, encoding: 'rle-base64', data: bytesToBase64(Uint8Array.from(bytes)) };
}

export function decodeRaster(e: EncodedRaster, what = 'raster'): LabelRaster {
  if (e.encoding !== 'rle-base64') throw new Error(`${what}: unknown encoding ${JSON.stringify(e.encoding)} (expected "rle-base64").`);
  const { width, height, bits } = e;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width * height > 1 << 26) {
    throw new Error(`${what}: invalid size ${width}x${height}.`);
  }
  if (bits !== 8 && bits !== 16) throw new Error(`${what}: bits must be 8 or 16, got ${String(bits)}.`);
  const total = width * height;
  const data = bits === 16 ? new Uint16Array(total) : new Uint8Array(total);
  const bytes = base64ToBytes(e.data);
  let p = 0;
  let o = 0;
  while (p < bytes.length) {
    let v = bytes[p++]!;
    if (bits === 16) v |= bytes[p++]! << 8;
    let run = 0;
    let shift = 0;
    for (;;) {
      if (p >= bytes.length) throw new Error(`${what}: truncated run length.`);
      const b = bytes[p++]!;
      run += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
      shift += 7;
      if (shift > 35) throw new Error(`${what}: run length too long.`);
    }
    if (run < 1 || o + run > total) throw new Error(`${what}: runs cover more than ${width}x${height} pixels.`);
    data.fill(v, o, o + run);
    o += run;
  }
  if (o !== total) throw new Error(`${what}: runs cover ${o} of ${total} pixels.`);
  return { width, height, data };
}
