// The gallery as the app runs it: one GalleryStore per library folder (opened lazily, reopened
// when the library folder setting changes), its database in the user-data folder, its PNGs in
// `<library>/images`. Change events of whichever store is open are forwarded to subscribers.

import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { GalleryChange } from '../../preload/gallery-types';
import type { GenerationRecord } from '../../preload/generation-record';
import type { RgbImage } from './png-record';
import { GalleryStore } from './gallery-store';
import type { GalleryItem } from '../../preload/gallery-types';
import type { SqliteModuleLoader } from './sqlite-loader';

export const IMAGES_SUBFOLDER = 'images';

export interface GalleryServiceOptions {
  userDataDir: string;
  /** The current library folder (absolute). Read on every call; a change reopens the store. */
  libraryFolder: () => string;
  /** Show a folder in the OS file manager (Electron: shell.openPath). Absent: not available here. */
  revealFolder?: (folder: string) => Promise<void>;
  loadModule?: SqliteModuleLoader;
}

/** `<userData>/gallery/library-<hash of the library path>.sqlite`: one index per library folder. */
export function galleryDatabasePath(userDataDir: string, libraryFolder: string): string {
  const key = createHash('sha256').update(path.resolve(libraryFolder)).digest('hex').slice(0, 12);
  return path.join(userDataDir, 'gallery', `library-${key}.sqlite`);
}

export class GalleryService {
  private current: { library: string; store: GalleryStore; off: () => void } | null = null;
  private opening: Promise<GalleryStore> | null = null;
  private readonly listeners = new Set<(change: GalleryChange) => void>();

  constructor(private readonly options: GalleryServiceOptions) {}

  imagesDir(): string {
    return path.join(this.options.libraryFolder(), IMAGES_SUBFOLDER);
  }

  /** The open store for the current library folder (opening or reopening it as needed). */
  async store(): Promise<GalleryStore> {
    const library = path.resolve(this.options.libraryFolder());
    if (this.current?.library === library) return this.current.store;
    if (this.opening) {
      const s = await this.opening;
      if (this.current?.library === library) return s;
    }
    this.opening = this.open(library);
    try {
      return await this.opening;
    } finally {
      this.opening = null;
    }
  }

  private async open(library: string): Promise<GalleryStore> {
    this.current?.off();
    this.current?.store.close();
    this.current = null;
    const store = await GalleryStore.open({
      databasePath: galleryDatabasePath(this.options.userDataDir, library),
      imagesDir: path.join(library, IMAGES_SUBFOLDER),
      loadModule: this.options.loadModule,
    });
    const off = store.onDidChange((c) => this.emit(c));
    this.current = { library, store, off };
    // A new index for a folder that may already hold images (a moved or shared library): adopt them.
    if (store.openReport.migrated.includes(1) && !store.openReport.rescan) await store.rescan();
    return store;
  }

  /** Save a generated image (the generation service's `save` hook). */
  async addImage(image: RgbImage, record: GenerationRecord): Promise<GalleryItem> {
    return (await this.store()).addImage(image, record);
  }

  async revealFolder(): Promise<{ path: string; opened: boolean }> {
    const folder = (await this.store()).imagesDir;
    if (!this.options.revealFolder) return { path: folder, opened: false };
    await this.options.revealFolder(folder);
    return { path: folder, opened: true };
  }

  onDidGalleryChange(listener: (change: GalleryChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: GalleryChange): void {
    for (const l of this.listeners) l(change);
  }

  close(): void {
    this.current?.off();
    this.current?.store.close();
    this.current = null;
  }
}
