/**
 * The stage bookkeeping the starter recipes share: `<work>/state.json` records each stage's run folder and
 * whether it finished, so rerunning a recipe resumes an interrupted stage from its last checkpoint and skips
 * finished ones (their weights come from the run's last checkpoint). Also the throttled progress log and the
 * VQGAN stage runner of starter-landscapes and starter-figures (optional patch discriminator, dead-code restarts).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readBundle, writeBundle, type BundleManifest, type ManifestDraft, type VqganArchitecture } from '../native-models/formats/bundle';
import { bytesToFloat32 } from '../native-models/formats/dtype';
import type { TensorSource } from '../native-models/formats/safetensors';
import type { Tensor } from '../native-models/graph/graph';
import type { DiscriminatorConfig } from '../native-models/models/discriminator';
import { vqganConfigFromArchitecture } from '../native-models/models/load';
import { vqganParameters } from '../native-models/models/vqgan';
import type { CompileOptions } from '../native-models/runtime/program';
import { loadLatestCheckpoint, saveCheckpoint, type TrainingState } from '../native-models/training/checkpoint';
import { DataOrder } from '../native-models/training/data/order';
import type { JsonValue } from '../native-models/training/data/cache';
import { initParams } from '../native-models/training/init';
import { formatProgress, type TrainProgress } from '../native-models/training/progress';
import { TrainRng } from '../native-models/training/rng';
import { resumeRun, Run } from '../native-models/training/run';
import { trainVqgan, type ImageSource } from '../native-models/training/vqgan-trainer';
import type { RecipeFlags } from './recipe-flags';
import { STARTER_PRESETS, type StarterPreset } from './starter-presets';

export interface StageState {
  runDir: string;
  done: boolean;
  heldOutBefore: number | null;
  heldOutAfter: number | null;
  usage?: JsonValue;
  steps: number;
  seconds: number;
  /** Earlier finished runs this stage continued from (oldest first), and the steps they trained. */
  previous?: string[];
  base?: number;
  /** Condition stages: a reconstruction measure of held-out conditions. */
  reconstruction?: JsonValue;
}

/**
 * A trained VQGAN stage's weights and architecture from a bundle folder (its `first_stage_model.` or
 * `cond_stage_model.` tensors) or from a run folder (last checkpoint + config.json's architecture): how a recipe
 * reuses a stage another run trained (starter-landscapes-edges reuses the landscapes first stage; --cond-from).
 */
export async function vqganStageFrom(dir: string, which: 'first' | 'cond'): Promise<{ weights: Record<string, Float32Array>; architecture: VqganArchitecture; source: string }> {
  const prefix = which === 'first' ? 'first_stage_model.' : 'cond_stage_model.';
  if (existsSync(join(dir, 'manifest.json'))) {
    const b = await readBundle(dir);
    try {
      const cs = b.manifest.condStage;
      const architecture = which === 'first' ? b.manifest.firstStage : cs?.kind === 'vqgan' ? cs.architecture : undefined;
      if (!architecture) throw new Error(`${dir}: the bundle has no ${which === 'first' ? 'first stage' : 'VQGAN condition stage'}.`);
      return { weights: await prefixedWeights(b, prefix), architecture, source: `bundle ${dir} (sha256 ${b.manifest.weights.sha256})` };
    } finally {
      await b.close();
    }
  }
  const ck = await checkpointWeights(dir);
  if (!ck) throw new Error(`${dir} is neither a bundle (manifest.json) nor a run folder with a readable checkpoint; pass a bundle folder or a stage's run folder.`);
  const cfg = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as { architecture?: VqganArchitecture };
  if (!cfg.architecture) throw new Error(`${dir}/config.json records no architecture; pass a bundle folder instead.`);
  return { weights: ck.weights, architecture: cfg.architecture, source: `run ${dir} step ${ck.step}` };
}

async function prefixedWeights(b: Awaited<ReturnType<typeof readBundle>>, prefix: string): Promise<Record<string, Float32Array>> {
  const weights: Record<string, Float32Array> = {};
  for (const [n, t] of b.weights.tensors) if (n.startsWith(prefix)) weights[n.slice(prefix.length)] = bytesToFloat32(t.dtype, await t.read());
  return weights;
}

/**
 * Starting weights of a stage for `--init-from <bundle>` (continuing a shipped starter in a later session: the
 * bundle in the repository is the checkpoint): the bundle's tensors under `prefix` (fp16 → fp32), which must have
 * exactly the names and sizes of `fresh` (the recipe's own initialisation); without a bundle, `fresh`.
 */
export async function initialWeights(bundle: string | null, prefix: string, fresh: Record<string, Float32Array>, log: (line: string) => void = starterLog): Promise<Record<string, Float32Array>> {
  if (!bundle) return fresh;
  const b = await readBundle(resolve(bundle));
  let got: Record<string, Float32Array>;
  try {
    got = await prefixedWeights(b, prefix);
  } finally {
    await b.close();
  }
  for (const [n, v] of Object.entries(fresh)) {
    const w = got[n];
    if (!w) throw new Error(`--init-from ${bundle}: the bundle has no ${prefix}${n}; it is not a bundle of this recipe's architecture (train from scratch without --init-from).`);
    if (w.length !== v.length) throw new Error(`--init-from ${bundle}: ${prefix}${n} has ${w.length} values, the recipe's architecture needs ${v.length} (train from scratch without --init-from).`);
  }
  log(`${prefix.replace(/\.$/, '')}: starting from the weights of ${bundle}`);
  return Object.fromEntries(Object.keys(fresh).map((n) => [n, got[n]!]));
}

/**
 * `--decoder-only` of a recipe's argv (`flags` from recipeFlags), checked: it fine-tunes the decoder of the
 * `--init-from` bundle, so it needs one.
 */
export function decoderOnlyFlag(flags: RecipeFlags, tag: string): boolean {
  const on = flags.has('--decoder-only');
  if (on && flags.value('--init-from') === undefined) throw new Error(`${tag}: --decoder-only fine-tunes the decoder of a trained bundle; give it with --init-from BUNDLE.`);
  return on;
}

/**
 * Under `--decoder-only`: the transformer of `bundle`, kept as it is (the codes it was trained on did not change),
 * checked against the recipe's architecture (`fresh`).
 */
export async function keptTransformer(bundle: string, fresh: Record<string, Float32Array>): Promise<Record<string, Float32Array>> {
  const weights = await initialWeights(bundle, 'transformer.', fresh, () => {});
  starterLog(`gpt: kept from ${bundle} (--decoder-only: the codes it was trained on did not change)`);
  return weights;
}

/**
 * Records a stage as finished with weights taken from elsewhere (`vqganStageFrom`), after checking the
 * architecture is the recipe's: the weights are written as the stage's run checkpoint, so resume and bundling
 * treat it like a trained stage.
 */
export async function adoptVqganStage<S extends object>(book: StageBook<S>, key: StageKey<S>, runName: string, from: string, which: 'first' | 'cond', arch: VqganArchitecture): Promise<Record<string, Float32Array>> {
  const done = await book.finishedWeights(key);
  if (done) return done;
  const got = await vqganStageFrom(resolve(from), which);
  if (JSON.stringify(got.architecture) !== JSON.stringify(arch)) {
    throw new Error(`${got.source}: its ${which} stage has architecture ${JSON.stringify(got.architecture)}, the recipe needs ${JSON.stringify(arch)}; train the stage instead (drop the --${which}-from flag).`);
  }
  const shapes = new Map(vqganParameters(vqganConfigFromArchitecture(arch)).map((p) => [p.name, p.shape]));
  const { run } = await book.startOrResume(key, runName, { kind: 'tessera-starter', stage: key, adoptedFrom: got.source, architecture: arch as unknown as JsonValue }, 0);
  const params: TrainingState['params'] = {};
  for (const [n, shape] of shapes) {
    const d = got.weights[n];
    if (!d) throw new Error(`${got.source}: ${which}-stage weight ${n} is missing.`);
    params[n] = { dtype: 'float32', shape: [...shape], data: d };
  }
  await saveCheckpoint(run.checkpointsDir, { step: 0, params, optimizer: { tensors: {}, meta: { kind: 'adam' } }, rng: new TrainRng(0).state(), data: DataOrder.create(1, 0).state(), extra: { adoptedFrom: got.source } });
  await run.end('finished', `adopted from ${got.source}`);
  await book.complete(key, { step: 0, heldOutBefore: null, heldOutAfter: null }, Date.now());
  book.log(`${key}: adopted from ${got.source}`);
  return got.weights;
}

/** Keys of a state object whose entries are stages. */
export type StageKey<S> = { [K in keyof S]-?: NonNullable<S[K]> extends StageState ? K : never }[keyof S] & string;

/** `[HH:MM:SS] line` on stdout. */
export function starterLog(line: string): void {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
}

/** The float32 parameters of a run's last checkpoint, without the loss's own (`loss.*`); null if it has none. */
export async function checkpointWeights(runDir: string): Promise<{ weights: Record<string, Float32Array>; step: number } | null> {
  const ck = await loadLatestCheckpoint(join(runDir, 'checkpoints'));
  if (!ck) return null;
  const weights: Record<string, Float32Array> = {};
  for (const [n, t] of Object.entries(ck.state.params)) if (t.data instanceof Float32Array && !n.startsWith('loss.')) weights[n] = t.data;
  return { weights, step: ck.state.step };
}

export class StageBook<S extends object> {
  private lastProgress = 0;

  private constructor(readonly work: string, readonly statePath: string, readonly state: S, readonly log: (line: string) => void) {}

  /** Opens (or starts) `<work>/state.json`; run folders go to `<work>/runs`. */
  static async open<S extends object>(work: string, log: (line: string) => void = starterLog): Promise<StageBook<S>> {
    await mkdir(join(work, 'runs'), { recursive: true });
    const statePath = join(work, 'state.json');
    const state = existsSync(statePath) ? (JSON.parse(await readFile(statePath, 'utf8')) as S) : ({} as S);
    return new StageBook(work, statePath, state, log);
  }

  get runsDir(): string {
    return join(this.work, 'runs');
  }

  save(): Promise<void> {
    return writeFile(this.statePath, JSON.stringify(this.state, null, 2) + '\n');
  }

  stage<K extends StageKey<S>>(key: K): StageState | undefined {
    return this.state[key] as StageState | undefined;
  }

  private setStage<K extends StageKey<S>>(key: K, st: StageState): void {
    (this.state as Record<string, unknown>)[key] = st;
  }

  /** Resumes the stage's unfinished run, or creates a new one named `<runName>-<key>` and records it. */
  async startOrResume<K extends StageKey<S>>(key: K, runName: string, config: Record<string, JsonValue>, steps: number): Promise<{ run: Run; resume?: TrainingState }> {
    const st = this.stage(key);
    if (st && !st.done) {
      const r = await resumeRun(st.runDir);
      this.log(`${key}: resuming ${st.runDir} from step ${r.checkpoint?.state.step ?? 0}`);
      return r.checkpoint ? { run: r.run, resume: r.checkpoint.state } : { run: r.run };
    }
    const run = await Run.create(this.runsDir, { name: `${runName}-${key}`, config, totalSteps: steps });
    this.setStage(key, { runDir: run.dir, done: false, heldOutBefore: null, heldOutAfter: null, steps: 0, seconds: 0 });
    await this.save();
    return { run };
  }

  /**
   * Like startOrResume, for stages that can be continued to a larger step count (starter-landscapes-edges): an
   * unfinished run resumes (from its checkpoint, or from the weights of the finished run it continues); a
   * finished stage with fewer than `target` steps goes on in a new run from its weights, recorded in `previous`,
   * with `base` = the steps already trained. The trainer then runs `steps` = target − base more.
   */
  async startContinuable<K extends StageKey<S>>(key: K, runName: string, config: Record<string, JsonValue>, target: number, fresh: () => Record<string, Float32Array>): Promise<{ run: Run; resume?: TrainingState; init: Record<string, Float32Array>; base: number; steps: number }> {
    const st0 = this.stage(key);
    if (st0 && !st0.done) {
      const r = await resumeRun(st0.runDir);
      const prev = st0.previous?.at(-1);
      const init = !r.checkpoint && prev ? (await this.weightsOf(prev)) : fresh();
      this.log(`${key}: resuming ${st0.runDir} from step ${r.checkpoint?.state.step ?? 0}`);
      const base = st0.base ?? 0;
      return { run: r.run, ...(r.checkpoint ? { resume: r.checkpoint.state } : {}), init, base, steps: target - base };
    }
    const base = st0?.done ? st0.steps : 0;
    const init = (st0?.done ? await this.weightsOf(st0.runDir) : null) ?? fresh();
    const steps = target - base;
    const run = await Run.create(this.runsDir, { name: `${runName}-${key}`, totalSteps: steps, config: { ...config, stage: key, steps, startStep: base } });
    this.setStage(key, {
      runDir: run.dir, done: false, base, previous: st0?.done ? [...(st0.previous ?? []), st0.runDir] : [],
      heldOutBefore: st0?.heldOutBefore ?? null, heldOutAfter: null, steps: base, seconds: st0?.seconds ?? 0,
    });
    await this.save();
    return { run, init, base, steps };
  }

  private async weightsOf(runDir: string): Promise<Record<string, Float32Array>> {
    const ck = await checkpointWeights(runDir);
    if (!ck) throw new Error(`${runDir} is recorded as finished but has no readable checkpoint; delete ${this.statePath} to retrain.`);
    return ck.weights;
  }

  /** The weights of a finished stage (its run's last checkpoint); null while it is not finished. */
  async finishedWeights<K extends StageKey<S>>(key: K): Promise<Record<string, Float32Array> | null> {
    const st = this.stage(key);
    return st?.done ? this.weightsOf(st.runDir) : null;
  }

  /** Marks a stage finished with its trainer's result; `startedAt` (ms) adds this invocation's time. */
  async complete<K extends StageKey<S>>(key: K, res: { step: number; heldOutBefore: number | null; heldOutAfter: number | null; usage?: unknown }, startedAt: number): Promise<void> {
    const st = this.stage(key);
    if (!st) throw new Error(`stage ${key} was never started.`);
    Object.assign(st, {
      done: true, steps: res.step, heldOutBefore: st.heldOutBefore ?? res.heldOutBefore, heldOutAfter: res.heldOutAfter,
      ...(res.usage !== undefined ? { usage: res.usage as JsonValue } : {}), seconds: st.seconds + (Date.now() - startedAt) / 1000,
    });
    await this.save();
  }

  /** A trainer progress callback that logs at most every 20 s (and the last step). */
  progress(key: string): (p: TrainProgress) => void {
    return (p) => {
      if (Date.now() - this.lastProgress > 20000 || p.step === p.totalSteps) {
        this.lastProgress = Date.now();
        this.log(`${key} ${formatProgress(p)}`);
      }
    };
  }
}

export interface StarterVqganStage {
  arch: VqganArchitecture;
  steps: number;
  source: ImageSource;
  lr: number;
  batch: number;
  /** Seeds of the initial weights and of the trainer's batches. */
  initSeed: number;
  seed: number;
  compile: CompileOptions;
  /** Recorded in the run's config.json besides the stage, steps, batch, lr and architecture. */
  config: Record<string, JsonValue>;
  /** Sample grids every 250 steps (first stages). */
  samples: boolean;
  perceptual?: (x: Tensor, xrec: Tensor) => Tensor;
  /** Says where the perceptual term comes from (run log). */
  perceptualNote?: string;
  perceptualWeight?: number;
  /** Starting weights (e.g. `initialWeights` of a shipped bundle); default the seeded initialisation. */
  init?: (fresh: Record<string, Float32Array>) => Promise<Record<string, Float32Array>>;
  /**
   * The patch discriminator (taming's recipe): trains from `start − warmup`, its adversarial term enters the
   * generator loss from `start` with the adaptive weight λ·`weight`. Absent: L1 (+ perceptual) only.
   */
  disc?: { config: DiscriminatorConfig; start: number; warmup: number; weight: number };
  /** Train the decoder alone (trainVqgan's `decoderOnly`): the stage's codes stay those of its `init` weights. */
  decoderOnly?: boolean;
}

/** Trains (or resumes, or reads back) one VQGAN stage of a starter: L1 (+ `perceptual`) (+ patch discriminator). */
export async function runVqganStage<S extends object>(book: StageBook<S>, key: StageKey<S>, runName: string, o: StarterVqganStage): Promise<Record<string, Float32Array>> {
  const done = await book.finishedWeights(key);
  if (done) {
    starterLog(`${key}: finished earlier (${book.stage(key)!.runDir})`);
    return done;
  }
  const cfg = vqganConfigFromArchitecture(o.arch);
  const fresh = initParams('vqgan', vqganParameters(cfg), new TrainRng(o.initSeed), { nEmbed: o.arch.n_embed });
  const init = o.init ? await o.init(fresh) : fresh;
  const ts = Date.now();
  const { run, resume } = await book.startOrResume(key, runName, {
    kind: 'tessera-starter', ...o.config, stage: key, steps: o.steps, batch: o.batch, lr: o.lr, architecture: o.arch as unknown as JsonValue,
  }, o.steps);
  const res = await trainVqgan(run, o.source, {
    vqgan: cfg, disc: o.disc?.config ?? null, init, steps: o.steps, batchSize: o.batch, lr: o.lr, warmupSteps: Math.min(100, Math.floor(o.steps / 10)), minLr: o.lr / 10,
    discStart: o.disc?.start ?? o.steps + 1, ...(o.disc ? { discWarmup: o.disc.warmup, discWeight: o.disc.weight } : {}), seed: o.seed, checkpointEvery: Math.max(1, Math.min(100, o.steps)), evalEvery: 0,
    sampleEvery: o.samples ? Math.max(1, Math.min(250, o.steps)) : 0, restartDeadCodes: true, ...(o.decoderOnly ? { decoderOnly: true } : {}), compile: o.compile, ...(o.perceptual ? { perceptual: o.perceptual } : {}),
    ...(o.perceptualNote ? { perceptualNote: o.perceptualNote } : {}), ...(o.perceptualWeight !== undefined ? { perceptualWeight: o.perceptualWeight } : {}),
  }, { onProgress: book.progress(key), ...(resume ? { resume } : {}) });
  if (res.stopped) throw new Error(`${key}: stopped; rerun the command to resume.`);
  await book.complete(key, { step: res.step, heldOutBefore: res.heldOutBefore, heldOutAfter: res.heldOutAfter, usage: res.usage }, ts);
  starterLog(`${key}: held-out L1 ${res.heldOutBefore?.toFixed(4)} -> ${res.heldOutAfter?.toFixed(4)}; usage ${JSON.stringify(res.usage)}`);
  return Object.fromEntries(Object.entries(res.params).filter(([n]) => !n.startsWith('loss.')));
}

/** Session options of a recipe run: its thread count for compiled programs and for model sessions. */
export interface StarterThreads { compile: { intraOpThreads: number }; runtime: { runtime: { intraOpThreads: number } } }

/**
 * Opens a recipe run: its work folder `<cache>/<name>` (`-smoke` for --smoke), the stage book in it, and the thread
 * options; logs where data, runs and the bundle go.
 */
export async function openStarterRun<S extends object>(s: { cache: string; out: string; smoke: boolean; threads: number }, name: string, dataDir: string): Promise<{ work: string; book: StageBook<S> } & StarterThreads> {
  const work = join(s.cache, s.smoke ? `${name}-smoke` : name);
  const book = await StageBook.open<S>(work);
  starterLog(`${name}: data ${dataDir}, runs ${book.runsDir}, out ${s.out}`);
  return { work, book, compile: { intraOpThreads: s.threads }, runtime: { runtime: { intraOpThreads: s.threads } } };
}

/**
 * Writes the finished bundle to `out` (a starter's manifest gets its preset's `sampling`: window stride and temperature), and
 * `<work>/summary.json` (settings, stages, time, weights); logs the result.
 */
export async function writeStarterBundle<S extends object>(book: StageBook<S>, out: string, draft: ManifestDraft, tensors: readonly TensorSource[], settings: object, startedAt: number): Promise<BundleManifest> {
  const preset = (STARTER_PRESETS as Record<string, StarterPreset | undefined>)[draft.name];
  const sampling = preset ? { windowStride: preset.windowStride, ...(preset.temperature !== undefined ? { temperature: preset.temperature } : {}) } : null;
  const m = await writeBundle(out, sampling ? { ...draft, sampling } : draft, tensors);
  await writeFile(join(book.work, 'summary.json'), JSON.stringify({ settings, state: book.state, totalSeconds: (Date.now() - startedAt) / 1000, weights: m.weights }, null, 2) + '\n');
  starterLog(`wrote ${out} (${(m.weights.bytes / 1e6).toFixed(2)} MB, sha256 ${m.weights.sha256}); this invocation took ${((Date.now() - startedAt) / 60000).toFixed(1)} min`);
  return m;
}

/** Runs a recipe's main() when its module is the script node was started with (`import.meta.url`); errors exit 1. */
export function runIfMain(moduleUrl: string, main: () => Promise<void>): void {
  if (!process.argv[1] || resolve(process.argv[1]) !== fileURLToPath(moduleUrl)) return;
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.stack ?? e.message : String(e));
    process.exit(1);
  });
}
