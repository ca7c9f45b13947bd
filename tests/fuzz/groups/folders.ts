// Fuzz cases for what Tessera reads from folders: the fine-tune image folder scan (every bad file must be
// listed as skipped with its reason, the good ones still used) and settings.json (a bad file is moved aside,
// byte for byte, and reported; never silently reset or lost).
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { scanForFinetune } from '../../../main/finetune/finetune-scan';
import { SettingsStore } from '../../../main/services/settings';
import { encodePng } from '../../../main/gallery/png-record';
import { makeImage } from '../../main/gallery/helpers';
import { FuzzRng, flipBytes, truncate } from '../harness';
import type { FuzzCase, FuzzGroup } from '../harness';
import { bombPng } from './images';

export const foldersGroup: FuzzGroup = {
  async cases(dir, seed) {
    const rng = new FuzzRng(seed ^ 0x2222);
    const cases: FuzzCase[] = [];
    let n = 0;
    const good = encodePng(makeImage(5, 40, 40));

    // ---- fine-tune folder scan --------------------------------------------------------------------
    /** A folder with two good images and the bad entry `make` adds; the bad one must be skipped with a reason. */
    const scanCase = (name: string, badName: string, make: (folder: string) => Promise<void> | void) => {
      const folder = join(dir, `scan-${n++}`);
      cases.push({
        kind: 'finetune-folder',
        name,
        run: async () => {
          mkdirSync(folder, { recursive: true });
          writeFileSync(join(folder, 'good-1.png'), good);
          writeFileSync(join(folder, 'good-2.png'), good);
          await make(folder);
          const summary = await scanForFinetune({ images: folder, mode: 'none', size: 32, previews: 2, previewSize: 16 });
          if (summary.usable !== 2) throw new TypeError(`expected the 2 good images to stay usable, got ${summary.usable}`);
          const skipped = summary.skipped.find((s) => s.relPath.endsWith(badName));
          if (!skipped) return undefined;
          return `skipped ${skipped.relPath}: ${skipped.reason} (${skipped.detail})`;
        },
      });
    };
    scanCase('zero-byte PNG', 'empty.png', (f) => writeFileSync(join(f, 'empty.png'), ''));
    scanCase('random bytes named .png', 'noise.png', (f) => writeFileSync(join(f, 'noise.png'), Buffer.from(Array.from({ length: 500 }, () => rng.int(256)))));
    for (let i = 0; i < 3; i++) {
      // Cut inside the pixel data (a PNG that only lacks its IEND still has every pixel and is usable).
      const idat = good.indexOf(Buffer.from('IDAT'));
      const cut = rng.range(20, idat + 4 + good.readUInt32BE(idat - 4));
      scanCase(`PNG truncated at ${cut}`, `cut-${i}.png`, (f) => writeFileSync(join(f, `cut-${i}.png`), truncate(good, cut)));
    }
    scanCase('PNG with flipped IDAT bytes', 'flipped.png', (f) => {
      const at = good.indexOf(Buffer.from('IDAT'));
      writeFileSync(join(f, 'flipped.png'), flipBytes(good, rng, 4, at + 8, at + 40));
    });
    scanCase('bomb 100000×100000 declared', 'bomb.png', (f) => writeFileSync(join(f, 'bomb.png'), bombPng(100_000, 100_000)));
    scanCase('bomb 30000×30000 declared', 'bomb2.png', (f) => writeFileSync(join(f, 'bomb2.png'), bombPng(30_000, 30_000)));
    scanCase('image too small for the crop', 'tiny.png', (f) => writeFileSync(join(f, 'tiny.png'), encodePng(makeImage(1, 4, 4))));
    scanCase('a JPEG that is really text', 'fake.jpg', (f) => writeFileSync(join(f, 'fake.jpg'), 'this is not a jpeg'));
    scanCase('a WebP header and nothing else', 'half.webp', (f) => writeFileSync(join(f, 'half.webp'), Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ', 'latin1')));
    scanCase('a 2 GB sparse file named .png', 'sparse.png', async (f) => {
      const fh = await open(join(f, 'sparse.png'), 'w');
      await fh.write(good.subarray(0, 33), 0);
      await fh.truncate(2 * 1024 ** 3);
      await fh.close();
    });
    scanCase('a broken symlink named .png', 'dangling.png', (f) => symlinkSync(join(f, 'nowhere.png'), join(f, 'dangling.png')));
    scanCase('a folder named .png', 'folder.png/inner.png', (f) => {
      mkdirSync(join(f, 'folder.png'));
      writeFileSync(join(f, 'folder.png', 'inner.png'), 'nope');
    });
    scanCase('a symlink loop next to the images', 'loop/bad.png', (f) => {
      mkdirSync(join(f, 'loop'));
      writeFileSync(join(f, 'loop', 'bad.png'), 'nope');
      symlinkSync(f, join(f, 'loop', 'back'));
    });
    scanCase('a file name with control characters', 'bad\u0001name.png', (f) => writeFileSync(join(f, 'bad\u0001name.png'), 'x'));
    scanCase('a segmentation map that is not an image', 'seg-broken.png', (f) => writeFileSync(join(f, 'seg-broken.png'), Buffer.alloc(64, 7)));
    const refuseScan = (name: string, images: () => string) => {
      cases.push({ kind: 'finetune-folder', name, run: async () => { await scanForFinetune({ images: images(), mode: 'none' }); } });
    };
    refuseScan('folder does not exist', () => join(dir, 'no-such-folder'));
    refuseScan('a file instead of a folder', () => {
      writeFileSync(join(dir, 'a-file.png'), good);
      return join(dir, 'a-file.png');
    });
    refuseScan('an empty path', () => '');
    refuseScan('a path with a NUL byte', () => `${dir}/x\0y`);

    // ---- settings.json -----------------------------------------------------------------------------
    const settingsCase = (name: string, content: string | Buffer | ((file: string) => void)) => {
      const userData = join(dir, `settings-${n++}`);
      cases.push({
        kind: 'settings',
        name,
        run: async () => {
          mkdirSync(userData, { recursive: true });
          const file = join(userData, 'settings.json');
          if (typeof content === 'function') content(file);
          else writeFileSync(file, content);
          const before = existsSync(file) ? readFileSync(file) : null;
          const store = SettingsStore.open({ userDataDir: userData });
          const snap = store.snapshot();
          if (!snap.recovered) return undefined;
          // Nothing lost: the unreadable file is kept, byte for byte, where the report says.
          const kept = readdirSync(userData).find((f) => f.startsWith('settings.json.corrupt-'));
          if (!kept || join(userData, kept) !== snap.recovered.movedTo) throw new TypeError(`the bad settings file was not kept (${kept ?? 'none'})`);
          if (before && !readFileSync(snap.recovered.movedTo).equals(before)) throw new TypeError('the kept settings file differs from the original');
          return `moved aside and reported: ${snap.recovered.reason}`;
        },
      });
    };
    const valid = JSON.stringify({ version: 1, values: { libraryFolder: join(dir, 'lib') } });
    for (const [name, text] of [
      ['empty file', ''], ['one brace', '{'], ['null', 'null'], ['an array', '[]'], ['a number', '42'], ['a string', '"settings"'],
      ['version 99', JSON.stringify({ version: 99, values: {} })], ['version missing', JSON.stringify({ values: {} })],
      ['values is an array', JSON.stringify({ version: 1, values: [] })], ['libraryFolder is a number', JSON.stringify({ version: 1, values: { libraryFolder: 5 } })],
      ['libraryFolder is empty', JSON.stringify({ version: 1, values: { libraryFolder: '' } })],
      ['libraryFolder has a NUL byte', JSON.stringify({ version: 1, values: { libraryFolder: '/tmp/a\u0000b' } })],
      ['nested 100000 arrays deep', `{"version": 1, "values": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`],
      ['valid JSON cut in half', valid.slice(0, Math.floor(valid.length / 2))],
      ['NUL bytes', '\u0000\u0000\u0000\u0000'],
    ] as const) settingsCase(name, text);
    settingsCase('invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    settingsCase('settings.json is a folder', (file) => mkdirSync(file));
    return cases;
  },
};
