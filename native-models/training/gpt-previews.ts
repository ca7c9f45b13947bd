/**
 * Sample previews of the transformer stage during fine-tuning: every `sampleEvery` steps the trainer hands its
 * current GPT weights to `GptPreviews.write`, which samples a few z-token grids with a fixed seed from fixed
 * held-out conditions (KV-cache loop, sampling/loop.ts `sampleGrid`, top-k 100 as generation's default), decodes
 * them with the frozen first stage, and writes one PNG per image to the run's samples folder
 * (`run.samplePath(step, i)`, as the VQGAN previews): a row of
 *     condition | sample | held-out image
 * where the condition is the c-tokens decoded by the frozen condition VQGAN (label maps coloured with the palette,
 * edge maps grey, pose sticks RGB) and the held-out image is its z-tokens decoded by the first stage (what the GPT
 * is taught to produce). Unconditional (SOS) models leave the condition panel out.
 *
 * Deterministic: the same weights, conditions and seed give the same PNGs (image k draws from seed + k).
 * Cost on a tiny model: one prefill + one cached step per z-token for the whole preview batch, one decode.
 */
import { writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { GptConfig } from '../models/gpt';
import { GptModel } from '../models/load';
import type { NamedTensor } from '../models/param-spec';
import type { RuntimeOptions } from '../runtime/session';
import { DEFAULT_SAMPLER, type SamplerSettings } from '../sampling/filters';
import { sampleGrid } from '../sampling/loop';
import { rngForSeed } from '../sampling/rng';
import type { GridShape } from '../sampling/window';
import type { GptPreviewWriter, TokenBatch, TokenSource } from './gpt-trainer';
import { TrainRng } from './rng';

/** Pixels of one panel: interleaved RGB bytes [S, S, 3]. */
type Panel = Uint8Array;

export interface GptPreviewOptions {
  gpt: GptConfig;
  /** Fixed conditions and reference tokens (held-out items, centre crops): c [n, cLen], z [n, zLen]. */
  tokens: TokenBatch;
  count: number;
  cLen: number;
  /** The z-token grid (h × w = zLen) in the order the GPT sees it. */
  grid: GridShape;
  /** Frozen first stage: z-tokens [B, h, w] (in the GPT's order) → images [B, 3, S, S] in [-1, 1]. */
  decode(tokens: Int32Array, batch: number, h: number, w: number): Promise<Float32Array>;
  /** Frozen condition stage: one item's c-tokens → its condition map [C, S, S]; absent for SOS models. */
  decodeCondition?(c: Int32Array): Promise<Float32Array>;
  /** Colours of label classes (semantic conditions); a fixed colour wheel when absent. */
  palette?: ReadonlyArray<readonly [number, number, number]>;
  seed?: number;
  sampler?: SamplerSettings;
  runtime?: RuntimeOptions;
}

const byte = (v: number): number => Math.max(0, Math.min(255, Math.round((v + 1) * 127.5)));

/** [C, S, S] planes → RGB bytes: 1 channel grey, 3 channels RGB, otherwise arg-max classes in palette colours. */
export function conditionPanel(planes: Float32Array, size: number, palette?: ReadonlyArray<readonly [number, number, number]>): Panel {
  const plane = size * size;
  const channels = planes.length / plane;
  if (!Number.isInteger(channels) || channels < 1) throw new Error(`conditionPanel: ${planes.length} values are not [C, ${size}, ${size}].`);
  const out = new Uint8Array(plane * 3);
  for (let p = 0; p < plane; p++) {
    if (channels === 1 || channels === 3) {
      for (let ch = 0; ch < 3; ch++) out[p * 3 + ch] = byte(planes[(channels === 1 ? 0 : ch) * plane + p]!);
      continue;
    }
    let best = 0;
    for (let k = 1; k < channels; k++) if (planes[k * plane + p]! > planes[best * plane + p]!) best = k;
    const col = palette?.[best] ?? [(best * 97) % 256, (best * 57 + 80) % 256, (best * 151 + 160) % 256];
    out.set(col, p * 3);
  }
  return out;
}

/** Image k of [B, 3, S, S] in [-1, 1] → RGB bytes. */
function imagePanel(images: Float32Array, k: number, size: number): Panel {
  const plane = size * size;
  const out = new Uint8Array(plane * 3);
  for (let p = 0; p < plane; p++) for (let ch = 0; ch < 3; ch++) out[p * 3 + ch] = byte(images[(k * 3 + ch) * plane + p]!);
  return out;
}

/** Panels side by side, 2-pixel white gaps → PNG bytes. */
async function row(panels: readonly Panel[], size: number): Promise<Buffer> {
  const gap = 2;
  const width = panels.length * size + (panels.length - 1) * gap;
  const out = Buffer.alloc(width * size * 3, 255);
  panels.forEach((panel, i) => {
    for (let y = 0; y < size; y++) out.set(panel.subarray(y * size * 3, (y + 1) * size * 3), (y * width + i * (size + gap)) * 3);
  });
  return sharp(out, { raw: { width, height: size, channels: 3 } }).png().toBuffer();
}

/**
 * The fixed tokens previews sample from: `count` held-out items (the training split when nothing is held out),
 * cycling when there are fewer, as centre crops (no RNG draws that matter: a fresh TrainRng, augment off).
 */
export async function previewTokens(source: TokenSource, count: number): Promise<TokenBatch> {
  const split = source.heldOutSize > 0 ? 'heldOut' : 'train';
  const size = split === 'heldOut' ? source.heldOutSize : source.trainSize;
  if (size < 1) throw new Error('previewTokens: the token source has no items.');
  return source.batch(split, Array.from({ length: count }, (_, i) => i % size), new TrainRng(0), false);
}

export class GptPreviews implements GptPreviewWriter {
  private readonly weights: Map<string, NamedTensor>;
  private readonly model: GptModel;
  private reference: Float32Array | null = null;
  private conditions: Panel[] | null = null;

  constructor(private readonly o: GptPreviewOptions, shapes: ReadonlyMap<string, readonly number[]>) {
    if (o.count < 1) throw new Error(`GptPreviews: count must be ≥ 1, got ${o.count}.`);
    if (o.tokens.c.length !== o.count * o.cLen || o.tokens.z.length !== o.count * o.grid.h * o.grid.w) {
      throw new Error(`GptPreviews: need c [${o.count}, ${o.cLen}] and z [${o.count}, ${o.grid.h * o.grid.w}] tokens.`);
    }
    // The model's own copy of the weights, refreshed from the trainer before each preview.
    this.weights = new Map([...shapes].map(([name, shape]) => [name, { shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) }]));
    this.model = new GptModel(o.gpt, this.weights, { bakeWeights: false, runtime: { intraOpThreads: 1, ...o.runtime } });
  }

  /** Samples with the current weights (`weight(name)`) and writes `run.samplePath(step, i)` for each preview; returns the paths. */
  async write(samplePath: (step: number, index: number) => string, step: number, weight: (name: string) => Float32Array): Promise<string[]> {
    const { count: n, cLen, grid } = this.o;
    for (const [name, t] of this.weights) t.data.set(weight(name));
    const seed = this.o.seed ?? 0;
    const z = await sampleGrid(this.model, {
      batch: n, grid, window: grid, condition: { kind: 'prefix', tokens: this.o.tokens.c, length: cLen },
      settings: Array.from({ length: n }, () => this.o.sampler ?? DEFAULT_SAMPLER),
      rngs: Array.from({ length: n }, (_, k) => rngForSeed(seed + k)),
    }); // [n, h, w]
    const samples = await this.o.decode(z, n, grid.h, grid.w); // [n, 3, S, S]
    const size = Math.round(Math.sqrt(samples.length / (n * 3)));
    this.reference ??= await this.o.decode(this.o.tokens.z, n, grid.h, grid.w);
    if (!this.conditions && this.o.decodeCondition) {
      this.conditions = [];
      for (let k = 0; k < n; k++) {
        this.conditions.push(conditionPanel(await this.o.decodeCondition(this.o.tokens.c.subarray(k * cLen, (k + 1) * cLen)), size, this.o.palette));
      }
    }
    const paths: string[] = [];
    for (let k = 0; k < n; k++) {
      const panels = [...(this.conditions ? [this.conditions[k]!] : []), imagePanel(samples, k, size), imagePanel(this.reference, k, size)];
      const path = samplePath(step, k);
      await writeFile(path, await row(panels, size));
      paths.push(path);
    }
    return paths;
  }
}
