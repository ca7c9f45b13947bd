// Named, ordered migrations of the document's JSON form (tldraw-style). A document records the id
// of the last step applied in `schema`; loading applies every later step in order. Steps are
// append-only: never edit or reorder a released step — add a new one.
//
//   0001-initial              an unversioned draft → the first schema: fills every layer with its
//                             empty default and checks width/height/mode.
//   0002-generation-settings  the sampler settings move into the document (`generation`); the
//                             0001 top-level `modelId` moves to `generation.modelId`.
//   0003-transformer-weights  `generation.gptWeights` ('float32' | 'int8'), float32 for older documents.
//   0004-window-stride        `generation.windowStride` (null = the model's own), null for older documents.

import { CONDITION_MODES } from '../../native-models/condition-modes';

export type JsonObject = { [key: string]: unknown };

export interface DocumentMigration {
  id: string;
  up: (doc: JsonObject) => JsonObject;
}

export class DocumentVersionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DocumentVersionError';
  }
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export const DEFAULT_GENERATION = {
  modelId: null,
  seed: 0,
  seedLocked: false,
  temperature: 1.0,
  topK: 100,
  topP: null,
  greedy: false,
  variations: 1,
  classIndex: null,
  gptWeights: 'float32',
  windowStride: null,
} as const;

export const migrations: readonly DocumentMigration[] = [
  {
    id: '0001-initial',
    up: (doc) => {
      const width = doc.width;
      const height = doc.height;
      if (!Number.isInteger(width) || !Number.isInteger(height) || (width as number) < 1 || (height as number) < 1) {
        throw new DocumentVersionError(`This is not a Tessera document: width and height must be positive integers, got ${JSON.stringify(width)}x${JSON.stringify(height)}.`);
      }
      const mode = doc.mode ?? 'semantic';
      if (typeof mode !== 'string' || !(CONDITION_MODES as readonly string[]).includes(mode)) throw new DocumentVersionError(`Unknown editor mode ${JSON.stringify(mode)}.`);
      const semantic = isObject(doc.semantic) ? doc.semantic : {};
      const edge = isObject(doc.edge) ? doc.edge : {};
      const pose = isObject(doc.pose) ? doc.pose : {};
      const image = isObject(doc.image) ? doc.image : {};
      return {
        ...doc,
        format: 'tessera.document',
        mode,
        semantic: { labels: semantic.labels ?? null, palette: semantic.palette ?? null, background: semantic.background ?? 0 },
        edge: { base: edge.base ?? null, strokes: edge.strokes ?? [] },
        pose: { people: pose.people ?? [] },
        image: { image: image.image ?? null, mask: image.mask ?? null },
        modelId: doc.modelId ?? null,
      };
    },
  },
  {
    id: '0002-generation-settings',
    up: (doc) => {
      const { modelId, ...rest } = doc;
      const existing = isObject(doc.generation) ? doc.generation : {};
      return {
        ...rest,
        generation: {
          ...DEFAULT_GENERATION,
          outputWidth: doc.width,
          outputHeight: doc.height,
          ...existing,
          modelId: existing.modelId ?? modelId ?? null,
        },
      };
    },
  },
  {
    id: '0003-transformer-weights',
    up: (doc) => {
      const generation = isObject(doc.generation) ? doc.generation : {};
      return { ...doc, generation: { ...generation, gptWeights: generation.gptWeights ?? 'float32' } };
    },
  },
  {
    id: '0004-window-stride',
    up: (doc) => {
      const generation = isObject(doc.generation) ? doc.generation : {};
      return { ...doc, generation: { ...generation, windowStride: generation.windowStride ?? null } };
    },
  },
];

export const LATEST_SCHEMA = migrations[migrations.length - 1]!.id;

/**
 * Bring a document's JSON up to the newest schema of `steps`. A document without `schema` is an
 * unversioned draft and gets every step. Throws DocumentVersionError for a schema this app does
 * not know (a document from a newer Tessera).
 */
export function migrateDocumentJson(input: unknown, steps: readonly DocumentMigration[] = migrations): { doc: JsonObject; applied: string[] } {
  if (!isObject(input)) throw new DocumentVersionError('This is not a Tessera document: expected a JSON object.');
  if (input.format !== undefined && input.format !== 'tessera.document') {
    throw new DocumentVersionError(`This is not a Tessera document (format ${JSON.stringify(input.format)}).`);
  }
  const ids = steps.map((s) => s.id);
  if (new Set(ids).size !== ids.length) throw new DocumentVersionError('Migration ids must be unique.');
  let start = 0;
  if (input.schema !== undefined) {
    const at = ids.indexOf(String(input.schema));
    if (at < 0) {
      throw new DocumentVersionError(
        `This document has schema ${JSON.stringify(input.schema)}, which this version of Tessera does not know; it was probably saved by a newer version. Update Tessera to open it.`,
      );
    }
    start = at + 1;
  }
  let doc: JsonObject = { ...input };
  const applied: string[] = [];
  for (const step of steps.slice(start)) {
    doc = { ...step.up(doc), schema: step.id };
    applied.push(step.id);
  }
  return { doc, applied };
}
