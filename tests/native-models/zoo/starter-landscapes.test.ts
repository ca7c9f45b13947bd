// The shipped starter-landscapes bundle (issue 9): loads, validates, matches its hash, and generates a fixed-seed
// window with a pinned token checksum (starter-bundle.ts).
import { describe, expect, it } from 'vitest';
import { LANDSCAPE_CLASSES } from '../../../recipes/landscapes';
import { exampleScene } from '../../../recipes/make-examples';
import { expectPinnedTokens, expectStarterBundle, PINNED_SAMPLER, useStarterBundle } from './starter-bundle';

const PINNED_TOKENS_SHA256 = '2b03777e34786481eceb4974338dfa260b9d025af74ad1a8fa6268315278a8a2'; // run 8

const bundle = useStarterBundle('starter-landscapes');

describe('starter-landscapes bundle', () => {
  it('has a valid manifest with the landscape palette, fp16 weights and a matching weights hash', async () => {
    const m = await expectStarterBundle(bundle.dir, 20 * 1024 * 1024);
    expect(m.condition).toMatchObject({ mode: 'segmentation', n_labels: 8 });
    expect(m.palette!.names).toEqual(LANDSCAPE_CLASSES.map((c) => c.name));
    expect(m.palette!.colors).toEqual(LANDSCAPE_CLASSES.map((c) => c.color));
  });

  it('generates a 64×64 window from the example layout with a fixed seed: stable tokens', async () => {
    const s = exampleScene();
    const labels = new Int32Array(64 * 64); // the 64×64 window at (0, 96) of the example layout
    for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) labels[y * 64 + x] = s.labels[(y + 96) * s.width + x]!;
    await expectPinnedTokens(bundle.gen(), {
      mode: 'semantic', width: 64, height: 64, seed: 1234, n: 1, sampler: PINNED_SAMPLER,
      condition: { kind: 'labels', map: { width: 64, height: 64, labels } },
    }, 64, PINNED_TOKENS_SHA256);
  }, 60_000);
});
