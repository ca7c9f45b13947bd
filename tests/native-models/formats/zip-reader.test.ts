import { readFileSync, rmSync, truncateSync, copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ZipFormatError, ZipReader } from '../../../native-models/formats/zip-reader';
import { ZipWriter } from '../../../native-models/formats/zip-writer';
import { fixture, tempDir } from './fixtures';

const tmp = tempDir('zip');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('ZipReader', () => {
  it('reads a ZIP64 archive written by another implementation (Python zipfile, all ZIP64 records forced)', async () => {
    const z = await ZipReader.open(fixture('zip64-forced.zip'));
    try {
      expect(z.zip64).toBe(true);
      expect(z.names().sort()).toEqual(['deflated.txt', 'stored.bin']);
      const stored = await z.readEntry('stored.bin');
      expect(stored.length).toBe(1024);
      for (let i = 0; i < 1024; i++) expect(stored[i]).toBe(i % 256);
      expect((await z.readRange('stored.bin', 300, 4)).toJSON().data).toEqual([44, 45, 46, 47]);
      expect(z.entry('deflated.txt').method).toBe(8);
      expect((await z.readEntry('deflated.txt')).toString()).toBe('tessera '.repeat(500));
    } finally {
      await z.close();
    }
  });

  it('round-trips its own writer, 64-byte aligned data, with and without forced ZIP64', async () => {
    for (const forceZip64 of [false, true]) {
      const p = join(tmp, `rt-${forceZip64}.zip`);
      const w = await ZipWriter.create(p, { forceZip64 });
      const a = Buffer.from('alpha');
      const b = Buffer.alloc(1000, 7);
      await w.addEntry('x/a.txt', a);
      await w.addStreamedEntry('x/b.bin', b.length, async (sink) => {
        await sink(b.subarray(0, 300));
        await sink(b.subarray(300));
      });
      await w.close();
      const z = await ZipReader.open(p);
      try {
        expect(z.zip64).toBe(forceZip64);
        expect((await z.readEntry('x/a.txt')).toString()).toBe('alpha');
        expect((await z.readEntry('x/b.bin')).equals(b)).toBe(true); // CRC checked
        expect((await z.dataOffset('x/b.bin')) % 64).toBe(0);
      } finally {
        await z.close();
      }
    }
  });

  it('says "not a ZIP", "truncated" and "missing entry" clearly', async () => {
    const notZip = join(tmp, 'not.zip');
    writeFileSync(notZip, 'just text');
    await expect(ZipReader.open(notZip)).rejects.toMatchObject({ code: 'not-zip' });
    const cut = join(tmp, 'cut.zip');
    copyFileSync(fixture('vqgan-f4-attn.ckpt'), cut);
    truncateSync(cut, 100_000);
    const err = await ZipReader.open(cut).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZipFormatError);
    expect((err as ZipFormatError).code).toBe('truncated');
    expect((err as Error).message).toMatch(/end-of-central-directory record not found.*truncated/);
    const z = await ZipReader.open(fixture('zip64-forced.zip'));
    await expect(z.readEntry('nope')).rejects.toMatchObject({ code: 'missing-entry' });
    await expect(z.readRange('stored.bin', 1000, 100)).rejects.toMatchObject({ code: 'corrupt' });
    await z.close();
  });

  it('detects a corrupted stored entry by its CRC-32', async () => {
    const p = join(tmp, 'crc.zip');
    const w = await ZipWriter.create(p);
    await w.addEntry('a.bin', Buffer.alloc(256, 1));
    await w.close();
    const bytes = readFileSync(p);
    const z0 = await ZipReader.open(p);
    const off = await z0.dataOffset('a.bin');
    await z0.close();
    bytes[off + 10]! ^= 0xff;
    writeFileSync(p, bytes);
    const z = await ZipReader.open(p);
    await expect(z.readEntry('a.bin')).rejects.toThrow(/CRC-32 mismatch/);
    await z.close();
  });
});
