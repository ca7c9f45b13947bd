// The settings store: one JSON file, `settings.json`, in the user-data folder.
//
//  - Writes are atomic (temp file + fsync + rename, see atomic-write.ts): a crash leaves the old
//    file or the new one.
//  - A file that cannot be used (not JSON, wrong shape, an invalid value, an unknown format version)
//    is moved aside as `settings.json.corrupt-<time>` and reported through `snapshot().recovered`;
//    the app then runs on defaults. It is never silently overwritten.
//  - Fields this version does not know (written by a newer Tessera) are kept on rewrite.
//
// Adding a setting: add it to `Settings` in preload/contract.ts and one entry to SETTINGS_FIELDS.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Settings, SettingsApi, SettingsPatch, SettingsRecovery, SettingsSnapshot, Unsubscribe, Listener } from '../../preload/contract';
import { writeFileAtomicSync } from './atomic-write';
import { PayloadError, describeValue, none, object, optional, string } from './validate';
import type { Schema } from './validate';

export const SETTINGS_FILE_NAME = 'settings.json';
export const SETTINGS_FORMAT_VERSION = 1;

const absolutePath = string({
  minLength: 1,
  maxLength: 4096,
  check: (value) => (path.isAbsolute(value) ? null : 'an absolute folder path'),
});

interface FieldSpec<T> {
  schema: Schema<T>;
  defaultValue(userDataDir: string): T;
}

/** The preferred execution provider: 'auto' or a provider name (letters first); a bare GPU id like "0" or "cuda:1" is refused. */
const deviceSettings = object({
  preferred: string({
    minLength: 1,
    maxLength: 40,
    check: (value) => (/^[a-z][a-z0-9_-]*$/.test(value) ? null : '"auto" or an execution provider name such as "cpu" or "cuda" (not a GPU id)'),
  }),
});

/** One entry per setting: how to check it and its default. */
export const SETTINGS_FIELDS: { [K in keyof Settings]: FieldSpec<Settings[K]> } = {
  libraryFolder: { schema: absolutePath, defaultValue: (userDataDir) => path.join(userDataDir, 'library') },
  device: { schema: deviceSettings, defaultValue: () => ({ preferred: 'auto' }) },
};

const FIELD_NAMES = Object.keys(SETTINGS_FIELDS) as (keyof Settings)[];

function mapFields<T>(fn: <K extends keyof Settings>(key: K, spec: FieldSpec<Settings[K]>) => T): Record<keyof Settings, T> {
  const out = {} as Record<keyof Settings, T>;
  for (const key of FIELD_NAMES) out[key] = fn(key, SETTINGS_FIELDS[key]);
  return out;
}

/** Payload schemas of the settings domain (see main/services/api.ts). */
export const settingsSchemas = {
  get: none(),
  update: object(mapFields((_key, spec) => optional(spec.schema))) as Schema<SettingsPatch>,
};

export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}

interface SettingsFileContent {
  version: number;
  values: Record<string, unknown>;
}

/** Time stamp usable in a file name on every OS: 2026-11-28T15-04-05-123Z. */
function fileTimeStamp(date: Date): string {
  return date.toISOString().replace(/[:.]/g, '-');
}

function parseSettingsFile(text: string, userDataDir: string): { values: Settings; extra: Record<string, unknown> } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new SettingsError(`it is not valid JSON (${(err as Error).message})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new SettingsError(`it holds ${describeValue(data)} instead of an object`);
  }
  const file = data as Partial<SettingsFileContent>;
  if (file.version !== SETTINGS_FORMAT_VERSION) {
    throw new SettingsError(`its format version is ${describeValue(file.version)}; this Tessera reads version ${SETTINGS_FORMAT_VERSION}`);
  }
  const raw = file.values;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SettingsError(`its "values" field holds ${describeValue(raw)} instead of an object`);
  }
  const values = mapFields((key, spec) => {
    if (!(key in raw)) return spec.defaultValue(userDataDir);
    try {
      return spec.schema.parse(raw[key], key);
    } catch (err) {
      if (err instanceof PayloadError) throw new SettingsError(`setting ${err.message}`);
      throw err;
    }
  }) as Settings;
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) if (!(FIELD_NAMES as string[]).includes(key)) extra[key] = value;
  return { values, extra };
}

export interface SettingsStoreOptions {
  /** The folder that holds settings.json (created on the first write). */
  userDataDir: string;
  /** Clock for the quarantine file name (tests). */
  now?: () => Date;
}

export class SettingsStore {
  readonly file: string;
  private values: Settings;
  private extra: Record<string, unknown> = {};
  private readonly recovered: SettingsRecovery | null;
  private readonly listeners = new Set<Listener<SettingsSnapshot>>();

  private constructor(private readonly options: SettingsStoreOptions) {
    this.file = path.join(options.userDataDir, SETTINGS_FILE_NAME);
    this.values = SettingsStore.defaults(options.userDataDir);
    this.recovered = this.load();
  }

  /** Opens the store, reading settings.json if it exists (a corrupt file is moved aside). */
  static open(options: SettingsStoreOptions): SettingsStore {
    return new SettingsStore(options);
  }

  static defaults(userDataDir: string): Settings {
    return mapFields((_key, spec) => spec.defaultValue(userDataDir)) as Settings;
  }

  snapshot(): SettingsSnapshot {
    return { values: { ...this.values }, file: this.file, recovered: this.recovered ? { ...this.recovered } : null };
  }

  /** Validates, applies and persists the patch; notifies listeners. Throws PayloadError / SettingsError. */
  update(patch: unknown): SettingsSnapshot {
    const checked = settingsSchemas.update.parse(patch, 'settings');
    const next: Settings = { ...this.values };
    for (const key of FIELD_NAMES) {
      const value = checked[key];
      if (value !== undefined) (next as Record<keyof Settings, unknown>)[key] = value;
    }
    if (checked.libraryFolder !== undefined) next.libraryFolder = prepareLibraryFolder(checked.libraryFolder);
    const content: SettingsFileContent = { version: SETTINGS_FORMAT_VERSION, values: { ...this.extra, ...next } };
    try {
      writeFileAtomicSync(this.file, `${JSON.stringify(content, null, 2)}\n`);
    } catch (err) {
      throw new SettingsError(`Could not save settings to ${this.file}: ${(err as Error).message}. Check that the folder is writable.`);
    }
    this.values = next;
    const snapshot = this.snapshot();
    for (const listener of [...this.listeners]) {
      try {
        listener(snapshot);
      } catch {
        /* a failing listener must not fail the update that already happened */
      }
    }
    return snapshot;
  }

  onDidChange(listener: Listener<SettingsSnapshot>): Unsubscribe {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private load(): SettingsRecovery | null {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new SettingsError(`Could not read ${this.file}: ${(err as Error).message}`);
    }
    try {
      const { values, extra } = parseSettingsFile(text, this.options.userDataDir);
      this.values = values;
      this.extra = extra;
      return null;
    } catch (err) {
      if (!(err instanceof SettingsError)) throw err;
      return this.quarantine(err.message);
    }
  }

  private quarantine(reason: string): SettingsRecovery {
    const now = (this.options.now ?? (() => new Date()))();
    let movedTo = `${this.file}.corrupt-${fileTimeStamp(now)}`;
    for (let i = 1; fs.existsSync(movedTo); i++) movedTo = `${this.file}.corrupt-${fileTimeStamp(now)}-${i}`;
    fs.renameSync(this.file, movedTo);
    return {
      movedTo,
      reason: `${SETTINGS_FILE_NAME} could not be used: ${reason}. It was moved aside and defaults are in use.`,
      at: now.toISOString(),
    };
  }
}

/** Normalises a chosen library folder and makes sure it exists and is writable. */
function prepareLibraryFolder(folder: string): string {
  const resolved = path.resolve(folder);
  try {
    fs.mkdirSync(resolved, { recursive: true });
    fs.accessSync(resolved, fs.constants.W_OK);
  } catch (err) {
    throw new SettingsError(`Cannot use ${resolved} as the library folder: ${(err as Error).message}. Choose a folder you can write to.`);
  }
  if (!fs.statSync(resolved).isDirectory()) {
    throw new SettingsError(`Cannot use ${resolved} as the library folder: it is a file, not a folder.`);
  }
  return resolved;
}

/** The `settings` domain of the API, backed by a store. */
export function createSettingsDomain(store: SettingsStore): SettingsApi {
  return {
    get: async () => store.snapshot(),
    update: async (patch) => store.update(patch),
    onDidChange: (listener) => store.onDidChange(listener),
  };
}
