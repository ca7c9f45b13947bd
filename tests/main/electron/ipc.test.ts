// main/electron/ipc.ts with a mocked `electron` (no Electron binary can run here) and the real
// services behind it: every method gets a handler, foreign senders are refused, payloads validated.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { IpcMainInvokeEvent, WebContents } from 'electron';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openBackend } from '../../../main/services/backend';
import type { Backend } from '../../../main/services/backend';
import { ipcChannel, listMethodPaths } from '../../../preload/contract';
import type { ApiOutcome } from '../../../preload/contract';

type Handler = (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<ApiOutcome>;
const handlers = vi.hoisted(() => new Map<string, Handler>());

vi.mock('electron', () => ({
  ipcMain: {
    handle: (channel: string, handler: Handler) => {
      if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
      handlers.set(channel, handler);
    },
    removeHandler: (channel: string) => handlers.delete(channel),
  },
}));

const { createSenderCheck, forwardApiEvents, registerApiHandlers } = await import('../../../main/electron/ipc');

interface FakeFrame { url: string; parent: FakeFrame | null }
const appWindow = { id: 1, isDestroyed: () => false, send: vi.fn() };
const otherWindow = { id: 2, isDestroyed: () => false, send: vi.fn() };
const topFrame: FakeFrame = { url: 'tessera://app/index.html#/settings', parent: null };

function fakeEvent(sender: object, frame: FakeFrame | null): IpcMainInvokeEvent {
  return { sender, senderFrame: frame } as unknown as IpcMainInvokeEvent;
}
const trusted = () => fakeEvent(appWindow, topFrame);

let dir: string;
let backend: Backend;
let unregister: () => void;
const log = vi.fn();

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-ipc-'));
  backend = await openBackend({ host: 'electron', userDataDir: dir });
  const check = createSenderCheck('tessera://app', () => [appWindow as unknown as WebContents]);
  unregister = registerApiHandlers(backend.api, check, { log });
});
afterEach(async () => {
  unregister();
  await backend.close();
  fs.rmSync(dir, { recursive: true, force: true });
  log.mockReset();
});

function handler(method: string): Handler {
  const h = handlers.get(ipcChannel(method as never));
  if (!h) throw new Error(`no handler for ${method}`);
  return h;
}

describe('registerApiHandlers', () => {
  it('registers exactly one handler per contract method, and removes them again', () => {
    expect([...handlers.keys()].sort()).toEqual(listMethodPaths().map((m) => ipcChannel(m)).sort());
    unregister();
    expect(handlers.size).toBe(0);
    unregister = () => undefined;
  });

  it('serves the app window with the real services', async () => {
    expect(await handler('app.info')(trusted())).toMatchObject({ ok: true, value: { host: 'electron', userDataDir: dir } });
    const folder = path.join(dir, 'lib');
    expect(await handler('settings.update')(trusted(), { libraryFolder: folder })).toMatchObject({ ok: true, value: { values: { libraryFolder: folder } } });
    expect(await handler('settings.get')(trusted())).toMatchObject({ ok: true, value: { values: { libraryFolder: folder } } });
  });

  it('refuses senders that are not the app top frame, without running the method', async () => {
    const cases: [IpcMainInvokeEvent, RegExp][] = [
      [fakeEvent(otherWindow, topFrame), /not a Tessera window/],
      [fakeEvent(appWindow, { url: 'tessera://app/index.html', parent: topFrame }), /sub-frames/],
      [fakeEvent(appWindow, { url: 'https://evil.example/', parent: null }), /origin https:\/\/evil\.example is not tessera:\/\/app/],
      [fakeEvent(appWindow, { url: 'file:///etc/index.html', parent: null }), /is not tessera:\/\/app/],
      [fakeEvent(appWindow, null), /frame is gone/],
    ];
    for (const [event, reason] of cases) {
      const outcome = await handler('settings.update')(event, { libraryFolder: path.join(dir, 'evil') });
      expect(outcome).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringMatching(reason) } });
    }
    expect(log).toHaveBeenCalledTimes(cases.length);
    expect(fs.existsSync(path.join(dir, 'evil'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'settings.json'))).toBe(false);
  });

  it('validates payloads at run time', async () => {
    expect(await handler('settings.update')(trusted(), { libraryFolder: ['x'] })).toEqual({
      ok: false, error: { code: 'bad-params', message: 'settings.update: params.libraryFolder must be a non-empty string, got an array of length 1.' },
    });
    expect(await handler('app.info')(trusted(), 'extra')).toMatchObject({ ok: false, error: { code: 'bad-params' } });
    expect(await handler('settings.update')(trusted(), {}, {})).toMatchObject({ ok: false, error: { code: 'bad-params', message: expect.stringMatching(/at most one argument/) } });
  });

  it('forwards events to the app windows on their IPC channel', async () => {
    const off = forwardApiEvents(backend.api, () => [appWindow as unknown as WebContents]);
    const snapshot = await backend.api.settings.update({ libraryFolder: path.join(dir, 'ev') });
    off();
    expect(appWindow.send).toHaveBeenCalledWith('tessera:settings.onDidChange', snapshot);
    expect(otherWindow.send).not.toHaveBeenCalled();
  });
});
