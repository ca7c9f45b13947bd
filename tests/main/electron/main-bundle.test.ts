// Builds the real Electron main bundle (scripts/build-electron.mjs) and runs it (and the preload bundle) against a
// fake `electron` module — no Electron binary can run here. Checks the IPC handlers and the engine workers as the
// bundle wires them, and Electron's security checklist item by item (SECURITY.md: one test per item, "checklist N").
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as os from 'node:os';
import { parse as parseYaml } from 'yaml';
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
let permissionCheck: ((...args: unknown[]) => boolean) | null = null;
const exposed = new Map<string, unknown>();
const calls = {
  enableSandbox: vi.fn(), registerSchemes: vi.fn(), showMessageBox: vi.fn(), showErrorBox: vi.fn(), exit: vi.fn(),
  openPath: vi.fn(async (_folder: string) => ''), openExternal: vi.fn(async () => undefined), invoke: vi.fn(),
};

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
        setPermissionCheckHandler: (fn: typeof permissionCheck) => (permissionCheck = fn),
      },
    },
    shell: { openPath: calls.openPath, openExternal: calls.openExternal },
    contextBridge: { exposeInMainWorld: (key: string, value: unknown) => exposed.set(key, value) },
    ipcRenderer: { invoke: calls.invoke, on: vi.fn(), removeListener: vi.fn() },
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
});

/** The web contents listeners the bundle's lockdown installs on every new web contents. */
function lockedDownContents(): { listeners: Map<string, (event: { preventDefault: Fn }, ...args: unknown[]) => void>; openHandler: () => unknown } {
  const listeners = new Map<string, (event: { preventDefault: Fn }, ...args: unknown[]) => void>();
  let openHandler: (() => unknown) | null = null;
  const contents = {
    on: (name: string, fn: (event: { preventDefault: Fn }, ...args: unknown[]) => void) => listeners.set(name, fn),
    setWindowOpenHandler: (fn: () => unknown) => (openHandler = fn),
  };
  appHandlers.get('web-contents-created')!({} as never, contents as never);
  return { listeners, openHandler: () => openHandler!() };
}

function prevented(listener: ((event: { preventDefault: Fn }, ...args: unknown[]) => void) | undefined, ...args: unknown[]): boolean {
  const event = { preventDefault: vi.fn() };
  listener!(event, ...args);
  return event.preventDefault.mock.calls.length > 0;
}

const prefs = (): Record<string, unknown> => windows[0]!.options.webPreferences;
const readRepo = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');

// Electron's security checklist (electronjs.org/docs/latest/tutorial/security), numbered as there and in SECURITY.md.
describe('Electron security checklist, item by item', () => {
  it('SECURITY.md lists the 20 items, each naming its "checklist <n>" test in this file', () => {
    const rows = readRepo('SECURITY.md').split('\n').filter((l) => /^\| \d+ \|/.test(l));
    expect(rows.map((l) => Number(/^\| (\d+) \|/.exec(l)![1]))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const here = fs.readFileSync(__filename, 'utf8');
    for (const [i, row] of rows.entries()) {
      expect(row).toContain(`main-bundle.test.ts\` "checklist ${i + 1}"`);
      expect(here).toContain(`it('checklist ${i + 1}: `);
    }
  });

  it('checklist 1: only secure content: the window loads tessera://app, the protocol serves the renderer folder only', async () => {
    expect(windows[0]!.url).toBe('tessera://app/index.html');
    const ok = await protocolHandler!({ url: 'tessera://app/index.html' });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('bundle test');
    for (const url of ['tessera://app/%2e%2e/user-data/settings.json', 'tessera://app/..%2f..%2fpackage.json', 'tessera://other/index.html', 'tessera://app/missing.js']) {
      expect((await protocolHandler!({ url })).status, url).toBe(404);
    }
  });

  it('checklist 2: no Node.js integration in the window or its workers', () => {
    expect(prefs()).toMatchObject({ nodeIntegration: false, nodeIntegrationInWorker: false });
    expect(prefs().nodeIntegrationInSubFrames).not.toBe(true);
  });

  it('checklist 3: context isolation', () => {
    expect(prefs().contextIsolation).toBe(true);
  });

  it('checklist 4: process sandboxing: sandboxed window, app.enableSandbox(), a one-file preload that requires only electron', () => {
    expect(prefs().sandbox).toBe(true);
    expect(calls.enableSandbox).toHaveBeenCalled();
    const preload = fs.readFileSync(prefs().preload as string, 'utf8');
    const required = [...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
    expect(new Set(required)).toEqual(new Set(['electron']));
  });

  it('checklist 5: every permission request and check is denied', () => {
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
      const granted = vi.fn();
      permissionRequest!({}, permission, granted);
      expect(granted).toHaveBeenCalledWith(false);
      expect(permissionCheck!({}, permission, 'tessera://app')).toBe(false);
    }
  });

  it('checklist 6: webSecurity stays on', () => {
    expect(prefs().webSecurity).toBe(true);
  });

  it('checklist 7: a strict Content-Security-Policy on every served file', async () => {
    const csp = (await protocolHandler!({ url: 'tessera://app/index.html' })).headers.get('content-security-policy') ?? '';
    const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });

  it('checklist 8: no insecure content over a secure origin', () => {
    expect(prefs().allowRunningInsecureContent).toBe(false);
  });

  it('checklist 9: no experimental features', () => {
    expect(prefs().experimentalFeatures).toBeUndefined();
  });

  it('checklist 10: no enableBlinkFeatures', () => {
    expect(prefs().enableBlinkFeatures).toBeUndefined();
  });

  it('checklist 11: no <webview> (so no allowpopups): the tag is off and attaching one is prevented', () => {
    expect(prefs().webviewTag).toBe(false);
    expect(prevented(lockedDownContents().listeners.get('will-attach-webview'), { allowpopups: 'true' }, {})).toBe(true);
  });

  it('checklist 12: webview options need no verifying: every attach is prevented whatever its preferences', () => {
    const { listeners } = lockedDownContents();
    expect(prevented(listeners.get('will-attach-webview'), { nodeIntegration: true, preload: '/tmp/evil.js' }, { src: 'https://evil.example/' })).toBe(true);
    expect(prevented(listeners.get('will-attach-webview'), {}, { src: 'tessera://app/index.html' })).toBe(true);
  });

  it('checklist 13: navigation limited to tessera://app; redirects prevented', () => {
    const { listeners } = lockedDownContents();
    expect(prevented(listeners.get('will-navigate'), 'https://evil.example/')).toBe(true);
    expect(prevented(listeners.get('will-navigate'), 'tessera://app.evil.example/')).toBe(true);
    expect(prevented(listeners.get('will-navigate'), 'file:///etc/passwd')).toBe(true);
    expect(prevented(listeners.get('will-navigate'), 'tessera://app/index.html#/gallery')).toBe(false);
    expect(prevented(listeners.get('will-redirect'), 'tessera://app/index.html')).toBe(true);
  });

  it('checklist 14: new windows denied', () => {
    expect(lockedDownContents().openHandler()).toEqual({ action: 'deny' });
  });

  it('checklist 15: no shell.openExternal; gallery.openFolder opens only the library\'s own images folder', async () => {
    const bundle = fs.readFileSync(path.join(work, 'electron', 'main.cjs'), 'utf8');
    expect(bundle).not.toContain('openExternal');
    const opened = (await ipcHandlers.get('tessera:gallery.openFolder')!(appEvent())) as ApiOutcome;
    expect(opened).toMatchObject({ ok: true, value: { opened: true } });
    const folder = calls.openPath.mock.calls.at(-1)![0];
    expect(folder.startsWith(path.join(userData, 'library'))).toBe(true);
    // A payload cannot choose the folder: the method takes none, so one is refused before anything opens.
    const opens = calls.openPath.mock.calls.length;
    const steered = (await ipcHandlers.get('tessera:gallery.openFolder')!(appEvent(), '/etc')) as ApiOutcome;
    expect(steered).toMatchObject({ ok: false, error: { code: 'bad-params' } });
    expect(calls.openPath.mock.calls.length).toBe(opens);
    expect(calls.openExternal).not.toHaveBeenCalled();
  });

  it('checklist 16: a current Electron, pinned exactly, and the version SECURITY.md states', () => {
    const version = (JSON.parse(readRepo('package.json')) as { devDependencies: Record<string, string> }).devDependencies.electron!;
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    const major = Number(version.split('.')[0]);
    // Electron supports its latest three majors; 45 was current when this was written (2026-12).
    expect(major).toBeGreaterThanOrEqual(45);
    expect(readRepo('SECURITY.md')).toContain(`Electron ${major} (`);
  });

  it('checklist 17: IPC only from the app window\'s top frame on tessera://app', async () => {
    const foreign = { sender: { send: vi.fn() }, senderFrame: { url: 'tessera://app/index.html', parent: null } };
    const framed = { ...appEvent(), senderFrame: { url: 'https://evil.example/', parent: null } };
    const subFrame = { ...appEvent(), senderFrame: { url: 'tessera://app/index.html', parent: {} } };
    const gone = { ...appEvent(), senderFrame: null };
    for (const event of [foreign, framed, subFrame, gone]) {
      expect(await ipcHandlers.get('tessera:settings.get')!(event)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    expect(await ipcHandlers.get('tessera:settings.get')!(appEvent())).toMatchObject({ ok: true });
  });

  it('checklist 18: no file:// — a privileged tessera:// scheme serves the UI', () => {
    expect(new URL(windows[0]!.url!).protocol).toBe('tessera:');
    expect(calls.registerSchemes).toHaveBeenCalledWith([expect.objectContaining({ scheme: 'tessera', privileges: expect.objectContaining({ standard: true, secure: true }) })]);
    const bundle = fs.readFileSync(path.join(work, 'electron', 'main.cjs'), 'utf8');
    expect(bundle).not.toMatch(/\.loadFile\(|loadURL\(["'`]file:/);
  });

  it('checklist 19: fuses: no run-as-node, NODE_OPTIONS or inspect flags; asar integrity and asar-only loading', () => {
    const fuses = (parseYaml(readRepo('electron-builder.yml')) as { electronFuses: Record<string, boolean> }).electronFuses;
    expect(fuses).toMatchObject({
      runAsNode: false, enableNodeOptionsEnvironmentVariable: false, enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true, onlyLoadAppFromAsar: true, grantFileProtocolExtraPrivileges: false,
      enableCookieEncryption: true,
    });
  });

  it('checklist 20: the preload exposes only window.tessera: one function per contract method and event, no Electron API', () => {
    const require = createRequire(import.meta.url);
    require(prefs().preload as string);
    expect([...exposed.keys()]).toEqual(['tessera']);
    const bridge = exposed.get('tessera') as Record<string, Record<string, unknown>>;
    expect(Object.isFrozen(bridge)).toBe(true);
    const members = Object.entries(bridge).flatMap(([domain, m]) => Object.entries(m).map(([name, v]) => [`${domain}.${name}`, typeof v]));
    expect(members.every(([, type]) => type === 'function')).toBe(true);
    expect(members.map(([name]) => name)).toEqual(expect.arrayContaining(listMethodPaths()));
    expect(JSON.stringify(Object.keys(bridge))).not.toMatch(/ipcRenderer|process|require/);
    for (const m of Object.values(bridge)) expect(Object.keys(m).some((k) => /ipcRenderer|send$|invoke$/.test(k))).toBe(false);
  });
});
