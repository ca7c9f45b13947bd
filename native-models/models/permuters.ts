/**
 * taming's token permuters (taming/modules/transformer/permuter.py) as pure index permutations over a raster of H×W tokens.
 *
 * `forward[p]` is the raster position that lands at sequence position p, i.e. taming's `x[:, forward_shuffle_idx]`;
 * `backward` is its inverse (`argsort(forward)`), so `apply(apply(x, forward), backward) == x`.
 * Every released model uses Identity; the others exist so that custom checkpoints trained with them load.
 */

export type PermuterName = 'identity' | 'subsample' | 'zcurve' | 'spiral_out' | 'spiral_in' | 'random' | 'alternate';

export const PERMUTER_NAMES: readonly PermuterName[] = [
  'identity', 'subsample', 'zcurve', 'spiral_out', 'spiral_in', 'random', 'alternate',
];

export interface Permutation {
  readonly name: PermuterName;
  readonly height: number;
  readonly width: number;
  /** [H*W] raster position taken by each sequence position. */
  readonly forward: Int32Array;
  /** [H*W] inverse of forward. */
  readonly backward: Int32Array;
}

/** taming's class path (`taming.modules.transformer.permuter.<Class>`) to our name. */
export function permuterFromTarget(target: string): PermuterName {
  const cls = target.split('.').pop() ?? '';
  const map: Record<string, PermuterName> = {
    Identity: 'identity', Subsample: 'subsample', ZCurve: 'zcurve', SpiralOut: 'spiral_out',
    SpiralIn: 'spiral_in', Random: 'random', AlternateParsing: 'alternate',
  };
  const name = map[cls];
  if (!name) throw new Error(`Unknown permuter "${target}"; expected one of ${Object.keys(map).join(', ')}.`);
  return name;
}

export function makePermutation(name: PermuterName, height: number, width: number): Permutation {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new Error(`Permuter ${name}: the token grid must be positive integers, got ${height}x${width}.`);
  }
  const forward = forwardIndex(name, height, width);
  const backward = new Int32Array(forward.length);
  const seen = new Uint8Array(forward.length);
  for (let p = 0; p < forward.length; p++) {
    const r = forward[p]!;
    if (r < 0 || r >= forward.length || seen[r]) throw new Error(`Permuter ${name} ${height}x${width}: not a permutation.`);
    seen[r] = 1;
    backward[r] = p;
  }
  return { name, height, width, forward, backward };
}

/** out[b, p] = tokens[b, index[p]] for tokens [B, N] row-major. */
export function permuteTokens(tokens: ArrayLike<number>, batch: number, index: Int32Array): Int32Array {
  const n = index.length;
  if (tokens.length !== batch * n) {
    throw new Error(`permuteTokens: expected ${batch}x${n} tokens, got ${tokens.length}.`);
  }
  const out = new Int32Array(batch * n);
  for (let b = 0; b < batch; b++) for (let p = 0; p < n; p++) out[b * n + p] = tokens[b * n + index[p]!]!;
  return out;
}

function forwardIndex(name: PermuterName, h: number, w: number): Int32Array {
  switch (name) {
    case 'identity': return Int32Array.from({ length: h * w }, (_, k) => k);
    case 'subsample': return subsample(h, w);
    case 'zcurve': return zcurve(h, w);
    case 'spiral_out': return spiralOut(h, w);
    case 'spiral_in': return spiralOut(h, w).reverse();
    case 'random': return numpyLegacyPermutation(1, h * w);
    case 'alternate': return alternate(h, w);
  }
}

function requireSquare(name: string, h: number, w: number): void {
  if (h !== w) throw new Error(`Permuter ${name} needs a square token grid (as in taming), got ${h}x${w}.`);
}

/** Recursive 2×2 space-to-depth: [C, H, W] -> [4C, H/2, W/2] until 1×1. */
function subsample(h0: number, w0: number): Int32Array {
  requireSquare('subsample', h0, w0);
  if ((h0 & (h0 - 1)) !== 0) throw new Error(`Permuter subsample needs a power-of-two grid, got ${h0}x${w0}.`);
  let idx = Int32Array.from({ length: h0 * w0 }, (_, k) => k); // [C, H, W] with C = 1
  let c = 1;
  let h = h0;
  let w = w0;
  while (Math.min(h, w) > 1) {
    const h2 = h / 2;
    const w2 = w / 2;
    const next = new Int32Array(idx.length); // [C, 2, 2, H/2, W/2] = transpose of [C, H/2, 2, W/2, 2]
    for (let ci = 0; ci < c; ci++) {
      for (let a = 0; a < h2; a++) {
        for (let di = 0; di < 2; di++) {
          for (let bq = 0; bq < w2; bq++) {
            for (let dj = 0; dj < 2; dj++) {
              const src = ci * h * w + (a * 2 + di) * w + (bq * 2 + dj);
              const dst = (((ci * 2 + di) * 2 + dj) * h2 + a) * w2 + bq;
              next[dst] = idx[src]!;
            }
          }
        }
      }
    }
    idx = next;
    c *= 4;
    h = h2;
    w = w2;
  }
  return idx;
}

/** Morton order: j's bits on even positions, i's bits on odd positions; forward = argsort(code). */
function zcurve(h: number, w: number): Int32Array {
  const codes: { code: number; pos: number }[] = [];
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      let z = 0;
      for (let b = 0; b < 16; b++) z += (((j >> b) & 1) * 2 ** (2 * b)) + (((i >> b) & 1) * 2 ** (2 * b + 1));
      codes.push({ code: z, pos: i * w + j });
    }
  }
  codes.sort((x, y) => x.code - y.code || x.pos - y.pos);
  return Int32Array.from(codes, (c) => c.pos);
}

/** Spiral from (n/2, n/2-1): up, right, then down, left with growing runs; the last lap ends going down. */
function spiralOut(h: number, w: number): Int32Array {
  requireSquare('spiral', h, w);
  const n = w;
  let i = Math.floor(n / 2);
  let j = Math.floor(n / 2) - 1;
  const out: number[] = [i * n + j];
  let run = 0;
  const half = Math.floor(n / 2);
  for (let c = 1; c <= half; c++) {
    run += 1;
    for (let k = 0; k < run; k++) out.push(--i * n + j);
    for (let k = 0; k < run; k++) out.push(i * n + ++j);
    run += 1;
    if (c < half) {
      for (let k = 0; k < run; k++) out.push(++i * n + j);
      for (let k = 0; k < run; k++) out.push(i * n + --j);
    } else {
      for (let k = 0; k < run - 1; k++) out.push(++i * n + j);
    }
  }
  if (out.length !== n * n) throw new Error(`Permuter spiral: grid ${n}x${n} is not supported (needs an even size).`);
  return Int32Array.from(out);
}

/** Boustrophedon: odd rows reversed. */
function alternate(h: number, w: number): Int32Array {
  const out = new Int32Array(h * w);
  for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) out[i * w + j] = i * w + (i % 2 === 1 ? w - 1 - j : j);
  return out;
}

/** numpy `np.random.RandomState(seed).permutation(n)`: MT19937 (init_genrand) + legacy Fisher–Yates. */
export function numpyLegacyPermutation(seed: number, n: number): Int32Array {
  const mt = new Mt19937(seed >>> 0);
  const out = Int32Array.from({ length: n }, (_, k) => k);
  for (let i = n - 1; i >= 1; i--) {
    let mask = i;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    let j: number;
    do j = (mt.next() & mask) >>> 0; while (j > i);
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}

class Mt19937 {
  private readonly s = new Uint32Array(624);
  private k = 624;
  constructor(seed: number) {
    this.s[0] = seed;
    for (let i = 1; i < 624; i++) {
      const prev = this.s[i - 1]! ^ (this.s[i - 1]! >>> 30);
      this.s[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }
  next(): number {
    if (this.k >= 624) {
      for (let i = 0; i < 624; i++) {
        const y = (this.s[i]! & 0x80000000) | (this.s[(i + 1) % 624]! & 0x7fffffff);
        this.s[i] = this.s[(i + 397) % 624]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.k = 0;
    }
    let y = this.s[this.k++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }
}
