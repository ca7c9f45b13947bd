/**
 * TEST MODEL — not a neural network. A small deterministic causal "language model" for testing the sampling
 * loops before (and independently of) the real GPT: the logits at position t are
 *
 *   logit[v] = 2·h(t, v) + Σ_{q ≤ t} 1.5 · h'(q, t, token_q, v) / (1 + t − q)
 *
 * with h, h' integer hashes mapped to [-1, 1). They depend on every earlier token and on absolute positions,
 * so feeding a wrong window, a wrong crop of the condition or a stale token changes the result, while tokens
 * after t never matter (causality, as in a transformer). Its "KV cache" is the list of tokens fed so far;
 * counters record how many positions each kind of call processed.
 */
import type { TokenModel } from '../../../native-models/sampling/token-model';

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hash(a: number, b: number, c: number, d: number, salt: number): number {
  let h = fmix(salt ^ 0x9e3779b9);
  h = fmix(h ^ a);
  h = fmix(h ^ Math.imul(b + 1, 0x27d4eb2d));
  h = fmix(h ^ Math.imul(c + 7, 0x165667b1));
  h = fmix(h ^ Math.imul(d + 13, 0x61c88647));
  return h / 2147483648 - 1;
}

export interface HashCache {
  tokens: Int32Array; // [B, length]
  batch: number;
  length: number;
}

export interface HashModelOptions {
  vocabSize: number;
  blockSize: number;
  salt?: number;
  /** Offer the multi-token `extend`. */
  withExtend?: boolean;
  /** Milliseconds each call waits (to test cancellation). */
  delayMs?: number;
}

export class HashTokenModel implements TokenModel<HashCache> {
  readonly vocabSize: number;
  readonly blockSize: number;
  readonly extend?: TokenModel<HashCache>['extend'];
  readonly counts = { logitsAt: 0, prefill: 0, step: 0, extend: 0, repeat: 0, positions: 0, liveCaches: 0 };
  /** Distinct call shapes seen, e.g. 'prefill:2:17' (a static-shape runtime compiles one program per shape). */
  readonly shapes = new Set<string>();
  private readonly salt: number;
  private readonly delayMs: number;

  constructor(o: HashModelOptions) {
    this.vocabSize = o.vocabSize;
    this.blockSize = o.blockSize;
    this.salt = o.salt ?? 1;
    this.delayMs = o.delayMs ?? 0;
    if (o.withExtend) {
      this.extend = async (cache, tokens, count) => {
        this.counts.extend++;
        return this.append(cache, tokens, count);
      };
    }
  }

  /** Logits [V] at position `at` of one row `seq` (only seq[0..at] is read). */
  logitsOfRow(seq: ArrayLike<number>, offset: number, at: number): Float32Array {
    const out = new Float32Array(this.vocabSize);
    for (let v = 0; v < this.vocabSize; v++) {
      let l = 2 * hash(at, v, 0, 0, this.salt);
      for (let q = 0; q <= at; q++) l += (1.5 * hash(q, at, seq[offset + q]!, v, this.salt + 1)) / (1 + at - q);
      out[v] = l;
    }
    return out;
  }

  /** Logits at every position of one row, [T, V] (for the literal brute-force reference). */
  allLogits(seq: Int32Array): Float32Array[] {
    return Array.from({ length: seq.length }, (_, t) => this.logitsOfRow(seq, 0, t));
  }

  private async wait(): Promise<void> {
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
  }

  private check(length: number): void {
    if (length > this.blockSize) throw new Error(`HashTokenModel: sequence of ${length} exceeds block size ${this.blockSize}.`);
  }

  private lastLogits(tokens: Int32Array, batch: number, length: number, at: number): Float32Array {
    const out = new Float32Array(batch * this.vocabSize);
    for (let b = 0; b < batch; b++) out.set(this.logitsOfRow(tokens, b * length, at), b * this.vocabSize);
    return out;
  }

  async logitsAt(tokens: Int32Array, batch: number, length: number, at: number): Promise<Float32Array> {
    this.check(length);
    if (tokens.length !== batch * length) throw new Error('HashTokenModel.logitsAt: wrong token count.');
    this.counts.logitsAt++;
    this.shapes.add(`logitsAt:${batch}:${length}`);
    this.counts.positions += length;
    await this.wait();
    return this.lastLogits(tokens, batch, length, at);
  }

  async prefill(tokens: Int32Array, batch: number, length: number): Promise<{ logits: Float32Array; cache: HashCache }> {
    this.check(length);
    this.counts.prefill++;
    this.shapes.add(`prefill:${batch}:${length}`);
    this.counts.positions += length;
    this.counts.liveCaches++;
    await this.wait();
    return { logits: this.lastLogits(tokens, batch, length, length - 1), cache: { tokens: Int32Array.from(tokens), batch, length } };
  }

  private async append(cache: HashCache, tokens: Int32Array, count: number): Promise<{ logits: Float32Array; cache: HashCache }> {
    if (cache.length < 0) throw new Error('HashTokenModel: a consumed cache was used again.');
    const { batch, length } = cache;
    const len = length + count;
    this.check(len);
    if (tokens.length !== batch * count) throw new Error('HashTokenModel: wrong number of appended tokens.');
    const next = new Int32Array(batch * len);
    for (let b = 0; b < batch; b++) {
      next.set(cache.tokens.subarray(b * length, (b + 1) * length), b * len);
      next.set(tokens.subarray(b * count, (b + 1) * count), b * len + length);
    }
    cache.length = -1; // consumed
    this.counts.positions += count;
    this.shapes.add(`extend:${batch}:${count}`);
    await this.wait();
    return { logits: this.lastLogits(next, batch, len, len - 1), cache: { tokens: next, batch, length: len } };
  }

  repeatCache(cache: HashCache, batch: number): HashCache {
    if (cache.length < 0) throw new Error('HashTokenModel: a consumed cache was used again.');
    if (cache.batch !== 1) throw new Error('HashTokenModel.repeatCache: needs a cache of one row.');
    this.counts.repeat++;
    const tokens = new Int32Array(batch * cache.length);
    for (let b = 0; b < batch; b++) tokens.set(cache.tokens, b * cache.length);
    const out = { tokens, batch, length: cache.length };
    cache.length = -1; // consumed
    return out;
  }

  async step(cache: HashCache, tokens: Int32Array): Promise<{ logits: Float32Array; cache: HashCache }> {
    this.counts.step++;
    return this.append(cache, tokens, 1);
  }

  cacheLength(cache: HashCache): number {
    return cache.length;
  }

  release(): void {
    this.counts.liveCaches--;
  }
}
