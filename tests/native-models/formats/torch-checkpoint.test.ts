import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckpointFormatError, defaultSkipReason, openTorchCheckpoint } from '../../../native-models/formats/torch-checkpoint';
import { bytesToTypedArray, bytesToFloat32 } from '../../../native-models/formats/dtype';
import { ZipWriter } from '../../../native-models/formats/zip-writer';
import { CHECKSUMS, fixture, tempDir } from './fixtures';

const tmp = tempDir('ckpt');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function expectCheckpointError(path: string, code: string, text: RegExp): Promise<void> {
  const err = await openTorchCheckpoint(path).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CheckpointFormatError);
  expect((err as CheckpointFormatError).code).toBe(code);
  expect((err as Error).message).toMatch(text);
}

describe('torch zip checkpoint reader on real torch.save files', () => {
  for (const [file, key] of [
    ['vqgan-f4-attn.ckpt', 'vqgan-f4-attn'],
    ['vqgan-f8-attn.ckpt', 'vqgan-f8-attn'],
    ['vqgan-gumbel-f8.ckpt', 'vqgan-gumbel-f8'],
    ['cond-transformer-seg.ckpt', 'cond-transformer-seg'],
    ['dtypes.pth', 'dtypes'],
  ] as const) {
    it(`${file}: every kept tensor has the written dtype, shape and bytes; skipped = loss.* + attn.mask`, async () => {
      const ref = CHECKSUMS[key]!;
      const ck = await openTorchCheckpoint(fixture(file));
      try {
        const expectedKept = Object.keys(ref.tensors).filter((k) => defaultSkipReason(k) === null);
        const expectedSkipped = Object.keys(ref.tensors).filter((k) => defaultSkipReason(k) !== null);
        expect([...ck.tensors.keys()].sort()).toEqual(expectedKept.sort());
        expect(ck.skipped.map((s) => s.name).sort()).toEqual(expectedSkipped.sort());
        for (const [name, t] of ck.tensors) {
          const r = ref.tensors[name]!;
          expect(t.dtype, name).toBe(r.dtype);
          expect([...t.shape], name).toEqual(r.shape);
          const bytes = await t.read();
          expect(bytes.length).toBe(t.byteLength);
          expect(sha(bytes), name).toBe(r.sha256);
        }
        expect(ck.globalStep ?? null).toBe(ref.global_step);
      } finally {
        await ck.close();
      }
    });
  }

  it('keeps the PL extras inert: callbacks keyed by a class, unknown objects, optimizer states', async () => {
    const ck = await openTorchCheckpoint(fixture('vqgan-f4-attn.ckpt'));
    try {
      expect(ck.topLevelKeys).toEqual(
        expect.arrayContaining(['epoch', 'global_step', 'pytorch-lightning_version', 'callbacks', 'optimizer_states', 'state_dict', 'hyper_parameters']),
      );
      expect(ck.archivePrefix).toBe('vqgan-f4-attn');
      expect(ck.tensors.has('encoder.conv_in.weight')).toBe(true);
      expect([...ck.tensors.keys()].some((k) => k.startsWith('loss.'))).toBe(false);
    } finally {
      await ck.close();
    }
  });

  it('decodes every dtype, views with storage offsets and a transposed (strided) tensor', async () => {
    const ck = await openTorchCheckpoint(fixture('dtypes.pth'));
    try {
      const get = async (n: string) => {
        const t = ck.tensors.get(n);
        if (!t) throw new Error(n);
        return { t, bytes: await t.read() };
      };
      const i64 = await get('i64');
      expect([...(bytesToTypedArray('int64', i64.bytes) as BigInt64Array)]).toEqual([-(2n ** 40n), -1n, 0n, 5n, 2n ** 52n + 1n]);
      expect([...(bytesToTypedArray('int32', (await get('i32')).bytes) as Int32Array)]).toEqual([-7, 8, 2 ** 30, -(2 ** 31)]);
      expect([...(bytesToTypedArray('uint8', (await get('u8')).bytes) as Uint8Array)]).toEqual([0, 255, 17]);
      expect([...(bytesToTypedArray('int8', (await get('i8')).bytes) as Int8Array)]).toEqual([-128, 127, 3]);
      expect([...(await get('bool')).bytes]).toEqual([1, 0, 1]);
      expect(bytesToFloat32('float32', (await get('scalar')).bytes)[0]).toBe(3.25);
      const scalar = ck.tensors.get('scalar');
      expect(scalar?.shape).toEqual([]);
      const empty = await get('empty');
      expect(empty.t.shape).toEqual([0, 4]);
      expect(empty.bytes.length).toBe(0);
      const tr = await get('transposed');
      expect(tr.t.contiguous).toBe(false);
      expect(tr.t.strides).toEqual([1, 5]);
      const row = await get('view.row2');
      expect(row.t.storageOffset).toBe(10);
      expect(row.t.storageKey).toBe(tr.t.storageKey); // shared storage
      // transposed[j][i] == base[i][j]; row2 == base[2]
      const t = bytesToFloat32('float32', tr.bytes); // [5, 6]
      const r = bytesToFloat32('float32', row.bytes); // [5]
      for (let j = 0; j < 5; j++) expect(t[j * 6 + 2]).toBe(r[j]);
      // half / bfloat16 decode close to their float32 source is checked by sha; spot-check finiteness
      for (const v of bytesToFloat32('float16', (await get('f16')).bytes)) expect(Number.isFinite(v)).toBe(true);
      for (const v of bytesToFloat32('bfloat16', (await get('bf16')).bytes)) expect(Math.abs(v)).toBeLessThan(10);
    } finally {
      await ck.close();
    }
  });
});

describe('state_dict filter', () => {
  it('skips training-only entries and keeps weights', () => {
    for (const k of ['loss.discriminator.main.0.weight', 'first_stage_model.loss.perceptual_loss.net.slice1.0.weight', 'transformer.blocks.3.attn.mask', 'blocks.0.attn.mask', 'colorize']) {
      expect(defaultSkipReason(k), k).not.toBeNull();
    }
    for (const k of ['encoder.down.4.attn.0.q.weight', 'transformer.blocks.3.attn.query.weight', 'cond_stage_model.quantize.embedding.weight', 'lossy.weight']) {
      expect(defaultSkipReason(k), k).toBeNull();
    }
  });
});

describe('bad input: clear errors, no crash', () => {
  it('legacy (pre-1.6, non-zip) format says what it is and how to convert it', async () => {
    await expectCheckpointError(fixture('legacy-format.ckpt'), 'legacy-format', /legacy PyTorch serialization.*torch.save\(torch.load/s);
  });

  it('truncated zip (interrupted download)', async () => {
    const p = join(tmp, 'truncated.ckpt');
    copyFileSync(fixture('vqgan-f4-attn.ckpt'), p);
    truncateSync(p, 150_000);
    await expectCheckpointError(p, 'truncated', /truncated/);
  });

  it('zip whose directory survives but whose data is cut short', async () => {
    const p = join(tmp, 'cut-data.ckpt');
    const whole = readFileSync(fixture('vqgan-f8-attn.ckpt'));
    // keep the end (central directory) but zero out the middle: local headers no longer match
    const broken = Buffer.from(whole);
    broken.fill(0, 1000, whole.length - 30_000);
    writeFileSync(p, broken);
    const err = await openTorchCheckpoint(p).then(
      async (ck) => {
        try {
          for (const t of ck.tensors.values()) await t.read();
          return null;
        } finally {
          await ck.close();
        }
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CheckpointFormatError);
    expect(['corrupt', 'truncated']).toContain((err as CheckpointFormatError).code);
  });

  it('not a zip / empty / missing / a bare pickle / a zip without data.pkl', async () => {
    const text = join(tmp, 'notes.txt');
    writeFileSync(text, 'hello, this is not a checkpoint\n');
    await expectCheckpointError(text, 'not-a-checkpoint', /not a PyTorch checkpoint/);
    const empty = join(tmp, 'empty.ckpt');
    writeFileSync(empty, '');
    await expectCheckpointError(empty, 'not-a-checkpoint', /empty/);
    await expectCheckpointError(join(tmp, 'nope.ckpt'), 'not-found', /no such file/);
    await expectCheckpointError(fixture('malicious.pkl'), 'unknown-layout', /bare pickle/);
    const other = join(tmp, 'other.zip');
    const z = await ZipWriter.create(other);
    await z.addEntry('docs/readme.txt', Buffer.from('hi'));
    await z.close();
    await expectCheckpointError(other, 'unknown-layout', /no <archive>\/data\.pkl/);
  });

  it('refuses a checkpoint whose pickle would call os.system, executing nothing', async () => {
    const marker = '/tmp/tessera-malicious-pickle-marker';
    rmSync(marker, { force: true });
    await expectCheckpointError(fixture('malicious.ckpt'), 'unsafe', /refused to load: the pickle would call posix\.system.*Nothing was executed/s);
    expect(() => readFileSync(marker)).toThrow();
  });
});
