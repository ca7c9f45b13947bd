import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importTamingCheckpoint } from '../../../native-models/formats/import-taming';
import { segmentationOneHot } from '../../../native-models/models/cond-stages';
import { loadBundle } from '../../../native-models/models/load';
import { releaseSessions } from '../../../native-models/runtime/session';
import { FIXTURES, f32, maxAbsDiff, npy, parity } from './parity-fixtures';

const tmp = mkdtempSync(join(tmpdir(), 'tessera-models-'));
afterAll(async () => {
  await releaseSessions();
  rmSync(tmp, { recursive: true, force: true });
});

describe('checkpoint → tessera import → bundle (manifest + safetensors, sha256-verified) → models', () => {
  it('Net2Net segmentation checkpoint: cond-stage codes, first-stage codes, GPT logits and decode match PyTorch', async () => {
    const out = join(tmp, 'seg');
    await importTamingCheckpoint(join(FIXTURES, 'net2net-seg.ckpt'), { out, config: join(FIXTURES, 'net2net-seg.project.yaml') });
    const b = await loadBundle(out);
    if (b.kind !== 'cond-transformer') throw new Error('expected a cond-transformer bundle');
    expect(b.condStage.kind).toBe('vq');
    if (b.condStage.kind !== 'vq') return;
    expect(b.condStage.mode).toBe('segmentation');
    const nLabels = parity.models['net2net-seg'].n_labels;
    expect(b.condStage.model.config.inChannels).toBe(nLabels);

    const labels = npy('net2net-seg.labels.npy');
    const [bs, lh, lw] = labels.shape as [number, number, number];
    const c = await b.condStage.model.encode(segmentationOneHot(labels.data, bs, lh, lw, nLabels), bs, lh, lw);
    expect(Array.from(c.indices)).toEqual(Array.from(npy('net2net-seg.c-indices.npy').data));

    const img = npy('net2net-seg.image.npy');
    const [, , h, w] = img.shape as [number, number, number, number];
    const z = await b.firstStage.encode(f32(img), bs, h, w);
    expect(Array.from(z.indices)).toEqual(Array.from(npy('net2net-seg.z-indices.npy').data));

    // c-tokens then z-tokens in one table, no offset; the transformer sees cat(c, z)[:, :-1]
    const cl = c.indices.length / bs;
    const zl = z.indices.length / bs;
    const tokens = new Int32Array(bs * (cl + zl - 1));
    for (let r = 0; r < bs; r++) {
      const seq = [...c.indices.subarray(r * cl, (r + 1) * cl), ...z.indices.subarray(r * zl, (r + 1) * zl)].slice(0, cl + zl - 1);
      tokens.set(seq, r * (cl + zl - 1));
    }
    expect(Array.from(tokens)).toEqual(Array.from(npy('net2net-seg.tokens.npy').data));
    const logits = await b.gpt.logits(tokens, bs, cl + zl - 1);
    expect(maxAbsDiff(logits, npy('net2net-seg.logits.npy').data)).toBeLessThanOrEqual(1e-4);

    const dec = await b.firstStage.decode(z.indices, bs, z.height, z.width);
    expect(maxAbsDiff(dec, npy('net2net-seg.z-decoded.npy').data)).toBeLessThanOrEqual(1e-4);
  });

  it('stand-alone Gumbel VQGAN checkpoint (with loss.* and optimizer states): indices identical, decode ≤ 1e-4', async () => {
    const out = join(tmp, 'gumbel');
    await importTamingCheckpoint(join(FIXTURES, 'gumbel-f8.ckpt'), { out });
    const b = await loadBundle(out);
    if (b.kind !== 'vqgan') throw new Error('expected a vqgan bundle');
    expect(b.vqgan.config.quantizer).toBe('gumbel');
    const x = npy('gumbel-f8.input.npy');
    const [bs, , h, w] = x.shape as [number, number, number, number];
    const enc = await b.vqgan.encode(f32(x), bs, h, w);
    expect(Array.from(enc.indices)).toEqual(Array.from(npy('gumbel-f8.indices.npy').data));
    const dec = await b.vqgan.decode(enc.indices, bs, enc.height, enc.width);
    expect(maxAbsDiff(dec, npy('gumbel-f8.decoded.npy').data)).toBeLessThanOrEqual(1e-4);
  });
});
