/**
 * How the app gets from a model name or bundle folder to something generate() can run.
 *
 * A loader module (the real one: main/generation/bundle-loader.ts; tests pass their own) exports
 * `loadGenerator(spec)`. It runs inside the worker, which owns every onnxruntime session.
 */
import type { BundleGenerator } from '../../native-models/sampling/bundle-generator';

export type Palette = ReadonlyArray<readonly [number, number, number]>;

/** What a loader returns: the bundle generator native-models builds (one definition for both layers). */
export type LoadedGenerator = BundleGenerator;

/** `options.provider`: the onnxruntime execution provider to load the programs on (the job's resolved device). */
export type GeneratorLoader = (spec: string, options?: { provider?: string; gptWeights?: 'float32' | 'int8' }) => Promise<LoadedGenerator>;

/** The shape of a loader module. */
export interface GeneratorLoaderModule {
  loadGenerator: GeneratorLoader;
}
