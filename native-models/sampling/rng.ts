/**
 * Tessera's own seeded random number generator for sampling.
 *
 * Algorithm: PCG32 (M. E. O'Neill, "PCG: A Family of Simple Fast Space-Efficient Statistically Good
 * Algorithms for Random Number Generation", 2014), variant XSH-RR 64/32, exactly as in the reference
 * `pcg32_random_r` / `pcg32_srandom_r` of pcg-c-basic:
 *   - state and increment are 64-bit; the LCG step is  state = state * 6364136223846793005 + inc  (mod 2^64);
 *   - output = rotr32(((old >> 18) ^ old) >> 27, old >> 59);
 *   - seeding(initState, initSeq): state = 0; inc = (initSeq << 1) | 1; step; state += initState; step.
 * With initState 42 and initSeq 54 the first outputs are 0xa15c02b7 0x7b47f409 0xba1d3330 … (pcg32-demo).
 *
 * Tessera seeds: a user seed S (a non-negative integer < 2^64) maps to `new Pcg32(S, TESSERA_STREAM)`.
 * Sample k of a batch started with seed S uses seed S + k, so any image of a batch can be reproduced alone.
 *
 * Floats: `nextFloat()` = (a >>> 5) * 2^26 + (b >>> 6), times 2^-53, from two consecutive outputs a, b
 * (the 53-bit construction of MT19937's genrand_res53): uniform on [0, 1) with 53 random bits.
 *
 * `categorical(weights)`: one nextFloat() u; target = u * Σw (the sum taken in float64 in index order); returns
 * the first index whose running float64 sum exceeds target. Zero-weight entries are never returned; if rounding
 * leaves target ≥ the final sum, the last index with positive weight is returned.
 *
 * Everything here is CPU-side and exact integer arithmetic (BigInt for the 64-bit LCG), so the same seed and the
 * same logits give the same tokens on every machine and execution provider.
 */

const MASK64 = (1n << 64n) - 1n;
const MULTIPLIER = 6364136223846793005n;

/** The PCG stream id Tessera uses for sampling: the ASCII bytes of "TESSERA". */
export const TESSERA_STREAM = 0x54455353455241n;

export class Pcg32 {
  private state = 0n;
  private readonly inc: bigint;

  constructor(initState: bigint | number, initSeq: bigint | number = TESSERA_STREAM) {
    this.inc = ((BigInt(initSeq) << 1n) | 1n) & MASK64;
    this.nextU32();
    this.state = (this.state + (BigInt(initState) & MASK64)) & MASK64;
    this.nextU32();
  }

  /** Next 32-bit unsigned output (as a JS number in [0, 2^32)). */
  nextU32(): number {
    const old = this.state;
    this.state = (old * MULTIPLIER + this.inc) & MASK64;
    const xorshifted = Number((((old >> 18n) ^ old) >> 27n) & 0xffffffffn);
    const rot = Number(old >> 59n);
    return ((xorshifted >>> rot) | (xorshifted << ((32 - rot) & 31))) >>> 0;
  }

  /** Uniform float in [0, 1) with 53 random bits (two outputs). */
  nextFloat(): number {
    const a = this.nextU32() >>> 5; // 27 bits
    const b = this.nextU32() >>> 6; // 26 bits
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Draw an index with probability proportional to `weights[i]` (non-negative, finite, not all zero). */
  categorical(weights: ArrayLike<number>): number {
    let total = 0;
    let lastPositive = -1;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i]!;
      if (!(w >= 0) || !Number.isFinite(w)) {
        throw new Error(`categorical: weight ${i} is ${w}; weights must be finite and non-negative.`);
      }
      if (w > 0) lastPositive = i;
      total += w;
    }
    if (lastPositive < 0) throw new Error('categorical: all weights are zero; nothing can be sampled.');
    const target = this.nextFloat() * total;
    let running = 0;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i]!;
      if (w <= 0) continue;
      running += w;
      if (target < running) return i;
    }
    return lastPositive;
  }
}

/** Validate a user seed and return it as a bigint in [0, 2^64). */
export function normalizeSeed(seed: number | bigint): bigint {
  if (typeof seed === 'number') {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new Error(`Seed ${seed} is not valid: use an integer between 0 and ${Number.MAX_SAFE_INTEGER}.`);
    }
    return BigInt(seed);
  }
  if (seed < 0n || seed > MASK64) throw new Error(`Seed ${seed} is not valid: use an integer between 0 and 2^64-1.`);
  return seed;
}

/** The RNG for one image: seed S (sample k of a batch passes S + k). */
export function rngForSeed(seed: number | bigint): Pcg32 {
  return new Pcg32(normalizeSeed(seed), TESSERA_STREAM);
}

/** A fresh random seed (uint32) for when the user gave none (recorded with the result so it can be reproduced). */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 32);
}
