// Checks every shipped starter bundle shares (issue 9): a valid manifest written by the starter recipe, fp16 weights
// whose hash matches, and a fixed-seed generation whose tokens are stable and equal a pinned checksum (a change of
// weights, sampler or engine numerics shows up there).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect } from 'vitest';
import { readBundle, validateManifest, type BundleManifest } from '../../../native-models/formats/bundle';
import { loadBundleGenerator, type BundleGenerator } from '../../../native-models/sampling/bundle-generator';
import { generate, type GenerateRequest } from '../../../native-models/sampling/generate';

/** The sampler of the pinned generations (top-k 100, temperature 1). */
export const PINNED_SAMPLER = { temperature: 1, topK: 100, topP: null, greedy: false } as const;

/**
 * The shipped bundle `native-models/zoo/<name>/`: its folder, and its generator, loaded before the file's tests
 * (beforeAll) and disposed after them.
 */
export function useStarterBundle(name: string): { dir: string; gen: () => BundleGenerator } {
  const dir = fileURLToPath(new URL(`../../../native-models/zoo/${name}/`, import.meta.url));
  let gen: BundleGenerator | undefined;
  beforeAll(async () => { gen = await loadBundleGenerator(dir); }, 60_000);
  afterAll(async () => { await gen?.dispose?.(); });
  return {
    dir,
    gen: () => {
      if (!gen) throw new Error(`${name}: the bundle generator is not loaded (use it inside a test).`);
      return gen;
    },
  };
}

/** Validates the manifest, the weights hash (readBundle verify) and fp16 storage; returns the manifest. */
export async function expectStarterBundle(dir: string, maxBytes: number): Promise<BundleManifest> {
  const m = validateManifest(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')));
  expect(m.kind).toBe('cond-transformer');
  expect(m.provenance.tool).toBe('tessera train:starter');
  const b = await readBundle(dir, { verify: true });
  try {
    expect([...b.weights.tensors.values()].every((t) => t.dtype === 'float16')).toBe(true);
    expect(m.weights.bytes).toBeLessThan(maxBytes);
  } finally {
    await b.close();
  }
  return m;
}

/** Generates twice with the request's seed: identical tokens of the expected count, whose sha256 is `pinned`. */
export async function expectPinnedTokens(gen: BundleGenerator, req: GenerateRequest, tokens: number, pinned: string): Promise<void> {
  const a = await generate(gen.models, req);
  const b = await generate(gen.models, req);
  expect(Array.from(a.tokens)).toEqual(Array.from(b.tokens));
  expect(a.tokens.length).toBe(tokens);
  expect(a.images[0]!.length).toBe(req.width * req.height * 3);
  expect(createHash('sha256').update(Buffer.from(Int32Array.from(a.tokens).buffer)).digest('hex')).toBe(pinned);
}
