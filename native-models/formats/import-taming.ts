// `tessera import`: a taming-transformers checkpoint (.ckpt/.pth, PyTorch zip) -> a Tessera bundle.
// VQGAN-only checkpoints (VQModel / GumbelVQ, loss.* ignored) and Net2NetTransformer checkpoints with their
// first and condition stages. Shapes give the architecture; project.yaml (or options) gives n_head, the
// condition key and the resolution; everything is checked against taming's key tables before writing.

import type { ManifestConditionMode } from '../condition-modes';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { openTorchCheckpoint } from './torch-checkpoint';
import type { TorchCheckpoint } from './torch-checkpoint';
import { writeBundle } from './bundle';
import type { BundleManifest, CondStage, ConditionSpec, ManifestDraft, Palette, PermuterKind, PermuterSpec, VqganArchitecture } from './bundle';
import { ArchitectureError, inferGpt, inferVqgan, vqganFromConfig, yamlPath } from './infer-architecture';
import type { ShapeMap } from './infer-architecture';
import { compareShapes, gptShapes, vqganShapes } from './taming-shapes';
import type { ShapeTable } from './taming-shapes';
import { parseYaml } from './project-yaml';
import type { YamlValue } from './project-yaml';
import { COCO_STUFF_182_COLORS, COCO_STUFF_182_NAMES } from './coco-stuff-palette';
import type { Rgb } from './coco-stuff-palette';
import type { TensorSource } from './safetensors';
import { DTYPE_BYTES, numel } from './dtype';

export class ImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportError';
  }
}

export interface ImportOptions {
  /** Output bundle folder. */
  out: string;
  /** project.yaml path, or its parsed content. */
  config?: string | YamlValue;
  nHead?: number;
  /** taming cond_stage_key when there is no config (segmentation, depth, edge, pose, class_label, coord, unconditional, image). */
  condKey?: string;
  name?: string;
  /** VQGAN training resolution when there is no config (decides where attention sits; default 256). */
  resolution?: number;
  /** Fixed timestamp for reproducible manifests (tests). */
  now?: Date;
  /** Called after each tensor is read: bytes of tensor data read so far and in all (multi-GB imports). */
  onProgress?: (bytesRead: number, bytesTotal: number) => void;
  /** Aborting stops the import before the next tensor is read (the partly written bundle is left for the caller to remove). */
  signal?: AbortSignal;
}

export interface ImportResult {
  dir: string;
  manifest: BundleManifest;
  skipped: ReadonlyArray<{ name: string; reason: string }>;
  notes: string[];
}

const MAX_LISTED = 12;

function listProblems(what: string, expected: ShapeTable, shapes: ShapeMap, prefix: string): string[] {
  const c = compareShapes(expected, shapes, prefix);
  const out: string[] = [];
  const more = (n: number): string => (n > MAX_LISTED ? ` … and ${n - MAX_LISTED} more` : '');
  if (c.missing.length) {
    out.push(`${what}: ${c.missing.length} missing key(s): ${c.missing.slice(0, MAX_LISTED).map((k) => `${k} [${expected.get(k)?.join(', ')}]`).join(', ')}${more(c.missing.length)}`);
  }
  if (c.misShaped.length) {
    out.push(`${what}: ${c.misShaped.length} mis-shaped key(s): ${c.misShaped.slice(0, MAX_LISTED).map((m) => `${m.name} is [${m.actual.join(', ')}], expected [${m.expected.join(', ')}]`).join('; ')}${more(c.misShaped.length)}`);
  }
  if (c.unexpected.length) {
    out.push(`${what}: ${c.unexpected.length} unexpected key(s): ${c.unexpected.slice(0, MAX_LISTED).join(', ')}${more(c.unexpected.length)}`);
  }
  return out;
}

const KEY_MODES: Record<string, ManifestConditionMode> = {
  segmentation: 'segmentation',
  depth: 'depth',
  edge: 'edge',
  edges: 'edge',
  canny: 'edge',
  sketch: 'edge',
  pose: 'pose',
  keypoints: 'pose',
  class_label: 'class',
  class: 'class',
  coord: 'coord',
  image: 'image',
  unconditional: 'unconditional',
  sos: 'unconditional',
};

const PERMUTERS: Record<string, PermuterKind> = {
  Identity: 'identity',
  Subsample: 'subsample',
  ZCurve: 'zcurve',
  SpiralIn: 'spiral-in',
  SpiralOut: 'spiral-out',
  Random: 'random',
  AlternateParsing: 'alternate-parsing',
};

/** Bit-interleaved label colormap (same scheme as the COCO-Stuff palette). */
export function labelColor(id: number): Rgb {
  let r = 0;
  let g = 0;
  let b = 0;
  let c = id;
  for (let j = 0; j < 8; j++) {
    r |= (c & 1) << (7 - j);
    g |= ((c >> 1) & 1) << (7 - j);
    b |= ((c >> 2) & 1) << (7 - j);
    c >>= 3;
  }
  return [r, g, b];
}

/** Palette for a segmentation condition with n labels: COCO-Stuff for 182 (S-FLCKR) and 183 (COCO, 0 = unlabeled). */
export function segmentationPalette(nLabels: number): Palette {
  if (nLabels === 182) return { names: [...COCO_STUFF_182_NAMES], colors: [...COCO_STUFF_182_COLORS] };
  if (nLabels === 183) return { names: ['unlabeled', ...COCO_STUFF_182_NAMES], colors: [[0, 0, 0], ...COCO_STUFF_182_COLORS] };
  return {
    names: Array.from({ length: nLabels }, (_, i) => `label ${i}`),
    colors: Array.from({ length: nLabels }, (_, i) => labelColor(i + 1)),
  };
}

/** "…/2020-11-09T13-31-51_sflckr/checkpoints/last.ckpt" -> "2020-11-09T13-31-51_sflckr"; else the file stem. */
export function defaultBundleName(ckptPath: string): string {
  const stem = basename(ckptPath).replace(/\.(ckpt|pth|pt|bin)$/i, '');
  const parent = dirname(ckptPath);
  if ((stem === 'last' || stem.startsWith('epoch=') || stem === 'model') && basename(parent) === 'checkpoints') {
    const run = basename(dirname(parent));
    if (run && run !== '.' && run !== '/') return run;
  }
  return stem;
}

function withResolution(c: Partial<VqganArchitecture>, resolution: number | undefined): Partial<VqganArchitecture> {
  return c.resolution === undefined && resolution !== undefined ? { ...c, resolution } : c;
}

async function loadConfig(config: ImportOptions['config']): Promise<{ yaml: YamlValue | undefined; file?: string }> {
  if (config === undefined) return { yaml: undefined };
  if (typeof config !== 'string') return { yaml: config };
  let text: string;
  try {
    text = await readFile(config, 'utf8');
  } catch (e) {
    throw new ImportError(`cannot read config ${config}: ${(e as Error).message}`);
  }
  try {
    return { yaml: parseYaml(text), file: basename(config) };
  } catch (e) {
    throw new ImportError(`${config}: ${(e as Error).message}`);
  }
}

function shapeMap(ck: TorchCheckpoint): Map<string, readonly number[]> {
  return new Map([...ck.tensors].map(([k, t]) => [k, t.shape]));
}

function tensorSources(ck: TorchCheckpoint, names: readonly string[], options: Pick<ImportOptions, 'onProgress' | 'signal'> = {}): TensorSource[] {
  const infos = names.map((name) => {
    const t = ck.tensors.get(name);
    if (!t) throw new ImportError(`internal: tensor ${name} vanished`);
    return t;
  });
  const total = infos.reduce((n, t) => n + numel(t.shape) * DTYPE_BYTES[t.dtype], 0);
  let done = 0;
  return infos.map((t) => ({
    name: t.name,
    dtype: t.dtype,
    shape: t.shape,
    data: async () => {
      options.signal?.throwIfAborted();
      const bytes = await t.read();
      done += bytes.byteLength;
      options.onProgress?.(done, total);
      return bytes;
    },
  }));
}


/** Import a taming checkpoint into a bundle folder. */
export async function importTamingCheckpoint(ckptPath: string, options: ImportOptions): Promise<ImportResult> {
  const { yaml, file: configFile } = await loadConfig(options.config);
  const ck = await openTorchCheckpoint(ckptPath);
  try {
    const shapes = shapeMap(ck);
    const names = [...shapes.keys()];
    const notes: string[] = [];
    const model = yamlPath(yaml, 'model');
    const target = yamlPath(model, 'target');
    const params = yamlPath(model, 'params');
    const hasTransformer = names.some((k) => k.startsWith('transformer.'));
    const isVqgan = shapes.has('encoder.conv_in.weight');
    const problems: string[] = [];
    const provenance = {
      source: basename(ckptPath),
      sourceBytes: (await stat(ckptPath)).size,
      importedAt: (options.now ?? new Date()).toISOString(),
      tool: 'tessera import',
      ...(ck.globalStep !== undefined ? { globalStep: ck.globalStep } : {}),
      ...(configFile ? { configFile } : {}),
    };
    const name = options.name ?? defaultBundleName(ckptPath);
    let draft: ManifestDraft;
    let keep: string[];

    if (hasTransformer) {
      if (typeof target === 'string' && !/Net2NetTransformer/.test(target)) {
        throw new ImportError(`${ckptPath}: the checkpoint holds a transformer but project.yaml's model.target is ${target}`);
      }
      const transformer = inferGpt(shapes, 'transformer.', { nHead: options.nHead, config: yamlPath(params, 'transformer_config') });
      const fsCfg = withResolution(vqganFromConfig(yamlPath(params, 'first_stage_config')), options.resolution);
      if (!names.some((k) => k.startsWith('first_stage_model.'))) {
        throw new ImportError(`${ckptPath}: transformer checkpoint without first_stage_model.* weights: the VQGAN that decodes its tokens is missing`);
      }
      const first = inferVqgan(shapes, 'first_stage_model.', fsCfg);
      notes.push(...first.assumed.map((a) => `first stage: assumed ${a}`));
      const expected: ShapeTable = new Map([...gptShapes(transformer), ...vqganShapes(first.architecture, 'first_stage_model.')]);
      problems.push(...listProblems('transformer', gptShapes(transformer), shapes, 'transformer.'));
      problems.push(...listProblems('first stage', vqganShapes(first.architecture, 'first_stage_model.'), shapes, 'first_stage_model.'));

      // condition stage
      const csNode = yamlPath(params, 'cond_stage_config');
      const csTarget = typeof csNode === 'string' ? csNode : yamlPath(csNode, 'target');
      const cfgKey = yamlPath(params, 'cond_stage_key');
      let key = typeof cfgKey === 'string' ? cfgKey : options.condKey;
      const unconditionalFlag = yamlPath(params, 'unconditional') === true;
      let condStage: CondStage;
      let nLabels: number | undefined;
      if (names.some((k) => k.startsWith('cond_stage_model.'))) {
        const cs = inferVqgan(shapes, 'cond_stage_model.', withResolution(vqganFromConfig(csNode), options.resolution));
        notes.push(...cs.assumed.map((a) => `condition stage: assumed ${a}`));
        condStage = { kind: 'vqgan', architecture: cs.architecture };
        const csExpected = vqganShapes(cs.architecture, 'cond_stage_model.');
        for (const [k, v] of csExpected) expected.set(k, v);
        problems.push(...listProblems('condition stage', csExpected, shapes, 'cond_stage_model.'));
        const cin = cs.architecture.in_channels;
        if (key === undefined) {
          if (cin > 3) key = 'segmentation';
          else if (cin === 1) {
            key = 'depth';
            notes.push('condition key not given: a 1-channel condition VQGAN was taken as depth (pass --cond-key edge for edge maps)');
          } else {
            throw new ImportError(
              `${ckptPath}: the condition VQGAN takes ${cin}-channel input, which can be a pose image or another image condition: ` +
                `pass --config project.yaml or --cond-key (pose | image | edge | depth | segmentation)`,
            );
          }
        }
        if (KEY_MODES[key] === 'segmentation') nLabels = cin;
        if (cs.architecture.n_embed > transformer.vocab_size) {
          problems.push(`condition stage codebook (${cs.architecture.n_embed}) is larger than the transformer vocabulary (${transformer.vocab_size})`);
        }
      } else if (csTarget === '__is_first_stage__') {
        condStage = { kind: 'first-stage' };
        key = key ?? 'image';
      } else if (csTarget === '__is_unconditional__' || unconditionalFlag || (typeof csTarget === 'string' && /SOSProvider$/.test(csTarget))) {
        condStage = { kind: 'sos' };
        key = 'unconditional';
      } else if (typeof csTarget === 'string' && /Labelator$/.test(csTarget)) {
        const n = yamlPath(csNode, 'params', 'n_classes');
        condStage = { kind: 'class', n_classes: typeof n === 'number' ? n : 1000 };
        key = key ?? 'class_label';
      } else if (typeof csTarget === 'string' && /CoordStage$/.test(csTarget)) {
        const ne = yamlPath(csNode, 'params', 'n_embed');
        const df = yamlPath(csNode, 'params', 'down_factor');
        condStage = { kind: 'coord', n_embed: typeof ne === 'number' ? ne : 1024, down_factor: typeof df === 'number' ? df : 16 };
        key = key ?? 'coord';
      } else if (csTarget === undefined && key !== undefined && KEY_MODES[key] !== undefined && !['segmentation', 'depth', 'edge', 'pose'].includes(KEY_MODES[key]!)) {
        const mode = KEY_MODES[key];
        if (mode === 'unconditional') condStage = { kind: 'sos' };
        else if (mode === 'class') condStage = { kind: 'class', n_classes: 1000 };
        else if (mode === 'coord') condStage = { kind: 'coord', n_embed: first.architecture.n_embed, down_factor: 2 ** (first.architecture.ch_mult.length - 1) };
        else condStage = { kind: 'first-stage' };
      } else {
        throw new ImportError(
          `${ckptPath}: the condition of this transformer cannot be inferred: it has no cond_stage_model.* weights, so it is ` +
            `unconditional (SOS), class-conditional, coord or image-conditioned. Pass --config project.yaml or ` +
            `--cond-key (unconditional | class_label | coord | image)`,
        );
      }
      const mode = key !== undefined ? KEY_MODES[key] : undefined;
      if (mode === undefined || key === undefined) {
        throw new ImportError(`${ckptPath}: unknown condition key ${JSON.stringify(key)}; known: ${Object.keys(KEY_MODES).join(', ')}`);
      }
      const condition: ConditionSpec = { mode, key, ...(nLabels !== undefined ? { n_labels: nLabels } : {}) };
      if (transformer.vocab_size < first.architecture.n_embed) {
        problems.push(`transformer vocabulary (${transformer.vocab_size}) is smaller than the first stage codebook (${first.architecture.n_embed})`);
      }
      const permNode = yamlPath(params, 'permuter_config');
      const permTarget = yamlPath(permNode, 'target');
      let permuter: PermuterSpec = { kind: 'identity' };
      if (typeof permTarget === 'string') {
        const kind = PERMUTERS[permTarget.split('.').pop() ?? ''];
        if (!kind) throw new ImportError(`${ckptPath}: unknown permuter ${permTarget}`);
        const H = yamlPath(permNode, 'params', 'H');
        const W = yamlPath(permNode, 'params', 'W');
        permuter = { kind, ...(typeof H === 'number' ? { H } : {}), ...(typeof W === 'number' ? { W } : {}) };
      } else if (names.some((k) => k.startsWith('permuter.'))) {
        throw new ImportError(`${ckptPath}: the checkpoint has permuter.* buffers (a non-identity token order): pass --config project.yaml so the permuter is known`);
      }
      const sos = yamlPath(params, 'sos_token');
      const fsk = yamlPath(params, 'first_stage_key');
      const allowedExtra = (k: string): boolean => k.startsWith('permuter.');
      const stray = names.filter((k) => !expected.has(k) && !allowedExtra(k) && !/^(transformer|first_stage_model|cond_stage_model)\./.test(k));
      if (stray.length) problems.push(`unexpected key(s) outside the transformer and its stages: ${stray.slice(0, MAX_LISTED).join(', ')}`);
      if (names.some(allowedExtra)) notes.push('permuter.* index buffers were not copied: the permuter is rebuilt from its kind');
      draft = {
        name,
        kind: 'cond-transformer',
        firstStage: first.architecture,
        condStage,
        transformer,
        condition,
        permuter,
        sosToken: typeof sos === 'number' ? sos : 0,
        firstStageKey: typeof fsk === 'string' ? fsk : 'image',
        ...(condition.mode === 'segmentation' && nLabels ? { palette: segmentationPalette(nLabels) } : {}),
        provenance: { ...provenance, ...(notes.length ? { notes } : {}) },
      };
      keep = names.filter((k) => expected.has(k));
    } else if (isVqgan) {
      if (typeof target === 'string' && !/(VQModel|GumbelVQ|VQSegmentationModel)$/.test(target)) {
        throw new ImportError(`${ckptPath}: a VQGAN checkpoint, but project.yaml's model.target is ${target}`);
      }
      const v = inferVqgan(shapes, '', withResolution(vqganFromConfig(model), options.resolution));
      notes.push(...v.assumed.map((a) => `assumed ${a}`));
      const expected = vqganShapes(v.architecture);
      problems.push(...listProblems('VQGAN', expected, shapes, ''));
      const imageKey = yamlPath(params, 'image_key');
      const seg = v.architecture.in_channels > 3 || imageKey === 'segmentation';
      draft = {
        name,
        kind: 'vqgan',
        vqgan: v.architecture,
        ...(seg ? { palette: segmentationPalette(v.architecture.in_channels) } : {}),
        provenance: { ...provenance, ...(notes.length ? { notes } : {}) },
      };
      keep = names.filter((k) => expected.has(k));
    } else {
      const sample = names.slice(0, 8).join(', ');
      throw new ImportError(
        `${ckptPath}: not a taming model: the state_dict has neither encoder.* (VQModel) nor transformer.* (Net2NetTransformer) keys ` +
          `(found: ${sample || 'no tensors'}${names.length > 8 ? ', …' : ''})`,
      );
    }
    if (problems.length) {
      throw new ImportError(`${ckptPath} does not match taming's layout for the inferred architecture:\n  - ${problems.join('\n  - ')}`);
    }
    options.signal?.throwIfAborted();
    const manifest = await writeBundle(options.out, draft, tensorSources(ck, keep, options));
    return { dir: options.out, manifest, skipped: ck.skipped, notes };
  } catch (e) {
    if (e instanceof ArchitectureError) throw new ImportError(`${ckptPath}: ${e.message}`);
    throw e;
  } finally {
    await ck.close();
  }
}

