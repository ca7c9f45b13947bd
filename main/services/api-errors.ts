// Errors a service throws to tell the API dispatcher (main/services/api-dispatch.ts) how to answer a call.

/** Throw this from a service when the host cannot run the call here (e.g. a native module is missing). */
export class ApiUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiUnavailableError';
  }
}
