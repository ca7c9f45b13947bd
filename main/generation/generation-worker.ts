/**
 * The engine worker (worker_threads under Node; the same module runs in Electron's utilityProcess through a thin
 * adapter): owns the loaded models and onnxruntime sessions and runs one generation job at a time, so the UI
 * thread never blocks. Progress is throttled to ~10 messages a second (every preview is sent); cancellation
 * aborts the running job within one token step, or drops a queued one.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { generate, toRgbBytes } from '../../native-models/sampling/generate';
import type { GeneratorLoaderModule, LoadedGenerator } from './generator-loader';
import { resolveJobRequest } from './generation-request';
import { encodePng } from '../gallery/png-record';
import type { FromWorker, ToWorker, WorkerData } from './generation-protocol';
import type { GenerateJobRequest } from '../../preload/contract';

const port = parentPort;
if (!port) throw new Error('generation-worker must run in a worker thread.');
const { loaderModule } = workerData as WorkerData;
const loaderPromise = import(loaderModule) as Promise<GeneratorLoaderModule>;

const post = (m: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
const controllers = new Map<string, AbortController>();
let loaded: { spec: string; provider: string; gptWeights: GptWeights; gen: LoadedGenerator } | null = null;
let queue: Promise<void> = Promise.resolve();

type GptWeights = NonNullable<GenerateJobRequest['gptWeights']>;

/** The loaded model for a job; a job with another model, provider or weight precision loads anew. */
async function modelFor(spec: string, provider: string, gptWeights: GptWeights): Promise<LoadedGenerator> {
  if (loaded?.spec === spec && loaded.provider === provider && loaded.gptWeights === gptWeights) return loaded.gen;
  if (loaded) await loaded.gen.dispose?.();
  loaded = null;
  const gen = await (await loaderPromise).loadGenerator(spec, { provider, ...(gptWeights === 'int8' ? { gptWeights } : {}) });
  loaded = { spec, provider, gptWeights, gen };
  return gen;
}

async function run(jobId: string, request: Extract<ToWorker, { type: 'generate' }>['request'], provider: string): Promise<void> {
  const controller = controllers.get(jobId);
  if (!controller) return;
  try {
    controller.signal.throwIfAborted();
    const gptWeights = request.gptWeights ?? 'float32';
    const gen = await modelFor(request.model, provider, gptWeights);
    controller.signal.throwIfAborted();
    const req = resolveJobRequest(request, gen);
    let lastPost = 0;
    const result = await generate(gen.models, req, {
      signal: controller.signal,
      onProgress: (p) => {
        const now = performance.now();
        if (!p.preview && p.done !== p.total && now - lastPost < 100) return;
        lastPost = now;
        const previews = p.preview
          ? Array.from({ length: req.n }, (_, k) => {
              const rgb = toRgbBytes(p.preview!.images, k, p.preview!.width, p.preview!.height);
              return new Uint8Array(encodePng({ width: p.preview!.width, height: p.preview!.height, channels: 3, data: rgb }));
            })
          : undefined;
        post({ type: 'progress', jobId, done: p.done, total: p.total, elapsedMs: p.elapsedMs, etaMs: p.etaMs, previews });
      },
    });
    // What the sessions actually ran on: the session layer falls back to CPU (with a reason) when the
    // requested provider cannot load, and the record must say what produced the logits.
    const used = gen.sessionProvider?.() ?? null;
    post(
      {
        type: 'result',
        jobId,
        result: {
          images: result.images,
          width: result.width,
          height: result.height,
          grid: result.grid,
          tokens: result.tokens,
          seeds: result.seeds,
          windowStride: result.windowStride,
          timings: result.timings,
          resolved: { mode: req.mode, sampler: req.sampler, classIndex: req.classIndex, seed: req.seed, n: req.n },
          model: {
            id: gen.id, sha256: gen.sha256, name: gen.name,
            executionProvider: used?.provider ?? gen.executionProvider,
            device: used ? used.device : gen.device,
            ...(used?.fallbackReason ? { providerFallback: used.fallbackReason } : {}),
            classNames: gen.classNames ? [...gen.classNames] : undefined,
            ...(gptWeights === 'int8' ? { gptWeights } : {}),
          },
        },
      },
      result.images.map((im) => im.buffer as ArrayBuffer),
    );
  } catch (e) {
    post({ type: 'failed', jobId, cancelled: controller.signal.aborted, message: controller.signal.aborted ? 'Cancelled.' : (e as Error).message });
  } finally {
    controllers.delete(jobId);
  }
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'generate') {
    controllers.set(m.jobId, new AbortController());
    queue = queue.then(() => run(m.jobId, m.request, m.provider ?? 'cpu'));
  } else if (m.type === 'cancel') {
    controllers.get(m.jobId)?.abort();
  }
});
post({ type: 'ready' });
