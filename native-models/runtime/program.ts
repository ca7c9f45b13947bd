// Program = an ONNX model + its cached session + the names, dtypes and shapes of its feeds and fetches.
// `compile(graph, outputs)` is the one-call path from a symbolic graph to something you can run.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Graph, Tensor } from '../graph/graph';
import type { DType, TypedArray } from '../graph/dtype';
import { arrayFits, dtypeFromOnnx, dtypeOfArray, sizeOf } from '../graph/dtype';
import { emitModel } from '../onnx/emit';
import type { EmitOptions, IoInfo } from '../onnx/emit';
import { decodeModel, encodeModel, encodeModelChunks } from '../onnx/proto';
import type { ModelProto } from '../onnx/proto';
import { PROTOBUF_LIMIT, saveModel } from '../onnx/external';
import { createSession, sha256 } from './session';
import type { ProviderName, RuntimeOptions, SessionHandle } from './session';

export interface RunOutput { data: TypedArray; dims: number[]; dtype: DType }
/** A feed: a typed array of the input's dtype (shape taken from the program) or an ort.Tensor. */
export type Feed = TypedArray | ort.Tensor;

export class Program {
  constructor(
    readonly handle: SessionHandle,
    readonly inputs: readonly IoInfo[],
    readonly outputs: readonly IoInfo[],
  ) {
    this.inputByName = new Map(inputs.map((i) => [i.name, i]));
    this.outputByName = new Map(outputs.map((o) => [o.name, o]));
  }
  private readonly inputByName: Map<string, IoInfo>;
  private readonly outputByName: Map<string, IoInfo>;

  get provider(): ProviderName { return this.handle.provider; }
  get fallbackReason(): string | null { return this.handle.fallbackReason; }
  get hash(): string { return this.handle.hash; }
  /** The intra-op threads its session was asked for; null = ORT's choice. */
  get intraOpThreads(): number | null { return this.handle.intraOpThreads; }


  /**
   * Run with `feeds` by input name. `fetchNames` limits the outputs (default: all). `preallocated`
   * (output name -> typed array of the output's size) is filled in place instead of fresh buffers.
   * Note: session.run blocks the calling thread for the duration of the computation.
   */
  async run(feeds: Record<string, Feed>, fetchNames?: readonly string[], preallocated?: Record<string, TypedArray>): Promise<Record<string, RunOutput>> {
    const res = await this.runTensors(feeds, fetchNames, preallocated);
    const out: Record<string, RunOutput> = {};
    for (const [name, v] of Object.entries(res)) {
      const pre = preallocated?.[name];
      // ORT wrote into `pre`; hand back that very array rather than the binding's wrapper
      const data = pre ?? (v.location === 'cpu' || v.location === 'cpu-pinned' ? (v.data as TypedArray) : ((await v.getData()) as TypedArray));
      out[name] = { data, dims: [...v.dims], dtype: (this.outputByName.get(name) as IoInfo).dtype };
    }
    return out;
  }

  /**
   * Like run() but returns onnxruntime tensors as they come. With WebGPU and keepOutputsOnDevice they
   * stay GPU buffers ('gpu-buffer') and can be fed straight back (training state that never leaves the device).
   */
  async runTensors(feeds: Record<string, Feed>, fetchNames?: readonly string[], preallocated?: Record<string, TypedArray>): Promise<Record<string, ort.Tensor>> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const io of this.inputs) {
      const f = feeds[io.name];
      if (f === undefined) {
        const missing = this.inputs.filter((i) => feeds[i.name] === undefined).map((i) => i.name);
        throw new Error(`Program.run: missing feeds ${missing.join(', ')} (expects ${this.inputs.map((i) => i.name).join(', ')})`);
      }
      ortFeeds[io.name] = f instanceof ort.Tensor ? f : toOrt(f as TypedArray, io, 'feed');
    }
    for (const name of Object.keys(feeds)) {
      if (!this.inputByName.has(name)) throw new Error(`Program.run: "${name}" is not an input of this program (inputs: ${this.inputs.map((i) => i.name).join(', ')})`);
    }
    const names = fetchNames ?? this.outputs.map((o) => o.name);
    const fetches: Record<string, ort.Tensor | null> = {};
    for (const name of names) {
      const io = this.outputByName.get(name);
      if (!io) throw new Error(`Program.run: "${name}" is not an output of this program (outputs: ${this.outputs.map((o) => o.name).join(', ')})`);
      const pre = preallocated?.[name];
      fetches[name] = pre ? toOrt(pre, io, 'preallocated output') : null;
    }
    const res = await this.handle.session.run(ortFeeds, fetches);
    return Object.fromEntries(names.map((n) => [n, res[n] as ort.Tensor]));
  }
}

function toOrt(data: TypedArray, io: IoInfo, what: string): ort.Tensor {
  const dt = dtypeOfArray(data);
  if (!arrayFits(data, io.dtype)) {
    throw new Error(`Program.run: ${what} "${io.name}" is a ${data.constructor.name} (${dt}); it needs ${io.dtype}`);
  }
  if (data.length !== sizeOf(io.shape)) {
    throw new Error(`Program.run: ${what} "${io.name}" has ${data.length} values; shape [${io.shape.join(', ')}] needs ${sizeOf(io.shape)}`);
  }
  return new ort.Tensor(io.dtype, data as ort.Tensor.DataType, io.shape);
}

const ioOf = (v: { name: string; elemType: number; shape: number[] }): IoInfo => ({ name: v.name, dtype: dtypeFromOnnx(v.elemType), shape: v.shape });

export interface ModelLoadOptions extends RuntimeOptions {
  /** Initializer bytes above which the model goes through files with external data (default: just under 2 GiB). */
  externalDataAbove?: number;
}

/** A Program from a ModelProto; models too big for one protobuf go through a temp file + external data. */
export async function programFromModel(model: ModelProto, opts: ModelLoadOptions = {}): Promise<Program> {
  const io = { inputs: model.graph.inputs.map(ioOf), outputs: model.graph.outputs.map(ioOf) };
  const total = model.graph.initializers.reduce((n, t) => n + (t.raw?.length ?? 0), 0);
  const { externalDataAbove = PROTOBUF_LIMIT - (64 << 20), ...runtime } = opts;
  if (total > externalDataAbove) {
    // too big for one protobuf: model.onnx + model.onnx.data in a temp folder named by content hash,
    // so reloading the same model reuses the files instead of writing gigabytes again
    const h = createHash('sha256');
    for (const chunk of encodeModelChunks(model)) h.update(chunk);
    const dir = join(tmpdir(), 'tessera-onnx', h.digest('hex').slice(0, 32));
    const path = join(dir, 'model.onnx');
    if (!existsSync(path)) {
      mkdirSync(dir, { recursive: true });
      saveModel(`${path}.tmp`, model, { external: true, location: 'model.onnx.data' });
      renameSync(`${path}.tmp`, path);
    }
    return new Program(await createSession({ path }, runtime), io.inputs, io.outputs);
  }
  const bytes = encodeModel(model);
  return new Program(await createSession(bytes, runtime), io.inputs, io.outputs);
}

/** A Program from ONNX bytes (its inputs and outputs are read from the bytes). */
export async function programFromBytes(bytes: Uint8Array, opts: RuntimeOptions = {}): Promise<Program> {
  const m = decodeModel(bytes);
  return new Program(await createSession(bytes, opts), m.graph.inputs.map(ioOf), m.graph.outputs.map(ioOf));
}

export type CompileOptions = ModelLoadOptions & EmitOptions;

/** Emit the part of `graph` that computes `outputs` (name -> tensor; default graph.outputs), open a session, wrap it. */
export async function compile(graph: Graph, outputs: Record<string, Tensor> = graph.outputs, opts: CompileOptions = {}): Promise<Program> {
  const { weights, keepUnusedInputs, name, ...load } = opts;
  const { model } = emitModel(graph, outputs, { weights, keepUnusedInputs, name });
  return programFromModel(model, load);
}

export { sha256 };
