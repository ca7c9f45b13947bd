/**
 * TEST loader module for the generation worker: model specs name the test models of
 * tests/native-models/sampling/test-generator.ts ("test:sos", "test:class", "test:semantic", "test:pose",
 * "test:slow-sos" with 20 ms per model call, "test:crash" which kills the worker thread).
 */
import type { LoadedGenerator } from '../../../main/generation/generator-loader';
import { testGenerator } from '../../native-models/sampling/test-generator';

export async function loadGenerator(spec: string, options: { provider?: string } = {}): Promise<LoadedGenerator> {
  if (spec === 'test:crash') process.exit(3);
  const m = /^test:(slow-)?(sos|class|semantic|pose)$/.exec(spec);
  if (!m) throw new Error(`Unknown model ${spec}: no such bundle.`);
  return {
    models: testGenerator(m[2] as 'sos' | 'class' | 'semantic' | 'pose', { delayMs: m[1] ? 20 : 0 }),
    id: spec,
    sha256: 'ef'.repeat(32),
    executionProvider: options.provider ?? 'cpu', // the provider the job resolved (the test models run in plain JS)
    palette: [[0, 0, 0], [255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]],
  };
}
