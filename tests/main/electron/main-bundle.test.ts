// Builds the real Electron main bundle (scripts/build-electron.mjs) and runs it against a fake
// `electron` module — no Electron binary can run here. Checks the window's security settings, the
// tessera:// protocol, the IPC handlers (sender checks) and the navigation/permission lockdown as the
// bundle actually wires them.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as os from 'node:os';
import { writeLandscapeDataset } from '../../../recipes/landscapes';
import { ipcChannel, listMethodPaths } from '../../../preload/contract';
import { writeTinyBaseBundle } from '../../native-models/training/fixtures/tiny-bundle';
import type { ApiOutcome, EventPath } from '../../../preload/contract';

const ROOT = path.resolve(__dirname, '..', '..', '..');
type Fn = (...args: never[]) => unknown;

interface FakeWindow {
  options: { webPreferences: Record<string, unknown> };
  url: string | null;
  webContents: { send: Fn; isDestroyed: () => boolean };
}

const windows: FakeWindow[] = [];
const ipcHandlers = new Map<string, (event: unknown, ...args: unknown[]) => Promise<ApiOutcome>>();
const appHandlers = new Map<string, Fn>();
let protocolHandler: ((request: { url: string }) => Promise<Response>) | null = null;
let permissionRequest: ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void) | null = null;
const calls = { enableSandbox: vi.fn(), registerSchemes: vi.fn(), showMessageBox: vi.fn(), showErrorBox: vi.fn(), exit: vi.fn() };

let work: string;
let userData: string;

function fakeElectron() {
  class BrowserWindow implements FakeWindow {
    url: string | null = null;
    webContents = { send: vi.fn(), isDestroyed: () => false };
    constructor(readonly options: FakeWindow['options']) {
      windows.push(this);
    }
    once() {}
    on() {}
    show() {}
    isDestroyed() {
      return false;
    }
    loadURL(url: string) {
      this.url = url;
      return Promise.resolve();
    }
    static getAllWindows() {
      return windows;
    }
  }
  return {
    app: {
      requestSingleInstanceLock: () => true,
      enableSandbox: calls.enableSandbox,
      on: (event: string, fn: Fn) => appHandlers.set(event, fn),
      whenReady: () => Promise.resolve(),
      getPath: (name: string) => (name === 'userData' ? userData : ''),
      quit: vi.fn(),
      exit: calls.exit,
    },
    protocol: {
      registerSchemesAsPrivileged: calls.registerSchemes,
      handle: (_scheme: string, fn: typeof protocolHandler) => (protocolHandler = fn),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (fn: typeof permissionRequest) => (permissionRequest = fn),
        setPermissionCheckHandler: vi.fn(),
      },
    },
    ipcMain: {
      handle: (channel: string, fn: (event: unknown, ...args: unknown[]) => Promise<ApiOutcome>) => ipcHandlers.set(channel, fn),
      removeHandler: (channel: string) => ipcHandlers.delete(channel),
    },
    dialog: { showMessageBox: calls.showMessageBox, showErrorBox: calls.showErrorBox },
    BrowserWindow,
  };
}

beforeAll(async () => {
  // Inside the repo so the bundle's externals (better-sqlite3, onnxruntime-node, ws) resolve.
  fs.mkdirSync(path.join(ROOT, 'test-results'), { recursive: true });
  work = fs.mkdtempSync(path.join(ROOT, 'test-results', 'electron-bundle-'));
  userData = path.join(work, 'user-data');
  fs.mkdirSync(path.join(work, 'renderer'));
  fs.writeFileSync(path.join(work, 'renderer', 'index.html'), '<!doctype html><title>bundle test</title>');
  await promisify(execFile)(process.execPath, [path.join(ROOT, 'scripts', 'build-electron.mjs'), '--out', path.join(work, 'electron')], { cwd: ROOT });

  const require = createRequire(import.meta.url);
  const electronPath = require.resolve('electron');
  require.cache[electronPath] = { id: electronPath, filename: electronPath, loaded: true, exports: fakeElectron() } as unknown as NodeJS.Module;
  require(path.join(work, 'electron', 'main.cjs'));
  // start() is async: wait for the window, then let the post-window checks (settings, SQLite) finish.
  for (let i = 0; i < 1000 && windows.length === 0 && calls.showErrorBox.mock.calls.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  await new Promise((r) => setTimeout(r, 100));
}, 120_000);

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

const appEvent = () => ({ sender: windows[0]!.webContents, senderFrame: { url: 'tessera://app/index.html#/settings', parent: null } });

describe('Electron main bundle (dist/electron/main.cjs)', () => {
  it('starts without errors and opens one locked-down window on tessera://app', () => {
    expect(calls.showErrorBox).not.toHaveBeenCalled();
    expect(calls.exit).not.toHaveBeenCalled();
    expect(calls.enableSandbox).toHaveBeenCalled();
    expect(windows).toHaveLength(1);
    const prefs = windows[0]!.options.webPreferences;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webviewTag: false, webSecurity: true });
    expect(prefs.preload).toBe(path.join(work, 'electron', 'preload.cjs'));
    expect(fs.existsSync(prefs.preload as string)).toBe(true);
    expect(windows[0]!.url).toBe('tessera://app/index.html');
    expect(calls.registerSchemes).toHaveBeenCalledWith([expect.objectContaining({ scheme: 'tessera', privileges: expect.objectContaining({ standard: true, secure: true }) })]);
  });

  it('registers one IPC handler per contract method and serves the app window', async () => {
    expect([...ipcHandlers.keys()].sort()).toEqual(listMethodPaths().map((m) => ipcChannel(m)).sort());
    const info = await ipcHandlers.get('tessera:app.info')!(appEvent());
    expect(info).toMatchObject({ ok: true, value: { host: 'electron', userDataDir: userData } });
    const bad = await ipcHandlers.get('tessera:settings.update')!(appEvent(), { libraryFolder: 1 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad-params' } });
  });

  it('runs generation and fine-tuning in the built ES-module workers beside main.cjs (no tsx in a packaged app)', { timeout: 90_000 }, async () => {
    expect(['generation-worker.mjs', 'bundle-loader.mjs', 'finetune-worker.mjs'].every((f) => fs.existsSync(path.join(work, 'electron', f)))).toBe(true);
    const base = await writeTinyBaseBundle(path.join(work, 'models-src'));
    const images = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-bundle-images-'));
    await writeLandscapeDataset({ outDir: images, count: 6, seed: 1, width: 16, height: 16 });
    const send = windows[0]!.webContents.send as ReturnType<typeof vi.fn>;
    const eventOf = async (name: EventPath, id: (p: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> => {
      for (let i = 0; i < 1200; i++) {
        const hit = send.mock.calls.find(([channel, payload]) => channel === ipcChannel(name) && id(payload as Record<string, unknown>));
        if (hit) return hit[1] as Record<string, unknown>;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no ${name} event`);
    };
    const gen = (await ipcHandlers.get('tessera:jobs.generate')!(appEvent(), { model: base, seed: 1 })) as { ok: boolean; value: { jobId: string } };
    expect(gen.ok).toBe(true);
    const done = await eventOf('jobs.onDidJobFinish', (p) => p.jobId === gen.value.jobId);
    expect(done, String(done.error)).toMatchObject({ status: 'done' });
    const ft = (await ipcHandlers.get('tessera:finetune.start')!(appEvent(), { model: base, images, stage: 'transformer', steps: 2, batch: 2, name: 'Bundle tuned' })) as { ok: boolean; value: { runId: string } };
    expect(ft.ok).toBe(true);
    const finished = await eventOf('finetune.onDidFinetuneFinish', (p) => p.runId === ft.value.runId);
    expect(finished, String(finished.error)).toMatchObject({ status: 'finished', outputModel: path.join(userData, 'library', 'models', 'Bundle-tuned') });
    fs.rmSync(images, { recursive: true, force: true });
  });

  it('refuses IPC from other senders', async () => {
    const foreign = { sender: { send: vi.fn() }, senderFrame: { url: 'tessera://app/index.html', parent: null } };
    const framed = { ...appEvent(), senderFrame: { url: 'https://evil.example/', parent: null } };
    for (const event of [foreign, framed]) {
      expect(await ipcHandlers.get('tessera:settings.get')!(event)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
  });

  it('serves the renderer over tessera:// with a strict CSP, and nothing outside it', async () => {
    const ok = await protocolHandler!({ url: 'tessera://app/index.html' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toMatch(/script-src 'self';.*object-src 'none'/);
    expect(await ok.text()).toContain('bundle test');
    for (const url of ['tessera://app/%2e%2e/user-data/settings.json', 'tessera://other/index.html', 'tessera://app/missing.js']) {
      expect((await protocolHandler!({ url })).status).toBe(404);
    }
  });

  it('denies permissions, navigation away from the app and new windows', () => {
    const granted = vi.fn();
    permissionRequest!({}, 'media', granted);
    expect(granted).toHaveBeenCalledWith(false);

    const listeners = new Map<string, (event: { preventDefault: Fn }, url?: string) => void>();
    let openHandler: (() => unknown) | null = null;
    const contents = {
      on: (name: string, fn: (event: { preventDefault: Fn }, url?: string) => void) => listeners.set(name, fn),
      setWindowOpenHandler: (fn: () => unknown) => (openHandler = fn),
    };
    appHandlers.get('web-contents-created')!({} as never, contents as never);
    const away = { preventDefault: vi.fn() };
    listeners.get('will-navigate')!(away, 'https://evil.example/');
    expect(away.preventDefault).toHaveBeenCalled();
    const inside = { preventDefault: vi.fn() };
    listeners.get('will-navigate')!(inside, 'tessera://app/index.html#/gallery');
    expect(inside.preventDefault).not.toHaveBeenCalled();
    const attach = { preventDefault: vi.fn() };
    listeners.get('will-attach-webview')!(attach);
    expect(attach.preventDefault).toHaveBeenCalled();
    expect(openHandler!()).toEqual({ action: 'deny' });
  });
});
