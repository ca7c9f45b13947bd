// Opens every service a host needs and builds the API object from them. The Electron main process,
// the web host and the CLI all start here, so a new service is wired in once.
//
// Adding a service: open it in openBackend, pass it to createApi through ApiDeps, and close it in
// close() (in reverse order of opening).

import type { Api, HostKind } from '../../preload/contract';
import { createApi } from './api';
import type { ApiDeps } from './api';
import { SettingsStore } from './settings';
import { GenerationJobs } from '../generation/generation-jobs';
import { saveToLibrary, BUNDLE_LOADER_MODULE } from '../generation/generation-save';
import { APP_VERSION } from './app-info';
import { GalleryService } from '../gallery/gallery-service';
import { GalleryUnavailableError } from '../gallery/sqlite-loader';
import * as path from 'node:path';
import { ModelManager } from '../models/model-manager';
import { DeviceService } from './device';
import { FinetuneService } from '../finetune/finetune-service';

export interface BackendOptions {
  host: HostKind;
  /** Folder for settings.json and the database (created when first written). */
  userDataDir: string;
  /** Show a folder in the OS file manager (Electron passes shell.openPath); gallery.openFolder uses it. */
  revealFolder?: (folder: string) => Promise<void>;
}

export interface Backend {
  api: Api;
  deps: ApiDeps;
  /** Releases files and handles the services hold. */
  close(): Promise<void>;
}

export async function openBackend(options: BackendOptions): Promise<Backend> {
  const settings = SettingsStore.open({ userDataDir: options.userDataDir });
  const gallery = new GalleryService({
    userDataDir: options.userDataDir,
    libraryFolder: () => settings.snapshot().values.libraryFolder,
    revealFolder: options.revealFolder,
  });
  const device = new DeviceService({ settings: () => settings.snapshot().values.device });
  const jobs = new GenerationJobs({
    loaderModule: BUNDLE_LOADER_MODULE,
    appVersion: APP_VERSION,
    // settings.device, resolved at each job (a provider that fails its self-test falls back to cpu).
    resolveProvider: () => device.resolve(),
    // The gallery writes the PNG (atomic) and then its row; without SQLite the PNG alone is saved.
    save: async (image, record) => {
      const item = await gallery.addImage(image, record).catch((err: unknown) => {
        if (err instanceof GalleryUnavailableError) return null;
        throw err;
      });
      return item ? { path: item.filePath, galleryId: item.id } : saveToLibrary(settings.snapshot().values.libraryFolder, image, record);
    },
  });
  const models = new ModelManager({ libraryFolder: () => settings.snapshot().values.libraryFolder, uploadsDir: path.join(options.userDataDir, 'uploads') });
  void models.sweepStale().catch(() => undefined);
  const finetune = new FinetuneService({
    userDataDir: options.userDataDir,
    libraryFolder: () => settings.snapshot().values.libraryFolder,
    resolveProvider: () => device.resolve(),
  });
  const deps: ApiDeps = { host: options.host, userDataDir: options.userDataDir, settings, jobs, gallery, models, device, finetune };
  return {
    api: createApi(deps),
    deps,
    close: async () => {
      // A running fine-tune checkpoints and ends as 'stopped' (resumable) before its worker goes.
      await finetune.close();
      await jobs.close();
      await models.close();
      gallery.close();
    },
  };
}
