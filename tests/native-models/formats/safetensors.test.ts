import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { SafetensorsError, openSafetensors, sha256File, writeSafetensors } from '../../../native-models/formats/safetensors';
import type { TensorSource } from '../../../native-models/formats/safetensors';
import { tempDir } from './fixtures';

const tmp = tempDir('st');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('safetensors', () => {
  it('round-trips tensors of several dtypes (lazy sources too), metadata, 8-byte aligned header', async () => {
    const p = join(tmp, 'a.safetensors');
    const f32 = new Float32Array([1, -2.5, 3e-8, 4, 5, 6]);
    const i64 = new BigInt64Array([-(2n ** 60n), 7n]);
    const tensors: TensorSource[] = [
      { name: 'w', dtype: 'float32', shape: [2, 3], data: new Uint8Array(f32.buffer) },
      { name: 'idx', dtype: 'int64', shape: [2], data: async () => new Uint8Array(i64.buffer) },
      { name: 'h', dtype: 'float16', shape: [1], data: Uint8Array.from([0x00, 0x3c]) }, // 1.0
      { name: 'scalar', dtype: 'float32', shape: [], data: new Uint8Array(new Float32Array([9]).buffer) },
      { name: 'empty', dtype: 'float32', shape: [0, 3], data: new Uint8Array(0) },
    ];
    const { sha256, bytes } = await writeSafetensors(p, tensors, { note: 'x' });
    const raw = readFileSync(p);
    expect(raw.length).toBe(bytes);
    expect(createHash('sha256').update(raw).digest('hex')).toBe(sha256);
    expect(await sha256File(p)).toBe(sha256);
    expect(Number(raw.readBigUInt64LE(0)) % 8).toBe(0);
    const f = await openSafetensors(p);
    try {
      expect(f.metadata).toEqual({ note: 'x' });
      expect([...f.tensors.keys()]).toEqual(['w', 'idx', 'h', 'scalar', 'empty']);
      const w = f.tensors.get('w');
      expect(w?.shape).toEqual([2, 3]);
      const wb = await w!.read();
      expect([...new Float32Array(wb.buffer, wb.byteOffset, 6)]).toEqual([...f32]);
      const ib = await f.tensors.get('idx')!.read();
      expect(ib.readBigInt64LE(0)).toBe(-(2n ** 60n));
      expect(f.tensors.get('h')?.dtype).toBe('float16');
      expect(f.tensors.get('scalar')?.shape).toEqual([]);
      expect((await f.tensors.get('empty')!.read()).length).toBe(0);
    } finally {
      await f.close();
    }
  });

  it('refuses wrong sizes when writing and broken files when reading', async () => {
    await expect(writeSafetensors(join(tmp, 'b.safetensors'), [{ name: 'x', dtype: 'float32', shape: [3], data: new Uint8Array(8) }])).rejects.toThrow(/needs 12 bytes, got 8/);
    await expect(
      writeSafetensors(join(tmp, 'c.safetensors'), [
        { name: 'x', dtype: 'uint8', shape: [1], data: new Uint8Array(1) },
        { name: 'x', dtype: 'uint8', shape: [1], data: new Uint8Array(1) },
      ]),
    ).rejects.toThrow(/duplicate/);
    const junk = join(tmp, 'junk.safetensors');
    writeFileSync(junk, 'definitely not safetensors');
    await expect(openSafetensors(junk)).rejects.toThrow(SafetensorsError);
    const p = join(tmp, 'cut.safetensors');
    await writeSafetensors(p, [{ name: 'x', dtype: 'float32', shape: [100], data: new Uint8Array(400) }]);
    const raw = readFileSync(p);
    writeFileSync(p, raw.subarray(0, raw.length - 10));
    await expect(openSafetensors(p)).rejects.toThrow(/truncated/);
    const bad = Buffer.from(JSON.stringify({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(bad.length));
    writeFileSync(p, Buffer.concat([len, bad, Buffer.alloc(8)]));
    await expect(openSafetensors(p)).rejects.toThrow(/needs 8 bytes but spans 4/);
  });
});
