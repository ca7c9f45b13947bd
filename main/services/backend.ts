// Opens every service a host needs and builds the API object from them. The Electron main process,
// the web host and the CLI all start here, so a new service is wired in once.
//
// Adding a service: open it in openBackend, pass it to createApi through ApiDeps, and close it in
// close() (in reverse order of opening).

import type { Api, HostKind } from '../../preload/contract';
import { createApi } from './api';
import type { ApiDeps } from './api';
import { SettingsStore } from './settings';
import { GenerationJobs } from './generation-jobs';
import { saveToLibrary, BUNDLE_LOADER_MODULE } from './generation-save';
import { APP_VERSION } from './app-info';

export interface BackendOptions {
  host: HostKind;
  /** Folder for settings.json and the database (created when first written). */
  userDataDir: string;
}

export interface Backend {
  api: Api;
  deps: ApiDeps;
  /** Releases files and handles the services hold. */
  close(): Promise<void>;
}

export async function openBackend(options: BackendOptions): Promise<Backend> {
  const settings = SettingsStore.open({ userDataDir: options.userDataDir });
  const jobs = new GenerationJobs({
    loaderModule: BUNDLE_LOADER_MODULE,
    appVersion: APP_VERSION,
    save: (image, record) => saveToLibrary(settings.snapshot().values.libraryFolder, image, record),
  });
  const deps: ApiDeps = { host: options.host, userDataDir: options.userDataDir, settings, jobs };
  return {
    api: createApi(deps),
    deps,
    close: async () => {
      await jobs.close();
    },
  };
}
