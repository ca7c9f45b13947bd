// Reader for the PyTorch reference fixtures written by tests/fixtures/engine/make_fixtures.py
// (index.json + fixtures.bin). Test helper only; it does not touch the engine.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type FixtureDtype = 'float32' | 'float64' | 'int64' | 'bool';

interface TensorRecord {
  dtype: FixtureDtype;
  shape: number[];
  offset: number;
  bytes: number;
}

interface CaseRecord {
  name: string;
  op: string;
  config: Record<string, unknown>;
  inputs: Record<string, TensorRecord>;
  params: Record<string, TensorRecord>;
  outputs: Record<string, TensorRecord>;
  cotangents: Record<string, TensorRecord>;
  grads: Record<string, TensorRecord>;
}

/** A fixture tensor: float data as Float64Array (exact), integers as BigInt64Array. */
export interface FixtureTensor {
  dtype: FixtureDtype;
  shape: number[];
  /** Float values (float32 and float64 records), widened to float64. Empty for int64. */
  f64: Float64Array;
  /** Float values narrowed to float32 (what the engine is fed). Empty for int64. */
  f32: Float32Array;
  /** int64 values. Empty for float records. */
  i64: BigInt64Array;
}

export interface FixtureCase {
  name: string;
  op: string;
  config: Record<string, unknown>;
  inputs: Record<string, FixtureTensor>;
  params: Record<string, FixtureTensor>;
  outputs: Record<string, FixtureTensor>;
  cotangents: Record<string, FixtureTensor>;
  grads: Record<string, FixtureTensor>;
}

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'engine');
let cache: { cases: Record<string, CaseRecord>; blob: Buffer } | null = null;

function load(): { cases: Record<string, CaseRecord>; blob: Buffer } {
  if (!cache) {
    const index = JSON.parse(readFileSync(join(DIR, 'index.json'), 'utf8')) as { cases: Record<string, CaseRecord> };
    cache = { cases: index.cases, blob: readFileSync(join(DIR, 'fixtures.bin')) };
  }
  return cache;
}

function decode(blob: Buffer, r: TensorRecord): FixtureTensor {
  const bytes = blob.subarray(r.offset, r.offset + r.bytes);
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const empty = { f64: new Float64Array(0), f32: new Float32Array(0), i64: new BigInt64Array(0) };
  switch (r.dtype) {
    case 'float64': {
      const f64 = new Float64Array(ab);
      return { ...empty, dtype: r.dtype, shape: r.shape, f64, f32: Float32Array.from(f64) };
    }
    case 'float32': {
      const f32 = new Float32Array(ab);
      return { ...empty, dtype: r.dtype, shape: r.shape, f32, f64: Float64Array.from(f32) };
    }
    case 'int64':
      return { ...empty, dtype: r.dtype, shape: r.shape, i64: new BigInt64Array(ab) };
    case 'bool':
      return { ...empty, dtype: r.dtype, shape: r.shape, i64: BigInt64Array.from(new Uint8Array(ab), (b) => BigInt(b)) };
  }
}

function decodeAll(blob: Buffer, recs: Record<string, TensorRecord>): Record<string, FixtureTensor> {
  return Object.fromEntries(Object.entries(recs).map(([k, r]) => [k, decode(blob, r)]));
}

/** Loads one fixture case by name (see make_fixtures.py for the list); throws naming the known cases. */
export function fixture(name: string): FixtureCase {
  const { cases, blob } = load();
  const c = cases[name];
  if (!c) throw new Error(`no engine fixture "${name}"; known: ${Object.keys(cases).join(', ')}`);
  return {
    name: c.name,
    op: c.op,
    config: c.config,
    inputs: decodeAll(blob, c.inputs),
    params: decodeAll(blob, c.params),
    outputs: decodeAll(blob, c.outputs),
    cotangents: decodeAll(blob, c.cotangents),
    grads: decodeAll(blob, c.grads),
  };
}

/** Relative L2 error ||a - b|| / max(||b||, tiny). */
export function relL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`relL2: length ${a.length} vs ${b.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    num += d * d;
    den += b[i]! * b[i]!;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
}

/** L2 norm. */
export function l2(a: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) n += (a[i] as number) * (a[i] as number);
  return Math.sqrt(n);
}
