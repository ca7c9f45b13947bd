// The app's hash routes: `#/<page>` optionally followed by `?key=value&…` (URL-encoded), e.g.
// `#/models?select=%2Fhome%2Fme%2Flibrary%2Fmodels%2Ftiny-tuned` opens the Models page with that model selected.
// Pure functions (no React, no window): App.tsx routes on `page`, pages read their own `params`.

export interface HashRoute {
  /** The page id: `studio`, `models`, … ('' for an empty hash). */
  page: string;
  params: URLSearchParams;
}

/** Parse `location.hash` ('#/models?select=…', '#models', '' …). */
export function parseHashRoute(hash: string): HashRoute {
  const body = hash.replace(/^#\/?/, '');
  const q = body.indexOf('?');
  return q < 0 ? { page: body, params: new URLSearchParams() } : { page: body.slice(0, q), params: new URLSearchParams(body.slice(q + 1)) };
}

/** The href of a page with optional parameters (values are URL-encoded). */
export function hashHref(page: string, params: Record<string, string> = {}): string {
  const qs = new URLSearchParams(params).toString();
  return `#/${page}${qs ? `?${qs}` : ''}`;
}

/** The href that opens the Models page with the model whose id (its bundle folder) is `modelId` selected. */
export function modelsHref(modelId: string): string {
  return hashHref('models', { select: modelId });
}

/** The model id a Models-page hash asks to select, or null. */
export function selectedModelFromHash(hash: string): string | null {
  const r = parseHashRoute(hash);
  return r.page === 'models' ? r.params.get('select') || null : null;
}
