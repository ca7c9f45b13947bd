// Loads better-sqlite3 lazily so that a missing or mismatched native binary becomes a clear error
// the UI can show ("the gallery is unavailable because …") instead of a crash at import time.

import type BetterSqlite3 from 'better-sqlite3';

export type SqliteDatabase = BetterSqlite3.Database;
type DatabaseConstructor = typeof BetterSqlite3;

export class GalleryUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GalleryUnavailableError';
  }
}

let cached: DatabaseConstructor | null = null;

/** Override the module loader (tests use this to simulate a broken native binary). */
export type SqliteModuleLoader = () => Promise<unknown>;

const defaultLoader: SqliteModuleLoader = () => import('better-sqlite3');

function isConstructor(value: unknown): value is DatabaseConstructor {
  return typeof value === 'function';
}

export async function loadSqlite(loader: SqliteModuleLoader = defaultLoader): Promise<DatabaseConstructor> {
  if (cached && loader === defaultLoader) return cached;
  let mod: unknown;
  try {
    mod = await loader();
  } catch (err) {
    const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
    const abi = /NODE_MODULE_VERSION|was compiled against a different Node\.js version/.test(String(detail));
    throw new GalleryUnavailableError(
      `The gallery database is unavailable: better-sqlite3's native module could not be loaded (${detail}). ` +
        (abi
          ? 'It was built for a different Node/Electron version: run `npx electron-builder install-app-deps` (Electron) or `npm rebuild better-sqlite3` (Node).'
          : 'Reinstall dependencies with `npm ci`.') +
        ' Images already saved in the library folder are safe; the gallery can be rebuilt from them with Rescan.',
      { cause: err },
    );
  }
  const ctor = (mod as { default?: unknown }).default ?? mod;
  if (!isConstructor(ctor)) {
    throw new GalleryUnavailableError('The gallery database is unavailable: the better-sqlite3 module did not export a Database constructor.');
  }
  if (loader === defaultLoader) cached = ctor;
  return ctor;
}
