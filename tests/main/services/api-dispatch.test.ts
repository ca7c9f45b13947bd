import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_SCHEMAS } from '../../../main/services/api';
import { ApiUnavailableError } from '../../../main/services/api-errors';
import { dispatchApiCall, resolveMethodPath, subscribeApiEvents } from '../../../main/services/api-dispatch';
import { openBackend } from '../../../main/services/backend';
import type { Backend } from '../../../main/services/backend';
import { API_METHODS, listMethodPaths } from '../../../preload/contract';
import type { Api } from '../../../preload/contract';

let dir: string;
let backend: Backend;
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-dispatch-'));
  backend = await openBackend({ host: 'cli', userDataDir: dir });
});
afterEach(async () => {
  await backend.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('dispatchApiCall', () => {
  it('has a schema for every method of the contract, and nothing else', () => {
    for (const [domain, methods] of Object.entries(API_METHODS)) {
      expect(Object.keys(API_SCHEMAS[domain as keyof Api]).sort()).toEqual([...methods].sort());
    }
  });

  it('runs valid calls', async () => {
    const info = await dispatchApiCall(backend.api, 'app.info', undefined);
    expect(info).toMatchObject({ ok: true, value: { name: 'Tessera', host: 'cli', userDataDir: dir } });
    const folder = path.join(dir, 'lib');
    expect(await dispatchApiCall(backend.api, 'settings.update', { libraryFolder: folder }))
      .toMatchObject({ ok: true, value: { values: { libraryFolder: folder } } });
  });

  it('refuses unknown methods, including prototype members and events', async () => {
    for (const method of ['nope.get', 'settings.reset', 'settings.onDidChange', '__proto__.toString', 'settings.constructor', 'settings', '', 42, null]) {
      const outcome = await dispatchApiCall(backend.api, method, undefined);
      expect(outcome).toMatchObject({ ok: false, error: { code: 'unknown-method' } });
    }
    expect(resolveMethodPath('toString.call')).toBeNull();
  });

  it('refuses bad payloads with a clear message naming the method and field, before the service runs', async () => {
    const cases: [string, unknown, string][] = [
      ['app.info', { verbose: true }, 'app.info: params must be absent (this method takes no argument), got an object.'],
      ['settings.get', 'x', 'settings.get: params must be absent (this method takes no argument), got the string "x".'],
      ['settings.update', { libraryFolder: 7 }, 'settings.update: params.libraryFolder must be a non-empty string, got number 7.'],
      ['settings.update', { libraryFolder: 'rel' }, 'settings.update: params.libraryFolder must be an absolute folder path, got the string "rel".'],
      ['settings.update', { libraryFoldr: '/tmp' }, 'settings.update: params.libraryFoldr must be absent (unknown field; allowed: libraryFolder, device), got the string "/tmp".'],
      ['settings.update', null, 'settings.update: params must be an object with fields libraryFolder, device, got null.'],
    ];
    for (const [method, params, message] of cases) {
      expect(await dispatchApiCall(backend.api, method, params)).toEqual({ ok: false, error: { code: 'bad-params', message } });
    }
    expect(fs.existsSync(path.join(dir, 'settings.json'))).toBe(false);
  });

  it('reports a service failure as failed / unavailable, never throws', async () => {
    const failing: Api = {
      ...backend.api,
      app: { info: async () => { throw new ApiUnavailableError('onnxruntime is missing'); } },
      settings: { ...backend.api.settings, get: async () => { throw new Error('disk on fire'); } },
    };
    expect(await dispatchApiCall(failing, 'app.info', undefined)).toEqual({ ok: false, error: { code: 'unavailable', message: 'app.info: onnxruntime is missing' } });
    expect(await dispatchApiCall(failing, 'settings.get', undefined)).toEqual({ ok: false, error: { code: 'failed', message: 'settings.get failed: disk on fire' } });
  });

  it('forwards every event until unsubscribed', async () => {
    const seen: string[] = [];
    const off = subscribeApiEvents(backend.api, (event) => seen.push(event));
    await backend.api.settings.update({ libraryFolder: path.join(dir, 'a') });
    off();
    await backend.api.settings.update({ libraryFolder: path.join(dir, 'b') });
    expect(seen).toEqual(['settings.onDidChange']);
    expect(listMethodPaths().length).toBeGreaterThan(0);
  });
});
