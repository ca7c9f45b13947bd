/**
 * Files in and out of the model commands (`tessera encode`, `decode`, `debug logits`):
 *   - images (PNG/JPEG via sharp) → [1, C, H, W] in [-1, 1] (x/127.5 − 1, as taming);
 *   - segmentation label maps (8-bit grey PNG of label ids, palette-colour PNG, or an integer .npy [H,W]/[B,H,W])
 *     → one-hot [B, n_labels, H, W];
 *   - raw float .npy tensors, NCHW ([C,H,W] is taken as B=1; [H,W] for a one-channel stage), passed through unchanged;
 *   - indices as int64 .npy [B, h, w] or JSON {"shape": [B, h, w], "indices": [...]} (a nested array also reads);
 *   - images out as PNG (clamped to [-1, 1], (x+1)·127.5) or raw float32 .npy NCHW.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import sharp from 'sharp';
import { paletteToLabels } from '../../../native-models/sampling/condition-maps';
import { readNpy, writeNpyFloat32, writeNpyInt64 } from '../../../native-models/sampling/npy';
import { segmentationOneHot } from '../../../native-models/models/cond-stages';
import { loadBundle, type LoadedBundle, type VqganModel } from '../../../native-models/models/load';
import { resolveModelSpec } from '../../generation/bundle-loader';
import { writeFileAtomic } from '../../services/atomic-write';
import { CliError } from '../cli-command';

export interface StageInfo {
  model: VqganModel;
  /** 'segmentation' when the input is a label map to one-hot encode. */
  segmentation: { nLabels: number; palette?: ReadonlyArray<readonly [number, number, number]> } | null;
  what: string;
}

export async function loadModel(spec: string): Promise<LoadedBundle> {
  let dir: string;
  try {
    dir = await resolveModelSpec(spec);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  return loadBundle(dir, { runtime: { provider: (process.env.TESSERA_PROVIDER ?? 'cpu') as 'cpu' } });
}

/** The VQGAN of `--stage first|cond` of a bundle. */
export function pickStage(b: LoadedBundle, stage: string): StageInfo {
  if (stage !== 'first' && stage !== 'cond') throw new CliError(`--stage must be first or cond, got ${JSON.stringify(stage)}.`, 2);
  if (b.kind === 'vqgan') {
    if (stage === 'cond') throw new CliError(`${b.manifest.name} is a stand-alone VQGAN; it has no condition stage (use --stage first).`, 2);
    return { model: b.vqgan, segmentation: null, what: 'VQGAN' };
  }
  if (stage === 'first') return { model: b.firstStage, segmentation: null, what: 'first stage' };
  const cs = b.condStage;
  if (cs.kind === 'first_stage') return { model: b.firstStage, segmentation: null, what: 'condition stage (= first stage)' };
  if (cs.kind !== 'vq') {
    throw new CliError(`${b.manifest.name}: the condition stage is ${cs.kind}, which has no VQGAN to encode with (its tokens are given directly).`, 2);
  }
  const palette = b.manifest.palette?.colors;
  return {
    model: cs.model,
    segmentation: cs.mode === 'segmentation' ? { nLabels: cs.model.config.inChannels, ...(palette ? { palette } : {}) } : null,
    what: `condition stage (${cs.mode})`,
  };
}

export interface InputTensor {
  data: Float32Array;
  batch: number;
  height: number;
  width: number;
}

async function readBytes(file: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}.`);
  }
}

/** An input file for `stage`'s encoder. */
export async function readEncoderInput(file: string, stage: StageInfo): Promise<InputTensor> {
  const channels = stage.model.config.inChannels;
  const bytes = await readBytes(file);
  const ext = path.extname(file).toLowerCase();
  if (ext === '.npy') {
    let arr: ReturnType<typeof readNpy>;
    try {
      arr = readNpy(bytes);
    } catch (e) {
      throw new CliError(`${file}: ${(e as Error).message}`);
    }
    const integer = /[iub]/.test(arr.dtype.replace(/^[<>|=]/, '')[0] ?? '');
    if (integer) {
      if (!stage.segmentation) {
        throw new CliError(`${file} holds integers (${arr.dtype}); the ${stage.what} takes a float image [B, ${channels}, H, W] in [-1, 1].`);
      }
      const [batch, height, width] = arr.shape.length === 2 ? [1, arr.shape[0]!, arr.shape[1]!] : arr.shape.length === 3
        ? (arr.shape as [number, number, number]) : [0, 0, 0];
      if (!batch) throw new CliError(`${file}: a label map must be [H, W] or [B, H, W], got [${arr.shape.join(', ')}].`);
      return { data: oneHot(arr.data, batch, height, width, stage.segmentation.nLabels, file), batch, height, width };
    }
    // [C, H, W] is one image; [H, W] is a one-channel map (depth, edge) for a one-channel stage
    const shape = arr.shape.length === 3 ? [1, ...arr.shape] : arr.shape.length === 2 && channels === 1 ? [1, 1, ...arr.shape] : arr.shape;
    if (shape.length !== 4) throw new CliError(`${file}: a float tensor must be NCHW [B, C, H, W] (or [C, H, W]), got [${arr.shape.join(', ')}].`);
    const [batch, c, height, width] = shape as [number, number, number, number];
    if (c !== channels) {
      throw new CliError(`${file} has ${c} channels ([${arr.shape.join(', ')}]); the ${stage.what} takes ${channels}` +
        (stage.segmentation ? ' one-hot label channels (or give an integer label map).' : '.'));
    }
    return { data: Float32Array.from(arr.data), batch, height, width };
  }
  let img: { data: Buffer; info: { width: number; height: number; channels: number } };
  let colour: 1 | 3;
  try {
    const meta = await sharp(bytes).metadata();
    colour = (meta.channels ?? 3) >= 3 ? 3 : 1; // alpha dropped
    const pipeline = colour === 3 ? sharp(bytes).removeAlpha().toColourspace('srgb') : sharp(bytes).extractChannel(0);
    img = await pipeline.raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new CliError(`${file} is not a readable image (PNG, JPEG) or .npy array: ${(e as Error).message}.`);
  }
  const { width, height } = img.info;
  const ch = img.info.channels;
  const px = new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  if (stage.segmentation) {
    if (colour === 1) {
      const labels = Float64Array.from({ length: width * height }, (_, p) => px[p * ch]!);
      return { data: oneHot(labels, 1, height, width, stage.segmentation.nLabels, file), batch: 1, height, width };
    }
    if (!stage.segmentation.palette) throw new CliError(`${file} is a colour image but the model has no palette; give 8-bit label indices.`);
    let map: ReturnType<typeof paletteToLabels>;
    try {
      map = paletteToLabels(px, width, height, ch, stage.segmentation.palette);
    } catch (e) {
      throw new CliError(`${file}: ${(e as Error).message}`);
    }
    return { data: oneHot(map.labels, 1, height, width, stage.segmentation.nLabels, file), batch: 1, height, width };
  }
  if (colour !== channels) {
    throw new CliError(`${file} is a ${colour === 3 ? 'colour (RGB)' : 'greyscale'} image, but the ${stage.what} takes ` +
      `${channels} channel${channels === 1 ? '' : 's'}; convert it to ${channels === 3 ? 'RGB' : channels === 1 ? 'greyscale' : `${channels} channels`} first.`);
  }
  const hw = width * height;
  const data = new Float32Array(channels * hw);
  for (let p = 0; p < hw; p++) for (let c = 0; c < channels; c++) data[c * hw + p] = px[p * ch + c]! / 127.5 - 1;
  return { data, batch: 1, height, width };
}

function oneHot(labels: ArrayLike<number>, batch: number, height: number, width: number, nLabels: number, file: string): Float32Array {
  try {
    return segmentationOneHot(labels, batch, height, width, nLabels);
  } catch (e) {
    throw new CliError(`${file}: ${(e as Error).message}`);
  }
}

/** Indices [B, h, w] from .npy (integer) or .json. */
export async function readIndices(file: string): Promise<{ indices: Int32Array; batch: number; h: number; w: number }> {
  const bytes = await readBytes(file);
  let shape: number[];
  let values: ArrayLike<number>;
  if (path.extname(file).toLowerCase() === '.json') {
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch (e) {
      throw new CliError(`${file} is not valid JSON (${(e as Error).message}).`);
    }
    if (Array.isArray(json)) {
      shape = [];
      let level: unknown = json;
      while (Array.isArray(level)) {
        shape.push(level.length);
        level = level[0];
      }
      values = (json as unknown[]).flat(Infinity) as number[];
    } else if (json && typeof json === 'object' && Array.isArray((json as { indices?: unknown }).indices)) {
      const o = json as { indices: unknown[]; shape?: number[] };
      values = o.indices.flat(Infinity) as number[];
      shape = o.shape ?? [values.length];
    } else {
      throw new CliError(`${file}: expected {"shape": [B, h, w], "indices": [...]} or a nested [B][h][w] array.`);
    }
  } else {
    let arr: ReturnType<typeof readNpy>;
    try {
      arr = readNpy(bytes);
    } catch (e) {
      throw new CliError(`${file}: ${(e as Error).message}`);
    }
    if (!/^[<>|=]?[iu]/.test(arr.dtype)) throw new CliError(`${file} holds ${arr.dtype}; indices must be integers (int64).`);
    shape = arr.shape;
    values = arr.data;
  }
  if (shape.length === 2) shape = [1, ...shape];
  if (shape.length !== 3) throw new CliError(`${file}: indices must be [B, h, w] (or [h, w]), got [${shape.join(', ')}].`);
  const [batch, h, w] = shape as [number, number, number];
  if (values.length !== batch * h * w) throw new CliError(`${file}: shape [${shape.join(', ')}] does not match its ${values.length} values.`);
  return { indices: Int32Array.from(values as ArrayLike<number>), batch, h, w };
}

export async function writeIndices(file: string, indices: Int32Array, batch: number, h: number, w: number): Promise<void> {
  if (path.extname(file).toLowerCase() === '.json') {
    await writeFileAtomic(file, `${JSON.stringify({ shape: [batch, h, w], indices: Array.from(indices) })}\n`);
  } else if (path.extname(file).toLowerCase() === '.npy') {
    await writeFileAtomic(file, writeNpyInt64([batch, h, w], indices));
  } else {
    throw new CliError(`--out ${file}: indices are written as .npy (int64 [B, h, w]) or .json.`, 2);
  }
}

/** Images [B, C, H, W] to .npy (raw float32) or PNG (clamped; B > 1 writes <stem>-1.png …). Returns the paths. */
export async function writeImages(file: string, images: Float32Array, batch: number, channels: number, height: number, width: number): Promise<string[]> {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.npy') {
    await writeFileAtomic(file, writeNpyFloat32([batch, channels, height, width], images));
    return [file];
  }
  if (ext !== '.png') throw new CliError(`--out ${file}: write a .png image or a raw float .npy (NCHW).`, 2);
  if (channels !== 3 && channels !== 1) {
    throw new CliError(`the decoder outputs ${channels} channels, which is not an image; write a .npy instead.`, 2);
  }
  const paths = batch === 1 ? [file] : Array.from({ length: batch }, (_, k) => file.replace(/\.png$/i, `-${k + 1}.png`));
  const hw = height * width;
  for (let b = 0; b < batch; b++) {
    const px = Buffer.alloc(hw * channels);
    for (let p = 0; p < hw; p++) {
      for (let c = 0; c < channels; c++) {
        const v = Math.min(1, Math.max(-1, images[(b * channels + c) * hw + p]!));
        px[p * channels + c] = Math.round((v + 1) * 127.5);
      }
    }
    const png = await sharp(px, { raw: { width, height, channels: channels as 1 | 3 } }).png().toBuffer();
    await writeFileAtomic(paths[b]!, png);
  }
  return paths;
}
