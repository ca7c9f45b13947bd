// The web host: serves the built renderer (dist/renderer) and the same API as the Electron bridge
// over a WebSocket, on 127.0.0.1 only, behind a per-run random token.
//
// Protocol on ws://127.0.0.1:<port>/api?token=<token> (JSON text frames):
//   client → {"id": 1, "method": "settings.update", "params": {...}}
//   host   → {"id": 1, "result": ...}  or  {"id": 1, "error": {"code": "bad-params", "message": "..."}}
//   host   → {"event": "settings.onDidChange", "payload": ...}   (push, to every client)
// HTTP requests and WebSocket upgrades without the token (query `?token=` or the cookie set on the
// first authorised page load) are refused with 401; a foreign Host or Origin header with 403.

import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import type { Api, ApiOutcome } from '../../preload/contract';
import { dispatchApiCall, subscribeApiEvents } from '../services/api-dispatch';
import { contentSecurityPolicy, contentTypeFor, resolveRendererFile } from '../services/renderer-files';

export const API_SOCKET_PATH = '/api';
const MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

export interface WebHostOptions {
  api: Api;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Folder with the built renderer (index.html + assets). */
  rendererDir: string;
  /** Fixed token (tests); by default 32 random bytes, hex. */
  token?: string;
}

export interface WebHost {
  port: number;
  token: string;
  /** http://127.0.0.1:<port>/?token=<token> — open this in a browser. */
  url: string;
  /** ws://127.0.0.1:<port>/api?token=<token> */
  socketUrl: string;
  close(): Promise<void>;
}

function sameToken(expected: string, given: string | null | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

/**
 * The Host headers the web host answers: 127.0.0.1 or localhost with any port. A browser names the host it
 * connected to, so a DNS-rebinding page (evil.example resolving to 127.0.0.1) is refused; the port may differ from
 * the listening one because an SSH tunnel (`ssh -L 8765:127.0.0.1:<port>`) delivers the laptop's local port. The
 * Origin must then be that same host (`http://<Host>`), so a page of another local port cannot ride the cookie.
 */
export function isLoopbackHost(host: string): boolean {
  const m = /^(127\.0\.0\.1|localhost):(\d{1,5})$/.exec(host);
  return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 65535;
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = options.token ?? randomBytes(32).toString('hex');
  const rendererDir = path.resolve(options.rendererDir);
  let port = options.port ?? 0;
  const cookieName = () => `tessera-token-${port}`;

  /** 'ok', or the HTTP status and reason for refusing this request. */
  function authorise(req: http.IncomingMessage, url: URL): { status: 200 | 401 | 403; reason: string; viaQuery: boolean } {
    const hostHeader = req.headers.host ?? '';
    if (!isLoopbackHost(hostHeader)) {
      return { status: 403, reason: `Host header ${JSON.stringify(hostHeader)} is not this Tessera web host (only 127.0.0.1 or localhost, any port).`, viaQuery: false };
    }
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${hostHeader}`) {
      return { status: 403, reason: `Origin ${JSON.stringify(origin)} may not use this Tessera web host.`, viaQuery: false };
    }
    const fromQuery = url.searchParams.get('token');
    if (sameToken(token, fromQuery)) return { status: 200, reason: '', viaQuery: true };
    if (sameToken(token, readCookie(req.headers.cookie, cookieName()))) return { status: 200, reason: '', viaQuery: false };
    return {
      status: 401,
      reason: 'This Tessera web host needs its access token: open the URL printed by `tessera serve` (it ends in ?token=…).',
      viaQuery: false,
    };
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const auth = authorise(req, url);
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (auth.status !== 200) return send(auth.status, `${auth.reason}\n`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'Only GET and HEAD are served here.\n', { Allow: 'GET, HEAD' });

    const file = resolveRendererFile(rendererDir, url.pathname);
    if (file === null) return send(404, 'Not found.\n');

    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      if (file === path.join(rendererDir, 'index.html')) {
        return send(503, `The Tessera UI is not built (${path.join(rendererDir, 'index.html')} is missing). Run \`npx vite build\` (npm start does it for you).\n`);
      }
      return send(404, 'Not found.\n');
    }
    if (!stat.isFile()) return send(404, 'Not found.\n');

    const headers: Record<string, string> = {
      'Content-Type': contentTypeFor(file),
      'Content-Length': String(stat.size),
      // the page's own origin as the browser sees it (through an SSH tunnel: the laptop's local port)
      'Content-Security-Policy': contentSecurityPolicy([`ws://${req.headers.host ?? `127.0.0.1:${port}`}`]),
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
      'Cache-Control': path.extname(file) === '.html' ? 'no-store' : 'private, max-age=3600',
    };
    // Later requests (assets, the WebSocket) authenticate with this cookie instead of the query.
    if (auth.viaQuery) headers['Set-Cookie'] = `${cookieName()}=${token}; Path=/; HttpOnly; SameSite=Strict`;
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return res.end();
    fs.createReadStream(file).pipe(res);
  });

  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const clients = new Set<WebSocket>();

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const auth = url.pathname === API_SOCKET_PATH ? authorise(req, url) : { status: 404 as const, reason: 'Not found.' };
    if (auth.status !== 200) {
      const text = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[auth.status];
      socket.end(`HTTP/1.1 ${auth.status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${auth.reason}\n`);
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      // An oversized or malformed frame makes ws close the socket (1009 / 1002) and emit 'error': without a
      // listener that error would end the whole host process.
      ws.on('error', () => clients.delete(ws));
      ws.on('message', (data, isBinary) => void handleMessage(ws, data.toString(), isBinary));
    });
  });

  async function handleMessage(ws: WebSocket, text: string, isBinary: boolean): Promise<void> {
    let request: unknown;
    try {
      if (isBinary) throw new Error('binary frame');
      request = JSON.parse(text);
    } catch {
      ws.send(JSON.stringify({ id: null, error: { code: 'bad-params', message: 'Messages must be JSON text: {"id", "method", "params"}.' } }));
      return;
    }
    const message = (typeof request === 'object' && request !== null ? request : {}) as Record<string, unknown>;
    const id = typeof message.id === 'number' || typeof message.id === 'string' ? message.id : null;
    if (id === null) {
      ws.send(JSON.stringify({ id: null, error: { code: 'bad-params', message: 'Every request needs an "id" (number or string).' } }));
      return;
    }
    const outcome: ApiOutcome = await dispatchApiCall(options.api, message.method, message.params);
    if (ws.readyState !== ws.OPEN) return;
    ws.send(JSON.stringify(outcome.ok ? { id, result: outcome.value ?? null } : { id, error: outcome.error }));
  }

  const unsubscribe = subscribeApiEvents(options.api, (event, payload) => {
    const frame = JSON.stringify({ event, payload });
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(frame);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      unsubscribe();
      reject(new Error(err.code === 'EADDRINUSE'
        ? `Port ${port} on 127.0.0.1 is already in use; choose another with --port (0 picks a free one).`
        : `Could not start the web host on 127.0.0.1:${port}: ${err.message}`));
    });
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('The web host has no TCP address.');
  port = address.port;

  let closing: Promise<void> | undefined;
  return {
    port,
    token,
    url: `http://127.0.0.1:${port}/?token=${token}`,
    socketUrl: `ws://127.0.0.1:${port}${API_SOCKET_PATH}?token=${token}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        unsubscribe();
        for (const ws of clients) ws.terminate();
        sockets.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
