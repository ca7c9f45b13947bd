// The shipped starter-landscapes-edges bundle (issue 9): loads, validates, matches its hash, and generates a fixed-seed
// 64×64 window from the committed example edge map with a pinned token checksum (a change of weights, sampler or
// engine numerics shows up here).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBundle, validateManifest, verifyBundle } from '../../../native-models/formats/bundle';
import { loadBundleGenerator, type BundleGenerator } from '../../../native-models/sampling/bundle-generator';
import { generate } from '../../../native-models/sampling/generate';
import { EDGES_COND_STAGE } from '../../../native-models/zoo/recipes/train-starter-edges';

const BUNDLE = fileURLToPath(new URL('../../../native-models/zoo/starter-landscapes-edges/', import.meta.url));
const EDGES_PNG = fileURLToPath(new URL('../../../examples/landscape-edges.png', import.meta.url));
const PINNED_TOKENS_SHA256 = '8dda1e28ef5ad01b63b65b826220c4771339e72ade4161ec74e2eae4e2eff4d3';

let gen: BundleGenerator;
beforeAll(async () => { gen = await loadBundleGenerator(BUNDLE); }, 60_000);
afterAll(async () => { await gen?.dispose?.(); });

describe('starter-landscapes-edges bundle', () => {
  it('has a valid edge-mode manifest, fp16 weights and a matching weights hash', async () => {
    const m = validateManifest(JSON.parse(await readFile(join(BUNDLE, 'manifest.json'), 'utf8')));
    expect(m.kind).toBe('cond-transformer');
    expect(m.condition).toMatchObject({ mode: 'edge' });
    expect(m.condStage).toEqual({ kind: 'vqgan', architecture: EDGES_COND_STAGE });
    expect(m.provenance.tool).toBe('tessera train:starter');
    expect(await verifyBundle(BUNDLE, m)).toMatchObject({ ok: true });
    const b = await readBundle(BUNDLE, { verify: true });
    try {
      expect([...b.weights.tensors.values()].every((t) => t.dtype === 'float16')).toBe(true);
      expect(m.weights.bytes).toBeLessThan(10 * 1024 * 1024);
    } finally {
      await b.close();
    }
  });

  it('generates a 64×64 window from the example edge map with a fixed seed: stable tokens', async () => {
    const { data, info } = await sharp(EDGES_PNG).greyscale().raw().toBuffer({ resolveWithObject: true });
    const edges = new Uint8Array(64 * 64); // the 64×64 window at (0, 96) of the example edge map, white on black
    for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) edges[y * 64 + x] = data[(y + 96) * info.width + x]!;
    expect(edges.some((v) => v === 255)).toBe(true);
    const run = () => generate(gen.models, {
      mode: 'edge', width: 64, height: 64, seed: 1234, n: 1, sampler: { temperature: 1, topK: 100, topP: null, greedy: false },
      condition: { kind: 'image', width: 64, height: 64, channels: 1, data: edges },
    });
    const a = await run();
    const b = await run();
    expect(Array.from(a.tokens)).toEqual(Array.from(b.tokens));
    expect(a.tokens.length).toBe(64);
    expect(a.images[0]!.length).toBe(64 * 64 * 3);
    const sha = createHash('sha256').update(Buffer.from(Int32Array.from(a.tokens).buffer)).digest('hex');
    expect(sha).toBe(PINNED_TOKENS_SHA256);
  }, 60_000);
});
