// The `gallery.*` domain of the API: thin adapters from the contract to GalleryService, plus the
// run-time payload schema of every method. Bytes cross the API as base64 (JSON-safe for the web
// host); a missing better-sqlite3 binary becomes an 'unavailable' error with its clear message.

import * as path from 'node:path';
import type { GalleryApi, GalleryQuery } from '../../preload/gallery-types';
import { CONDITION_MODES } from '../../preload/generation-record';
import type { ConditionMode } from '../../preload/generation-record';
import { ApiUnavailableError } from '../services/api-errors';
import { array, boolean, literal, none, number, object, optional, string } from '../services/validate';
import { PayloadError } from '../services/validate';
import type { Schema } from '../services/validate';
import { checkGalleryId } from './gallery-store';
import type { GalleryService } from './gallery-service';
import { GalleryUnavailableError } from './sqlite-loader';

const id = () => string({ minLength: 1, maxLength: 200, check: (v) => {
  try {
    checkGalleryId(v);
    return null;
  } catch {
    return 'a gallery id (a PNG file name without ".png")';
  }
} });

/** ISO date text or epoch milliseconds. */
const dateBound: Schema<string | number> = {
  expected: 'an ISO 8601 date or epoch milliseconds',
  parse(value, at = 'value') {
    const ok = (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && !Number.isNaN(Date.parse(value)));
    if (!ok) throw new PayloadError(at, this.expected, value);
    return value as string | number;
  },
};

const querySchema = object({
  text: optional(string({ maxLength: 500 })),
  modes: optional(array(literal(...(CONDITION_MODES as readonly ConditionMode[])), { maxLength: 16 })),
  modelIds: optional(array(string({ minLength: 1, maxLength: 300 }), { maxLength: 200 })),
  from: optional(dateBound),
  to: optional(dateBound),
  starred: optional(boolean()),
  sort: optional(literal('created', 'seed', 'model', 'mode', 'duration', 'starred')),
  order: optional(literal('asc', 'desc')),
  limit: optional(number({ integer: true, min: 1, max: 1000 })),
  offset: optional(number({ integer: true, min: 0 })),
});

const absolutePath = string({ minLength: 1, maxLength: 4096, check: (v) => (path.isAbsolute(v) ? null : 'an absolute path') });

export const gallerySchemas = {
  query: optional(querySchema) as Schema<GalleryQuery | undefined>,
  facets: none(),
  get: object({ id: id() }),
  thumbnail: object({ id: id(), size: optional(number({ integer: true, min: 16, max: 1024 })) }),
  setStar: object({ id: id(), starred: boolean() }),
  setNotes: object({ id: id(), notes: string({ maxLength: 20_000 }) }),
  remove: object({ id: id() }),
  exportPng: object({ id: id(), withMetadata: boolean(), destination: optional(absolutePath) }),
  openFolder: none(),
  rescan: none(),
};

export function createGalleryDomain(service: GalleryService): GalleryApi {
  const store = async () => {
    try {
      return await service.store();
    } catch (err) {
      if (err instanceof GalleryUnavailableError) throw new ApiUnavailableError(err.message);
      throw err;
    }
  };
  return {
    query: async (q) => (await store()).query(q ?? {}),
    facets: async () => (await store()).facets(),
    get: async ({ id }) => (await store()).get(id),
    thumbnail: async ({ id, size }) => ({ id, dataUrl: `data:image/png;base64,${(await (await store()).thumbnail(id, size)).toString('base64')}` }),
    setStar: async ({ id, starred }) => (await store()).setStar(id, starred),
    setNotes: async ({ id, notes }) => (await store()).setNotes(id, notes),
    remove: async ({ id }) => ({ removed: (await store()).remove(id) }),
    exportPng: async ({ id, withMetadata, destination }) => {
      const s = await store();
      const { fileName, bytes } = s.exportPng(id, withMetadata);
      const savedTo = destination ? await s.exportPngToFile(id, destination, withMetadata) : null;
      return { fileName, pngBase64: bytes.toString('base64'), savedTo };
    },
    openFolder: async () => {
      await store();
      return service.revealFolder();
    },
    rescan: async () => (await store()).rescan(),
    onDidGalleryChange: (listener) => service.onDidGalleryChange(listener),
  };
}
