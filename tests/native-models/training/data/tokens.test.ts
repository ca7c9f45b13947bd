import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Graph } from '../../../../native-models/graph/graph';
import { vqganEncode, vqganFactor, vqganParameters, type VqganConfig } from '../../../../native-models/models/vqgan';
import { compile, type Program } from '../../../../native-models/runtime/program';
import { DataCache } from '../../../../native-models/training/data/cache';
import { cropSample, type PreparedImage } from '../../../../native-models/training/data/crops';
import { TokenGridCache } from '../../../../native-models/training/data/tokens';
import { TrainRng } from '../../../../native-models/training/rng';

// A tiny real VQGAN encoder (f = 2, 16 codes) with seeded random weights.
const cfg: VqganConfig = {
  ch: 32, chMult: [1, 2], numResBlocks: 1, attnResolutions: [], resolution: 16, zChannels: 8, inChannels: 3,
  outCh: 3, embedDim: 8, nEmbed: 16, resampWithConv: true, quantizer: 'vq2',
};
let dir: string;
let program: Program;
const weights: Record<string, Float32Array> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-tokens-'));
  const g = new Graph();
  const x = g.input('x', 'float32', [1, 3, 16, 16]); // [B, C, H, W]
  const { indices } = vqganEncode(g.scope(), x, cfg); // [1, 8, 8]
  program = await compile(g, { indices }, { intraOpThreads: 1 });
  const rng = new TrainRng(1);
  for (const p of vqganParameters(cfg)) {
    const n = p.shape.reduce((a, b) => a * b, 1);
    const w = new Float32Array(n);
    const isNormWeight = /norm.*\.weight$/.test(p.name);
    for (let i = 0; i < n; i++) w[i] = isNormWeight ? 1 : (rng.nextFloat() - 0.5) * 0.4;
    weights[p.name] = w;
  }
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

describe('TokenGridCache', () => {
  it('encodes each aligned crop once with the real encoder and serves it from disk afterwards', async () => {
    const f = vqganFactor(cfg);
    expect(f).toBe(2);
    // A prepared 16×24 image: crops of 16 at offsets that are multiples of f -> 5 positions × 2 flips.
    const rgb = new Uint8Array(24 * 16 * 3);
    for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 37) % 256;
    const prepared: PreparedImage = { width: 24, height: 16, rgb };
    let encodes = 0;
    const encode = async (crop: { image: Float32Array }): Promise<Int32Array> => {
      encodes++;
      const feeds: Record<string, Float32Array> = { x: crop.image };
      for (const io of program.inputs) if (io.name !== 'x') feeds[io.name] = weights[io.name]!;
      const out = await program.run(feeds);
      return Int32Array.from(out.indices!.data as BigInt64Array, (v) => Number(v));
    };
    const tokens = new TokenGridCache(new DataCache(join(dir, 'cache')));
    const parts = { files: ['0'.repeat(64)], encoderId: 'tiny-vqgan', resize: 16 };
    const rng = new TrainRng(5);
    const seen = new Map<string, Int32Array>();
    for (let i = 0; i < 40; i++) {
      const crop = cropSample(prepared, { size: 16, align: f }, rng);
      expect(crop.cropX % f).toBe(0);
      const t = await tokens.tokens(parts, crop, encode);
      expect(t.length).toBe(64);
      expect(Math.max(...t)).toBeLessThan(16);
      const k = `${crop.cropX}/${crop.flipped}`;
      if (seen.has(k)) expect(Array.from(t)).toEqual(Array.from(seen.get(k)!));
      else seen.set(k, t);
    }
    expect(seen.size).toBeLessThanOrEqual(10);
    expect(encodes).toBe(seen.size);
    expect(tokens.cache.stats.hits).toBe(40 - seen.size);
    // A different encoder identity is a different key.
    const crop = cropSample(prepared, { size: 16, align: f }, new TrainRng(5));
    expect(tokens.key(parts, crop)).not.toBe(tokens.key({ ...parts, encoderId: 'other' }, crop));
    // Flipped and unflipped crops at the same place give different grids from the real encoder.
    const plain = [...seen.entries()].find(([k]) => k.endsWith('false'));
    const flipped = [...seen.entries()].find(([k]) => k === `${plain![0].split('/')[0]}/true`);
    if (plain && flipped) expect(Array.from(flipped[1])).not.toEqual(Array.from(plain[1]));
  });
});
