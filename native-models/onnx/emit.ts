// Graph -> ONNX ModelProto. Only the nodes the requested outputs need are emitted, in creation order
// (which is topological). Inputs and params become graph inputs unless baked in as initializers
// (`weights`, e.g. for inference programs, so ORT can pre-pack them); constants become initializers.
import type { Graph, Node, Tensor } from '../graph/graph';
import { OPS, ONNX_OPSET } from '../graph/ops';
import type { Emitter } from '../graph/ops';
import type { DType, TypedArray } from '../graph/dtype';
import { ONNX_DTYPE, arrayFits, dtypeOfArray, fromNumbers, toHalfBits, sizeOf } from '../graph/dtype';
import type { AttrValue, ModelProto, NodeProto, TensorProto, ValueInfo } from './proto';

export const IR_VERSION = 8;

export interface IoInfo { name: string; dtype: DType; shape: number[] }

export interface EmitOptions {
  /** Values for params or inputs to bake into the model as initializers (by name). */
  weights?: Record<string, TypedArray>;
  /** Keep graph inputs/params that the outputs do not use (default: drop them). */
  keepUnusedInputs?: boolean;
  name?: string;
}

export interface EmittedModel {
  model: ModelProto;
  /** Feeds the program expects, in order. */
  inputs: IoInfo[];
  outputs: IoInfo[];
}

export function tensorBytes(data: TypedArray): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function initializer(name: string, dtype: DType, shape: readonly number[], data: TypedArray): TensorProto {
  return { name, dims: [...shape], dataType: ONNX_DTYPE[dtype], raw: tensorBytes(data) };
}

/** Build the ModelProto computing `outputs` (name -> tensor) from `graph`. */
export function emitModel(graph: Graph, outputs: Record<string, Tensor>, opts: EmitOptions = {}): EmittedModel {
  const outEntries = Object.entries(outputs);
  if (outEntries.length === 0) throw new Error('emitModel: no outputs requested');
  // 1. which nodes and leaves the outputs need
  const needed = new Set<number>();
  const leaves = new Map<number, Tensor>();
  const stack: Tensor[] = outEntries.map(([, t]) => t);
  while (stack.length) {
    const t = stack.pop() as Tensor;
    if (t.graph !== graph) throw new Error(`emitModel: output tensor ${t.name} belongs to another graph`);
    if (!t.producer) { leaves.set(t.id, t); continue; }
    if (needed.has(t.producer.id)) continue;
    needed.add(t.producer.id);
    stack.push(...t.producer.inputs);
  }
  // 2. value names: op results take the output name they are first requested under
  const names = new Map<number, string>();
  const renames: [string, string][] = []; // Identity from -> to
  const declared = new Set([...graph.inputs, ...graph.params].map((t) => t.name));
  for (const [name, t] of outEntries) {
    if (declared.has(name)) throw new Error(`emitModel: output name "${name}" is already an input or param name`);
    if (/^v\d+$|^c\d+$/.test(name)) throw new Error(`emitModel: output name "${name}" is reserved (v<n>, c<n> are internal)`);
    if (t.kind === 'op' && !names.has(t.id)) names.set(t.id, name);
    else renames.push([names.get(t.id) ?? t.name, name]);
  }
  const nameOf = (t: Tensor): string => names.get(t.id) ?? t.name;

  const initializers: TensorProto[] = [];
  const nodes: NodeProto[] = [];
  const constCache = new Map<string, string>();
  let nextConst = 0;
  const domains = new Set<string>(); // operator domains besides ONNX's own (com.microsoft for MatMulNBits)
  const constant = (key: string, dtype: DType, shape: number[], data: TypedArray): string => {
    let n = constCache.get(key);
    if (!n) {
      n = `c${nextConst++}`;
      constCache.set(key, n);
      initializers.push(initializer(n, dtype, shape, data));
    }
    return n;
  };
  const e: Emitter = {
    inputs: (node: Node) => node.inputs.map(nameOf),
    outputs: (node: Node) => node.outputs.map(nameOf),
    int64s: (values) => constant(`i64:${values.join(',')}`, 'int64', [values.length], fromNumbers('int64', values)),
    scalar: (value, dtype) => constant(`${dtype}:${value}`, dtype, [], dtype === 'float16' ? new Uint16Array([toHalfBits(value)]) : fromNumbers(dtype, [value])),
    node: (opType, inputs, outs, attrs: Record<string, AttrValue> = {}, domain = '') => {
      if (domain) domains.add(domain);
      nodes.push({ opType, inputs: [...inputs], outputs: [...outs], name: `${opType}_${nodes.length}`, domain, attrs });
    },
  };

  // 3. leaves: inputs/params (fed or baked), constants
  const inputs: IoInfo[] = [];
  const weights = opts.weights ?? {};
  const leafList = opts.keepUnusedInputs
    ? [...new Map([...leaves, ...[...graph.inputs, ...graph.params].map((t) => [t.id, t] as const)]).values()]
    : [...leaves.values()];
  leafList.sort((a, b) => a.id - b.id);
  for (const t of leafList) {
    if (t.kind === 'const') {
      initializers.push(initializer(t.name, t.dtype, t.shape, t.data as TypedArray));
    } else if (weights[t.name]) {
      const w = weights[t.name] as TypedArray;
      if (w.length !== sizeOf(t.shape) || !arrayFits(w, t.dtype)) {
        throw new Error(`emitModel: weight "${t.name}" has ${w.length} ${dtypeOfArray(w)} values, the graph wants ${t.dtype} [${t.shape.join(', ')}]`);
      }
      initializers.push(initializer(t.name, t.dtype, t.shape, w));
    } else {
      inputs.push({ name: t.name, dtype: t.dtype, shape: [...t.shape] });
    }
  }
  // 4. nodes, in creation (= topological) order
  for (const node of graph.nodes) {
    if (!needed.has(node.id)) continue;
    const def = OPS[node.op];
    if (def.emit) (def.emit as (n: Node, em: Emitter) => void)(node, e);
    else e.node(node.op, e.inputs(node), e.outputs(node));
  }
  for (const [from, to] of renames) e.node('Identity', [from], [to]);

  const outInfos: IoInfo[] = outEntries.map(([name, t]) => ({ name, dtype: t.dtype, shape: [...t.shape] }));
  const vi = (io: IoInfo): ValueInfo => ({ name: io.name, elemType: ONNX_DTYPE[io.dtype], shape: io.shape });
  const model: ModelProto = {
    irVersion: IR_VERSION,
    opsets: [{ domain: '', version: ONNX_OPSET }, ...[...domains].map((domain) => ({ domain, version: 1 }))],
    producerName: 'tessera-native-models',
    producerVersion: '1',
    graph: { name: opts.name ?? 'tessera', nodes, initializers, inputs: inputs.map(vi), outputs: outInfos.map(vi) },
  };
  return { model, inputs, outputs: outInfos };
}
