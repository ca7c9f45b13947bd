// Electron main process: one window, locked down (contextIsolation, sandbox, no Node in the page,
// strict CSP, no navigation, no new windows, no permissions), the API served over IPC through
// ipc.ts. Bundled to dist/electron/main.cjs by scripts/build-electron.mjs.

import * as path from 'node:path';
import { BrowserWindow, app, dialog, session, shell } from 'electron';
import type { WebContents } from 'electron';
import { probeSqlite } from '../services/app-info';
import { openBackend } from '../services/backend';
import type { Backend } from '../services/backend';
import { APP_ENTRY_URL, APP_ORIGIN, registerAppScheme, serveRenderer } from './app-protocol';
import { createSenderCheck, forwardApiEvents, registerApiHandlers } from './ipc';

// dist/electron/main.cjs → dist/renderer, dist/electron/preload.cjs
const RENDERER_DIR = path.join(__dirname, '..', 'renderer');
const PRELOAD = path.join(__dirname, 'preload.cjs');

let mainWindow: BrowserWindow | null = null;
let backend: Backend | null = null;

function appWindows(): WebContents[] {
  return mainWindow && !mainWindow.isDestroyed() ? [mainWindow.webContents] : [];
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 840,
    minWidth: 900,
    minHeight: 600,
    show: false,
    backgroundColor: '#14161a',
    title: 'Tessera',
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  void win.loadURL(APP_ENTRY_URL);
  return win;
}

/** Every web contents (including any a bug might create) may not navigate, open windows or embed webviews. */
function lockDownWebContents(): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
    });
    contents.on('will-redirect', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
}

async function start(): Promise<void> {
  await app.whenReady();
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  serveRenderer(RENDERER_DIR);

  backend = await openBackend({
    host: 'electron',
    userDataDir: app.getPath('userData'),
    // gallery.openFolder: show the library's images folder in the OS file manager.
    revealFolder: async (folder) => {
      const problem = await shell.openPath(folder);
      if (problem) throw new Error(`Could not open ${folder}: ${problem}`);
    },
  });
  registerApiHandlers(backend.api, createSenderCheck(APP_ORIGIN, appWindows));
  forwardApiEvents(backend.api, appWindows);
  mainWindow = createWindow();

  const settings = await backend.api.settings.get();
  if (settings.recovered) {
    void dialog.showMessageBox(mainWindow, {
      type: 'warning',
      title: 'Tessera settings were reset',
      message: 'Your settings file could not be read, so Tessera started with default settings.',
      detail: `${settings.recovered.reason}\nThe old file was kept as ${settings.recovered.movedTo}.`,
    });
  }
  // better-sqlite3 is built per ABI: a wrong build must be a clear message, not a crash.
  const sqlite = await probeSqlite();
  if (!sqlite.available) {
    void dialog.showMessageBox(mainWindow, {
      type: 'error',
      title: 'Tessera: gallery unavailable',
      message: 'The gallery database (SQLite) cannot be opened in this build.',
      detail: sqlite.error ?? '',
    });
  }

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow();
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.enableSandbox();
  registerAppScheme();
  lockDownWebContents();
  app.on('second-instance', () => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => {
    void backend?.close();
  });
  start().catch((err: unknown) => {
    dialog.showErrorBox('Tessera could not start', err instanceof Error ? err.message : String(err));
    app.exit(1);
  });
}
