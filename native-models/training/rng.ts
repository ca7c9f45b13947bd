/**
 * The training pipeline's seeded random number generator: xoshiro128** 1.1 (Blackman & Vigna, 2018),
 * 32-bit arithmetic only, so it is fast in JavaScript and its whole state is four uint32 words that a
 * checkpoint can store and restore exactly (resume continues the same random stream).
 *
 * Seeding: the four state words come from splitmix32 applied to the seed (so nearby seeds give unrelated
 * streams, and the all-zero state cannot occur). `nextFloat()` is uniform on [0, 1) with 32 random bits.
 *
 * (native-models/sampling/rng.ts is the sampler's PCG32 with a documented cross-machine contract; this one is
 * for data order, crops, flips, pkeep corruption and procedural data, where a checkpointable state matters.)
 */

/** Serializable state: four uint32 words (never all zero). */
export interface RngState {
  readonly algorithm: 'xoshiro128**';
  readonly s: readonly [number, number, number, number];
}

function splitmix32(x: number): [number, number] {
  const next = (x + 0x9e3779b9) >>> 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return [next, (z ^ (z >>> 16)) >>> 0];
}

export class TrainRng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** Seed with any safe integer (negative and fractional seeds are rejected). */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new Error(`TrainRng: seed ${seed} is not valid; use a non-negative integer.`);
    }
    // Mix both halves of a 53-bit seed.
    let x = (seed >>> 0) ^ Math.imul(Math.floor(seed / 4294967296) >>> 0, 0x27d4eb2d);
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [nx, out] = splitmix32(x);
      x = nx;
      words.push(out);
    }
    [this.a, this.b, this.c, this.d] = words as [number, number, number, number];
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  static fromState(state: RngState): TrainRng {
    if (state.algorithm !== 'xoshiro128**' || state.s.length !== 4) {
      throw new Error(`TrainRng: cannot restore state of algorithm ${String(state.algorithm)}.`);
    }
    const r = new TrainRng(0);
    [r.a, r.b, r.c, r.d] = state.s.map((v) => v >>> 0) as [number, number, number, number];
    if ((r.a | r.b | r.c | r.d) === 0) throw new Error('TrainRng: an all-zero state is invalid.');
    return r;
  }

  state(): RngState {
    return { algorithm: 'xoshiro128**', s: [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0] };
  }

  /** Next uint32 in [0, 2^32). */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform float in [0, 1). */
  nextFloat(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n) without modulo bias (n ≤ 2^32). */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 4294967296) throw new Error(`TrainRng.nextInt: n=${n} must be an integer in [1, 2^32].`);
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const u = this.nextU32();
      if (u < limit) return u % n;
    }
  }

  /** Standard normal (Box–Muller; uses two uniforms per call). */
  nextNormal(): number {
    const u1 = (this.nextU32() + 1) / 4294967297;
    const u2 = this.nextFloat();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
