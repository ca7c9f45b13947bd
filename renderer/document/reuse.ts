// "Reuse" hand-off from the gallery to the studio: the gallery stashes a result's editor document
// and settings, then navigates to the studio, which takes them (once) and loads them. Kept in
// sessionStorage so a reload of the studio still finds it but another window does not.

export const REUSE_STORAGE_KEY = 'tessera.reuse';

export interface ReusePayload {
  /** Gallery id of the result being reused. */
  sourceId: string;
  /** The document JSON as stored in the generation record (any schema; parse with parseDocument). */
  document: unknown;
  /** The record's model and sampler settings, for the generate panel. */
  modelId: string;
  seed: number;
  temperature: number;
  topK: number | null;
  topP: number | null;
  greedy: boolean;
  width: number;
  height: number;
  /** The transformer weights the result was made with (absent in payloads of older versions: float32). */
  gptWeights?: 'float32' | 'int8';
}

interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export function stashReuse(payload: ReusePayload, storage: KeyValueStore): void {
  storage.setItem(REUSE_STORAGE_KEY, JSON.stringify(payload));
}

/** The stashed payload (removed from storage), or null. */
export function takeReuse(storage: KeyValueStore): ReusePayload | null {
  const text = storage.getItem(REUSE_STORAGE_KEY);
  if (text === null) return null;
  storage.removeItem(REUSE_STORAGE_KEY);
  try {
    const value = JSON.parse(text) as ReusePayload;
    return typeof value === 'object' && value !== null && typeof value.sourceId === 'string' ? value : null;
  } catch {
    return null;
  }
}
