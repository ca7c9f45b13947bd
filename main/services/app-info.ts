// The `app` domain: what this Tessera is and what it can run on. The native pieces (onnxruntime-node,
// better-sqlite3) are loaded lazily and their failures are reported as data, never thrown: a
// missing or wrong-ABI binding must produce a clear message, not a crash.

import packageJson from '../../package.json';
import type { AppApi, AppInfo, ExecutionProviderInfo, HostKind } from '../../preload/contract';
import { none } from './validate';

export const APP_NAME: string = packageJson.productName;
export const APP_VERSION: string = packageJson.version;

/** Payload schemas of the app domain (see main/services/api.ts). */
export const appSchemas = {
  info: none(),
};

export interface SqliteStatus {
  available: boolean;
  version: string | null;
  error: string | null;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0]! : String(err);
}

let sqliteStatus: Promise<SqliteStatus> | undefined;

/**
 * Loads better-sqlite3 and opens an in-memory database once. better-sqlite3 is not N-API: a build
 * for another Node/Electron ABI fails here, and the message says what to do about it.
 */
export function probeSqlite(): Promise<SqliteStatus> {
  sqliteStatus ??= (async () => {
    try {
      const { default: Database } = await import('better-sqlite3');
      const db = new Database(':memory:');
      try {
        const row = db.prepare('select sqlite_version() as version').get() as { version: string };
        return { available: true, version: row.version, error: null };
      } finally {
        db.close();
      }
    } catch (err) {
      return {
        available: false,
        version: null,
        error:
          `The SQLite binding (better-sqlite3) could not be loaded: ${errorMessage(err)}. ` +
          'The gallery needs it; rebuild it for this runtime (npm rebuild better-sqlite3, or ' +
          'electron-builder install-app-deps for the desktop app — see README "Packaging").',
      };
    }
  })();
  return sqliteStatus;
}

interface OnnxruntimeStatus {
  version: string | null;
  providers: ExecutionProviderInfo[];
  error: string | null;
}

let onnxruntimeStatus: Promise<OnnxruntimeStatus> | undefined;

/** Asks onnxruntime-node (through native-models/runtime) which execution providers it offers. */
export function probeOnnxruntime(): Promise<OnnxruntimeStatus> {
  onnxruntimeStatus ??= (async () => {
    try {
      const runtime = await import('../../native-models/runtime/providers');
      return { version: runtime.onnxruntimeVersion(), providers: runtime.listExecutionProviders(), error: null };
    } catch (err) {
      return { version: null, providers: [], error: `onnxruntime-node could not be loaded: ${errorMessage(err)}` };
    }
  })();
  return onnxruntimeStatus;
}

export interface AppInfoOptions {
  host: HostKind;
  userDataDir: string;
}

export async function collectAppInfo(options: AppInfoOptions): Promise<AppInfo> {
  const [ort, sqlite] = await Promise.all([probeOnnxruntime(), probeSqlite()]);
  return {
    name: APP_NAME,
    version: APP_VERSION,
    platform: process.platform,
    arch: process.arch,
    host: options.host,
    versions: {
      node: process.versions.node,
      electron: process.versions.electron ?? null,
      chrome: process.versions.chrome ?? null,
      onnxruntime: ort.version,
    },
    executionProviders: ort.providers,
    onnxruntimeError: ort.error,
    sqlite,
    userDataDir: options.userDataDir,
  };
}

export function createAppDomain(options: AppInfoOptions): AppApi {
  return { info: () => collectAppInfo(options) };
}
