// The symbolic graph: `Tensor` is the user handle (static shape + dtype), `Node` the IR record, `Graph`
// the builder that owns both. Every op goes through `Graph.apply`, which looks the op up in the one table
// (ops.ts), runs its shape rule and names the op and input shapes in any error.
import { OPS } from './ops';
import type { OpAttrs, OpType, TensorType } from './ops';
import { fromNumbers, isFloat, sizeOf, toHalfBits, dtypeOfArray } from './dtype';
import type { DType, TypedArray } from './dtype';
import { broadcastShapes, normAxes, normAxis, formatShape } from './shape';

export type TensorKind = 'input' | 'param' | 'const' | 'op';

/** One applied op. `inputs` and `outputs` are graph tensors; attrs are static and normalized. */
export interface Node<K extends OpType = OpType> {
  readonly id: number;
  readonly op: K;
  readonly inputs: readonly Tensor[];
  readonly attrs: OpAttrs[K];
  readonly outputs: readonly Tensor[];
}

export interface ConvOptions {
  /** one number for both axes or [sh, sw]; default 1 */
  stride?: number | readonly [number, number];
  /** one number, [ph, pw] (symmetric) or ONNX order [top, left, bottom, right]; default 0 */
  padding?: number | readonly [number, number] | readonly [number, number, number, number];
  dilation?: number | readonly [number, number];
  groups?: number;
  /** ConvTranspose only: extra rows/cols at the bottom/right; default 0 */
  outputPadding?: number | readonly [number, number];
}

export interface PoolOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number] | readonly [number, number, number, number];
  /** count zero padding in the mean (ONNX count_include_pad); default false */
  countIncludePad?: boolean;
}

/** Thrown for build-time errors: bad shapes, dtypes, names. The message names the op and the shapes. */
export class GraphError extends Error {
  override name = 'GraphError';
}

const pair = (v: number | readonly number[] | undefined, dflt: number): [number, number] =>
  v === undefined ? [dflt, dflt] : typeof v === 'number' ? [v, v] : [v[0] as number, v[1] as number];

function pads4(v: ConvOptions['padding']): [number, number, number, number] {
  if (v === undefined) return [0, 0, 0, 0];
  if (typeof v === 'number') return [v, v, v, v];
  if (v.length === 2) return [v[0], v[1], v[0], v[1]];
  return [v[0], v[1], v[2], v[3]] as [number, number, number, number];
}

export class Tensor {
  constructor(
    readonly graph: Graph,
    readonly id: number,
    readonly shape: readonly number[],
    readonly dtype: DType,
    readonly kind: TensorKind,
    /** ONNX value name: the given name for inputs and params, `v<id>` otherwise. */
    readonly name: string,
    readonly producer: Node | null,
    readonly outputIndex: number,
    /** Constant payload (kind 'const' only). */
    readonly data: TypedArray | null,
  ) {}

  get rank(): number { return this.shape.length; }
  get size(): number { return sizeOf(this.shape); }
  toString(): string { return `${this.name}${formatShape(this.shape)} ${this.dtype}`; }

  private lift(o: Tensor | number): Tensor { return typeof o === 'number' ? this.graph.scalar(o, this.dtype) : o; }
  private op<K extends OpType>(op: K, inputs: readonly Tensor[], attrs: OpAttrs[K]): Tensor {
    return this.graph.apply(op, inputs, attrs)[0] as Tensor;
  }

  // elementwise, numpy broadcasting
  add(o: Tensor | number): Tensor { return this.op('Add', [this, this.lift(o)], {}); }
  sub(o: Tensor | number): Tensor { return this.op('Sub', [this, this.lift(o)], {}); }
  mul(o: Tensor | number): Tensor { return this.op('Mul', [this, this.lift(o)], {}); }
  div(o: Tensor | number): Tensor { return this.op('Div', [this, this.lift(o)], {}); }
  pow(o: Tensor | number): Tensor { return this.op('Pow', [this, this.lift(o)], {}); }
  maximum(o: Tensor | number): Tensor { return this.op('Max', [this, this.lift(o)], {}); }
  minimum(o: Tensor | number): Tensor { return this.op('Min', [this, this.lift(o)], {}); }
  equal(o: Tensor | number): Tensor { return this.op('Equal', [this, this.lift(o)], {}); }
  less(o: Tensor | number): Tensor { return this.op('Less', [this, this.lift(o)], {}); }
  greater(o: Tensor | number): Tensor { return this.op('Greater', [this, this.lift(o)], {}); }
  lessOrEqual(o: Tensor | number): Tensor { return this.op('LessOrEqual', [this, this.lift(o)], {}); }
  greaterOrEqual(o: Tensor | number): Tensor { return this.op('GreaterOrEqual', [this, this.lift(o)], {}); }
  /** `this` is the bool condition: where(this, a, b). */
  where(a: Tensor | number, b: Tensor | number): Tensor {
    const ta = typeof a === 'number' ? (typeof b === 'number' ? this.graph.scalar(a, 'float32') : this.graph.scalar(a, b.dtype)) : a;
    const tb = typeof b === 'number' ? this.graph.scalar(b, ta.dtype) : b;
    return this.op('Where', [this, ta, tb], {});
  }
  neg(): Tensor { return this.op('Neg', [this], {}); }
  sqrt(): Tensor { return this.op('Sqrt', [this], {}); }
  exp(): Tensor { return this.op('Exp', [this], {}); }
  log(): Tensor { return this.op('Log', [this], {}); }
  abs(): Tensor { return this.op('Abs', [this], {}); }
  sign(): Tensor { return this.op('Sign', [this], {}); }
  tanh(): Tensor { return this.op('Tanh', [this], {}); }
  sigmoid(): Tensor { return this.op('Sigmoid', [this], {}); }
  erf(): Tensor { return this.op('Erf', [this], {}); }
  relu(): Tensor { return this.op('Relu', [this], {}); }
  leakyRelu(alpha = 0.01): Tensor { return this.op('LeakyRelu', [this], { alpha }); }
  not(): Tensor { return this.op('Not', [this], {}); }
  cast(to: DType): Tensor { return to === this.dtype ? this : this.op('Cast', [this], { to }); }
  identity(): Tensor { return this.op('Identity', [this], {}); }
  /** Forward identity; no gradient flows back through it (emitted as ONNX Identity). */
  stopGradient(): Tensor { return this.op('StopGradient', [this], {}); }

  /** Batched matmul [..., M, K] x [..., K, N] -> [..., M, N]; batch dims broadcast; both ranks >= 2. */
  matmul(o: Tensor): Tensor { return this.op('MatMul', [this, o], {}); }

  // movement
  /** New shape; one entry may be -1. */
  reshape(shape: readonly number[]): Tensor {
    const known = shape.filter((d) => d !== -1);
    const inferred = shape.length - known.length;
    if (inferred > 1) throw new GraphError(`Reshape: at most one -1 allowed in ${formatShape(shape)}`);
    const full = shape.map((d) => (d === -1 ? this.size / Math.max(1, sizeOf(known)) : d));
    if (full.some((d) => !Number.isInteger(d))) {
      throw new GraphError(`Reshape: cannot reshape ${formatShape(this.shape)} (${this.size} elements) to ${formatShape(shape)}`);
    }
    if (full.every((d, i) => d === this.shape[i]) && full.length === this.rank) return this;
    return this.op('Reshape', [this], { shape: full });
  }
  unsqueeze(axis: number): Tensor {
    const a = axis < 0 ? axis + this.rank + 1 : axis;
    return this.reshape([...this.shape.slice(0, a), 1, ...this.shape.slice(a)]);
  }
  squeeze(axis: number): Tensor {
    const a = normAxis(axis, this.rank, 'Squeeze');
    if (this.shape[a] !== 1) throw new GraphError(`Squeeze: axis ${axis} of ${formatShape(this.shape)} is not 1`);
    return this.reshape(this.shape.filter((_, i) => i !== a));
  }
  /** Permutation of the axes; default reverses them. */
  transpose(perm?: readonly number[]): Tensor {
    const p = perm ? perm.map((a) => normAxis(a, this.rank, 'Transpose')) : this.shape.map((_, i) => this.rank - 1 - i);
    if (p.every((a, i) => a === i)) return this;
    return this.op('Transpose', [this], { perm: p });
  }
  /** Swap two axes (e.g. the last two: swapAxes(-1, -2)). */
  swapAxes(a: number, b: number): Tensor {
    const p = this.shape.map((_, i) => i);
    const x = normAxis(a, this.rank, 'Transpose'), y = normAxis(b, this.rank, 'Transpose');
    [p[x], p[y]] = [p[y] as number, p[x] as number];
    return this.transpose(p);
  }
  /** Numpy broadcast of this to `shape` (ONNX Expand). */
  expand(shape: readonly number[]): Tensor {
    const out = broadcastShapes(this.shape, shape, 'Expand');
    if (out.length === this.rank && out.every((d, i) => d === this.shape[i])) return this;
    return this.op('Expand', [this], { shape: out });
  }
  /** ONNX-style slice: negative indices count from the end, ends are clamped, steps > 0. */
  slice(starts: readonly number[], ends: readonly number[], axes?: readonly number[], steps?: readonly number[]): Tensor {
    const ax = axes ? axes.map((a) => normAxis(a, this.rank, 'Slice')) : starts.map((_, i) => i);
    const st = steps ?? ax.map(() => 1);
    const s: number[] = [], e: number[] = [];
    ax.forEach((a, i) => {
      const dim = this.shape[a] as number;
      if ((st[i] as number) <= 0) throw new GraphError(`Slice: only positive steps are supported (got ${st[i]})`);
      const clamp = (v: number): number => Math.min(dim, Math.max(0, v < 0 ? v + dim : v));
      s.push(clamp(starts[i] as number));
      e.push(Math.max(clamp(starts[i] as number), clamp(ends[i] as number)));
    });
    return this.op('Slice', [this], { starts: s, ends: e, axes: ax, steps: [...st] });
  }
  /** Constant padding; `pads` in ONNX order [x1_begin, x2_begin, ..., x1_end, x2_end, ...]. */
  pad(pads: readonly number[], value = 0): Tensor {
    if (pads.every((p) => p === 0)) return this;
    return this.op('Pad', [this], { pads: [...pads], value });
  }
  split(sizes: readonly number[], axis = 0): Tensor[] {
    return this.graph.apply('Split', [this], { axis: normAxis(axis, this.rank, 'Split'), sizes: [...sizes] });
  }

  // reductions: axes default to all
  sum(axes?: number | readonly number[], keepdims = false): Tensor { return this.reduce('ReduceSum', axes, keepdims); }
  mean(axes?: number | readonly number[], keepdims = false): Tensor { return this.reduce('ReduceMean', axes, keepdims); }
  amax(axes?: number | readonly number[], keepdims = false): Tensor { return this.reduce('ReduceMax', axes, keepdims); }
  private reduce(op: 'ReduceSum' | 'ReduceMean' | 'ReduceMax', axes: number | readonly number[] | undefined, keepdims: boolean): Tensor {
    const ax = axes === undefined ? this.shape.map((_, i) => i) : normAxes(typeof axes === 'number' ? [axes] : axes, this.rank, op);
    return this.op(op, [this], { axes: ax, keepdims });
  }
  argmax(axis = -1, keepdims = false): Tensor { return this.op('ArgMax', [this], { axis: normAxis(axis, this.rank, 'ArgMax'), keepdims }); }
  argmin(axis = -1, keepdims = false): Tensor { return this.op('ArgMin', [this], { axis: normAxis(axis, this.rank, 'ArgMin'), keepdims }); }
  softmax(axis = -1): Tensor { return this.op('Softmax', [this], { axis: normAxis(axis, this.rank, 'Softmax') }); }
  logSoftmax(axis = -1): Tensor { return this.op('LogSoftmax', [this], { axis: normAxis(axis, this.rank, 'LogSoftmax') }); }

  // indexing
  /** ONNX Gather: out = data[:axis] + indices.shape + data[axis+1:]. */
  gather(indices: Tensor, axis = 0): Tensor { return this.op('Gather', [this, indices], { axis: normAxis(axis, this.rank, 'Gather') }); }
  gatherElements(indices: Tensor, axis: number): Tensor {
    return this.op('GatherElements', [this, indices], { axis: normAxis(axis, this.rank, 'GatherElements') });
  }
  scatterND(indices: Tensor, updates: Tensor, reduction: 'none' | 'add' = 'none'): Tensor {
    return this.op('ScatterND', [this, indices, updates], { reduction });
  }
  scatterElements(indices: Tensor, updates: Tensor, axis: number, reduction: 'none' | 'add' = 'none'): Tensor {
    return this.op('ScatterElements', [this, indices, updates], { axis: normAxis(axis, this.rank, 'ScatterElements'), reduction });
  }
  /** Keep the upper (or lower) triangle of the last two dims, diagonal offset k (ONNX Trilu). */
  trilu(upper: boolean, k = 0): Tensor { return this.op('Trilu', [this], { upper, k }); }

  // convolution, NCHW
  /** 2-D convolution: this [N, C, H, W], w [M, C/groups, kh, kw], b [M]. */
  conv(w: Tensor, b?: Tensor | null, o: ConvOptions = {}): Tensor {
    return this.op('Conv', b ? [this, w, b] : [this, w], {
      strides: pair(o.stride, 1), pads: pads4(o.padding), dilations: pair(o.dilation, 1), group: o.groups ?? 1,
    });
  }
  /** 2-D transposed convolution: this [N, C, H, W], w [C, M/groups, kh, kw], b [M]. */
  convTranspose(w: Tensor, b?: Tensor | null, o: ConvOptions = {}): Tensor {
    return this.op('ConvTranspose', b ? [this, w, b] : [this, w], {
      strides: pair(o.stride, 1), pads: pads4(o.padding), dilations: pair(o.dilation, 1), group: o.groups ?? 1,
      outputPadding: pair(o.outputPadding, 0),
    });
  }
  avgPool(kernel: number | readonly [number, number], o: PoolOptions = {}): Tensor {
    const k = pair(kernel, 1);
    return this.op('AveragePool', [this], {
      kernel: k, strides: o.stride === undefined ? k : pair(o.stride, 1), pads: pads4(o.padding), countIncludePad: o.countIncludePad ?? false,
    });
  }
}

/** Concatenate along `axis`. */
export function concat(tensors: readonly Tensor[], axis: number): Tensor {
  const first = tensors[0];
  if (!first) throw new GraphError('Concat: needs at least one tensor');
  if (tensors.length === 1) return first;
  return first.graph.apply('Concat', tensors, { axis: normAxis(axis, first.rank, 'Concat') })[0] as Tensor;
}

/** where(cond, a, b) with numpy broadcasting. */
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  return cond.where(a, b);
}

/** Dotted parameter paths: `g.scope('encoder').child('down').child(0).param('weight', [..])`. */
export class Scope {
  constructor(readonly graph: Graph, readonly prefix: string) {}
  child(name: string | number): Scope { return new Scope(this.graph, this.path(String(name))); }
  path(name: string): string { return this.prefix ? `${this.prefix}.${name}` : name; }
  param(name: string, shape: readonly number[], dtype: DType = 'float32'): Tensor { return this.graph.param(this.path(name), shape, dtype); }
}

export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs: Tensor[] = [];
  readonly params: Tensor[] = [];
  /** Named outputs registered with output(); compile(graph) uses them when no outputs are passed. */
  readonly outputs: Record<string, Tensor> = {};
  /**
   * How nn/linear reads the weights of this graph's linear layers: float32 `weight` [out, in] (default), or 'int8'
   * blockwise-quantised `weight_q8` + `weight_scales` (models/int8-weights.ts) through MatMulNBits (inference only).
   */
  linearWeights: 'float32' | 'int8' = 'float32';
  private readonly byName = new Map<string, Tensor>();
  private readonly scalars = new Map<string, Tensor>();
  private nextId = 0;

  /** A named graph input (a feed). */
  input(name: string, dtype: DType, shape: readonly number[]): Tensor {
    const t = this.named(name, dtype, shape, 'input');
    this.inputs.push(t);
    return t;
  }
  /** A named parameter: an ONNX graph input whose name is the state_dict key. */
  param(name: string, shape: readonly number[], dtype: DType = 'float32'): Tensor {
    const t = this.named(name, dtype, shape, 'param');
    this.params.push(t);
    return t;
  }
  scope(prefix = ''): Scope { return new Scope(this, prefix); }
  /** Register a named output. */
  output(name: string, t: Tensor): Tensor {
    if (this.outputs[name]) throw new GraphError(`output name "${name}" is already used in this graph`);
    if (t.graph !== this) throw new GraphError(`output "${name}": tensor ${t.name} belongs to another graph`);
    this.outputs[name] = t;
    return t;
  }
  /** Look up an input or parameter by name. */
  get(name: string): Tensor | undefined { return this.byName.get(name); }

  /** A constant from a typed array (dtype from its class: Uint8Array is bool, Uint16Array float16) or plain numbers. */
  constant(data: TypedArray | readonly number[], shape: readonly number[], dtype?: DType): Tensor {
    const arr = Array.isArray(data) ? fromNumbers(dtype ?? 'float32', data as number[]) : (data as TypedArray);
    const dt = dtype ?? dtypeOfArray(arr);
    if (arr.length !== sizeOf(shape)) throw new GraphError(`Constant: ${arr.length} values do not fill shape ${formatShape(shape)}`);
    return this.make(shape, dt, 'const', null, 0, arr);
  }
  /** A shared rank-0 constant. */
  scalar(value: number, dtype: DType = 'float32'): Tensor {
    const key = `${dtype}:${Object.is(value, -0) ? '-0' : value}`;
    let t = this.scalars.get(key);
    if (!t) {
      const arr = dtype === 'float16' ? new Uint16Array([toHalfBits(value)]) : fromNumbers(dtype, [value]);
      t = this.constant(arr, [], dtype);
      this.scalars.set(key, t);
    }
    return t;
  }
  /** A tensor of `shape` filled with `value` (a scalar constant expanded, so no big payload). */
  full(shape: readonly number[], value: number, dtype: DType = 'float32'): Tensor { return this.scalar(value, dtype).expand(shape); }
  zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor { return this.full(shape, 0, dtype); }

  /** Apply an op from the table: checks inputs, runs its shape rule, records the node. */
  apply<K extends OpType>(op: K, inputs: readonly Tensor[], attrs: OpAttrs[K]): Tensor[] {
    const def = OPS[op];
    if (!def) throw new GraphError(`${op}: no such op in the op table (graph/ops.ts)`);
    const describe = (): string => inputs.map((t) => `${formatShape(t.shape)} ${t.dtype}`).join(', ');
    for (const t of inputs) {
      if (t.graph !== this) throw new GraphError(`${op}: input ${t.name} belongs to another graph`);
    }
    const [lo, hi] = def.arity;
    if (inputs.length < lo || inputs.length > hi) {
      throw new GraphError(`${op}: takes ${lo === hi ? lo : `${lo}..${hi}`} inputs, got ${inputs.length} (${describe()})`);
    }
    let types: TensorType[];
    try {
      types = def.infer(inputs, attrs);
    } catch (e) {
      throw new GraphError(`${op}: ${(e as Error).message} (inputs: ${describe()})`);
    }
    const outputs: Tensor[] = [];
    const node: Node<K> = { id: this.nodes.length, op, inputs: [...inputs], attrs, outputs };
    types.forEach((ty, i) => outputs.push(this.make(ty.shape, ty.dtype, 'op', node, i, null)));
    this.nodes.push(node as unknown as Node);
    return outputs;
  }

  private named(name: string, dtype: DType, shape: readonly number[], kind: 'input' | 'param'): Tensor {
    if (!name || /^v\d+$/.test(name)) throw new GraphError(`${kind} name "${name}" is empty or reserved (v<number> names are internal)`);
    if (this.byName.has(name)) throw new GraphError(`${kind} name "${name}" is already used in this graph`);
    if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new GraphError(`${kind} "${name}": bad shape ${formatShape(shape)}`);
    // uint8 params: frozen int8 weights (linearWeights 'int8'), which only inference graphs read
    if (kind === 'param' && !isFloat(dtype) && dtype !== 'uint8') throw new GraphError(`param "${name}": dtype ${dtype} is not a float type (or uint8)`);
    const t = this.make(shape, dtype, kind, null, 0, null, name);
    this.byName.set(name, t);
    return t;
  }

  private make(shape: readonly number[], dtype: DType, kind: TensorKind, node: Node | null, index: number, data: TypedArray | null, name?: string): Tensor {
    const id = this.nextId++;
    return new Tensor(this, id, Object.freeze([...shape]), dtype, kind, name ?? `v${id}`, node, index, data);
  }
}
