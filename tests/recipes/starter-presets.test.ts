// The presets table is what the recipes train: every shipped starter bundle was made from its preset (same condition
// mode, stage architectures and transformer), so rerunning a recipe reproduces the shipped architecture.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { conditionModeOfManifest, type ManifestConditionMode } from '../../native-models/condition-modes';
import type { GptArchitecture, VqganArchitecture } from '../../native-models/formats/bundle';
import { STARTER_NAMES, STARTER_PRESETS, type StarterPreset } from '../../recipes/starter-presets';

interface ShippedManifest {
  condition: { mode: ManifestConditionMode };
  condStage: { kind: string; architecture: VqganArchitecture };
  firstStage: VqganArchitecture;
  transformer: GptArchitecture;
  weights: { bytes: number };
  sampling?: { windowStride?: number; temperature?: number };
}

async function manifestOf(name: string): Promise<ShippedManifest> {
  const path = fileURLToPath(new URL(`../../native-models/zoo/${name}/manifest.json`, import.meta.url));
  return JSON.parse(await readFile(path, 'utf8')) as ShippedManifest;
}

describe('starter presets', () => {
  it('name every shipped starter', () => {
    expect(STARTER_NAMES.sort()).toEqual(['starter-figures', 'starter-landscapes', 'starter-landscapes-edges']);
  });

  it('fit the zoo budget together: all shipped starters ≤ 60 MB', async () => {
    let bytes = 0;
    for (const name of STARTER_NAMES) bytes += (await manifestOf(name)).weights.bytes;
    expect(bytes).toBeLessThanOrEqual(60e6);
  });

  for (const name of STARTER_NAMES) {
    it(`${name}: the shipped bundle has the preset's mode, stages and transformer`, async () => {
      const preset: StarterPreset = STARTER_PRESETS[name];
      const m = await manifestOf(name);
      expect(conditionModeOfManifest(m.condition.mode)).toBe(preset.mode);
      expect(m.condStage).toEqual({ kind: 'vqgan', architecture: preset.condStage });
      if (preset.firstStage) expect(m.firstStage).toEqual(preset.firstStage);
      expect(m.transformer).toEqual(preset.transformer);
      expect(m.sampling?.windowStride ?? 1).toBe(preset.windowStride);
      expect(m.sampling?.temperature).toBe(preset.temperature);
      // taming's shared token table: the vocabulary covers both codebooks.
      expect(preset.transformer.vocab_size).toBeGreaterThanOrEqual(Math.max(m.firstStage.n_embed, preset.condStage.n_embed));
      // One transformer window = the c-tokens and z-tokens of one training crop (f = 8).
      expect(preset.transformer.block_size).toBe(2 * (preset.crop / 8) ** 2);
    });
  }
});
