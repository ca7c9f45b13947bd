import { mkdtemp, readdir, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataCache, decodeEntry, encodeEntry, stableStringify } from '../../../../native-models/training/data/cache';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'tessera-cache-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

describe('DataCache', () => {
  it('round-trips typed arrays and metadata', () => {
    const entry = { meta: { w: 3, note: 'x', nested: { a: [1, 2] } }, arrays: { f: new Float32Array([1.5, -2]), u: new Uint8Array([1, 2, 3]), i: new Int32Array([-7]), h: new Uint16Array([65535]) } };
    const back = decodeEntry(encodeEntry(entry));
    expect(back.meta).toEqual(entry.meta);
    expect(Array.from(back.arrays.f!)).toEqual([1.5, -2]);
    expect(back.arrays.u).toBeInstanceOf(Uint8Array);
    expect(Array.from(back.arrays.u!)).toEqual([1, 2, 3]);
    expect(Array.from(back.arrays.i!)).toEqual([-7]);
    expect(Array.from(back.arrays.h!)).toEqual([65535]);
  });

  it('keys on file content and settings, not on file names or key order', async () => {
    const cache = new DataCache(join(dir, 'c1'));
    await writeFile(join(dir, 'one.bin'), 'same bytes');
    await writeFile(join(dir, 'two.bin'), 'same bytes');
    await writeFile(join(dir, 'three.bin'), 'other bytes');
    const [h1, h2, h3] = await Promise.all(['one', 'two', 'three'].map((n) => cache.fileHash(join(dir, `${n}.bin`))));
    expect(h1).toBe(h2);
    expect(h1).not.toBe(h3);
    expect(DataCache.key([h1!], { a: 1, b: 2 })).toBe(DataCache.key([h2!], { b: 2, a: 1 }));
    expect(DataCache.key([h1!], { a: 1 })).not.toBe(DataCache.key([h1!], { a: 2 }));
    expect(DataCache.key([h1!], { a: 1 })).not.toBe(DataCache.key([h3!], { a: 1 }));
    expect(stableStringify({ b: [1, { d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[1,{"c":2,"d":1}]}');
    // Content change is seen even with the same name.
    await writeFile(join(dir, 'one.bin'), 'changed bytes!');
    expect(await cache.fileHash(join(dir, 'one.bin'))).not.toBe(h1);
  });

  it('counts hits and misses, computes once, and treats a corrupt entry as a miss', async () => {
    const cache = new DataCache(join(dir, 'c2'));
    const key = DataCache.key(['abc'], { s: 1 });
    let computed = 0;
    const compute = async () => { computed++; return { meta: { v: computed }, arrays: { t: new Int32Array([4, 5]) } }; };
    const a = await cache.getOrCompute('tokens', key, compute);
    const b = await cache.getOrCompute('tokens', key, compute);
    expect(computed).toBe(1);
    expect(b.meta).toEqual(a.meta);
    expect(cache.stats).toEqual({ hits: 1, misses: 1, writes: 1 });
    // No temp files left behind.
    const sub = join(dir, 'c2', 'tokens', key.slice(0, 2));
    expect(await readdir(sub)).toEqual([`${key}.bin`]);
    // Corrupt it: next read is a miss and recomputes.
    const file = join(sub, `${key}.bin`);
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, 10));
    await cache.getOrCompute('tokens', key, compute);
    expect(computed).toBe(2);
    expect(cache.stats.misses).toBe(2);
    await expect(cache.get('Bad/Kind', key)).rejects.toThrow(/kind/);
  });
});
