import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BundleError, readBundle, readManifest, validateManifest, verifyBundle, writeBundle } from '../../../native-models/formats/bundle';
import type { ManifestDraft } from '../../../native-models/formats/bundle';
import { COCO_STUFF_182_COLORS, COCO_STUFF_182_NAMES } from '../../../native-models/formats/coco-stuff-palette';
import { segmentationPalette } from '../../../native-models/formats/import-taming';
import { tempDir } from './fixtures';

const tmp = tempDir('bundle');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const vq = {
  ch: 8, ch_mult: [1, 2], num_res_blocks: 1, attn_resolutions: [16], z_channels: 4, resolution: 32, in_channels: 3, out_ch: 3,
  double_z: false, dropout: 0, resamp_with_conv: true, n_embed: 16, embed_dim: 4, quantizer: 'vq' as const, legacy_beta: true, beta: 0.25,
};

const draft: ManifestDraft = {
  name: 'tiny-seg',
  kind: 'cond-transformer',
  firstStage: vq,
  condStage: { kind: 'vqgan', architecture: { ...vq, in_channels: 182, out_ch: 182 } },
  transformer: { vocab_size: 16, block_size: 32, n_layer: 1, n_head: 2, n_embd: 8, n_unmasked: 0 },
  condition: { mode: 'segmentation', key: 'segmentation', n_labels: 182 },
  permuter: { kind: 'identity' },
  sosToken: 0,
  palette: segmentationPalette(182),
  provenance: { source: 'test', importedAt: '2026-01-01T00:00:00.000Z', tool: 'test' },
};

describe('Tessera bundle', () => {
  it('write -> read -> verify hash; tampering is detected', async () => {
    const dir = join(tmp, 'b1');
    const w = new Float32Array([1, 2, 3, 4]);
    const m = await writeBundle(dir, draft, [
      { name: 'transformer.ln_f.weight', dtype: 'float32', shape: [4], data: new Uint8Array(w.buffer) },
      { name: 'transformer.ln_f.bias', dtype: 'float32', shape: [2, 2], data: async () => new Uint8Array(16) },
    ]);
    expect(m.weights.tensors).toBe(2);
    expect(m.weights.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await readManifest(dir)).toEqual(m);
    expect((await verifyBundle(dir)).ok).toBe(true);
    const b = await readBundle(dir);
    try {
      expect(b.manifest.palette?.names[0]).toBe('person');
      const t = await b.weights.tensors.get('transformer.ln_f.weight')!.read();
      expect([...new Float32Array(t.buffer, t.byteOffset, 4)]).toEqual([1, 2, 3, 4]);
    } finally {
      await b.close();
    }
    const wpath = join(dir, 'weights.safetensors');
    const raw = readFileSync(wpath);
    raw[raw.length - 1]! ^= 1;
    writeFileSync(wpath, raw);
    const v = await verifyBundle(dir);
    expect(v.ok).toBe(false);
    await expect(readBundle(dir)).rejects.toMatchObject({ code: 'hash-mismatch' });
    await expect(readBundle(join(tmp, 'missing'))).rejects.toMatchObject({ code: 'not-found' });
  });

  it('validation lists every problem of a bad manifest', () => {
    let err: unknown = null;
    try {
      validateManifest({
        format: 'tessera-bundle',
        formatVersion: 1,
        name: '',
        kind: 'cond-transformer',
        firstStage: { ...vq, ch_mult: [], quantizer: 'lfq' },
        condStage: { kind: 'vqgan' },
        transformer: { vocab_size: 8, block_size: 32, n_layer: 1, n_head: 3, n_embd: 8, n_unmasked: 0 },
        condition: { mode: 'sketchy', key: 'x' },
        provenance: { source: 's', importedAt: 'now', tool: 't', finetunedFrom: { name: 'base', sha256: 'nope' } },
        weights: { file: '../evil', sha256: 'xyz', bytes: 100, tensors: 1 },
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BundleError);
    const msg = (err as Error).message;
    for (const expected of [
      'manifest.name',
      'manifest.firstStage.ch_mult',
      'manifest.firstStage.quantizer',
      'manifest.condStage.architecture: expected an object',
      'n_embd 8 is not divisible by n_head 3',
      'manifest.condition.mode',
      'vocab_size 8 is smaller',
      'manifest.weights.sha256',
      'manifest.weights.file',
      'manifest.provenance.finetunedFrom.sha256',
    ]) {
      expect(msg).toContain(expected);
    }
  });

  it('checks the optional outputSize: positive integers, multiples of the first stage\'s factor', () => {
    const base = { ...draft, format: 'tessera-bundle', formatVersion: 1, weights: { file: 'weights.safetensors', sha256: 'ab'.repeat(32), bytes: 64, tensors: 1 } };
    const factor = 2 ** (vq.ch_mult.length - 1);
    expect(validateManifest({ ...base, outputSize: { width: 16 * factor, height: 8 * factor } }).outputSize).toEqual({ width: 16 * factor, height: 8 * factor });
    expect(() => validateManifest({ ...base, outputSize: { width: factor + 1, height: factor } })).toThrow(new RegExp(`outputSize: ${factor + 1}×${factor} is not a multiple of the first stage's factor ${factor}`));
    expect(() => validateManifest({ ...base, outputSize: { width: 0, height: 'x' } })).toThrow(/manifest.outputSize.width: expected an integer >= 1[\s\S]*manifest.outputSize.height/);
  });

  it('checks the optional sampling.windowStride: a whole number 1..64', () => {
    const base = { ...draft, format: 'tessera-bundle', formatVersion: 1, weights: { file: 'weights.safetensors', sha256: 'ab'.repeat(32), bytes: 64, tensors: 1 } };
    expect(validateManifest({ ...base, sampling: { windowStride: 4 } }).sampling).toEqual({ windowStride: 4 });
    expect(validateManifest({ ...base, sampling: {} }).sampling).toEqual({});
    expect(() => validateManifest({ ...base, sampling: { windowStride: 0 } })).toThrow(/manifest.sampling.windowStride: expected a whole number 1..64, got 0/);
    expect(() => validateManifest({ ...base, sampling: { windowStride: 2.5 } })).toThrow(/manifest.sampling.windowStride/);
    expect(() => validateManifest({ ...base, sampling: 'fast' })).toThrow(/manifest.sampling/);
  });

  it('checks the optional sampling.temperature: a number in (0, 10]', () => {
    const base = { ...draft, format: 'tessera-bundle', formatVersion: 1, weights: { file: 'weights.safetensors', sha256: 'ab'.repeat(32), bytes: 64, tensors: 1 } };
    expect(validateManifest({ ...base, sampling: { windowStride: 4, temperature: 0.7 } }).sampling).toEqual({ windowStride: 4, temperature: 0.7 });
    expect(() => validateManifest({ ...base, sampling: { temperature: 0 } })).toThrow(/manifest.sampling.temperature: expected a number in \(0, 10\], got 0/);
    expect(() => validateManifest({ ...base, sampling: { temperature: '0.7' } })).toThrow(/manifest.sampling.temperature: expected a number in \(0, 10\], got "0.7"/);
  });

  it('carries the 182 COCO-Stuff labels with distinct colours for S-FLCKR', () => {
    expect(COCO_STUFF_182_NAMES).toHaveLength(182);
    expect(COCO_STUFF_182_COLORS).toHaveLength(182);
    expect(COCO_STUFF_182_NAMES[0]).toBe('person');
    expect(COCO_STUFF_182_NAMES[156]).toBe('sky-other');
    expect(COCO_STUFF_182_NAMES[181]).toBe('wood');
    expect(new Set(COCO_STUFF_182_COLORS.map((c) => c.join(','))).size).toBe(182);
    const p183 = segmentationPalette(183);
    expect(p183.names[0]).toBe('unlabeled');
    expect(p183.names[1]).toBe('person');
    expect(segmentationPalette(151).names).toHaveLength(151);
  });
});
