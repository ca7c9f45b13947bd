// The shipped starter-figures bundle (issue 9): loads, validates, matches its hash, names its 128×128 output size,
// and generates a fixed-seed figure from the committed example pose with a pinned token checksum (starter-bundle.ts).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectPinnedTokens, expectStarterBundle, PINNED_SAMPLER, useStarterBundle } from './starter-bundle';
import { FIGURES_RESIZE } from '../../../recipes/starter-presets';

const POSE_JSON = fileURLToPath(new URL('../../../examples/figure-pose.json', import.meta.url));
// With the manifest's own window stride (sampling.windowStride 4, what a person gets) and with taming's rule (1).
const PINNED_TOKENS_SHA256 = 'd68f4b5bebd5e3e2939eed293edacfa46996d007460c5770a2eb23b5a8e3c0ad';
const PINNED_STRIDE1_TOKENS_SHA256 = '7044d0466b51f7b69c50e1f8530f9f3ae5b0c0968082d13a07187355cf35660d';

const bundle = useStarterBundle('starter-figures');

describe('starter-figures bundle', () => {
  it('has a valid pose-mode manifest naming its 128×128 output size, fp16 weights and a matching weights hash', async () => {
    const m = await expectStarterBundle(bundle.dir, 12 * 1024 * 1024);
    expect(m.condition).toMatchObject({ mode: 'pose' });
    expect(m.outputSize).toEqual({ width: FIGURES_RESIZE, height: FIGURES_RESIZE });
    expect(bundle.gen().outputSize).toEqual(m.outputSize);
  });

  it('generates a 128×128 figure (16×16 tokens, sliding window at the model\'s stride and at taming\'s) from the example pose with a fixed seed: stable tokens', async () => {
    const json = await readFile(POSE_JSON, 'utf8');
    const req = { mode: 'pose' as const, width: FIGURES_RESIZE, height: FIGURES_RESIZE, seed: 1234, n: 1, sampler: PINNED_SAMPLER, condition: { kind: 'pose' as const, json } };
    await expectPinnedTokens(bundle.gen(), req, 256, PINNED_TOKENS_SHA256);
    await expectPinnedTokens(bundle.gen(), { ...req, windowStride: 1 }, 256, PINNED_STRIDE1_TOKENS_SHA256);
  }, 120_000);
});
