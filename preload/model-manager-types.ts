// The model manager (issue 8): the `models` domain beyond the studio's picker (`list`, in
// studio-types.ts), and the `device` domain (execution providers, their self-tests, the preferred one).
// Types only; re-exported by preload/contract.

import type { ModelsApi as StudioModelsApi } from './studio-types';
import type { ApiEvent } from './wire-types';

// ───────────────────────────── models: registry ─────────────────────────────

/** Where a bundle comes from: the app's zoo (read-only), an import, or a fine-tuning run. */
export type ModelOrigin = 'bundled' | 'imported' | 'fine-tuned';

export interface ModelPaletteSummary {
  /** Number of classes (labels) in the palette. */
  count: number;
  /** The first classes (at most 24), for a swatch strip. */
  sample: { id: number; name: string; color: [number, number, number] }[];
}

/** One bundle as the model manager shows it (every kind, not only generators). */
export interface ModelEntry {
  /** The bundle folder (absolute); what rename/remove/exportTaming take. */
  id: string;
  /** The manifest's display name. */
  name: string;
  origin: ModelOrigin;
  /** Bundle kind: 'vqgan' (an autoencoder) or 'cond-transformer' (a generator with its stages). */
  kind: 'vqgan' | 'cond-transformer';
  /** The condition mode in taming's terms (segmentation, depth, edge, pose, class, unconditional, coord, image); null for a VQGAN. */
  conditionMode: string | null;
  /** Training resolution of the (first-stage) VQGAN in pixels. */
  resolution: number;
  /** Codebook size of the (first-stage) VQGAN. */
  codebookSize: number;
  /** Transformer size (null for a VQGAN). */
  transformer: { layers: number; width: number; heads: number; vocab: number; blockSize: number } | null;
  /** Bytes of every file in the bundle folder. */
  sizeOnDisk: number;
  palette: ModelPaletteSummary | null;
  provenance: { source: string; importedAt: string; tool: string; sourceBytes: number | null; globalStep: number | null; notes: string[] };
  /** sha256 of weights.safetensors as written in the manifest (hex). */
  sha256: string;
  /** False for bundled models (they cannot be renamed or deleted). */
  editable: boolean;
}

export interface ModelRegistryResult {
  models: ModelEntry[];
  /** Folders that look like bundles but could not be read, with the reason. */
  problems: { folder: string; reason: string }[];
  /** `<library>/models`: where imports land. */
  libraryModelsFolder: string;
}

// ───────────────────────────── models: import ─────────────────────────────

export interface ModelImportRequest {
  /** Absolute path of a taming `.ckpt`/`.pth`/`.pt` file, or of a Tessera bundle folder, or an `upload:<id>` from uploadFinish. */
  source: string;
  /** Optional taming project.yaml (absolute path or `upload:<id>`); checkpoints only. */
  config?: string;
  /** Display name (default: from the file or run folder). */
  name?: string;
}

export type ModelImportPhase = 'reading' | 'copying' | 'verifying' | 'done' | 'failed' | 'cancelled';

export interface ModelImportProgress {
  importId: string;
  /** Base name of the source (for display). */
  source: string;
  phase: ModelImportPhase;
  /** Tensor/weight bytes read so far and in all (0 / 0 until known). */
  bytesDone: number;
  bytesTotal: number;
  /** phase 'failed': the importer's message, verbatim. */
  error: string | null;
  /** phase 'failed': what would work instead. */
  hint: string | null;
  /** phase 'done': the new model. */
  model: ModelEntry | null;
  /** Skipped tensors and inference notes the importer reported (phase 'done'). */
  notes: string[];
}

export interface ModelUploadBegin {
  /** The file's own name (only its base name is used). */
  fileName: string;
  /** Total size in bytes. */
  bytes: number;
}

export interface ModelUploadChunk {
  uploadId: string;
  /** Byte offset of this chunk; chunks must arrive in order. */
  offset: number;
  /** Chunk bytes, base64 (at most 8 MiB decoded). */
  base64: string;
}

export type ModelsChangeReason = 'imported' | 'renamed' | 'removed';

export interface ModelsChange {
  reason: ModelsChangeReason;
  id: string;
}

export interface ModelManagerApi extends StudioModelsApi {
  /** Every bundle (zoo + library, every kind) with kind, condition, size on disk, palette, provenance and hash. */
  registry(): Promise<ModelRegistryResult>;
  /** Start importing a checkpoint or a bundle folder; progress and the result arrive as onDidImportProgress. */
  import(request: ModelImportRequest): Promise<{ importId: string }>;
  /** Stop an import; its partial bundle is removed. False when it is not running. */
  cancelImport(params: { importId: string }): Promise<{ cancelled: boolean }>;
  /** Upload a dropped file in chunks (the web host has no file paths): begin → chunk… → finish gives `upload:<id>`. */
  uploadBegin(params: ModelUploadBegin): Promise<{ uploadId: string; chunkBytes: number }>;
  uploadChunk(params: ModelUploadChunk): Promise<{ received: number }>;
  uploadFinish(params: { uploadId: string }): Promise<{ source: string }>;
  uploadAbort(params: { uploadId: string }): Promise<{ aborted: boolean }>;
  /** Change the manifest's display name (the weights and their hash are untouched). */
  rename(params: { id: string; name: string }): Promise<ModelEntry>;
  /** Delete a library bundle folder. Bundled models and anything outside `<library>/models` are refused. */
  remove(params: { id: string }): Promise<{ removed: string }>;
  /** Write `last.ckpt` + `project.yaml` for taming's training script into `outDir` (absolute). */
  exportTaming(params: { id: string; outDir: string }): Promise<{ checkpoint: string; config: string; tensors: number; bytes: number }>;
  onDidModelsChange: ApiEvent<ModelsChange>;
  onDidImportProgress: ApiEvent<ModelImportProgress>;
}

// ───────────────────────────── device ─────────────────────────────

export interface ProviderSelfTest {
  ok: boolean;
  /** Compile + first run, milliseconds. */
  compileMs: number;
  /** A second run, milliseconds (null when it failed). */
  runMs: number | null;
  /** Why it failed (onnxruntime's message); null when ok. */
  error: string | null;
  /** ISO time the test ran. */
  testedAt: string;
}

export interface DeviceProvider {
  /** onnxruntime's provider name: 'cpu', 'cuda', 'webgpu', 'dml', 'coreml', … */
  name: string;
  /** Its libraries ship with Tessera (false: they must be installed on this machine). */
  bundled: boolean;
  selfTest: ProviderSelfTest;
}

export interface DeviceStatus {
  providers: DeviceProvider[];
  /** The setting: 'auto' or a provider name. */
  preferred: string;
  /** What generation and training will use now, and why not the preferred one (null when it is). */
  resolved: { provider: string; fallbackReason: string | null };
}

export interface DeviceApi {
  /** Providers this build offers, each with its self-test (cached; `rerun` tests again). */
  list(params?: { rerun?: boolean }): Promise<DeviceStatus>;
}
