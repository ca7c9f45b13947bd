// The one way the app starts its engine workers (generation and fine-tune, worker_threads): from the TypeScript
// source through tsx in development, the CLI, the web host and the tests; from the ESM file
// scripts/build-electron.mjs writes beside main.cjs in the Electron bundle (a packaged app needs no tsx).

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/** True inside the CommonJS Electron bundle (scripts/build-electron.mjs), where import.meta is an empty object. */
export function inCommonJsBundle(): boolean {
  return typeof import.meta.resolve !== 'function';
}

/**
 * Starts a worker module: the TypeScript source (`entry`: its file: URL) through tsx's loader API, or, inside
 * the Electron bundle, `built` — the ESM file scripts/build-electron.mjs writes beside main.cjs — so a
 * packaged app needs no tsx.
 */
export function startTsWorkerEntry(entry: URL, data: unknown, what: string, built?: string): Worker {
  if (inCommonJsBundle()) {
    const file = built ? fileURLToPath(new URL(`./${built}`, import.meta.url)) : null;
    if (file && existsSync(file)) return new Worker(file, { workerData: data });
    throw new Error(`The ${what} worker cannot start from this bundle (no ESM loader${file ? ` and no built entry at ${file}` : ''}); build it with scripts/build-electron.mjs or pass startWorker.`);
  }
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData: data });
}
