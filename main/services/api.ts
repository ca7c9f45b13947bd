// The object that implements the whole contract (preload/contract.ts), built from the services,
// and the run-time payload schema of every method. Both hosts (main/electron and main/hosts/web-host)
// serve exactly this object through main/services/api-dispatch.ts.
//
// Adding a domain `foo` (after adding `FooApi` to the contract):
//   1. in its service file, export `createFooDomain(...): FooApi` and `fooSchemas` (one schema per method);
//   2. add what it needs to ApiDeps, then one line to createApi and one line to API_SCHEMAS below.
// The compiler refuses a missing domain, method or schema.

import type { Api, Domain, HostKind, MethodName } from '../../preload/contract';
import { appSchemas, createAppDomain } from './app-info';
import { createSettingsDomain, settingsSchemas } from './settings';
import { createJobsDomain, jobsSchemas } from '../generation/jobs-domain';
import type { GenerationJobs } from '../generation/generation-jobs';
import { createGalleryDomain, gallerySchemas } from '../gallery/gallery-domain';
import type { GalleryService } from '../gallery/gallery-service';
import type { SettingsStore } from './settings';
import { createModelsDomain, modelsSchemas } from '../models/models-domain';
import { conditionsSchemas, createConditionsDomain } from '../generation/conditions-domain';
import type { ModelManager } from '../models/model-manager';
import { createDeviceDomain, deviceSchemas } from './device';
import type { DeviceService } from './device';
import { createFinetuneDomain, finetuneSchemas } from '../finetune/finetune-domain';
import type { FinetuneService } from '../finetune/finetune-service';
import type { Schema } from './validate';

export interface ApiDeps {
  /** Which host serves the API (reported by app.info). */
  host: HostKind;
  /** Folder holding settings.json and the database. */
  userDataDir: string;
  settings: SettingsStore;
  /** Generation jobs (run in the engine worker). */
  jobs: GenerationJobs;
  /** The gallery of saved results (SQLite index over the library's PNGs). */
  gallery: GalleryService;
  /** The model manager: registry, imports, rename, delete, export (main/models). */
  models: ModelManager;
  /** Execution providers, their self-tests and the preferred one (main/services/device.ts). */
  device: DeviceService;
  /** Fine-tune jobs (run in the fine-tune worker; main/finetune). */
  finetune: FinetuneService;
}

export function createApi(deps: ApiDeps): Api {
  return {
    // ── app ──
    app: createAppDomain({ host: deps.host, userDataDir: deps.userDataDir }),
    // ── settings ──
    settings: createSettingsDomain(deps.settings),
    // ── jobs ──
    jobs: createJobsDomain(deps.jobs),
    // ── gallery ──
    gallery: createGalleryDomain(deps.gallery),
    // ── models ──
    models: createModelsDomain({ libraryFolder: () => deps.settings.snapshot().values.libraryFolder, manager: deps.models }),
    // ── conditions ──
    conditions: createConditionsDomain(),
    // ── device ──
    device: createDeviceDomain(deps.device),
    // ── finetune ──
    finetune: createFinetuneDomain(deps.finetune),
  };
}

type ParamOf<D extends Domain, M extends keyof Api[D]> = Api[D][M] extends (...args: infer A) => unknown ? A[0] : never;

/** One payload schema per method of every domain: the type system makes the table exhaustive. */
export type ApiSchemas = { [D in Domain]: { [M in MethodName<Api[D]>]: Schema<ParamOf<D, M>> } };

export const API_SCHEMAS: ApiSchemas = {
  // ── app ──
  app: appSchemas,
  // ── settings ──
  settings: settingsSchemas,
  // ── jobs ──
  jobs: jobsSchemas,
  // ── gallery ──
  gallery: gallerySchemas,
  // ── models ──
  models: modelsSchemas,
  // ── conditions ──
  conditions: conditionsSchemas,
  // ── device ──
  device: deviceSchemas,
  // ── finetune ──
  finetune: finetuneSchemas,
};
