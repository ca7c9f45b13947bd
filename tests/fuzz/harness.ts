// The fuzz suite's shared pieces: a seeded generator, byte mutators, the case type and the rule that
// decides whether an error is "clean" (a deliberate refusal that says what is wrong) or a crash (a
// JavaScript runtime error leaking out of a parser: TypeError, RangeError, "Cannot read properties…").

export interface FuzzCase {
  /** Input kind, for the per-kind counts (e.g. "safetensors", "pickle", "api"). */
  kind: string;
  name: string;
  /**
   * Feeds the bad input to the real entry point. Must throw (a clean error) or return a string that
   * describes how the input was refused without throwing (e.g. settings moved aside and reported).
   * Returning nothing means the input was accepted, which counts as a failure of the case.
   */
  run(): Promise<string | void>;
}

export interface FuzzGroup {
  /** Builds the valid base inputs in `dir` and returns the cases (deterministic for a given seed). */
  cases(dir: string, seed: number): Promise<FuzzCase[]>;
  /** Closes what the group opened (servers, databases). */
  close?(): Promise<void>;
}

export type Outcome = 'clean' | 'crash' | 'accepted';

/** Messages V8 and Node produce when code trips over bad data instead of refusing it. */
const RAW_RUNTIME_MESSAGE = new RegExp([
  'Cannot read propert', 'Cannot set propert', 'is not a function', 'is not iterable',
  'Invalid array length', 'Invalid typed array length', 'Array buffer allocation failed', 'Maximum call stack',
  'Cannot convert', 'out of memory', 'The value of "\\w+" is out of range', 'ERR_OUT_OF_RANGE', 'ERR_BUFFER_OUT_OF_BOUNDS',
  'Attempt to access memory outside buffer bounds', 'Offset is outside the bounds',
].join('|'));

const RUNTIME_ERRORS = new Set(['TypeError', 'RangeError', 'ReferenceError', 'EvalError', 'URIError', 'InternalError']);

/** 'clean' for a refusal a person can act on; 'crash' for a leaked runtime error, with the reason. */
export function classifyError(err: unknown): { outcome: Outcome; message: string } {
  if (!(err instanceof Error)) return { outcome: 'crash', message: `threw a non-Error: ${String(err)}` };
  const message = `${err.name}: ${err.message}`;
  if (RUNTIME_ERRORS.has(err.name) || err.constructor === TypeError || err.constructor === RangeError) {
    return { outcome: 'crash', message: `runtime error leaked: ${message}` };
  }
  if (RAW_RUNTIME_MESSAGE.test(err.message)) return { outcome: 'crash', message: `runtime message leaked: ${message}` };
  if (err.message.trim().length < 16) return { outcome: 'crash', message: `error too terse to act on: ${message}` };
  return { outcome: 'clean', message };
}

/** mulberry32: small, fast, seedable; enough for picking offsets and bytes. */
export class FuzzRng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

/** A copy of `bytes` cut to `length`. */
export function truncate(bytes: Uint8Array, length: number): Buffer {
  return Buffer.from(bytes.subarray(0, Math.max(0, Math.min(bytes.length, length))));
}

/** A copy of `bytes` with `count` bytes in [from, to) XOR-ed with a non-zero value. */
export function flipBytes(bytes: Uint8Array, rng: FuzzRng, count: number, from = 0, to = bytes.length): Buffer {
  const out = Buffer.from(bytes);
  for (let i = 0; i < count; i++) {
    const at = rng.range(from, Math.max(from + 1, to));
    out[at] = out[at]! ^ (1 + rng.int(255));
  }
  return out;
}

/** A copy of `bytes` with a little-endian integer overwritten at `offset`. */
export function patchLE(bytes: Uint8Array, offset: number, value: number | bigint, width: 2 | 4 | 8): Buffer {
  const out = Buffer.from(bytes);
  if (width === 2) out.writeUInt16LE(Number(value) & 0xffff, offset);
  else if (width === 4) out.writeUInt32LE(Number(value) >>> 0, offset);
  else out.writeBigUInt64LE(BigInt(value), offset);
  return out;
}
