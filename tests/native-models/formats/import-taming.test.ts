import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ImportError, defaultBundleName, importTamingCheckpoint } from '../../../native-models/formats/import-taming';
import { exportTamingCheckpoint } from '../../../native-models/formats/export-taming';
import { readBundle } from '../../../native-models/formats/bundle';
import { openTorchCheckpoint } from '../../../native-models/formats/torch-checkpoint';
import { writeTorchCheckpoint } from '../../../native-models/formats/torch-checkpoint-writer';
import type { TensorSource } from '../../../native-models/formats/safetensors';
import { runCli } from '../../../main/hosts/cli';
import { CHECKSUMS, fixture, tempDir } from './fixtures';

const tmp = tempDir('import');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const SEG_YAML = fixture('cond-transformer-seg.project.yaml');

async function bundleHashes(dir: string): Promise<Map<string, string>> {
  const b = await readBundle(dir);
  try {
    const out = new Map<string, string>();
    for (const [k, t] of b.weights.tensors) out.set(k, `${t.dtype}${JSON.stringify(t.shape)}:${sha(await t.read())}`);
    return out;
  } finally {
    await b.close();
  }
}

describe('importTamingCheckpoint', () => {
  for (const [file, key, quantizer] of [
    ['vqgan-f4-attn.ckpt', 'vqgan-f4-attn', 'vq'],
    ['vqgan-f8-attn.ckpt', 'vqgan-f8-attn', 'vq'],
    ['vqgan-gumbel-f8.ckpt', 'vqgan-gumbel-f8', 'gumbel'],
  ] as const) {
    it(`${file}: a VQGAN bundle whose weights equal the checkpoint's (loss.* dropped)`, async () => {
      const out = join(tmp, key);
      const r = await importTamingCheckpoint(fixture(file), { out });
      const ref = CHECKSUMS[key]!;
      expect(r.manifest.kind).toBe('vqgan');
      expect(r.manifest.vqgan?.quantizer).toBe(quantizer);
      expect(r.manifest.vqgan?.ch_mult).toEqual((ref as unknown as { config: { ch_mult: number[] } }).config.ch_mult);
      expect(r.manifest.provenance.globalStep).toBe(ref.global_step);
      const got = await bundleHashes(out);
      const want = Object.entries(ref.tensors).filter(([k]) => !k.startsWith('loss.'));
      expect(got.size).toBe(want.length);
      for (const [k, t] of want) expect(got.get(k), k).toBe(`${t.dtype}${JSON.stringify(t.shape)}:${t.sha256}`);
    });
  }

  it('cond-transformer + project.yaml: architecture, condition, palette; attn masks skipped', async () => {
    const out = join(tmp, 'seg');
    const r = await importTamingCheckpoint(fixture('cond-transformer-seg.ckpt'), { out, config: SEG_YAML, now: new Date(0) });
    const m = r.manifest;
    expect(m.kind).toBe('cond-transformer');
    expect(m.transformer).toEqual({ vocab_size: 32, block_size: 128, n_layer: 2, n_head: 2, n_embd: 16, n_unmasked: 0 });
    expect(m.firstStage).toMatchObject({ ch: 8, ch_mult: [1, 1, 2], resolution: 32, attn_resolutions: [8], in_channels: 3 });
    expect(m.condStage).toMatchObject({ kind: 'vqgan', architecture: { in_channels: 12, out_ch: 12 } });
    expect(m.condition).toEqual({ mode: 'segmentation', key: 'segmentation', n_labels: 12 });
    expect(m.permuter).toEqual({ kind: 'identity' });
    expect(m.sosToken).toBe(0);
    expect(m.palette?.names).toHaveLength(12);
    expect(m.provenance).toMatchObject({ source: 'cond-transformer-seg.ckpt', configFile: 'cond-transformer-seg.project.yaml', globalStep: 5004, importedAt: '1970-01-01T00:00:00.000Z' });
    expect(r.skipped.map((s) => s.name)).toEqual(['transformer.blocks.0.attn.mask', 'transformer.blocks.1.attn.mask']);
    const got = await bundleHashes(out);
    const want = Object.entries(CHECKSUMS['cond-transformer-seg']!.tensors).filter(([k]) => !k.endsWith('.attn.mask'));
    expect(got.size).toBe(want.length);
    for (const [k, t] of want) expect(got.get(k), k).toBe(`${t.dtype}${JSON.stringify(t.shape)}:${t.sha256}`);
  });

  it('without project.yaml: n_head must be given; the condition is inferred from the cond stage', async () => {
    await expect(importTamingCheckpoint(fixture('cond-transformer-seg.ckpt'), { out: join(tmp, 'x') })).rejects.toThrow(/n_head cannot be inferred/);
    const r = await importTamingCheckpoint(fixture('cond-transformer-seg.ckpt'), { out: join(tmp, 'nh'), nHead: 4 });
    expect(r.manifest.transformer?.n_head).toBe(4);
    expect(r.manifest.condition).toEqual({ mode: 'segmentation', key: 'segmentation', n_labels: 12 });
    expect(r.notes.join('\n')).toMatch(/assumed resolution=256/);
    const r32 = await importTamingCheckpoint(fixture('cond-transformer-seg.ckpt'), { out: join(tmp, 'r32'), nHead: 2, resolution: 32 });
    expect(r32.manifest.firstStage).toMatchObject({ resolution: 32, attn_resolutions: [8] });
    expect(r32.notes).toEqual([]);
  });

  it('missing and mis-shaped keys: the error names each one with the expected shape', async () => {
    const ck = await openTorchCheckpoint(fixture('vqgan-f4-attn.ckpt'));
    const tensors: TensorSource[] = [];
    for (const [name, t] of ck.tensors) {
      if (name === 'encoder.mid.attn_1.q.weight' || name === 'decoder.up.1.block.0.conv2.bias') continue; // missing
      if (name === 'post_quant_conv.bias') {
        tensors.push({ name, dtype: 'float32', shape: [5], data: new Uint8Array(20) }); // mis-shaped
        continue;
      }
      tensors.push({ name, dtype: t.dtype, shape: t.shape, data: await t.read() });
    }
    tensors.push({ name: 'quantize.extra_buffer', dtype: 'float32', shape: [1], data: new Uint8Array(4) });
    await ck.close();
    const bad = join(tmp, 'bad.ckpt');
    await writeTorchCheckpoint(bad, { tensors, globalStep: 1 });
    const err = await importTamingCheckpoint(bad, { out: join(tmp, 'bad') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportError);
    const msg = (err as Error).message;
    expect(msg).toContain('2 missing key(s): encoder.mid.attn_1.q.weight [16, 16, 1, 1], decoder.up.1.block.0.conv2.bias [8]');
    expect(msg).toContain('post_quant_conv.bias is [5], expected [4]');
    expect(msg).toContain('unexpected key(s): quantize.extra_buffer');
  });

  it('names bundles after the taming run folder', () => {
    expect(defaultBundleName('/x/2020-11-09T13-31-51_sflckr/checkpoints/last.ckpt')).toBe('2020-11-09T13-31-51_sflckr');
    expect(defaultBundleName('/x/vqgan_gumbel_f8/checkpoints/last.ckpt')).toBe('vqgan_gumbel_f8');
    expect(defaultBundleName('/x/models/my-vqgan.pth')).toBe('my-vqgan');
  });

  it('not a taming model / unknown condition: clear errors', async () => {
    await expect(importTamingCheckpoint(fixture('dtypes.pth'), { out: join(tmp, 'd') })).rejects.toThrow(/not a taming model.*neither encoder\.\*/s);
    await expect(importTamingCheckpoint(fixture('legacy-format.ckpt'), { out: join(tmp, 'l') })).rejects.toMatchObject({ code: 'legacy-format' });
    await expect(importTamingCheckpoint(fixture('vqgan-f4-attn.ckpt'), { out: join(tmp, 'c'), config: join(tmp, 'none.yaml') })).rejects.toThrow(/cannot read config/);
  });
});

describe('export-taming -> import round trip', () => {
  it('gives identical weights and architecture (VQGAN and cond-transformer)', async () => {
    for (const [file, opts] of [
      ['vqgan-gumbel-f8.ckpt', {}],
      ['cond-transformer-seg.ckpt', { config: SEG_YAML }],
    ] as const) {
      const first = join(tmp, `rt1-${file}`);
      const exported = join(tmp, `rt-export-${file}`);
      const second = join(tmp, `rt2-${file}`);
      const a = await importTamingCheckpoint(fixture(file), { out: first, ...opts });
      const e = await exportTamingCheckpoint(first, exported);
      const ck = await openTorchCheckpoint(e.checkpoint);
      expect(ck.globalStep).toBe(a.manifest.provenance.globalStep);
      expect(ck.topLevelKeys).toEqual(['state_dict', 'global_step']);
      await ck.close();
      const b = await importTamingCheckpoint(e.checkpoint, { out: second, config: e.config });
      expect(b.manifest.kind).toBe(a.manifest.kind);
      expect(b.manifest.vqgan ?? b.manifest.firstStage).toEqual(a.manifest.vqgan ?? a.manifest.firstStage);
      expect(b.manifest.transformer).toEqual(a.manifest.transformer);
      expect(b.manifest.condStage).toEqual(a.manifest.condStage);
      expect(b.manifest.condition).toEqual(a.manifest.condition);
      expect(await bundleHashes(second)).toEqual(await bundleHashes(first));
      expect(b.manifest.weights.sha256).toBe(a.manifest.weights.sha256); // byte-identical weights file
    }
  });
});

describe('CLI: tessera import / export-taming', () => {
  it('imports, exports and reports errors through the command registry', async () => {
    const lines: string[] = [];
    const errs: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => errs.push(l) };
    const stop = new Promise<void>(() => undefined);
    const out = join(tmp, 'cli-bundle');
    expect(await runCli(['import', fixture('cond-transformer-seg.ckpt'), '--config', SEG_YAML, '--out', out], { io, stopRequested: stop })).toBe(0);
    expect(lines.join('\n')).toMatch(/imported transformer \(2 layers × 16, condition segmentation\): 403 tensors/);
    expect(lines.join('\n')).toMatch(/skipped: 2 × causal attention mask buffer/);
    expect(await runCli(['export-taming', '--model', out, '--out', join(tmp, 'cli-export')], { io, stopRequested: stop })).toBe(0);
    expect(lines.join('\n')).toMatch(/last\.ckpt \(405 tensors/);
    errs.length = 0;
    expect(await runCli(['import', fixture('malicious.ckpt'), '--out', join(tmp, 'm')], { io, stopRequested: stop })).toBe(1);
    expect(errs[0]).toMatch(/^tessera: .*refused to load: the pickle would call posix\.system/);
    errs.length = 0;
    expect(await runCli(['import', fixture('cond-transformer-seg.ckpt'), '--out', join(tmp, 'n')], { io, stopRequested: stop })).toBe(1);
    expect(errs[0]).toMatch(/n_head cannot be inferred/);
    expect(await runCli(['import', fixture('cond-transformer-seg.ckpt')], { io, stopRequested: stop })).toBe(2);
  });
});
