// The only place that imports onnxruntime-node. Sessions are created from ONNX bytes (or a file path for
// models with external data), cached by sha256 of the bytes plus the options, on the requested execution
// provider when this build offers it, else on CPU with the reason recorded.
//
// What this build (onnxruntime-node 1.30) can and cannot keep on the device:
// - CPU: everything is host memory; outputs are copied into fresh buffers unless preallocated outputs
//   are passed (Program.run's `preallocated`), which ORT fills in place.
// - WebGPU (bundled): the only provider with IO binding in the Node binding — `preferredOutputLocation:
//   'gpu-buffer'` keeps outputs as GPU buffers that can be fed back as inputs, so training state can stay
//   on the device between steps (RuntimeOptions.keepOutputsOnDevice).
// - CUDA / TensorRT: listed but not bundled (they need the CUDA provider libraries installed); every
//   input and output crosses host<->device on each run. DirectML (Windows) and CoreML (macOS) likewise.
import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-node';

export type ProviderName = 'cpu' | 'webgpu' | 'cuda' | 'dml' | 'coreml';

export interface RuntimeOptions {
  /** Execution provider; 'auto' tries cuda, dml, coreml, webgpu (those this build lists), then cpu. Default 'cpu'. */
  provider?: ProviderName | 'auto';
  /** Threads inside one op (ORT intraOpNumThreads); default: ORT's choice. */
  intraOpThreads?: number;
  /** Threads across independent ops (ORT interOpNumThreads); default: ORT's choice. */
  interOpThreads?: number;
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /** WebGPU only: outputs stay as GPU buffers ('gpu-buffer'); ignored on other providers. */
  keepOutputsOnDevice?: boolean;
}

export interface SessionHandle {
  session: ort.InferenceSession;
  /** sha256 of the model bytes (or of the file path for path-loaded models). */
  hash: string;
  provider: ProviderName;
  /** Why the requested provider was not used; null when it was. */
  fallbackReason: string | null;
  /** The intra-op threads the session was asked for; null = ORT's choice (every core). */
  intraOpThreads: number | null;
}

const AUTO_ORDER: ProviderName[] = ['cuda', 'dml', 'coreml', 'webgpu'];
const cache = new Map<string, Promise<SessionHandle>>();
const stats = { hits: 0, misses: 0 };

/** Providers this onnxruntime-node build lists (bundled = shipped inside the package). */
export function availableProviders(): { name: string; bundled: boolean }[] {
  return ort.listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled }));
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function sessionOptions(provider: ProviderName, o: RuntimeOptions): ort.InferenceSession.SessionOptions {
  const opts: ort.InferenceSession.SessionOptions = {
    executionProviders: [provider],
    graphOptimizationLevel: o.optimization ?? 'all',
    // Worker threads that spin while waiting burn the cores a desktop app shares with its UI (and,
    // on 2 cores, with each other): measured 1.3–1.6 s → 0.6–1.0 s per 2-thread res-block step.
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
  if (o.intraOpThreads !== undefined) opts.intraOpNumThreads = o.intraOpThreads;
  if (o.interOpThreads !== undefined) opts.interOpNumThreads = o.interOpThreads;
  if (provider === 'webgpu' && o.keepOutputsOnDevice) opts.preferredOutputLocation = 'gpu-buffer';
  return opts;
}

async function open(model: Uint8Array | string, hash: string, o: RuntimeOptions): Promise<SessionHandle> {
  const requested = o.provider ?? 'cpu';
  const listed = new Set(availableProviders().map((b) => b.name));
  const candidates = requested === 'auto' ? AUTO_ORDER.filter((p) => listed.has(p)) : requested === 'cpu' ? [] : [requested];
  const reasons: string[] = [];
  if (requested !== 'auto' && requested !== 'cpu' && !listed.has(requested)) {
    reasons.push(`${requested}: not offered by this onnxruntime-node build (offers ${[...listed].join(', ')})`);
    candidates.length = 0;
  }
  const create = (p: ProviderName): Promise<ort.InferenceSession> =>
    typeof model === 'string' ? ort.InferenceSession.create(model, sessionOptions(p, o)) : ort.InferenceSession.create(model, sessionOptions(p, o));
  const intraOpThreads = o.intraOpThreads ?? null;
  for (const p of candidates) {
    try {
      return { session: await create(p), hash, provider: p, fallbackReason: null, intraOpThreads };
    } catch (e) {
      reasons.push(`${p}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  const session = await create('cpu');
  return { session, hash, provider: 'cpu', fallbackReason: requested === 'cpu' ? null : reasons.join('; ') || `${requested}: no provider available`, intraOpThreads };
}

/**
 * A session for ONNX `bytes` (or an .onnx file path, needed for external data), cached by
 * sha256 + options: asking twice for the same model returns the same session.
 */
export function createSession(model: Uint8Array | { path: string }, opts: RuntimeOptions = {}): Promise<SessionHandle> {
  const hash = model instanceof Uint8Array ? sha256(model) : sha256(new TextEncoder().encode(`path:${model.path}`));
  const o = opts;
  const key = [hash, o.provider ?? 'cpu', o.intraOpThreads ?? '', o.interOpThreads ?? '', o.optimization ?? 'all', o.keepOutputsOnDevice ? 1 : 0].join('|');
  const hit = cache.get(key);
  if (hit) {
    stats.hits++;
    return hit;
  }
  stats.misses++;
  const p = open(model instanceof Uint8Array ? model : model.path, hash, opts);
  cache.set(key, p);
  p.catch(() => cache.delete(key));
  return p;
}

export function sessionCacheStats(): { size: number; hits: number; misses: number } {
  return { size: cache.size, ...stats };
}

/** Dispose every cached session (e.g. when a model is unloaded or in tests). */
export async function releaseSessions(): Promise<void> {
  const all = [...cache.values()];
  cache.clear();
  for (const p of all) {
    try {
      await (await p).session.release();
    } catch {
      // a session that failed to open has nothing to release
    }
  }
}
