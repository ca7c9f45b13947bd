// The one typed API between the UI and the Node side of Tessera.
//
// Both hosts implement exactly this: the Electron main process (through ipcMain + the preload
// bridge `window.tessera`) and the web host (WebSocket on 127.0.0.1). The renderer only
// `import type`s this file; main and the preload also use the constant lists below.
//
// Rules (checked by the types at the bottom of this file):
//  - one interface per domain (`app`, `settings`, …), gathered in `Api`;
//  - a method takes zero or one argument (a JSON value, usually a readonly option bag) and
//    returns a Promise of a JSON value;
//  - a push event is a member named `onDidX` of type `ApiEvent<Payload>`: subscribe with a listener,
//    get back an unsubscribe function;
//  - every method is listed in API_METHODS and every event in API_EVENTS (the compiler refuses a
//    missing or misspelt name), and the main side registers a payload schema for every method.
//
// Adding a domain `foo`: (1) write `FooApi` in its own section below, (2) add `foo: FooApi` to
// `Api`, (3) add `foo: [...]` to API_METHODS and API_EVENTS. The compiler then points at the places
// in main/services/api.ts (implementation + payload schemas) that need the domain too.

// ───────────────────────────── shared wire types ─────────────────────────────

export type { ApiEvent, Json, Listener, Unsubscribe } from './wire-types';
import type { ApiEvent } from './wire-types';

/** Error codes every host uses for a failed call. */
export type ApiErrorCode =
  | 'unknown-method' // no such `domain.method`
  | 'bad-params' // the payload failed the method's schema
  | 'failed' // the method ran and threw
  | 'unavailable' // the host cannot run it here (e.g. a missing native module)
  | 'forbidden'; // the caller may not use the API (Electron: not the app's own window)

export interface ApiErrorInfo {
  code: ApiErrorCode;
  /** One clear sentence: what was wrong and what to do. */
  message: string;
}

/** What a host sends back for one call (the preload/WebSocket client unwrap it and throw on errors). */
export type ApiOutcome = { ok: true; value: unknown } | { ok: false; error: ApiErrorInfo };

// ───────────────────────────── domain: app ─────────────────────────────

export type HostKind = 'electron' | 'web' | 'cli';

export interface ExecutionProviderInfo {
  /** onnxruntime's provider name: 'cpu', 'cuda', 'dml', 'coreml', 'webgpu', … */
  name: string;
  /** Whether its libraries ship with the app (false: usable only where they are installed). */
  bundled: boolean;
}

export interface AppInfo {
  name: string;
  version: string;
  /** process.platform: 'linux' | 'win32' | 'darwin' | … */
  platform: string;
  arch: string;
  /** Which host serves this API. */
  host: HostKind;
  versions: {
    node: string;
    /** null outside Electron. */
    electron: string | null;
    chrome: string | null;
    /** null when onnxruntime-node could not be loaded (see onnxruntimeError). */
    onnxruntime: string | null;
  };
  /** Execution providers this onnxruntime-node build offers (empty if it could not be loaded). */
  executionProviders: ExecutionProviderInfo[];
  onnxruntimeError: string | null;
  /** The SQLite binding the gallery uses; `error` says why it could not be loaded. */
  sqlite: { available: boolean; version: string | null; error: string | null };
  /** Where settings and the database live. */
  userDataDir: string;
}

export interface AppApi {
  info(): Promise<AppInfo>;
}

// ───────────────────────────── domain: settings ─────────────────────────────

export interface Settings {
  /** Absolute folder where generated images and fine-tuned models are written. */
  libraryFolder: string;
  /** Execution provider for generation and training: 'auto' or a provider name ('cpu', 'cuda', …), never a GPU id. */
  device: DeviceSettings;
}

export interface DeviceSettings {
  /** 'auto' (the first provider whose self-test passes, else cpu) or a provider name from device.list(). */
  preferred: string;
}

export type SettingsPatch = Partial<Settings>;

/** A settings file that could not be read was moved aside (never silently reset). */
export interface SettingsRecovery {
  /** Where the unreadable file now lives: `…/settings.json.corrupt-<time>`. */
  movedTo: string;
  /** Why it could not be used. */
  reason: string;
  /** ISO time of the recovery. */
  at: string;
}

export interface SettingsSnapshot {
  values: Settings;
  /** The settings file (it may not exist yet: defaults are written on the first update). */
  file: string;
  /** Set when this run found a corrupt settings file and moved it aside; null otherwise. */
  recovered: SettingsRecovery | null;
}

export interface SettingsApi {
  get(): Promise<SettingsSnapshot>;
  /** Validates, applies and persists `patch` atomically; resolves with the new snapshot. */
  update(patch: SettingsPatch): Promise<SettingsSnapshot>;
  /** Fires after every successful update (from any window or client). */
  onDidChange: ApiEvent<SettingsSnapshot>;
}

// ───────────────────────────── domain: jobs ─────────────────────────────
// Generation jobs (issue 5): run in the engine worker; request, progress and finish types live in
// preload/generation-job.ts.

import type { GenerateJobRequest, JobFinishEvent, JobProgressEvent } from './generation-job';
export type { GenerateJobRequest, JobCondition, JobFinishEvent, JobProgressEvent, JobStatus } from './generation-job';

export interface JobsApi {
  /** Queue a generation; resolves at once with the job id (results arrive as onDidJobFinish). */
  generate(request: GenerateJobRequest): Promise<{ jobId: string }>;
  /** Cancel a queued or running job (honoured within one token step); false when it is not running. */
  cancel(params: { jobId: string }): Promise<{ cancelled: boolean }>;
  /** Token i of N, elapsed, ETA, and partial previews every K tokens. */
  onDidJobProgress: ApiEvent<JobProgressEvent>;
  /** done (with the saved images and records), cancelled (nothing saved) or failed (with the reason). */
  onDidJobFinish: ApiEvent<JobFinishEvent>;
}

// ───────────────────────────── domain: gallery ─────────────────────────────
// Every saved result, indexed in SQLite (issue 7). The domain interface and its payload types live
// in preload/gallery-types.ts; the generation record in preload/generation-record.ts.

import type { GalleryApi } from './gallery-types';
export type {
  GalleryApi, GalleryChange, GalleryExportRequest, GalleryExportResult, GalleryFacets, GalleryItem, GalleryQuery, GalleryQueryResult,
  GalleryRescanReport, GallerySortKey, GallerySummary, GalleryThumbnail,
} from './gallery-types';
export type { ConditionMode, GenerationRecord, GenerationTimings, SamplerSettings } from './generation-record';

// ───────────────────────────── domains: models, conditions ─────────────────────────────
// The studio's model picker (bundles in the library's models folder and the zoo) and condition helpers
// (photo → edges). Types in preload/studio-types.ts.

import type { ConditionsApi } from './studio-types';
import type { DeviceApi, ModelManagerApi } from './model-manager-types';
export type {
  DeviceApi, DeviceProvider, DeviceStatus, ModelEntry, ModelImportPhase, ModelImportProgress, ModelImportRequest, ModelManagerApi, ModelOrigin,
  ModelPaletteSummary, ModelRegistryResult, ModelsChange, ModelsChangeReason, ModelUploadBegin, ModelUploadChunk, ProviderSelfTest,
} from './model-manager-types';
export type {
  ConditionsApi, EdgesFromImageRequest, EdgesFromImageResult, ModelClass, ModelListResult, ModelSummary, ModelsApi,
} from './studio-types';

// ───────────────────────────── domain: finetune ─────────────────────────────
// Fine-tune jobs (issues 6, 8): scan, presets, start/stop/resume, runs and their dashboards. Types in
// preload/finetune-types.ts.

import type { FinetuneApi } from './finetune-types';
export type {
  FinetuneApi, FinetuneCompareRequest, FinetuneCompareResult, FinetuneEstimate, FinetuneEstimateRequest, FinetuneFinishEvent,
  FinetuneMetricPoint, FinetunePresetInfo, FinetunePresetName, FinetuneProgressEvent, FinetuneRunDetail, FinetuneRunStatus,
  FinetuneRunSummary, FinetuneSample, FinetuneScanReport, FinetuneScanRequest, FinetuneStage, FinetuneStageName, FinetuneStageResult,
  FinetuneStartRequest,
} from './finetune-types';

// ───────────────────────────── the API: one entry per domain ─────────────────────────────

export interface Api {
  app: AppApi;
  settings: SettingsApi;
  jobs: JobsApi;
  gallery: GalleryApi;
  /** The studio's `list` plus the model manager (model-manager-types.ts). */
  models: ModelManagerApi;
  conditions: ConditionsApi;
  device: DeviceApi;
  finetune: FinetuneApi;
}

export type Domain = keyof Api & string;

/** Member names of a domain that are events (`onDidX`). */
export type EventName<T> = { [K in keyof T & string]: T[K] extends ApiEvent<infer _P> ? (K extends `onDid${string}` ? K : never) : never }[keyof T & string];
/** Member names of a domain that are methods (everything that is not an event). */
export type MethodName<T> = Exclude<keyof T & string, EventName<T>>;

export const API_METHODS = {
  app: ['info'],
  settings: ['get', 'update'],
  jobs: ['generate', 'cancel'],
  gallery: ['query', 'facets', 'get', 'thumbnail', 'setStar', 'setNotes', 'remove', 'exportPng', 'openFolder', 'rescan'],
  models: ['list', 'registry', 'import', 'cancelImport', 'uploadBegin', 'uploadChunk', 'uploadFinish', 'uploadAbort', 'rename', 'remove', 'exportTaming'],
  conditions: ['edgesFromImage'],
  device: ['list'],
  finetune: ['scan', 'estimate', 'start', 'stop', 'resume', 'runs', 'run', 'compare'],
} as const satisfies { [D in Domain]: readonly MethodName<Api[D]>[] };

export const API_EVENTS = {
  app: [],
  settings: ['onDidChange'],
  jobs: ['onDidJobProgress', 'onDidJobFinish'],
  gallery: ['onDidGalleryChange'],
  models: ['onDidModelsChange', 'onDidImportProgress'],
  conditions: [],
  device: [],
  finetune: ['onDidFinetuneProgress', 'onDidFinetuneFinish'],
} as const satisfies { [D in Domain]: readonly EventName<Api[D]>[] };

// ───────────────────────────── derived names and helpers ─────────────────────────────

/** 'app.info' | 'settings.get' | … */
export type MethodPath = { [D in Domain]: `${D}.${MethodName<Api[D]>}` }[Domain];
/** 'settings.onDidChange' | … */
export type EventPath = { [D in Domain]: `${D}.${EventName<Api[D]>}` }[Domain];

type MethodOf<P extends MethodPath> = P extends `${infer D extends Domain}.${infer M}`
  ? M extends keyof Api[D] ? Api[D][M] : never
  : never;
type AnyMethod = (...args: never[]) => unknown;
export type ParamsOf<P extends MethodPath> = MethodOf<P> extends AnyMethod ? Parameters<MethodOf<P>>[0] : never;
export type ResultOf<P extends MethodPath> = MethodOf<P> extends AnyMethod ? Awaited<ReturnType<MethodOf<P>>> : never;
export type PayloadOf<P extends EventPath> = P extends `${infer D extends Domain}.${infer E}`
  ? E extends keyof Api[D] ? (Api[D][E] extends ApiEvent<infer T> ? T : never) : never
  : never;

/** Every method path, in API_METHODS order. */
export function listMethodPaths(): MethodPath[] {
  const out: string[] = [];
  for (const [domain, methods] of Object.entries(API_METHODS)) for (const m of methods) out.push(`${domain}.${m}`);
  return out as MethodPath[];
}

/** Every event path, in API_EVENTS order. */
export function listEventPaths(): EventPath[] {
  const out: string[] = [];
  for (const [domain, events] of Object.entries(API_EVENTS)) for (const e of events) out.push(`${domain}.${e}`);
  return out as EventPath[];
}

/** Electron IPC channel for a method or event (the preload and main/electron agree on it). */
export function ipcChannel(path: MethodPath | EventPath): string {
  return `tessera:${path}`;
}

/** What `window.tessera` is: the API itself, built by preload/index.ts from the lists above. */
export type TesseraBridge = Api;

// ───────────────────────────── compile-time checks ─────────────────────────────

type AssertNever<T extends never> = T;
type Missing<D extends Domain, Listed, All> = Exclude<All, Listed> extends never ? never : `${D}.${Exclude<All, Listed> & string}`;
/** Compiles only if API_METHODS lists every method of every domain. */
export type MethodsAreExhaustive = AssertNever<{ [D in Domain]: Missing<D, (typeof API_METHODS)[D][number], MethodName<Api[D]>> }[Domain]>;
/** Compiles only if API_EVENTS lists every event of every domain. */
export type EventsAreExhaustive = AssertNever<{ [D in Domain]: Missing<D, (typeof API_EVENTS)[D][number], EventName<Api[D]>> }[Domain]>;
type BadMethod<D extends Domain, M extends keyof Api[D]> = Api[D][M] extends (...args: infer A) => Promise<unknown>
  ? (A extends [] | [unknown] | [unknown?] ? never : `${D}.${M & string} takes more than one argument`)
  : `${D}.${M & string} must return a Promise`;
/** Compiles only if every method takes at most one argument and returns a Promise. */
export type MethodsAreWellFormed = AssertNever<{ [D in Domain]: { [M in MethodName<Api[D]>]: BadMethod<D, M> }[MethodName<Api[D]>] }[Domain]>;
