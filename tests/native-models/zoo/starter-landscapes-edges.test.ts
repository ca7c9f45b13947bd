// The shipped starter-landscapes-edges bundle (issue 9): loads, validates, matches its hash, and generates a fixed-seed
// 64×64 window from the committed example edge map with a pinned token checksum (starter-bundle.ts).
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { expectPinnedTokens, expectStarterBundle, PINNED_SAMPLER, useStarterBundle } from './starter-bundle';

const EDGES_PNG = fileURLToPath(new URL('../../../examples/landscape-edges.png', import.meta.url));
const PINNED_TOKENS_SHA256 = 'c3fabf3ce0bd4002c5a76b7f0bc237d93b41b3ea614107c079b4bd542d872b9f'; // edges run 6

const bundle = useStarterBundle('starter-landscapes-edges');

describe('starter-landscapes-edges bundle', () => {
  it('has a valid edge-mode manifest, fp16 weights and a matching weights hash', async () => {
    const m = await expectStarterBundle(bundle.dir, 12 * 1024 * 1024);
    expect(m.condition).toMatchObject({ mode: 'edge' });
  });

  it('generates a 64×64 window from the example edge map with a fixed seed: stable tokens', async () => {
    const { data, info } = await sharp(EDGES_PNG).greyscale().raw().toBuffer({ resolveWithObject: true });
    const edges = new Uint8Array(64 * 64); // the 64×64 window at (0, 96) of the example edge map, white on black
    for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) edges[y * 64 + x] = data[(y + 96) * info.width + x]!;
    expect(edges.some((v) => v === 255)).toBe(true);
    await expectPinnedTokens(bundle.gen(), {
      mode: 'edge', width: 64, height: 64, seed: 1234, n: 1, sampler: PINNED_SAMPLER,
      condition: { kind: 'image', width: 64, height: 64, channels: 1, data: edges },
    }, 64, PINNED_TOKENS_SHA256);
  }, 60_000);
});
