// Autosave of the studio's document: the serialised (versioned) document in local storage, written a
// moment after each change, so a crash or a reload loses at most that moment. Recovery migrates and
// validates like any other load; an unreadable save is kept aside, never silently dropped.

import type { TesseraDocument } from '../document/document-types';
import { parseDocument, serializeDocument } from '../document/document';

export const AUTOSAVE_KEY = 'tessera.studio.autosave';
export const AUTOSAVE_BROKEN_KEY = 'tessera.studio.autosave.unreadable';

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

interface SavedEnvelope {
  savedAt: string;
  document: unknown;
}

export function saveDocument(storage: KeyValueStore, doc: TesseraDocument, now = new Date()): void {
  const envelope: SavedEnvelope = { savedAt: now.toISOString(), document: serializeDocument(doc) };
  storage.setItem(AUTOSAVE_KEY, JSON.stringify(envelope));
}

export type Recovery =
  | { kind: 'none' }
  | { kind: 'recovered'; doc: TesseraDocument; savedAt: string; migrated: string[] }
  | { kind: 'unreadable'; reason: string };

export function recoverDocument(storage: KeyValueStore): Recovery {
  const text = storage.getItem(AUTOSAVE_KEY);
  if (text === null) return { kind: 'none' };
  try {
    const envelope = JSON.parse(text) as SavedEnvelope;
    const { doc, applied } = parseDocument(envelope.document);
    return { kind: 'recovered', doc, savedAt: String(envelope.savedAt), migrated: applied };
  } catch (err) {
    storage.setItem(AUTOSAVE_BROKEN_KEY, text);
    storage.removeItem(AUTOSAVE_KEY);
    return { kind: 'unreadable', reason: err instanceof Error ? err.message : String(err) };
  }
}

/** Calls `save` at most once per `delayMs` after the last `schedule()`; `flush()` saves now. */
export function debouncer(save: () => void, delayMs: number, timers: { set(f: () => void, ms: number): unknown; clear(t: unknown): void } = {
  set: (f, ms) => setTimeout(f, ms),
  clear: (t) => clearTimeout(t as ReturnType<typeof setTimeout>),
}) {
  let pending: unknown = null;
  return {
    schedule() {
      if (pending !== null) timers.clear(pending);
      pending = timers.set(() => {
        pending = null;
        save();
      }, delayMs);
    },
    flush() {
      if (pending === null) return;
      timers.clear(pending);
      pending = null;
      save();
    },
  };
}
