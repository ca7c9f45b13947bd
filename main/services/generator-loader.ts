/**
 * How the app gets from a model name or bundle folder to something generate() can run.
 *
 * A loader module (the real one: main/worker/bundle-loader.ts; tests pass their own) exports
 * `loadGenerator(spec)`. It runs inside the worker, which owns every onnxruntime session.
 */
import type { GeneratorModels } from '../../native-models/sampling/generate';

export type Palette = ReadonlyArray<readonly [number, number, number]>;

export interface LoadedGenerator {
  models: GeneratorModels;
  /** Stable model id (bundle name) and the sha256 of its weights. */
  id: string;
  sha256: string;
  name?: string;
  /** onnxruntime execution provider producing the logits (cpu, cuda, dml, coreml). */
  executionProvider: string;
  device?: string;
  /** Semantic models: class colours (index = label id) and names. */
  palette?: Palette;
  classNames?: readonly string[];
  dispose?(): Promise<void> | void;
}

export type GeneratorLoader = (spec: string) => Promise<LoadedGenerator>;

/** The shape of a loader module. */
export interface GeneratorLoaderModule {
  loadGenerator: GeneratorLoader;
}
