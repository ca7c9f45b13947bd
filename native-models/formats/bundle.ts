// The Tessera model bundle (ARCHITECTURE.md, native-models): a folder with manifest.json + weights.safetensors.
// Tensor names inside weights.safetensors are taming's state_dict keys, unchanged:
//   kind 'vqgan':            encoder.*, decoder.*, quantize.*, quant_conv.*, post_quant_conv.*
//   kind 'cond-transformer': transformer.*, first_stage_model.*, cond_stage_model.* (VQGAN cond stages only)
// Architecture configs use taming's own parameter names (ch, ch_mult, n_embd, ...).

import { MANIFEST_CONDITION_MODES, type ManifestConditionMode } from '../condition-modes';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openSafetensors, sha256File, writeSafetensors } from './safetensors';
import type { SafetensorsFile, TensorSource } from './safetensors';
import type { Rgb } from './coco-stuff-palette';

export const BUNDLE_FORMAT = 'tessera-bundle';
export const BUNDLE_FORMAT_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
export const WEIGHTS_FILE = 'weights.safetensors';

export type BundleKind = 'vqgan' | 'cond-transformer';
export type QuantizerKind = 'vq' | 'gumbel';

/** taming's VQModel ddconfig + quantizer settings. */
export interface VqganArchitecture {
  ch: number;
  ch_mult: number[];
  num_res_blocks: number;
  attn_resolutions: number[];
  z_channels: number;
  resolution: number;
  in_channels: number;
  out_ch: number;
  double_z: boolean;
  dropout: number;
  resamp_with_conv: boolean;
  n_embed: number;
  embed_dim: number;
  quantizer: QuantizerKind;
  /** VectorQuantizer2 legacy=True: beta weights the codebook term (taming's VQModel always uses this). */
  legacy_beta: boolean;
  beta: number;
}

/** taming's minGPT config. */
export interface GptArchitecture {
  vocab_size: number;
  block_size: number;
  n_layer: number;
  n_head: number;
  n_embd: number;
  n_unmasked: number;
}

export type CondStage =
  | { kind: 'vqgan'; architecture: VqganArchitecture }
  | { kind: 'first-stage' }
  | { kind: 'sos' }
  | { kind: 'class'; n_classes: number }
  | { kind: 'coord'; n_embed: number; down_factor: number };


export interface ConditionSpec {
  mode: ManifestConditionMode;
  /** taming's cond_stage_key (e.g. "segmentation", "depth", "class_label", "coord"). */
  key: string;
  /** Segmentation: number of one-hot label channels. */
  n_labels?: number;
}

export type PermuterKind = 'identity' | 'subsample' | 'zcurve' | 'spiral-in' | 'spiral-out' | 'random' | 'alternate-parsing';
export const PERMUTER_KINDS: readonly PermuterKind[] = ['identity', 'subsample', 'zcurve', 'spiral-in', 'spiral-out', 'random', 'alternate-parsing'];

export interface PermuterSpec {
  kind: PermuterKind;
  H?: number;
  W?: number;
}

export interface Palette {
  names: string[];
  colors: Rgb[];
}

export interface Provenance {
  /** File the weights came from (base name), or a description. */
  source: string;
  importedAt: string;
  tool: string;
  sourceBytes?: number;
  globalStep?: number;
  configFile?: string;
  notes?: string[];
  /** Written by a fine-tuning run (and only by one): the bundle it started from. Its presence is what marks a fine-tune. */
  finetunedFrom?: FinetunedFrom;
}

export interface FinetunedFrom {
  /** The base bundle's manifest name. */
  name: string;
  /** sha256 of the base bundle's weights file. */
  sha256: string;
}

export interface WeightsInfo {
  file: string;
  sha256: string;
  bytes: number;
  tensors: number;
}

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  formatVersion: number;
  name: string;
  kind: BundleKind;
  /** kind 'vqgan'. */
  vqgan?: VqganArchitecture;
  /** kind 'cond-transformer'. */
  firstStage?: VqganArchitecture;
  condStage?: CondStage;
  transformer?: GptArchitecture;
  condition?: ConditionSpec;
  permuter?: PermuterSpec;
  sosToken?: number;
  firstStageKey?: string;
  palette?: Palette;
  /**
   * kind 'cond-transformer': the output size the model is made for (pixels, multiples of the first stage's
   * factor), e.g. starter-figures' 128×128 whole figures. The studio and `tessera generate` start there when no
   * size is asked for; absent = one transformer window.
   */
  outputSize?: { width: number; height: number };
  /**
   * kind 'cond-transformer': how the model is meant to be sampled when a request does not say. `windowStride`:
   * targets per shared sliding window along each axis (1 = taming's rule; e.g. 4 for the 8 × 8-window starters,
   * measured to lose no faithfulness while sampling 256² twice as fast). Absent = 1. `temperature`: the softmax
   * temperature the model is meant to be sampled at (e.g. 0.7 for starter-landscapes-edges, measured to follow its
   * edges more closely than 1); absent = 1. A request's own temperature always wins.
   */
  sampling?: { windowStride?: number; temperature?: number };
  provenance: Provenance;
  weights: WeightsInfo;
}

export type BundleErrorCode = 'not-found' | 'invalid-manifest' | 'hash-mismatch' | 'weights-mismatch';

export class BundleError extends Error {
  constructor(
    readonly code: BundleErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BundleError';
  }
}

// ---- run-time validation --------------------------------------------------------------------

type Obj = Record<string, unknown>;

class Checker {
  readonly problems: string[] = [];
  obj(v: unknown, path: string): Obj | null {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Obj;
    this.problems.push(`${path}: expected an object`);
    return null;
  }
  int(o: Obj, k: string, path: string, min = 1): void {
    const v = o[k];
    if (!Number.isInteger(v) || (v as number) < min) this.problems.push(`${path}.${k}: expected an integer >= ${min}, got ${JSON.stringify(v)}`);
  }
  num(o: Obj, k: string, path: string): void {
    if (typeof o[k] !== 'number' || !Number.isFinite(o[k])) this.problems.push(`${path}.${k}: expected a number, got ${JSON.stringify(o[k])}`);
  }
  bool(o: Obj, k: string, path: string): void {
    if (typeof o[k] !== 'boolean') this.problems.push(`${path}.${k}: expected true or false, got ${JSON.stringify(o[k])}`);
  }
  str(o: Obj, k: string, path: string, optional = false): void {
    if (optional && o[k] === undefined) return;
    if (typeof o[k] !== 'string' || (o[k] as string).length === 0) this.problems.push(`${path}.${k}: expected a non-empty string, got ${JSON.stringify(o[k])}`);
  }
  ints(o: Obj, k: string, path: string, nonEmpty: boolean): void {
    const v = o[k];
    if (!Array.isArray(v) || (nonEmpty && v.length === 0) || !v.every((x) => Number.isInteger(x) && x >= 1)) {
      this.problems.push(`${path}.${k}: expected ${nonEmpty ? 'a non-empty' : 'an'} array of positive integers, got ${JSON.stringify(v)}`);
    }
  }
  oneOf<T extends string>(o: Obj, k: string, path: string, allowed: readonly T[]): void {
    if (!allowed.includes(o[k] as T)) this.problems.push(`${path}.${k}: expected one of ${allowed.join(' | ')}, got ${JSON.stringify(o[k])}`);
  }
}

function checkVqgan(c: Checker, v: unknown, path: string): void {
  const o = c.obj(v, path);
  if (!o) return;
  for (const k of ['ch', 'num_res_blocks', 'z_channels', 'resolution', 'in_channels', 'out_ch', 'n_embed', 'embed_dim']) c.int(o, k, path);
  c.ints(o, 'ch_mult', path, true);
  c.ints(o, 'attn_resolutions', path, false);
  for (const k of ['double_z', 'resamp_with_conv', 'legacy_beta']) c.bool(o, k, path);
  c.num(o, 'dropout', path);
  c.num(o, 'beta', path);
  c.oneOf(o, 'quantizer', path, ['vq', 'gumbel'] as const);
}

function checkGpt(c: Checker, v: unknown, path: string): void {
  const o = c.obj(v, path);
  if (!o) return;
  for (const k of ['vocab_size', 'block_size', 'n_layer', 'n_head', 'n_embd']) c.int(o, k, path);
  c.int(o, 'n_unmasked', path, 0);
  if (Number.isInteger(o.n_embd) && Number.isInteger(o.n_head) && (o.n_embd as number) % (o.n_head as number) !== 0) {
    c.problems.push(`${path}: n_embd ${o.n_embd} is not divisible by n_head ${o.n_head}`);
  }
}

/** Validate an untrusted manifest object; throws BundleError('invalid-manifest') listing every problem. */
export function validateManifest(value: unknown, where = MANIFEST_FILE): BundleManifest {
  const c = new Checker();
  const m = c.obj(value, 'manifest');
  if (m) {
    if (m.format !== BUNDLE_FORMAT) c.problems.push(`manifest.format: expected "${BUNDLE_FORMAT}", got ${JSON.stringify(m.format)}`);
    if (m.formatVersion !== BUNDLE_FORMAT_VERSION) {
      c.problems.push(`manifest.formatVersion: this Tessera reads version ${BUNDLE_FORMAT_VERSION}, got ${JSON.stringify(m.formatVersion)}`);
    }
    c.str(m, 'name', 'manifest');
    c.oneOf(m, 'kind', 'manifest', ['vqgan', 'cond-transformer'] as const);
    if (m.kind === 'vqgan') checkVqgan(c, m.vqgan, 'manifest.vqgan');
    if (m.kind === 'cond-transformer') {
      checkVqgan(c, m.firstStage, 'manifest.firstStage');
      checkGpt(c, m.transformer, 'manifest.transformer');
      const cs = c.obj(m.condStage, 'manifest.condStage');
      if (cs) {
        c.oneOf(cs, 'kind', 'manifest.condStage', ['vqgan', 'first-stage', 'sos', 'class', 'coord'] as const);
        if (cs.kind === 'vqgan') checkVqgan(c, cs.architecture, 'manifest.condStage.architecture');
        if (cs.kind === 'class') c.int(cs, 'n_classes', 'manifest.condStage');
        if (cs.kind === 'coord') {
          c.int(cs, 'n_embed', 'manifest.condStage');
          c.int(cs, 'down_factor', 'manifest.condStage');
        }
      }
      const cond = c.obj(m.condition, 'manifest.condition');
      if (cond) {
        c.oneOf(cond, 'mode', 'manifest.condition', MANIFEST_CONDITION_MODES);
        c.str(cond, 'key', 'manifest.condition');
        if (cond.mode === 'segmentation') c.int(cond, 'n_labels', 'manifest.condition');
      }
      if (m.sosToken !== undefined) c.int(m, 'sosToken', 'manifest', 0);
      const t = m.transformer as Obj | undefined;
      const fs = m.firstStage as Obj | undefined;
      if (t && fs && Number.isInteger(t.vocab_size) && Number.isInteger(fs.n_embed) && (t.vocab_size as number) < (fs.n_embed as number)) {
        c.problems.push(`manifest.transformer.vocab_size ${t.vocab_size} is smaller than the first stage's codebook (${fs.n_embed})`);
      }
    }
    if (m.permuter !== undefined) {
      const p = c.obj(m.permuter, 'manifest.permuter');
      if (p) c.oneOf(p, 'kind', 'manifest.permuter', PERMUTER_KINDS);
    }
    if (m.palette !== undefined) {
      const p = c.obj(m.palette, 'manifest.palette');
      if (p) {
        const names = p.names;
        const colors = p.colors;
        if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) c.problems.push('manifest.palette.names: expected an array of strings');
        if (
          !Array.isArray(colors) ||
          !colors.every((x) => Array.isArray(x) && x.length === 3 && x.every((y) => Number.isInteger(y) && y >= 0 && y <= 255))
        ) {
          c.problems.push('manifest.palette.colors: expected an array of [r, g, b] triples of 0..255');
        } else if (Array.isArray(names) && names.length !== colors.length) {
          c.problems.push(`manifest.palette: ${names.length} names but ${colors.length} colors`);
        }
      }
    }
    if (m.sampling !== undefined) {
      const o = c.obj(m.sampling, 'manifest.sampling');
      if (o && o.windowStride !== undefined && (!Number.isInteger(o.windowStride) || (o.windowStride as number) < 1 || (o.windowStride as number) > 64)) {
        c.problems.push(`manifest.sampling.windowStride: expected a whole number 1..64, got ${JSON.stringify(o.windowStride)}`);
      }
      if (o && o.temperature !== undefined && (typeof o.temperature !== 'number' || !(o.temperature > 0 && o.temperature <= 10))) {
        c.problems.push(`manifest.sampling.temperature: expected a number in (0, 10], got ${JSON.stringify(o.temperature)}`);
      }
    }
    if (m.outputSize !== undefined) {
      const o = c.obj(m.outputSize, 'manifest.outputSize');
      if (o) {
        c.int(o, 'width', 'manifest.outputSize');
        c.int(o, 'height', 'manifest.outputSize');
        const fs = m.firstStage as { ch_mult?: unknown } | undefined;
        const factor = fs && Array.isArray(fs.ch_mult) ? 2 ** (fs.ch_mult.length - 1) : 1;
        if ([o.width, o.height].some((v) => Number.isInteger(v) && (v as number) % factor !== 0)) {
          c.problems.push(`manifest.outputSize: ${String(o.width)}×${String(o.height)} is not a multiple of the first stage's factor ${factor}`);
        }
      }
    }
    const pv = c.obj(m.provenance, 'manifest.provenance');
    if (pv) {
      c.str(pv, 'source', 'manifest.provenance');
      c.str(pv, 'importedAt', 'manifest.provenance');
      c.str(pv, 'tool', 'manifest.provenance');
      if (pv.finetunedFrom !== undefined) {
        const ff = c.obj(pv.finetunedFrom, 'manifest.provenance.finetunedFrom');
        if (ff) {
          c.str(ff, 'name', 'manifest.provenance.finetunedFrom');
          if (typeof ff.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(ff.sha256)) c.problems.push('manifest.provenance.finetunedFrom.sha256: expected 64 lowercase hex digits');
        }
      }
    }
    const w = c.obj(m.weights, 'manifest.weights');
    if (w) {
      c.str(w, 'file', 'manifest.weights');
      if (typeof w.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(w.sha256)) c.problems.push('manifest.weights.sha256: expected 64 lowercase hex digits');
      c.int(w, 'bytes', 'manifest.weights', 8);
      c.int(w, 'tensors', 'manifest.weights', 0);
      if (typeof w.file === 'string' && (w.file.includes('/') || w.file.includes('\\') || w.file.startsWith('.'))) {
        c.problems.push('manifest.weights.file: must be a plain file name inside the bundle folder');
      }
    }
  }
  if (c.problems.length) {
    throw new BundleError('invalid-manifest', `${where} is not a valid Tessera bundle manifest:\n  - ${c.problems.join('\n  - ')}`);
  }
  return value as BundleManifest;
}

// ---- read / write / verify -----------------------------------------------------------------

export type ManifestDraft = Omit<BundleManifest, 'weights' | 'format' | 'formatVersion'>;

/** Write weights.safetensors (streamed, hashed) then manifest.json into `dir` (created if needed). */
export async function writeBundle(dir: string, draft: ManifestDraft, tensors: readonly TensorSource[]): Promise<BundleManifest> {
  await mkdir(dir, { recursive: true });
  const { sha256, bytes } = await writeSafetensors(join(dir, WEIGHTS_FILE), tensors, { format: 'pt', producer: 'tessera' });
  const manifest = validateManifest(
    {
      format: BUNDLE_FORMAT,
      formatVersion: BUNDLE_FORMAT_VERSION,
      ...draft,
      weights: { file: WEIGHTS_FILE, sha256, bytes, tensors: tensors.length },
    },
    join(dir, MANIFEST_FILE),
  );
  const tmp = join(dir, `${MANIFEST_FILE}.partial-${process.pid}`);
  await writeFile(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(tmp, join(dir, MANIFEST_FILE));
  return manifest;
}

export async function readManifest(dir: string): Promise<BundleManifest> {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new BundleError('not-found', `${dir} is not a Tessera bundle: ${MANIFEST_FILE} not found`);
    }
    throw e;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new BundleError('invalid-manifest', `${path}: not valid JSON (${(e as Error).message})`);
  }
  return validateManifest(json, path);
}

export interface OpenBundle {
  readonly dir: string;
  readonly manifest: BundleManifest;
  readonly weights: SafetensorsFile;
  close(): Promise<void>;
}

/** Open a bundle; with verify (default true) the weights' sha256 must match the manifest. */
export async function readBundle(dir: string, options: { verify?: boolean } = {}): Promise<OpenBundle> {
  const manifest = await readManifest(dir);
  const wpath = join(dir, manifest.weights.file);
  try {
    await stat(wpath);
  } catch {
    throw new BundleError('not-found', `${dir}: weights file ${manifest.weights.file} is missing`);
  }
  if (options.verify ?? true) {
    const r = await verifyBundle(dir, manifest);
    if (!r.ok) {
      throw new BundleError(
        'hash-mismatch',
        `${wpath}: sha256 ${r.actual} does not match the manifest (${r.expected}): the weights were modified or are corrupt`,
      );
    }
  }
  const weights = await openSafetensors(wpath);
  if (weights.tensors.size !== manifest.weights.tensors) {
    await weights.close();
    throw new BundleError('weights-mismatch', `${wpath}: has ${weights.tensors.size} tensors, the manifest says ${manifest.weights.tensors}`);
  }
  return { dir, manifest, weights, close: () => weights.close() };
}

/** Recompute the weights' sha256 and compare it with the manifest. */
export async function verifyBundle(
  dir: string,
  manifest?: BundleManifest,
): Promise<{ ok: boolean; expected: string; actual: string }> {
  const m = manifest ?? (await readManifest(dir));
  const actual = await sha256File(join(dir, m.weights.file));
  return { ok: actual === m.weights.sha256, expected: m.weights.sha256, actual };
}
