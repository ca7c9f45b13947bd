// The preload: builds `window.tessera` from the contract's method and event lists and exposes
// nothing else (no ipcRenderer, no process, no Node). Runs sandboxed; bundled with the contract
// into dist/electron/preload.cjs.

import { contextBridge, ipcRenderer } from 'electron';
import type { IpcRendererEvent } from 'electron';
import { API_EVENTS, API_METHODS, ipcChannel } from './contract';
import type { ApiOutcome, EventPath, MethodPath } from './contract';

type Member = ((arg?: unknown) => Promise<unknown>) | ((listener: (payload: unknown) => void) => () => void);

function method(path: MethodPath) {
  const channel = ipcChannel(path);
  return async (...args: unknown[]): Promise<unknown> => {
    const outcome = (await ipcRenderer.invoke(channel, ...args)) as ApiOutcome;
    if (!outcome.ok) throw new Error(outcome.error.message);
    return outcome.value;
  };
}

function event(path: EventPath) {
  const channel = ipcChannel(path);
  return (listener: (payload: unknown) => void): (() => void) => {
    if (typeof listener !== 'function') throw new TypeError(`${path} needs a listener function.`);
    const handler = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(channel, handler);
    return () => {
      ipcRenderer.removeListener(channel, handler);
    };
  };
}

const bridge: Record<string, Record<string, Member>> = {};
for (const [domain, methods] of Object.entries(API_METHODS)) {
  const members: Record<string, Member> = {};
  for (const name of methods) members[name] = method(`${domain}.${name}` as MethodPath);
  for (const name of API_EVENTS[domain as keyof typeof API_EVENTS]) members[name] = event(`${domain}.${name}` as EventPath);
  bridge[domain] = Object.freeze(members);
}

contextBridge.exposeInMainWorld('tessera', Object.freeze(bridge));
