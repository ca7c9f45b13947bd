// Host-independent call and event plumbing: a host (Electron IPC, WebSocket, tests) hands in a
// method name and an untrusted payload and gets back an ApiOutcome; it never throws. Payloads are
// checked against API_SCHEMAS before the service runs.

import { API_EVENTS, API_METHODS } from '../../preload/contract';
import type { Api, ApiErrorCode, ApiOutcome, Domain, EventPath, MethodPath, Unsubscribe } from '../../preload/contract';
import { API_SCHEMAS } from './api';
import type { ApiSchemas } from './api';
import { PayloadError } from './validate';
import type { Schema } from './validate';
import { ApiUnavailableError } from './api-errors';

function failure(code: ApiErrorCode, message: string): ApiOutcome {
  return { ok: false, error: { code, message } };
}

/** Splits 'domain.method' and checks it against API_METHODS (own entries only, no prototype tricks). */
export function resolveMethodPath(method: unknown): { domain: Domain; name: string; path: MethodPath } | null {
  if (typeof method !== 'string') return null;
  const dot = method.indexOf('.');
  if (dot <= 0) return null;
  const domain = method.slice(0, dot);
  const name = method.slice(dot + 1);
  if (!Object.hasOwn(API_METHODS, domain)) return null;
  const methods: readonly string[] = API_METHODS[domain as Domain];
  if (!methods.includes(name)) return null;
  return { domain: domain as Domain, name, path: method as MethodPath };
}

type Callable = (arg: unknown) => Promise<unknown>;

export async function dispatchApiCall(api: Api, method: unknown, params: unknown, schemas: ApiSchemas = API_SCHEMAS): Promise<ApiOutcome> {
  const target = resolveMethodPath(method);
  if (!target) {
    const shown = typeof method === 'string' ? JSON.stringify(method.slice(0, 80)) : `a ${typeof method}`;
    return failure('unknown-method', `Unknown API method ${shown}; expected "domain.method" as listed in preload/contract.ts.`);
  }
  const domainSchemas = schemas[target.domain] as Record<string, Schema<unknown>>;
  let checked: unknown;
  try {
    checked = domainSchemas[target.name]!.parse(params, 'params');
  } catch (err) {
    if (err instanceof PayloadError) return failure('bad-params', `${target.path}: ${err.message}.`);
    throw err;
  }
  const domain = api[target.domain] as unknown as Record<string, Callable>;
  try {
    const value = await domain[target.name]!.call(domain, checked);
    return { ok: true, value };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof ApiUnavailableError) return failure('unavailable', `${target.path}: ${message}`);
    if (err instanceof PayloadError) return failure('bad-params', `${target.path}: ${message}.`);
    return failure('failed', `${target.path} failed: ${message}`);
  }
}

type Subscribe = (listener: (payload: unknown) => void) => Unsubscribe;

/** Subscribes to every event of every domain; returns one function that unsubscribes them all. */
export function subscribeApiEvents(api: Api, emit: (path: EventPath, payload: unknown) => void): Unsubscribe {
  const unsubscribers: Unsubscribe[] = [];
  for (const domain of Object.keys(API_EVENTS) as Domain[]) {
    const events: readonly string[] = API_EVENTS[domain];
    const members = api[domain] as unknown as Record<string, Subscribe>;
    for (const event of events) {
      const path = `${domain}.${event}` as EventPath;
      unsubscribers.push(members[event]!((payload) => emit(path, payload)));
    }
  }
  return () => {
    for (const off of unsubscribers.splice(0)) off();
  };
}
