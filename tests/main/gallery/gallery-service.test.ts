import { afterEach, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { GalleryChange } from '../../../preload/gallery-types';
import { galleryDatabasePath, GalleryService } from '../../../main/gallery/gallery-service';
import { makeImage, makeRecord, tempDir } from './helpers';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

describe('GalleryService', () => {
  it('keeps one index per library folder and follows the library setting', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    let library = path.join(tmp.dir, 'lib-a');
    const service = new GalleryService({ userDataDir: path.join(tmp.dir, 'user'), libraryFolder: () => library });
    cleanups.unshift(() => service.close());
    const changes: GalleryChange['kind'][] = [];
    service.onDidGalleryChange((c) => changes.push(c.kind));

    const a = await service.addImage(makeImage(1), makeRecord({ seed: 1 }));
    (await service.store()).setStar(a.id, true);
    expect(a.filePath.startsWith(path.join(library, 'images'))).toBe(true);
    expect(fs.existsSync(galleryDatabasePath(path.join(tmp.dir, 'user'), library))).toBe(true);

    library = path.join(tmp.dir, 'lib-b');
    expect((await service.store()).query().total).toBe(0);
    await service.addImage(makeImage(2), makeRecord({ seed: 2 }));

    library = path.join(tmp.dir, 'lib-a');
    const back = await service.store();
    expect(back.get(a.id)?.starred).toBe(true); // lib-a's own index, star kept
    expect(changes.filter((k) => k === 'added')).toHaveLength(2);
    expect(await service.revealFolder()).toEqual({ path: path.join(library, 'images'), opened: false });
  });

  it('adopts the images of a library it has never indexed', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const library = path.join(tmp.dir, 'shared-library');
    const first = new GalleryService({ userDataDir: path.join(tmp.dir, 'user-1'), libraryFolder: () => library });
    const item = await first.addImage(makeImage(3), makeRecord({ seed: 3 }));
    first.close();
    const second = new GalleryService({ userDataDir: path.join(tmp.dir, 'user-2'), libraryFolder: () => library });
    cleanups.unshift(() => second.close());
    expect((await second.store()).get(item.id)?.seed).toBe(3);
  });
});
