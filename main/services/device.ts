// The `device` domain: which onnxruntime execution providers this build offers, whether each works on
// this machine (a self-test compiles and runs a tiny program through native-models/runtime on it), and
// which one generation and training should use (`settings.device.preferred`: 'auto' or a provider
// name). A provider that fails falls back to CPU with the reason, never silently.
//
// Jobs call `resolveProvider(settings.device, await device.status())` (or `device.resolve(settings)`)
// and pass `provider` to native-models/runtime; they record the provider the session really used.

import type { DeviceSettings, Settings } from '../../preload/contract';
import type { DeviceApi, DeviceProvider, DeviceStatus, ProviderSelfTest } from '../../preload/model-manager-types';
import { boolean, object, optional } from './validate';

/** Order 'auto' tries (first whose self-test passes); cpu is always the last resort. */
export const AUTO_ORDER = ['cuda', 'tensorrt', 'dml', 'coreml', 'webgpu'] as const;
const SELF_TEST_TIMEOUT_MS = 20_000;

/** The self-test program's input, weights and expected output: y = relu(x·W + b), [1, 4] × [4, 3]. */
const X = new Float32Array([1, 2, 3, 4]);
const W = new Float32Array([0.5, -1, 0.25, 1, 0, -0.5, -0.25, 1, 0.75, 0.125, -0.5, 1]);
const B = new Float32Array([0.1, -0.2, 0.3]);
function expectedOutput(): number[] {
  return [0, 1, 2].map((j) => Math.max(0, X.reduce((s, x, i) => s + x * (W[i * 3 + j] as number), B[j] as number)));
}

function timeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
    }),
  ]);
}

/** Compiles and runs the tiny program on `provider`; ok only if that provider (not a CPU fallback) ran it and the numbers are right. */
export async function selfTestProvider(provider: string): Promise<ProviderSelfTest> {
  const testedAt = new Date().toISOString();
  const t0 = performance.now();
  try {
    const [{ Graph }, { compile }] = await Promise.all([import('../../native-models/graph/graph'), import('../../native-models/runtime/program')]);
    const g = new Graph();
    const x = g.input('x', 'float32', [1, 4]);
    const w = g.param('w', [4, 3]);
    const b = g.param('b', [3]);
    const y = x.matmul(w).add(b).relu(); // [1, 3]
    const run = async () => {
      const program = await compile(g, { y }, { provider: provider as 'cpu', name: `self-test-${provider}` });
      if (program.provider !== provider) {
        throw new Error(program.fallbackReason ?? `${provider}: the session ran on ${program.provider} instead`);
      }
      const first = await program.run({ x: X, w: W, b: B });
      return { program, first };
    };
    const { program, first } = await timeout(run(), SELF_TEST_TIMEOUT_MS, `the ${provider} self-test`);
    const compileMs = performance.now() - t0;
    const got = Array.from(first.y!.data as Float32Array);
    const want = expectedOutput();
    if (got.length !== want.length || got.some((v, i) => Math.abs(v - (want[i] as number)) > 1e-4)) {
      throw new Error(`${provider} computed [${got.map((v) => v.toFixed(4)).join(', ')}], expected [${want.map((v) => v.toFixed(4)).join(', ')}]`);
    }
    const t1 = performance.now();
    await program.run({ x: X, w: W, b: B });
    return { ok: true, compileMs, runMs: performance.now() - t1, error: null, testedAt };
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
    return { ok: false, compileMs: performance.now() - t0, runMs: null, error: message, testedAt };
  }
}

/**
 * The provider generation and training should ask native-models/runtime for, given the setting and the
 * self-test results: the preferred one when it passed; for 'auto' the first passing one of AUTO_ORDER;
 * otherwise cpu, with the reason the preferred one is not used.
 */
export function resolveProvider(settings: DeviceSettings | Pick<Settings, 'device'>, providers: readonly DeviceProvider[]): { provider: string; fallbackReason: string | null } {
  const preferred = 'device' in settings ? settings.device.preferred : settings.preferred;
  const byName = new Map(providers.map((p) => [p.name, p]));
  if (preferred === 'auto') {
    const pick = AUTO_ORDER.map((n) => byName.get(n)).find((p) => p?.selfTest.ok);
    return { provider: pick?.name ?? 'cpu', fallbackReason: null };
  }
  const p = byName.get(preferred);
  if (!p) {
    return { provider: 'cpu', fallbackReason: `${preferred} is not offered by this build (it offers ${providers.map((q) => q.name).join(', ') || 'nothing'}); using cpu.` };
  }
  if (!p.selfTest.ok) return { provider: 'cpu', fallbackReason: `${preferred} failed its self-test (${p.selfTest.error}); using cpu.` };
  return { provider: preferred, fallbackReason: null };
}

export interface DeviceServiceOptions {
  /** The current settings' device section. */
  settings: () => DeviceSettings;
  /** Providers to list (default: what onnxruntime-node offers) — tests pass a provider this build lacks. */
  listProviders?: () => Promise<{ name: string; bundled: boolean }[]>;
}

export class DeviceService {
  private tested: Promise<DeviceProvider[]> | null = null;

  constructor(private readonly options: DeviceServiceOptions) {}

  private async providers(): Promise<{ name: string; bundled: boolean }[]> {
    if (this.options.listProviders) return this.options.listProviders();
    const runtime = await import('../../native-models/runtime/session');
    return runtime.availableProviders();
  }

  /** Providers with their self-tests (run once, one after the other; `rerun` tests again). */
  async status(rerun = false): Promise<DeviceStatus> {
    if (rerun || !this.tested) {
      this.tested = (async () => {
        const out: DeviceProvider[] = [];
        for (const p of await this.providers()) out.push({ ...p, selfTest: await selfTestProvider(p.name) });
        return out;
      })();
    }
    const providers = await this.tested;
    const settings = this.options.settings();
    return { providers, preferred: settings.preferred, resolved: resolveProvider(settings, providers) };
  }

  /** What a job should use now: `{ provider, fallbackReason }`. */
  async resolve(): Promise<{ provider: string; fallbackReason: string | null }> {
    return (await this.status()).resolved;
  }
}

export const deviceSchemas = {
  list: optional(object({ rerun: optional(boolean()) })),
};

export function createDeviceDomain(service: DeviceService): DeviceApi {
  return { list: async (params) => service.status(params?.rerun ?? false) };
}
