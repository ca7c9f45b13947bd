// The shipped starter-landscapes bundle (issue 9): loads, validates, matches its hash, and generates a fixed-seed
// window with a pinned token checksum (a change of weights, sampler or engine numerics shows up here).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBundle, validateManifest, verifyBundle } from '../../../native-models/formats/bundle';
import { loadBundleGenerator, type BundleGenerator } from '../../../native-models/sampling/bundle-generator';
import { generate } from '../../../native-models/sampling/generate';
import { exampleScene } from '../../../native-models/zoo/recipes/make-examples';
import { LANDSCAPE_CLASSES } from '../../../native-models/zoo/recipes/landscapes';

const BUNDLE = fileURLToPath(new URL('../../../native-models/zoo/starter-landscapes/', import.meta.url));
const PINNED_TOKENS_SHA256 = '1b1a56fa3453390bbe3154c120d6060db270e389470767f67f3b84380f10bb68';

let gen: BundleGenerator;
beforeAll(async () => { gen = await loadBundleGenerator(BUNDLE); }, 60_000);
afterAll(async () => { await gen?.dispose?.(); });

describe('starter-landscapes bundle', () => {
  it('has a valid manifest with the landscape palette and a matching weights hash', async () => {
    const m = validateManifest(JSON.parse(await readFile(join(BUNDLE, 'manifest.json'), 'utf8')));
    expect(m.kind).toBe('cond-transformer');
    expect(m.condition).toMatchObject({ mode: 'segmentation', n_labels: 8 });
    expect(m.palette!.names).toEqual(LANDSCAPE_CLASSES.map((c) => c.name));
    expect(m.palette!.colors).toEqual(LANDSCAPE_CLASSES.map((c) => c.color));
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

  it('generates a 64×64 window from the example layout with a fixed seed: stable tokens', async () => {
    const s = exampleScene();
    const labels = new Int32Array(64 * 64); // top-left 64×64 of the example layout
    for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) labels[y * 64 + x] = s.labels[(y + 96) * s.width + x]!;
    const run = () => generate(gen.models, {
      mode: 'semantic', width: 64, height: 64, seed: 1234, n: 1, sampler: { temperature: 1, topK: 100, topP: null, greedy: false },
      condition: { kind: 'labels', map: { width: 64, height: 64, labels } },
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
