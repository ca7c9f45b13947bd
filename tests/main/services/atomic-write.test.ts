import { afterEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isAtomicTempFile, writeFileAtomic, writeFileAtomicSync } from '../../../main/services/atomic-write';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
});
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-atomic-'));
  dirs.push(d);
  return d;
}

describe('atomic writes', () => {
  it('replaces a file whole and leaves no temp file', async () => {
    const dir = tmp();
    const file = path.join(dir, 'settings.json');
    writeFileAtomicSync(file, 'old');
    await writeFileAtomic(file, 'new contents');
    expect(fs.readFileSync(file, 'utf8')).toBe('new contents');
    expect(fs.readdirSync(dir)).toEqual(['settings.json']);
  });

  it('exclusive mode refuses to overwrite and cleans its temp file', async () => {
    const dir = tmp();
    const file = path.join(dir, 'a.png');
    fs.writeFileSync(file, 'first');
    await expect(writeFileAtomic(file, 'second', { exclusive: true })).rejects.toThrow(/already exists/);
    expect(() => writeFileAtomicSync(file, 'second', { exclusive: true })).toThrow(/already exists/);
    expect(fs.readFileSync(file, 'utf8')).toBe('first');
    expect(fs.readdirSync(dir).filter(isAtomicTempFile)).toEqual([]);
  });

  it('creates missing folders', () => {
    const file = path.join(tmp(), 'a', 'b', 'c.bin');
    writeFileAtomicSync(file, Uint8Array.from([1, 2, 3]));
    expect([...fs.readFileSync(file)]).toEqual([1, 2, 3]);
  });
});
