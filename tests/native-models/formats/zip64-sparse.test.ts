// A checkpoint larger than 4 GiB, built as a SPARSE file (the multi-GiB storage is a hole: no disk used),
// with a tensor whose bytes lie beyond the 4 GiB mark: it must be found through the ZIP64 records and read
// by offset without touching the rest of the file.

import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ZipWriter } from '../../../native-models/formats/zip-writer';
import { ZipReader } from '../../../native-models/formats/zip-reader';
import { openTorchCheckpoint } from '../../../native-models/formats/torch-checkpoint';
import { pickleStateDictCheckpoint } from '../../../native-models/formats/torch-checkpoint-writer';
import { tempDir } from './fixtures';

const tmp = tempDir('zip64');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const BIG_ELEMENTS = 1_100_000_000; // float32 -> 4.4e9 bytes > 2^32

describe('ZIP64 checkpoint > 4 GiB (sparse)', () => {
  it('reads a tensor located beyond 4 GiB', async () => {
    const path = join(tmp, 'huge.ckpt');
    const small = new Float32Array([1.5, -2.25, 3.125, 1e-7]);
    const pkl = pickleStateDictCheckpoint({
      tensors: [
        { name: 'transformer.tok_emb.weight', dtype: 'float32', shape: [BIG_ELEMENTS], data: new Uint8Array(0) },
        { name: 'transformer.ln_f.bias', dtype: 'float32', shape: [2, 2], data: new Uint8Array(small.buffer) },
      ],
      globalStep: 42,
    });
    const w = await ZipWriter.create(path);
    await w.addEntry('archive/data.pkl', pkl);
    const big = await w.reserveEntry('archive/data/0', BIG_ELEMENTS * 4, 0); // a hole: nothing written
    // a few real bytes at the very end of the big storage
    await w.writeAt(new Uint8Array(new Float32Array([7, 8]).buffer), big.dataOffset + BIG_ELEMENTS * 4 - 8);
    await w.addEntry('archive/data/1', new Uint8Array(small.buffer));
    await w.addEntry('archive/version', Buffer.from('3\n'));
    await w.close();

    const st = statSync(path);
    expect(st.size).toBeGreaterThan(2 ** 32);
    expect(st.blocks * 512).toBeLessThan(64 * 1024 * 1024); // sparse: almost no real disk use

    const z = await ZipReader.open(path);
    try {
      expect(z.zip64).toBe(true);
      expect(await z.dataOffset('archive/data/1')).toBeGreaterThan(2 ** 32);
      expect(z.entry('archive/data/0').uncompressedSize).toBe(BIG_ELEMENTS * 4);
    } finally {
      await z.close();
    }

    const ck = await openTorchCheckpoint(path);
    try {
      expect(ck.globalStep).toBe(42);
      const bias = ck.tensors.get('transformer.ln_f.bias');
      if (!bias) throw new Error('transformer.ln_f.bias not found');
      expect(bias.shape).toEqual([2, 2]);
      const bytes = await bias.read();
      expect([...new Float32Array(bytes.buffer, bytes.byteOffset, 4)]).toEqual([...small]);
      const emb = ck.tensors.get('transformer.tok_emb.weight');
      expect(emb?.byteLength).toBe(BIG_ELEMENTS * 4);
      // the tail of the big storage, by offset
      const zr = await ZipReader.open(path);
      const tail = await zr.readRange('archive/data/0', BIG_ELEMENTS * 4 - 8, 8);
      await zr.close();
      expect([...new Float32Array(tail.buffer, tail.byteOffset, 2)]).toEqual([7, 8]);
    } finally {
      await ck.close();
    }
  });
});
