// The gallery domain of the API and its payload types (re-exported by preload/contract).
// Types only.

import type { ApiEvent } from './wire-types';
import type { ConditionMode, GenerationRecord } from './generation-record';

/** One gallery entry as listed in the grid (no condition document: that can be large). */
export interface GallerySummary {
  /** Stable id = the PNG's file name without `.png`. */
  id: string;
  /** File name inside the library's images folder. */
  fileName: string;
  /** ISO 8601 creation time, from the record. */
  createdAt: string;
  modelId: string;
  modelName: string | null;
  modelSha256: string;
  mode: ConditionMode;
  seed: number;
  width: number;
  height: number;
  temperature: number;
  topK: number | null;
  topP: number | null;
  greedy: boolean;
  executionProvider: string;
  totalMs: number;
  classesUsed: string[];
  starred: boolean;
  notes: string;
  fileSize: number;
}

/** One entry with its full generation record (condition document included). */
export interface GalleryItem extends GallerySummary {
  record: GenerationRecord;
  /** Absolute path of the PNG (shown in the details panel; never loaded as file://). */
  filePath: string;
}

export type GallerySortKey = 'created' | 'seed' | 'model' | 'mode' | 'duration' | 'starred';

export interface GalleryQuery {
  /** Free text: every whitespace-separated term must match the model id/name, mode, notes,
   *  a class name used, or (for a number) the seed. Case-insensitive. */
  text?: string;
  modes?: ConditionMode[];
  modelIds?: string[];
  /** Inclusive bounds on the creation time, ISO 8601 or epoch milliseconds. */
  from?: string | number;
  to?: string | number;
  starred?: boolean;
  sort?: GallerySortKey;
  order?: 'asc' | 'desc';
  /** Page size (1..1000, default 200) and offset. */
  limit?: number;
  offset?: number;
}

export interface GalleryQueryResult {
  items: GallerySummary[];
  /** Number of matches before limit/offset. */
  total: number;
}

export interface GalleryFacets {
  modes: ConditionMode[];
  models: { id: string; name: string | null; count: number }[];
  /** Oldest and newest creation times, null when the gallery is empty. */
  oldest: string | null;
  newest: string | null;
  total: number;
}

export interface GalleryRescanReport {
  /** PNGs found without a row and indexed from their own metadata. */
  added: string[];
  /** Rows whose file was missing, removed. */
  removed: string[];
  /** Rows kept (file present). */
  kept: number;
  /** Files that could not be indexed, with the reason (not a Tessera PNG, corrupt, …). */
  skipped: { fileName: string; reason: string }[];
  durationMs: number;
}

export type GalleryChange =
  | { kind: 'added'; ids: string[] }
  | { kind: 'updated'; ids: string[] }
  | { kind: 'removed'; ids: string[] }
  | { kind: 'rescanned'; report: GalleryRescanReport };

// ───────────────────────────── the gallery domain of the API ─────────────────────────────


export interface GalleryThumbnail {
  id: string;
  /** `data:image/png;base64,…` — served through the API, never as file://. */
  dataUrl: string;
}

export interface GalleryExportRequest {
  id: string;
  /** Keep the generation record (and the `parameters` summary) in the exported PNG. */
  withMetadata: boolean;
  /** Absolute path to write to (Electron's save dialog); absent: only the bytes come back. */
  destination?: string;
}

export interface GalleryExportResult {
  /** Suggested file name. */
  fileName: string;
  /** The PNG, base64. */
  pngBase64: string;
  /** Where it was written, when a destination was given. */
  savedTo: string | null;
}

export interface GalleryApi {
  /** Search, filter, sort and page the gallery (no argument: newest first, first page). */
  query(query?: GalleryQuery): Promise<GalleryQueryResult>;
  /** Modes and models present and the date span, for the filter controls. */
  facets(): Promise<GalleryFacets>;
  /** One entry with its full record (condition document included); null when it is gone. */
  get(params: { id: string }): Promise<GalleryItem | null>;
  /** A small PNG of the image, longest side `size` (16..1024, default 256). */
  thumbnail(params: { id: string; size?: number }): Promise<GalleryThumbnail>;
  setStar(params: { id: string; starred: boolean }): Promise<GallerySummary>;
  setNotes(params: { id: string; notes: string }): Promise<GallerySummary>;
  /** Delete the PNG and its row; false when there was no such entry. */
  remove(params: { id: string }): Promise<{ removed: boolean }>;
  exportPng(params: GalleryExportRequest): Promise<GalleryExportResult>;
  /** The library's images folder; `opened` says whether the host showed it in the file manager. */
  openFolder(): Promise<{ path: string; opened: boolean }>;
  /** Rebuild the index from the PNGs' own metadata. */
  rescan(): Promise<GalleryRescanReport>;
  /** Added, updated, removed entries and rescans (from any window or client). */
  onDidGalleryChange: ApiEvent<GalleryChange>;
}
