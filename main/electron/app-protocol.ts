// The renderer is served to Electron windows from `tessera://app/…` (a privileged standard scheme)
// instead of file://, so the page has a real origin to check IPC senders against and every response
// carries the strict Content-Security-Policy header.

import * as fs from 'node:fs';
import { protocol } from 'electron';
import { contentSecurityPolicy, contentTypeFor, resolveRendererFile } from '../services/renderer-files';

export const APP_SCHEME = 'tessera';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } },
  ]);
}

/** Answers tessera://app/<path> from the built renderer folder; anything else is 404. */
export function serveRenderer(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const file = url.host === APP_HOST ? resolveRendererFile(rendererDir, url.pathname) : null;
    if (file === null) return new Response('Not found', { status: 404 });
    try {
      const body = await fs.promises.readFile(file);
      return new Response(body, {
        status: 200,
        headers: {
          'Content-Type': contentTypeFor(file),
          'Content-Security-Policy': contentSecurityPolicy(),
          'X-Content-Type-Options': 'nosniff',
        },
      });
    } catch {
      return new Response('Not found', { status: 404 });
    }
  });
}
