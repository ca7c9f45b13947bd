/**
 * What the starter evaluators (evaluate-starter, evaluate-edges, evaluate-figures) share: the command-line flag
 * reader, the JSON report, the first stage's round trip and its reconstruction statistics, the timed generations behind the
 * speed numbers, and the committed contact sheets (native-models/zoo/*-sheet.png).
 */
import { writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { recipeFlags, type RecipeFlags } from './recipe-flags';
import { DEFAULT_SAMPLER, modelTemperature, validateSettings, type SamplerSettings } from '../native-models/sampling/filters';
import { generate, type GenerateRequest, type GenerateResult, type GeneratorModels } from '../native-models/sampling/generate';

/**
 * An evaluator's command line: the bundle folder (the first word that is neither a flag nor a flag's value) and its
 * checked flags; without a folder, `usage` is the error.
 */
export function evaluatorArgs(argv: readonly string[], tag: string, usage: string): { dir: string; flags: RecipeFlags } {
  const dir = argv.find((a, i) => !a.startsWith('--') && argv[i - 1]?.startsWith('--') !== true);
  if (!dir) throw new Error(usage);
  return { dir, flags: recipeFlags(argv, tag) };
}

/**
 * How the evaluated images are sampled: what a person gets by default (the app's sampler, the model's own
 * temperature and window stride) unless `--top-k K`, `--temperature T`, `--window-stride S` say otherwise.
 */
export interface EvalSampling {
  /** Top-k, top-p, greedy; the temperature is `temperature`. */
  sampler: Omit<SamplerSettings, 'temperature'>;
  /** null = the model's own (its manifest's `sampling.temperature`, else 1). */
  temperature: number | null;
  /** Targets per shared window along each axis (1 = taming's rule); null = the model's own (its manifest's). */
  windowStride: number | null;
}

/** The sampling flags of an evaluator's argv, checked; recorded in its report so a number says how it was made. */
export function evalSampling(argv: readonly string[]): EvalSampling {
  const flags = recipeFlags(argv, 'evaluate');
  const num = flags.number;
  const topK = num('--top-k', DEFAULT_SAMPLER.topK ?? 0);
  const { temperature: _, ...sampler } = { ...DEFAULT_SAMPLER, topK: topK === 0 ? null : topK };
  const temperature = flags.value('--temperature') === undefined ? null : num('--temperature', DEFAULT_SAMPLER.temperature);
  validateSettings({ ...sampler, temperature: temperature ?? DEFAULT_SAMPLER.temperature });
  const windowStride = flags.value('--window-stride') === undefined ? null : num('--window-stride', 1);
  if (windowStride !== null && (!Number.isInteger(windowStride) || windowStride < 1)) throw new Error(`--window-stride takes a whole number >= 1 (got ${windowStride}).`);
  return { sampler, temperature, windowStride };
}

/** The request fields that carry an EvalSampling for `models` (its own temperature where the flags name none). */
export function samplingFields(s: EvalSampling, models: GeneratorModels): Pick<GenerateRequest, 'sampler' | 'windowStride'> {
  return { sampler: { ...s.sampler, temperature: s.temperature ?? modelTemperature(models) }, ...(s.windowStride !== null ? { windowStride: s.windowStride } : {}) };
}

/** The sampling a report records: temperature and stride resolved against the model's own. */
export function reportedSampling(s: EvalSampling, models: GeneratorModels): { sampler: SamplerSettings; windowStride: number } {
  return { sampler: samplingFields(s, models).sampler, windowStride: s.windowStride ?? models.windowStride ?? 1 };
}

/** Prints the evaluation report as JSON and, with `--json <file>` in argv, writes it there too. */
export async function emitReport(argv: readonly string[], report: object): Promise<void> {
  const text = JSON.stringify(report, null, 2);
  console.log(text);
  const jsonPath = recipeFlags(argv, 'evaluate').value('--json');
  if (jsonPath) await writeFile(jsonPath, text + '\n');
}

/** First-stage encode + decode of an RGB image [H, W, 3] (uint8) → its codes [h·w] and the decoded RGB [H, W, 3]. */
export async function firstStageRoundTrip(models: GeneratorModels, rgb: Uint8Array, width: number, height: number): Promise<{ indices: Int32Array; rgb: Uint8Array }> {
  const plane = width * height;
  const img = new Float32Array(3 * plane); // [1, 3, H, W] in [−1, 1]
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) img[c * plane + p] = rgb[p * 3 + c]! / 127.5 - 1;
  const indices = await models.encodeImage(img, height, width);
  const rec = await models.decode(indices, 1, height / models.factor, width / models.factor); // [1, 3, H, W]
  const out = new Uint8Array(plane * 3);
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) out[p * 3 + c] = Math.max(0, Math.min(255, Math.round((rec[c * plane + p]! + 1) * 127.5)));
  return { indices, rgb: out };
}

export interface ReconstructionStats {
  images: number;
  /** PSNR (dB, 8-bit) of the mean squared error over all images, and the mean of per-image PSNRs. */
  psnrOfMeanMse: number;
  meanPsnr: number;
  codesUsed: number;
  /** exp(entropy) of the code histogram. */
  perplexity: number;
}

/** The first stage's reconstruction quality and codebook usage on square RGB images [S, S, 3]. */
export async function reconstructionStats(models: GeneratorModels, images: readonly Uint8Array[], size: number): Promise<ReconstructionStats> {
  let mse = 0, psnrSum = 0, total = 0;
  const counts = new Map<number, number>();
  for (const rgb of images) {
    const r = await firstStageRoundTrip(models, rgb, size, size);
    for (const v of r.indices) { counts.set(v, (counts.get(v) ?? 0) + 1); total++; }
    let e = 0;
    for (let k = 0; k < rgb.length; k++) e += (r.rgb[k]! - rgb[k]!) ** 2;
    e /= rgb.length;
    mse += e;
    psnrSum += 10 * Math.log10((255 * 255) / e);
  }
  let ent = 0;
  for (const c of counts.values()) { const q = c / total; ent -= q * Math.log(q); }
  const n = images.length;
  return { images: n, psnrOfMeanMse: 10 * Math.log10((255 * 255) / (mse / n)), meanPsnr: psnrSum / n, codesUsed: counts.size, perplexity: Math.exp(ent) };
}

/**
 * Speed: generates one image per condition (seeds 7, 8, …, with `sampling`) and times each; returns the results
 * (contact-sheet rows) and the timings.
 */
export async function timedGenerations(
  models: GeneratorModels, requests: readonly Omit<GenerateRequest, 'seed' | 'n' | 'sampler'>[], log: (line: string) => void,
  sampling: EvalSampling = evalSampling([]),
): Promise<{ results: GenerateResult[]; speed: { width: number; height: number; runs: number; secondsEach: number[]; meanSeconds: number } }> {
  const results: GenerateResult[] = [];
  const secs: number[] = [];
  for (const [i, req] of requests.entries()) {
    const t = performance.now();
    const res = await generate(models, { ...req, seed: 7 + i, n: 1, ...samplingFields(sampling, models) });
    secs.push((performance.now() - t) / 1000);
    results.push(res);
    log(`${req.width}×${req.height} in ${secs[secs.length - 1]!.toFixed(2)} s (sample ${(res.timings.sampleMs / 1000).toFixed(2)} s)`);
  }
  const first = requests[0];
  return {
    results,
    speed: { width: first?.width ?? 0, height: first?.height ?? 0, runs: secs.length, secondsEach: secs, meanSeconds: secs.reduce((a, b) => a + b, 0) / Math.max(1, secs.length) },
  };
}

/** Rows of equal square RGB cells ([cell, cell, 3] uint8) on white, written as a small palette PNG. */
export async function writeContactSheet(path: string, rows: readonly (readonly Uint8Array[])[], cell: number, o: { gap?: number; colours?: number } = {}): Promise<void> {
  const gap = o.gap ?? 4;
  const cols = rows[0]?.length ?? 0;
  if (!rows.length || !cols) throw new Error('writeContactSheet: no cells to write.');
  const W = cols * cell + (cols + 1) * gap, H = rows.length * cell + (rows.length + 1) * gap;
  const sheet = new Uint8Array(W * H * 3).fill(255); // [H, W, 3]
  rows.forEach((row, r) => {
    if (row.length !== cols) throw new Error(`writeContactSheet: row ${r} has ${row.length} cells, row 0 has ${cols}.`);
    row.forEach((img, c) => {
      if (img.length !== cell * cell * 3) throw new Error(`writeContactSheet: cell (${r}, ${c}) is not ${cell}×${cell} RGB.`);
      for (let y = 0; y < cell; y++) sheet.set(img.subarray(y * cell * 3, (y + 1) * cell * 3), ((r * (cell + gap) + gap + y) * W + c * (cell + gap) + gap) * 3);
    });
  });
  await sharp(Buffer.from(sheet.buffer), { raw: { width: W, height: H, channels: 3 } }).png({ palette: true, colours: o.colours ?? 256, compressionLevel: 9 }).toFile(path);
}
