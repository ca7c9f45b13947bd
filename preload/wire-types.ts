// The wire types every part of the contract uses (preload/contract.ts re-exports them): JSON values and push events.

/** A value that survives JSON (the web host) and structured clone (Electron IPC) unchanged. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export type Listener<T> = (payload: T) => void;
export type Unsubscribe = () => void;
/** A push event: `api.settings.onDidChange((s) => …)` returns the function that unsubscribes. */
export type ApiEvent<T> = (listener: Listener<T>) => Unsubscribe;
