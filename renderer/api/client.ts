// The renderer's one way to reach the backend. In Electron the preload has put the API on
// `window.tessera`; in a browser served by the web host, the same API is spoken over a WebSocket
// (token from the page URL, `?token=…`, or the cookie the host set). No other renderer module knows
// which one is in use: import `api` from here.

import type { Api, ApiErrorInfo, TesseraBridge } from '../../preload/contract';

declare global {
  interface Window {
    /** Set by preload/index.ts in the Electron app only. */
    tessera?: TesseraBridge;
  }
}

export type ConnectionState = 'bridge' | 'connecting' | 'open' | 'closed';

/** An API call that failed; `code` is the host's error code when it sent one. */
export class ApiCallError extends Error {
  constructor(message: string, readonly code: ApiErrorInfo['code'] | 'disconnected') {
    super(message);
    this.name = 'ApiCallError';
  }
}

interface Pending {
  method: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface ServerFrame {
  id?: number | string | null;
  result?: unknown;
  error?: ApiErrorInfo;
  event?: string;
  payload?: unknown;
}

/** The WebSocket client: queues calls while connecting, reconnects with back-off, fans out events. */
class SocketClient {
  private socket: WebSocket | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly outbox: string[] = [];
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private retryMs = 250;
  state: ConnectionState = 'connecting';

  constructor(private readonly url: string) {
    this.connect();
  }

  call(method: string, params: unknown): Promise<unknown> {
    const id = this.nextId++;
    const frame = JSON.stringify(params === undefined ? { id, method } : { id, method, params });
    return new Promise((resolve, reject) => {
      this.pending.set(id, { method, resolve, reject });
      if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(frame);
      else this.outbox.push(frame);
    });
  }

  subscribe(event: string, listener: (payload: unknown) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  onState(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => {
      this.stateListeners.delete(listener);
    };
  }

  private setState(state: ConnectionState): void {
    this.state = state;
    for (const listener of [...this.stateListeners]) listener(state);
  }

  private connect(): void {
    const socket = new WebSocket(this.url);
    this.socket = socket;
    this.setState('connecting');
    socket.onopen = () => {
      this.retryMs = 250;
      this.setState('open');
      for (const frame of this.outbox.splice(0)) socket.send(frame);
    };
    socket.onmessage = (message) => this.receive(String(message.data));
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.setState('closed');
      // Calls in flight may or may not have run: fail them rather than resend them.
      for (const [id, call] of this.pending) {
        if (!this.outbox.some((frame) => frame.startsWith(`{"id":${id},`))) {
          call.reject(new ApiCallError(`${call.method}: lost the connection to the Tessera web host before it answered.`, 'disconnected'));
          this.pending.delete(id);
        }
      }
      setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 5000);
    };
  }

  private receive(text: string): void {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(text) as ServerFrame;
    } catch {
      return;
    }
    if (typeof frame.event === 'string') {
      for (const listener of [...(this.listeners.get(frame.event) ?? [])]) listener(frame.payload);
      return;
    }
    if (typeof frame.id !== 'number') return;
    const call = this.pending.get(frame.id);
    if (!call) return;
    this.pending.delete(frame.id);
    if (frame.error) call.reject(new ApiCallError(frame.error.message, frame.error.code));
    else call.resolve(frame.result);
  }
}

function socketUrl(): string {
  const token = new URLSearchParams(window.location.search).get('token');
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${window.location.host}/api${token ? `?token=${encodeURIComponent(token)}` : ''}`;
}

/** Builds an `Api`-shaped object whose members become socket calls (`onDidX` become subscriptions). */
function socketApi(client: SocketClient): Api {
  const domains = new Map<string, object>();
  const domainProxy = (domain: string) =>
    new Proxy({}, {
      get(_target, member) {
        if (typeof member !== 'string' || member === 'then') return undefined;
        const path = `${domain}.${member}`;
        if (/^onDid[A-Z]/.test(member)) {
          return (listener: (payload: unknown) => void) => client.subscribe(path, listener);
        }
        return (arg?: unknown) => client.call(path, arg);
      },
    });
  return new Proxy({}, {
    get(_target, domain) {
      if (typeof domain !== 'string' || domain === 'then') return undefined;
      let proxy = domains.get(domain);
      if (!proxy) domains.set(domain, (proxy = domainProxy(domain)));
      return proxy;
    },
  }) as Api;
}

const bridge = window.tessera;
const socket = bridge ? null : new SocketClient(socketUrl());

/** The Tessera API, whichever host serves it. */
export const api: Api = bridge ?? socketApi(socket!);

export function connectionState(): ConnectionState {
  return socket ? socket.state : 'bridge';
}

export function onConnectionChange(listener: (state: ConnectionState) => void): () => void {
  return socket ? socket.onState(listener) : () => undefined;
}

/** A readable message for any error an API call can throw. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
