// The IPC side of the contract in the Electron main process: one `ipcMain.handle` per method of
// API_METHODS (channel `tessera:<domain>.<method>`), each refusing calls from anything but the app's
// own top frame, and each payload checked by the method's schema (dispatchApiCall). Events go out
// on `tessera:<domain>.<onDidX>` to the app's windows.

import { ipcMain } from 'electron';
import type { IpcMainInvokeEvent, WebContents } from 'electron';
import { ipcChannel, listMethodPaths } from '../../preload/contract';
import type { Api, ApiOutcome, Unsubscribe } from '../../preload/contract';
import { dispatchApiCall, subscribeApiEvents } from '../services/api-dispatch';

/** Returns null when the sender may call the API, else why not (logged, and told to the caller). */
export type SenderCheck = (event: IpcMainInvokeEvent) => string | null;

/**
 * Accepts only the top frame of one of `windows()`, showing a page of `appOrigin`
 * (e.g. 'tessera://app'): no iframes, no other windows, no navigated-away pages.
 */
export function createSenderCheck(appOrigin: string, windows: () => readonly WebContents[]): SenderCheck {
  return (event) => {
    const frame = event.senderFrame;
    if (!frame) return 'the calling frame is gone';
    if (frame.parent !== null) return 'calls from sub-frames are not allowed';
    if (!windows().includes(event.sender)) return 'the caller is not a Tessera window';
    let origin: string;
    try {
      const url = new URL(frame.url);
      origin = `${url.protocol}//${url.host}`;
    } catch {
      return `the caller's URL ${JSON.stringify(frame.url)} is not valid`;
    }
    if (origin !== appOrigin) return `the caller's origin ${origin} is not ${appOrigin}`;
    return null;
  };
}

export interface RegisterOptions {
  log?: (line: string) => void;
}

/** Registers a handler for every method; returns a function that removes them. */
export function registerApiHandlers(api: Api, checkSender: SenderCheck, options: RegisterOptions = {}): () => void {
  const log = options.log ?? ((line: string) => console.warn(line));
  const channels: string[] = [];
  for (const method of listMethodPaths()) {
    const channel = ipcChannel(method);
    ipcMain.handle(channel, async (event: IpcMainInvokeEvent, ...args: unknown[]): Promise<ApiOutcome> => {
      const refusal = checkSender(event);
      if (refusal) {
        log(`tessera: refused IPC ${method}: ${refusal}`);
        return { ok: false, error: { code: 'forbidden', message: `${method} refused: ${refusal}.` } };
      }
      if (args.length > 1) {
        return { ok: false, error: { code: 'bad-params', message: `${method}: API methods take at most one argument, got ${args.length}.` } };
      }
      return dispatchApiCall(api, method, args[0]);
    });
    channels.push(channel);
  }
  return () => {
    for (const channel of channels) ipcMain.removeHandler(channel);
  };
}

/** Sends every API event to the given windows' pages. */
export function forwardApiEvents(api: Api, targets: () => readonly WebContents[]): Unsubscribe {
  return subscribeApiEvents(api, (event, payload) => {
    for (const contents of targets()) {
      if (!contents.isDestroyed()) contents.send(ipcChannel(event), payload);
    }
  });
}
