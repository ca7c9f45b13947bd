/**
 * `tessera generate`: sample images from a model bundle on the command line.
 *
 *   tessera generate --model <bundle|name> [--mode unconditional|class|semantic|edge|depth|pose|superres|completion]
 *     [--cond <file>] [--mask <file>] [--class N] [--size WxH] [--seed S] [--top-k K] [--top-p P]
 *     [--temperature T] [--greedy] [--n N] [--preview-every K] [--format png|npy] --out <file.png>
 *
 * Writes `<out>` (or `<stem>-1.png` … for --n > 1) with the generation record in an iTXt chunk; `--format npy`
 * also writes `<out>.tokens.npy` (int64 [n, h, w]). A progress bar is drawn on a terminal (stderr).
 * Ctrl-C cancels within one token step and leaves no file. The same seed gives the same pixels.
 */
import * as fs from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { generate } from '../../../native-models/sampling/generate';
import type { ConditionInput, GenerateMode, GenerateRequest } from '../../../native-models/sampling/generate';
import { formatDuration } from '../../../native-models/sampling/progress';
import { modelTemperature } from '../../../native-models/sampling/filters';
import { randomSeed } from '../../../native-models/sampling/rng';
import type { JsonValue } from '../../../preload/generation-record';
import { readConditionFile, readMaskFile, writeGenerationOutputs } from '../../generation/generation-files';
import type { GeneratorLoader, LoadedGenerator } from '../../generation/generator-loader';
import { encodePng } from '../../gallery/png-record';
import { writeFileAtomic } from '../../services/atomic-write';
import { APP_VERSION } from '../../services/app-info';
import { loadGenerator } from '../../generation/bundle-loader';
import { CONDITION_MODES } from '../../../preload/generation-record';
import { CliError } from '../cli-command';
import type { CliCommand } from '../cli-command';

export type { GeneratorLoader, LoadedGenerator };

export interface CommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Draw a progress bar (stderr is a terminal). */
  isTTY: boolean;
  appVersion: string;
  signal?: AbortSignal;
}

export const GENERATE_USAGE = `Usage: tessera generate --model <bundle|name> --out <file.png> [options]
  --mode M            unconditional | class | semantic | edge | depth | pose | superres | completion
                      (default: the model's own mode)
  --cond FILE         condition: PNG (palette colours or 8-bit label indices for semantic; grey or RGB
                      otherwise), .npy (integer label map [H,W] or float depth/edge map) or OpenPose JSON;
                      for --mode completion, the image to complete
  --mask FILE         complete: PNG of the output size, non-black = resample (default: the lower half)
  --class N           class index for class-conditional models
  --size WxH          output size in pixels, multiples of the model's factor (default: the --cond file's
                      size rounded down to the factor, else the size the model's manifest names, else
                      one window)
  --seed S            integer seed (default: random; printed and recorded)
  --top-k K           keep the K most likely tokens (default 100; 0 = off)
  --top-p P           nucleus sampling mass in (0, 1] (default off)
  --temperature T     softmax temperature > 0 (default: the model's, 1 where it names none)
  --greedy            arg-max instead of sampling
  --n N               number of images (batched; image k uses seed S + k; files <stem>-k.png)
  --preview-every K   write <out>.preview.png every K tokens while sampling (removed at the end)
  --format png|npy    npy also writes <out>.tokens.npy (int64 [n, h, w])
  --weights W         float32 (default) | int8: the transformer's linear weights quantised to int8 per block
                      of 32 (a quarter of the bytes per token step; faster for large models, slightly
                      different logits, so the same seed can give other tokens)
  --window-stride S   sliding window only: S × S targets share one window (1 = taming's rule; up to half the
                      window): far fewer window prefills, slightly less context (default: the model's own,
                      its manifest's sampling.windowStride — 4 for the starters — else 1)`;

const MODES: readonly GenerateMode[] = CONDITION_MODES;

function num(v: string | undefined, name: string, check: (x: number) => boolean, want: string): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || !check(x)) throw new Error(`--${name} ${v} is not valid: expected ${want}.`);
  return x;
}

export interface GenerateArgs {
  model: string;
  out: string;
  mode?: GenerateMode;
  cond?: string;
  mask?: string;
  classIndex?: number;
  size?: { width: number; height: number };
  seed?: number;
  topK: number;
  topP: number | null;
  /** undefined = the model's (its manifest's sampling.temperature, else 1). */
  temperature: number | undefined;
  greedy: boolean;
  n: number;
  previewEvery: number;
  format: 'png' | 'npy';
  weights: 'float32' | 'int8';
  /** Absent: the model's own stride. */
  windowStride?: number;
}

export const GENERATE_OPTIONS = {
  model: { type: 'string' }, out: { type: 'string' }, mode: { type: 'string' }, cond: { type: 'string' },
  mask: { type: 'string' }, class: { type: 'string' }, size: { type: 'string' }, seed: { type: 'string' },
  'top-k': { type: 'string' }, 'top-p': { type: 'string' }, temperature: { type: 'string' },
  greedy: { type: 'boolean' }, n: { type: 'string' }, 'preview-every': { type: 'string' }, format: { type: 'string' },
  weights: { type: 'string' }, 'window-stride': { type: 'string' },
} as const;

type GenerateValues = { [K in keyof typeof GENERATE_OPTIONS]?: (typeof GENERATE_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

export function parseGenerateArgs(argv: string[]): GenerateArgs {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: GENERATE_OPTIONS });
  if (positionals.length) throw new Error(`Unexpected argument ${positionals[0]}; see tessera generate --help.`);
  return parseGenerateValues(values);
}

export function parseGenerateValues(values: GenerateValues): GenerateArgs {
  if (!values.model) throw new Error('--model <bundle|name> is required.');
  if (!values.out) throw new Error('--out <file.png> is required.');
  if (values.mode !== undefined && !(MODES as readonly string[]).includes(values.mode)) {
    throw new Error(`--mode ${values.mode} is not a mode; use one of ${MODES.join(', ')}.`);
  }
  let size: GenerateArgs['size'];
  if (values.size !== undefined) {
    const m = /^(\d+)[x×](\d+)$/i.exec(values.size.trim());
    if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new Error(`--size ${values.size} is not valid: expected WxH in pixels, e.g. 256x256.`);
    size = { width: Number(m[1]), height: Number(m[2]) };
  }
  const format = values.format ?? 'png';
  if (format !== 'png' && format !== 'npy') throw new Error(`--format ${format} is not valid: use png or npy.`);
  const weights = values.weights ?? 'float32';
  if (weights !== 'float32' && weights !== 'int8') throw new Error(`--weights ${weights} is not valid: use float32 or int8.`);
  const int = (x: number): boolean => Number.isSafeInteger(x) && x >= 0;
  return {
    model: values.model,
    out: values.out,
    mode: values.mode as GenerateMode | undefined,
    cond: values.cond,
    mask: values.mask,
    classIndex: num(values.class, 'class', int, 'a class index (integer ≥ 0)'),
    size,
    seed: num(values.seed, 'seed', int, `an integer 0..${Number.MAX_SAFE_INTEGER}`),
    topK: num(values['top-k'], 'top-k', int, 'an integer ≥ 0') ?? 100,
    topP: num(values['top-p'], 'top-p', (x) => x > 0 && x <= 1, 'a number in (0, 1]') ?? null,
    temperature: num(values.temperature, 'temperature', (x) => x > 0, 'a number > 0'),
    greedy: values.greedy ?? false,
    n: num(values.n, 'n', (x) => Number.isInteger(x) && x >= 1 && x <= 64, 'an integer 1..64') ?? 1,
    previewEvery: num(values['preview-every'], 'preview-every', int, 'an integer ≥ 0') ?? 0,
    format,
    weights,
    // its upper bound depends on the model's window: generate() checks it and says what fits
    windowStride: num(values['window-stride'], 'window-stride', (x) => Number.isInteger(x) && x >= 1, 'an integer ≥ 1'),
  };
}

function bar(done: number, total: number, elapsedMs: number, etaMs: number | null): string {
  const width = 28;
  const filled = Math.round((done / Math.max(1, total)) * width);
  const eta = etaMs === null ? '' : ` ETA ${formatDuration(etaMs)}`;
  return `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] token ${done}/${total} ${formatDuration(elapsedMs)}${eta}   `;
}

/** Run the command; returns the process exit code. Errors are one clear line on stderr. */
export async function runGenerate(argv: string[], io: CommandIo, load: GeneratorLoader): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(`${GENERATE_USAGE}\n`);
    return 0;
  }
  let args: GenerateArgs;
  try {
    args = parseGenerateArgs(argv);
  } catch (e) {
    io.stderr(`tessera generate: ${(e as Error).message}\n`);
    return 2;
  }
  return runGenerateParsed(args, io, load);
}

/**
 * Without --size, a condition file decides the output size: its own size rounded down to the model's factor
 * (null for a pose file, whose keypoints are scaled to the size the manifest names — `outputSize` — or one window).
 */
function sizeOfCondition(c: ConditionInput, factor: number): { width: number; height: number } | null {
  const dims = c.kind === 'labels' ? c.map : c.kind === 'pose' ? null : c;
  if (!dims) return null;
  const width = Math.floor(dims.width / factor) * factor;
  const height = Math.floor(dims.height / factor) * factor;
  return width > 0 && height > 0 ? { width, height } : null;
}

/** Run with parsed arguments; returns the exit code. */
export async function runGenerateParsed(args: GenerateArgs, io: CommandIo, load: GeneratorLoader): Promise<number> {
  let loaded: LoadedGenerator | null = null;
  const previewFile = (out: string): string => `${out}.preview.png`;
  try {
    loaded = await load(args.model, args.weights === 'int8' ? { gptWeights: 'int8' } : {});
    const { models } = loaded;
    const stage = models.condition;
    const ownMode: GenerateMode = stage.kind === 'sos' ? 'unconditional' : stage.kind === 'class' ? 'class' : stage.mode;
    const mode = args.mode ?? ownMode;
    let size = args.size ?? loaded.outputSize ?? { width: models.window.w * models.factor, height: models.window.h * models.factor };
    const seed = args.seed ?? randomSeed();
    const req: GenerateRequest = {
      mode,
      width: size.width,
      height: size.height,
      seed,
      n: args.n,
      sampler: { temperature: args.temperature ?? modelTemperature(models), topK: args.topK, topP: args.topP, greedy: args.greedy },
      classIndex: args.classIndex,
      previewEvery: args.previewEvery,
      ...(args.windowStride !== undefined ? { windowStride: args.windowStride } : {}),
    };
    let condDoc: JsonValue | null = null;
    if (mode === 'completion') {
      if (!args.cond) throw new Error('--mode completion needs the image to complete: --cond <image.png>.');
      req.init = await readConditionFile(args.cond, 'completion');
      if (!args.size) size = sizeOfCondition(req.init, models.factor) ?? size;
      Object.assign(req, size);
      if (args.mask) req.mask = await readMaskFile(args.mask, size.width, size.height);
    } else if (args.cond) {
      req.condition = await readConditionFile(args.cond, mode, loaded.palette);
      if (!args.size) size = sizeOfCondition(req.condition, models.factor) ?? size;
      Object.assign(req, size);
      if (req.condition.kind === 'pose' && req.condition.json) condDoc = { kind: 'openpose', json: JSON.parse(req.condition.json) as JsonValue };
    } else if (args.mask) {
      throw new Error('--mask is for --mode completion.');
    }
    if (args.cond && condDoc === null) condDoc = { kind: 'file', path: args.cond, sha256: await fileSha256(args.cond) };
    if (args.seed === undefined) io.stderr(`seed ${seed}\n`);
    const out = args.out;
    const result = await generate(models, req, {
      signal: io.signal,
      onProgress: async (p) => {
        if (io.isTTY) io.stderr(bar(p.done, p.total, p.elapsedMs, p.etaMs));
        if (p.preview) {
          const rgb = new Uint8Array(p.preview.width * p.preview.height * 3);
          const hw = p.preview.width * p.preview.height;
          for (let q = 0; q < hw; q++) {
            for (let c = 0; c < 3; c++) rgb[q * 3 + c] = Math.round((Math.min(1, Math.max(-1, p.preview.images[c * hw + q]!)) + 1) * 127.5);
          }
          await writeFileAtomic(previewFile(out), encodePng({ width: p.preview.width, height: p.preview.height, channels: 3, data: rgb }));
        }
      },
    });
    if (io.isTTY) io.stderr('\n');
    const used = loaded.sessionProvider?.() ?? null; // the provider the sessions ran on (after any fallback)
    if (used?.fallbackReason) io.stderr(`note: ran on ${used.provider}: ${used.fallbackReason}\n`);
    const written = await writeGenerationOutputs(out, req, result, {
      appVersion: io.appVersion,
      model: { id: loaded.id, sha256: loaded.sha256, ...(loaded.name ? { name: loaded.name } : {}) },
      executionProvider: used?.provider ?? loaded.executionProvider,
      device: used ? used.device : loaded.device,
      ...(args.weights === 'int8' ? { gptWeights: 'int8' as const } : {}),
      condition: condDoc,
      classNames: loaded.classNames,
    }, { tokensNpy: args.format === 'npy' });
    const t = result.timings;
    io.stdout(`${written.join('\n')}\n`);
    io.stderr(`${result.images.length} image(s) ${result.width}×${result.height} in ${(t.totalMs / 1000).toFixed(2)} s ` +
      `(sampling ${(t.sampleMs / 1000).toFixed(2)} s, ${Math.round((result.grid.h * result.grid.w * result.images.length) / (t.sampleMs / 1000))} tokens/s)\n`);
    return 0;
  } catch (e) {
    if (io.isTTY) io.stderr('\n');
    if (io.signal?.aborted) {
      io.stderr('tessera generate: cancelled; nothing was written.\n');
      return 130;
    }
    io.stderr(`tessera generate: ${(e as Error).message}\n`);
    return 1;
  } finally {
    await fs.rm(previewFile(args.out), { force: true });
    await loaded?.dispose?.();
  }
}

async function fileSha256(file: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  return createHash('sha256').update(await fs.readFile(file)).digest('hex');
}

/** Lines of `text` without the trailing newline, for line-based sinks. */
function lines(text: string): string[] {
  return text.split('\n').filter((l, k, all) => l.length > 0 || k < all.length - 1);
}

export const generateCommand: CliCommand = {
  name: 'generate',
  summary: 'Sample images from a model bundle (seeded; PNG with its generation record)',
  usage: '--model <bundle|name> --out <file.png> [--mode M] [--cond FILE] [--mask FILE] [--class N] [--size WxH] ' +
    '[--seed S] [--top-k K] [--top-p P] [--temperature T] [--greedy] [--n N] [--preview-every K] [--format png|npy] [--weights float32|int8] [--window-stride S]',
  details: GENERATE_USAGE.split('\n').slice(1),
  options: GENERATE_OPTIONS,
  async run({ values }, ctx) {
    let args: GenerateArgs;
    try {
      args = parseGenerateValues(values as GenerateValues);
    } catch (e) {
      throw new CliError(`generate: ${(e as Error).message}`, 2);
    }
    const controller = new AbortController();
    void ctx.stopRequested.then(() => controller.abort());
    const tty = process.stderr.isTTY === true;
    return runGenerateParsed(args, {
      stdout: (t) => lines(t).forEach((l) => ctx.out(l)),
      stderr: (t) => (tty ? void process.stderr.write(t) : lines(t.replace(/\r/g, '')).forEach((l) => l.trim() && ctx.err(l))),
      isTTY: tty,
      appVersion: APP_VERSION,
      signal: controller.signal,
    }, loadGenerator);
  },
};
