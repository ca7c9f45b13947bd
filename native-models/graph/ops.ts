// THE op table: one typed entry per primitive — arity, shape/dtype rule, ONNX emission and the
// vector-Jacobian rule (or an explicit 'nonDifferentiable'). Op keys are ONNX op types spelled exactly
// (StopGradient is ours and is emitted as Identity). All emission targets ONNX opset 17 (ONNX_OPSET); no op
// here needs a newer one (ScatterND/ScatterElements reduction='add' is opset 16, Trilu 14).
//
// Vocabulary inside rules (as in derivatives.yaml): `g` is the gradient of output 0, `gs` of every output,
// `x` the inputs, `y` the outputs. A rule returns one lazy thunk per input, null where no gradient flows.
// Rules return gradients in the broadcast shape; autodiff sums them back to the input's shape centrally.
//
// To add a primitive: add its attrs to OpAttrs, its entry to OPS, a fluent method in graph.ts if useful,
// and a finite-difference test in tests/native-models/graph/vjp.test.ts.
import type { Node, Tensor } from './graph';
import type { DType } from './dtype';
import { isFloat, ONNX_DTYPE } from './dtype';
import type { AttrValue } from '../onnx/proto';
import { broadcastShapes, convOut, formatShape, sameShape, unbroadcastAxes } from './shape';
import { convInputGrad, convWeightGrad, poolInputGrad } from './conv-grad';

export const ONNX_OPSET = 17;

export interface TensorType { shape: number[]; dtype: DType }

type Empty = Record<string, never>;
export interface ConvAttrs {
  strides: [number, number];
  /** ONNX order [top, left, bottom, right] */
  pads: [number, number, number, number];
  dilations: [number, number];
  group: number;
}
export interface ReduceAttrs { axes: number[]; keepdims: boolean }

/** Static, normalized attributes per op (axes non-negative, shapes explicit). */
export interface OpAttrs {
  Add: Empty; Sub: Empty; Mul: Empty; Div: Empty; Pow: Empty; Max: Empty; Min: Empty;
  Equal: Empty; Less: Empty; Greater: Empty; LessOrEqual: Empty; GreaterOrEqual: Empty; Where: Empty; Not: Empty;
  Neg: Empty; Sqrt: Empty; Exp: Empty; Log: Empty; Abs: Empty; Sign: Empty; Tanh: Empty; Sigmoid: Empty; Erf: Empty;
  Relu: Empty; LeakyRelu: { alpha: number };
  Cast: { to: DType };
  Identity: Empty; StopGradient: Empty;
  MatMul: Empty;
  /** onnxruntime's weight-only quantised matmul (com.microsoft MatMulNBits); see the op's entry. */
  MatMulNBits: { k: number; n: number; bits: 8; blockSize: number; accuracyLevel: number };
  Conv: ConvAttrs;
  ConvTranspose: ConvAttrs & { outputPadding: [number, number] };
  AveragePool: { kernel: [number, number]; strides: [number, number]; pads: [number, number, number, number]; countIncludePad: boolean };
  ReduceSum: ReduceAttrs; ReduceMean: ReduceAttrs; ReduceMax: ReduceAttrs;
  ArgMax: { axis: number; keepdims: boolean }; ArgMin: { axis: number; keepdims: boolean };
  Softmax: { axis: number }; LogSoftmax: { axis: number };
  Reshape: { shape: number[] };
  Transpose: { perm: number[] };
  Expand: { shape: number[] };
  Slice: { starts: number[]; ends: number[]; axes: number[]; steps: number[] };
  Pad: { pads: number[]; value: number };
  Concat: { axis: number };
  Split: { axis: number; sizes: number[] };
  Gather: { axis: number };
  GatherElements: { axis: number };
  GatherND: Empty;
  ScatterND: { reduction: 'none' | 'add' };
  ScatterElements: { axis: number; reduction: 'none' | 'add' };
  Trilu: { upper: boolean; k: number };
}
export type OpType = keyof OpAttrs;

/** What an op's emit() may do; implemented by onnx/emit.ts. */
export interface Emitter {
  inputs(node: Node): string[];
  outputs(node: Node): string[];
  /** Name of a 1-D int64 initializer holding `values`. */
  int64s(values: readonly number[]): string;
  /** Name of a rank-0 initializer. */
  scalar(value: number, dtype: DType): string;
  /** One node; `domain` names a non-ONNX operator set (onnxruntime's 'com.microsoft' contrib ops). */
  node(opType: string, inputs: readonly string[], outputs: readonly string[], attrs?: Record<string, AttrValue>, domain?: string): void;
}

export interface VjpContext<K extends OpType> {
  node: Node<K>;
  attrs: OpAttrs[K];
  x: readonly Tensor[];
  y: readonly Tensor[];
  g: Tensor;
  gs: readonly Tensor[];
}
export type GradThunk = (() => Tensor) | null;
export type Vjp<K extends OpType> = (c: VjpContext<K>) => GradThunk[];

export interface OpDef<K extends OpType> {
  arity: [number, number];
  /** Output types. Throw Error(message) on bad inputs; Graph.apply adds the op name and input shapes. */
  infer(x: readonly Tensor[], attrs: OpAttrs[K]): TensorType[];
  /** Default: one ONNX node of the same op type, no attributes. */
  emit?(node: Node<K>, e: Emitter): void;
  vjp: Vjp<K> | 'nonDifferentiable';
  /** The backward walk does not pass this op (StopGradient). */
  stopsGradient?: true;
}

// ---------------------------------------------------------------- attribute helpers
const int = (value: number): AttrValue => ({ kind: 'int', value });
const float = (value: number): AttrValue => ({ kind: 'float', value });
const ints = (value: readonly number[]): AttrValue => ({ kind: 'ints', value });
const plain = <K extends OpType>(attrs: (a: OpAttrs[K]) => Record<string, AttrValue>) =>
  (node: Node<K>, e: Emitter): void => e.node(node.op, e.inputs(node), e.outputs(node), attrs(node.attrs));

// ---------------------------------------------------------------- shape-rule helpers
const at = (x: readonly Tensor[], i: number): Tensor => x[i] as Tensor;
const t = (shape: readonly number[], dtype: DType): TensorType[] => [{ shape: [...shape], dtype }];
function need(cond: boolean, msg: string): void {
  if (!cond) throw new Error(msg);
}
function floatOnly(x: readonly Tensor[]): void {
  for (const v of x) need(isFloat(v.dtype), `dtype ${v.dtype} is not supported (needs float32, float16 or float64)`);
}
function sameDtype(x: readonly Tensor[]): DType {
  const d = at(x, 0).dtype;
  for (const v of x) need(v.dtype === d, `dtypes differ (${x.map((v2) => v2.dtype).join(' vs ')}); cast first`);
  return d;
}
const unaryFloat = (x: readonly Tensor[]): TensorType[] => (floatOnly(x), t(at(x, 0).shape, at(x, 0).dtype));
const unaryNumeric = (x: readonly Tensor[]): TensorType[] => {
  need(at(x, 0).dtype !== 'bool', 'dtype bool is not supported');
  return t(at(x, 0).shape, at(x, 0).dtype);
};
const binary = (x: readonly Tensor[]): TensorType[] => {
  const d = sameDtype(x);
  need(d !== 'bool', 'dtype bool is not supported');
  return t(broadcastShapes(at(x, 0).shape, at(x, 1).shape), d);
};
const compare = (x: readonly Tensor[]): TensorType[] => (sameDtype(x), t(broadcastShapes(at(x, 0).shape, at(x, 1).shape), 'bool'));
const same = (x: readonly Tensor[]): TensorType[] => t(at(x, 0).shape, at(x, 0).dtype);
function reduceShape(x: readonly Tensor[], a: ReduceAttrs): TensorType[] {
  const s = at(x, 0).shape;
  return t(a.keepdims ? s.map((d, i) => (a.axes.includes(i) ? 1 : d)) : s.filter((_, i) => !a.axes.includes(i)), at(x, 0).dtype);
}
function indexDtype(v: Tensor): void {
  need(v.dtype === 'int64' || v.dtype === 'int32', `indices dtype ${v.dtype} is not supported (needs int64 or int32)`);
}

// ---------------------------------------------------------------- gradient helpers
/** Sum `g` back to `shape` after numpy broadcasting (ReduceSum keepdims + Reshape; identity if equal). */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const { axes } = unbroadcastAxes(g.shape, shape);
  return (axes.length ? g.sum(axes, true) : g).reshape(shape);
}
/** mask (0/1, ties 0.5) of where `a` wins a Max (pick = Greater) or Min (pick = Less). */
function winMask(a: Tensor, b: Tensor, pick: 'greater' | 'less'): Tensor {
  return a[pick](b).cast(a.dtype).add(a.equal(b).cast(a.dtype).mul(0.5));
}
/** Gradient of a reduction output, reshaped to keepdims form and expanded to the input's shape. */
function expandBack(g: Tensor, inShape: readonly number[], a: ReduceAttrs): Tensor {
  return g.reshape(inShape.map((d, i) => (a.axes.includes(i) ? 1 : d))).expand(inShape);
}
function keepShape(inShape: readonly number[], axes: readonly number[]): number[] {
  return inShape.map((d, i) => (axes.includes(i) ? 1 : d));
}
function padAxis(v: Tensor, axis: number, before: number, after: number): Tensor {
  const pads = new Array<number>(2 * v.rank).fill(0);
  pads[axis] = before;
  pads[v.rank + axis] = after;
  return v.pad(pads);
}

const binaryOp = <K extends OpType>(vjp: Vjp<K>): OpDef<K> => ({ arity: [2, 2], infer: binary, vjp });
const compareOp = <K extends OpType>(): OpDef<K> => ({ arity: [2, 2], infer: compare, vjp: 'nonDifferentiable' });
const unaryOp = <K extends OpType>(vjp: Vjp<K> | 'nonDifferentiable', infer = unaryFloat): OpDef<K> => ({ arity: [1, 1], infer, vjp });

export const OPS: { readonly [K in OpType]: OpDef<K> } = {
  // ---------------------------------------------------------------- elementwise binary (broadcasting)
  Add: binaryOp(({ g }) => [() => g, () => g]),
  // reduce to the (smaller) broadcast operand's shape first, then negate/divide: fewer full-size ops
  Sub: binaryOp(({ g, x: [, b] }) => [() => g, () => sumTo(g, (b as Tensor).shape).neg()]),
  // x * x: one thunk for both uses (2·g·x) instead of two products and an add
  Mul: binaryOp(({ g, x: [a, b] }) => (a === b ? [() => g.mul(a as Tensor).mul(2), null] : [() => g.mul(b as Tensor), () => g.mul(a as Tensor)])),
  // d/db (a/b) = -g·out/b, and b is constant along the axes it was broadcast over
  Div: binaryOp(({ g, x: [, b], y: [out] }) => [() => g.div(b as Tensor), () => sumTo(g.mul(out as Tensor), (b as Tensor).shape).div(b as Tensor).neg()]),
  // d/da a^b = b a^(b-1); d/db = a^b log a (NaN for a <= 0, as in PyTorch)
  Pow: binaryOp(({ g, x: [a, b], y: [out] }) => [
    () => g.mul(b as Tensor).mul((a as Tensor).pow((b as Tensor).sub(1))),
    () => g.mul(out as Tensor).mul((a as Tensor).log()),
  ]),
  // ties split the gradient evenly between the two inputs (PyTorch maximum/minimum)
  Max: binaryOp(({ g, x: [a, b] }) => {
    const m = (): Tensor => winMask(a as Tensor, b as Tensor, 'greater');
    return [() => g.mul(m()), () => g.sub(g.mul(m()))];
  }),
  Min: binaryOp(({ g, x: [a, b] }) => {
    const m = (): Tensor => winMask(a as Tensor, b as Tensor, 'less');
    return [() => g.mul(m()), () => g.sub(g.mul(m()))];
  }),
  Equal: compareOp(), Less: compareOp(), Greater: compareOp(), LessOrEqual: compareOp(), GreaterOrEqual: compareOp(),
  Not: { arity: [1, 1], infer: (x) => (need(at(x, 0).dtype === 'bool', 'needs a bool input'), same(x)), vjp: 'nonDifferentiable' },
  Where: {
    arity: [3, 3],
    infer: (x) => {
      need(at(x, 0).dtype === 'bool', `condition dtype is ${at(x, 0).dtype}, needs bool`);
      const d = sameDtype([at(x, 1), at(x, 2)]);
      return t(broadcastShapes(broadcastShapes(at(x, 0).shape, at(x, 1).shape), at(x, 2).shape), d);
    },
    vjp: ({ g, x: [c] }) => [null, () => (c as Tensor).where(g, 0), () => (c as Tensor).where(0, g)],
  },

  // ---------------------------------------------------------------- elementwise unary
  Neg: unaryOp(({ g }) => [() => g.neg()], unaryNumeric),
  Abs: unaryOp(({ g, x: [a] }) => [() => g.mul((a as Tensor).sign())], unaryNumeric),
  // sign is piecewise constant: declared non-differentiable rather than silently zero
  Sign: unaryOp('nonDifferentiable', unaryNumeric),
  Sqrt: unaryOp(({ g, y: [out] }) => [() => g.div((out as Tensor).mul(2))]),
  Exp: unaryOp(({ g, y: [out] }) => [() => g.mul(out as Tensor)]),
  Log: unaryOp(({ g, x: [a] }) => [() => g.div(a as Tensor)]),
  Tanh: unaryOp(({ g, y: [out] }) => [() => g.sub(g.mul(out as Tensor).mul(out as Tensor))]),
  Sigmoid: unaryOp(({ g, y: [out] }) => [() => g.mul((out as Tensor).sub((out as Tensor).mul(out as Tensor)))]),
  Erf: unaryOp(({ g, x: [a] }) => [() => g.mul((a as Tensor).mul(a as Tensor).neg().exp().mul(2 / Math.sqrt(Math.PI)))]),
  // subgradient 0 at 0, as in PyTorch
  Relu: unaryOp(({ g, x: [a] }) => [() => (a as Tensor).greater(0).where(g, 0)]),
  LeakyRelu: {
    arity: [1, 1], infer: unaryFloat, emit: plain((a) => ({ alpha: float(a.alpha) })),
    vjp: ({ g, x: [a], attrs }) => [() => (a as Tensor).greater(0).where(g, g.mul(attrs.alpha))],
  },
  Cast: {
    arity: [1, 1], infer: (x, a) => t(at(x, 0).shape, a.to),
    emit: plain((a) => ({ to: int(ONNX_DTYPE[a.to]) })),
    vjp: ({ g, x: [a] }) => [isFloat((a as Tensor).dtype) ? () => g.cast((a as Tensor).dtype) : null],
  },
  Identity: { arity: [1, 1], infer: same, vjp: ({ g }) => [() => g] },
  StopGradient: {
    arity: [1, 1], infer: same, stopsGradient: true, vjp: () => [null],
    emit: (node, e) => e.node('Identity', e.inputs(node), e.outputs(node)),
  },

  // ---------------------------------------------------------------- linear algebra and convolution
  MatMul: {
    arity: [2, 2],
    infer: (x) => {
      const [a, b] = [at(x, 0), at(x, 1)];
      const d = sameDtype(x);
      need(d !== 'bool', 'dtype bool is not supported');
      need(a.rank >= 2 && b.rank >= 2, 'both operands need rank >= 2 (reshape vectors to [1, K] / [K, 1])');
      need(a.shape[a.rank - 1] === b.shape[b.rank - 2], `inner dims differ: ${formatShape(a.shape)} x ${formatShape(b.shape)}`);
      const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
      return t([...batch, a.shape[a.rank - 2] as number, b.shape[b.rank - 1] as number], d);
    },
    vjp: ({ g, x: [a, b] }) => [() => g.matmul((b as Tensor).swapAxes(-1, -2)), () => (a as Tensor).swapAxes(-1, -2).matmul(g)],
  },
  // y [.., N] = x [.., K] · dequant(B)ᵀ with B [N, K/bs, bs] uint8 (zero point 2^(bits−1) = 128) and per-block
  // scales [N·K/bs] float32: nn.Linear's weight [out, in] in blocks of `blockSize` along `in`. Inference only (the
  // weights are frozen integers). accuracyLevel 4 lets the CPU kernel quantise x to int8 per block and run int8
  // dot products (the fast path on x86); 0 dequantises to float32.
  MatMulNBits: {
    arity: [3, 3],
    infer: (x, a) => {
      const [xi, b, s] = [at(x, 0), at(x, 1), at(x, 2)];
      need(xi.dtype === 'float32' && s.dtype === 'float32' && b.dtype === 'uint8', 'needs float32 x, uint8 B and float32 scales');
      need(a.k % a.blockSize === 0, `K=${a.k} is not a multiple of block size ${a.blockSize}`);
      const blocks = a.k / a.blockSize;
      need(xi.rank >= 2 && xi.shape[xi.rank - 1] === a.k, `x ${formatShape(xi.shape)} does not end in K=${a.k}`);
      need(sameShape(b.shape, [a.n, blocks, a.blockSize]), `B ${formatShape(b.shape)} is not [N, K/bs, bs] = [${a.n}, ${blocks}, ${a.blockSize}]`);
      need(sameShape(s.shape, [a.n * blocks]), `scales ${formatShape(s.shape)} are not [N·K/bs] = [${a.n * blocks}]`);
      return t([...xi.shape.slice(0, -1), a.n], 'float32');
    },
    vjp: 'nonDifferentiable',
    emit: (node, e) => e.node('MatMulNBits', e.inputs(node), e.outputs(node), {
      K: int(node.attrs.k), N: int(node.attrs.n), bits: int(node.attrs.bits), block_size: int(node.attrs.blockSize),
      accuracy_level: int(node.attrs.accuracyLevel),
    }, 'com.microsoft'),
  },
  Conv: {
    arity: [2, 3],
    infer: (x, a) => {
      floatOnly(x);
      sameDtype(x);
      const [xi, w] = [at(x, 0), at(x, 1)];
      need(xi.rank === 4 && w.rank === 4, `needs X [N, C, H, W] and W [M, C/group, kh, kw]`);
      const [n, c, h, wd] = xi.shape as [number, number, number, number];
      const [m, cg, kh, kw] = w.shape as [number, number, number, number];
      need(c === cg * a.group && m % a.group === 0, `channels: X has ${c}, W expects ${cg} x group ${a.group}, M=${m}`);
      if (x[2]) need(sameShape(x[2].shape, [m]), `bias must be [${m}]`);
      const ho = convOut(h, kh, a.strides[0], a.dilations[0], a.pads[0], a.pads[2]);
      const wo = convOut(wd, kw, a.strides[1], a.dilations[1], a.pads[1], a.pads[3]);
      need(ho > 0 && wo > 0, `output would be empty (${ho} x ${wo})`);
      return t([n, m, ho, wo], xi.dtype);
    },
    emit: plain((a) => ({ strides: ints(a.strides), pads: ints(a.pads), dilations: ints(a.dilations), group: int(a.group) })),
    vjp: ({ g, x: [xi, w, b], attrs }) => [
      () => convInputGrad(g, w as Tensor, attrs, (xi as Tensor).shape),
      () => convWeightGrad(xi as Tensor, g, attrs, (w as Tensor).shape),
      ...(b ? [() => g.sum([0, 2, 3])] : []),
    ],
  },
  ConvTranspose: {
    arity: [2, 3],
    infer: (x, a) => {
      floatOnly(x);
      sameDtype(x);
      const [xi, w] = [at(x, 0), at(x, 1)];
      need(xi.rank === 4 && w.rank === 4, `needs X [N, C, H, W] and W [C, M/group, kh, kw]`);
      const [n, c, h, wd] = xi.shape as [number, number, number, number];
      const [wc, mg, kh, kw] = w.shape as [number, number, number, number];
      need(c === wc && c % a.group === 0, `channels: X has ${c}, W has ${wc}, group ${a.group}`);
      if (x[2]) need(sameShape(x[2].shape, [mg * a.group]), `bias must be [${mg * a.group}]`);
      const out = (i: 0 | 1, size: number, k: number): number =>
        a.strides[i] * (size - 1) + a.outputPadding[i] + a.dilations[i] * (k - 1) + 1 - (a.pads[i] as number) - (a.pads[i + 2] as number);
      need(a.outputPadding[0] < a.strides[0] && a.outputPadding[1] < a.strides[1], 'output padding must be smaller than the stride');
      return t([n, mg * a.group, out(0, h, kh), out(1, wd, kw)], xi.dtype);
    },
    emit: plain((a) => ({
      strides: ints(a.strides), pads: ints(a.pads), dilations: ints(a.dilations), group: int(a.group), output_padding: ints(a.outputPadding),
    })),
    // ConvTranspose(x, W) is the input-gradient of Conv(., W): its adjoint is that Conv, and its weight
    // gradient is the Conv weight gradient with the roles of input and output swapped.
    vjp: ({ g, x: [xi, w, b], attrs }) => [
      () => g.graph.apply('Conv', [g, w as Tensor], { strides: attrs.strides, pads: attrs.pads, dilations: attrs.dilations, group: attrs.group })[0] as Tensor,
      () => convWeightGrad(g, xi as Tensor, attrs, (w as Tensor).shape),
      ...(b ? [() => g.sum([0, 2, 3])] : []),
    ],
  },
  AveragePool: {
    arity: [1, 1],
    infer: (x, a) => {
      floatOnly(x);
      const xi = at(x, 0);
      need(xi.rank === 4, 'needs X [N, C, H, W]');
      const [n, c, h, w] = xi.shape as [number, number, number, number];
      return t([n, c, convOut(h, a.kernel[0], a.strides[0], 1, a.pads[0], a.pads[2]), convOut(w, a.kernel[1], a.strides[1], 1, a.pads[1], a.pads[3])], xi.dtype);
    },
    emit: plain((a) => ({ kernel_shape: ints(a.kernel), strides: ints(a.strides), pads: ints(a.pads), count_include_pad: int(a.countIncludePad ? 1 : 0) })),
    vjp: ({ g, x: [xi], attrs }) => [() => poolInputGrad(g, attrs, (xi as Tensor).shape)],
  },

  // ---------------------------------------------------------------- reductions
  ReduceSum: {
    arity: [1, 1], infer: (x, a) => (need(at(x, 0).dtype !== 'bool', 'dtype bool is not supported'), reduceShape(x, a)),
    emit: (node, e) => e.node('ReduceSum', [...e.inputs(node), e.int64s(node.attrs.axes)], e.outputs(node), { keepdims: int(node.attrs.keepdims ? 1 : 0) }),
    vjp: ({ g, x: [a], attrs }) => [() => expandBack(g, (a as Tensor).shape, attrs)],
  },
  ReduceMean: {
    arity: [1, 1], infer: (x, a) => (floatOnly(x), reduceShape(x, a)),
    emit: plain((a) => ({ axes: ints(a.axes), keepdims: int(a.keepdims ? 1 : 0) })),
    vjp: ({ g, x: [a], attrs }) => [() => {
      const n = attrs.axes.reduce((p, ax) => p * ((a as Tensor).shape[ax] as number), 1);
      return expandBack(g.div(n), (a as Tensor).shape, attrs);
    }],
  },
  // ties share the gradient evenly (PyTorch amax)
  ReduceMax: {
    arity: [1, 1], infer: (x, a) => (floatOnly(x), reduceShape(x, a)),
    emit: plain((a) => ({ axes: ints(a.axes), keepdims: int(a.keepdims ? 1 : 0) })),
    vjp: ({ g, x: [a], y: [out], attrs }) => [() => {
      const xa = a as Tensor;
      const ks = keepShape(xa.shape, attrs.axes);
      const mask = xa.equal((out as Tensor).reshape(ks)).cast(xa.dtype); // [..x]
      return mask.div(mask.sum(attrs.axes, true)).mul(g.reshape(ks));
    }],
  },
  ArgMax: {
    arity: [1, 1], infer: (x, a) => t(reduceShape(x, { axes: [a.axis], keepdims: a.keepdims })[0]?.shape ?? [], 'int64'),
    emit: plain((a) => ({ axis: int(a.axis), keepdims: int(a.keepdims ? 1 : 0) })), vjp: 'nonDifferentiable',
  },
  ArgMin: {
    arity: [1, 1], infer: (x, a) => t(reduceShape(x, { axes: [a.axis], keepdims: a.keepdims })[0]?.shape ?? [], 'int64'),
    emit: plain((a) => ({ axis: int(a.axis), keepdims: int(a.keepdims ? 1 : 0) })), vjp: 'nonDifferentiable',
  },
  Softmax: {
    arity: [1, 1], infer: unaryFloat, emit: plain((a) => ({ axis: int(a.axis) })),
    vjp: ({ g, y: [out], attrs }) => [() => (out as Tensor).mul(g.sub(g.mul(out as Tensor).sum(attrs.axis, true)))],
  },
  LogSoftmax: {
    arity: [1, 1], infer: unaryFloat, emit: plain((a) => ({ axis: int(a.axis) })),
    vjp: ({ g, y: [out], attrs }) => [() => g.sub((out as Tensor).exp().mul(g.sum(attrs.axis, true)))],
  },

  // ---------------------------------------------------------------- movement
  Reshape: {
    arity: [1, 1],
    infer: (x, a) => {
      need(a.shape.every((d) => Number.isInteger(d) && d >= 0), `bad target shape ${formatShape(a.shape)}`);
      need(a.shape.reduce((p, d) => p * d, 1) === at(x, 0).size, `cannot reshape ${formatShape(at(x, 0).shape)} to ${formatShape(a.shape)}`);
      return t(a.shape, at(x, 0).dtype);
    },
    emit: (node, e) => e.node('Reshape', [...e.inputs(node), e.int64s(node.attrs.shape)], e.outputs(node)),
    vjp: ({ g, x: [a] }) => [() => g.reshape((a as Tensor).shape)],
  },
  Transpose: {
    arity: [1, 1],
    infer: (x, a) => {
      const s = at(x, 0).shape;
      need(a.perm.length === s.length && [...a.perm].sort((p, q) => p - q).every((p, i) => p === i), `perm ${formatShape(a.perm)} is not a permutation of rank ${s.length}`);
      return t(a.perm.map((p) => s[p] as number), at(x, 0).dtype);
    },
    emit: plain((a) => ({ perm: ints(a.perm) })),
    vjp: ({ g, attrs }) => [() => g.transpose(attrs.perm.map((_, i) => attrs.perm.indexOf(i)))],
  },
  Expand: {
    arity: [1, 1],
    infer: (x, a) => {
      need(sameShape(broadcastShapes(at(x, 0).shape, a.shape), a.shape), `cannot expand ${formatShape(at(x, 0).shape)} to ${formatShape(a.shape)}`);
      return t(a.shape, at(x, 0).dtype);
    },
    emit: (node, e) => e.node('Expand', [...e.inputs(node), e.int64s(node.attrs.shape)], e.outputs(node)),
    vjp: ({ g }) => [() => g], // summed back to the input's shape by autodiff
  },
  Slice: {
    arity: [1, 1],
    infer: (x, a) => {
      const s = [...at(x, 0).shape];
      a.axes.forEach((ax, i) => {
        const len = (a.ends[i] as number) - (a.starts[i] as number);
        s[ax] = Math.max(0, Math.ceil(len / (a.steps[i] as number)));
      });
      return t(s, at(x, 0).dtype);
    },
    emit: (node, e) => {
      const a = node.attrs;
      e.node('Slice', [...e.inputs(node), e.int64s(a.starts), e.int64s(a.ends), e.int64s(a.axes), e.int64s(a.steps)], e.outputs(node));
    },
    // scatter g back: strided axes are interleaved with zeros, then every axis is padded into place
    vjp: ({ g, x: [a], attrs }) => [() => {
      let v = g;
      attrs.axes.forEach((ax, i) => {
        const step = attrs.steps[i] as number, start = attrs.starts[i] as number, dim = (a as Tensor).shape[ax] as number;
        const n = v.shape[ax] as number;
        if (step > 1) {
          v = padAxis(v.unsqueeze(ax + 1), ax + 1, 0, step - 1);
          v = v.reshape([...v.shape.slice(0, ax), n * step, ...v.shape.slice(ax + 2)]);
        }
        let end = dim - start - (v.shape[ax] as number);
        if (end < 0) {
          v = v.slice([0], [(v.shape[ax] as number) + end], [ax]);
          end = 0;
        }
        v = padAxis(v, ax, start, end);
      });
      return v;
    }],
  },
  Pad: {
    arity: [1, 1],
    infer: (x, a) => {
      const s = at(x, 0).shape;
      need(a.pads.length === 2 * s.length && a.pads.every((p) => p >= 0), `pads ${formatShape(a.pads)} must be ${2 * s.length} non-negative numbers`);
      return t(s.map((d, i) => d + (a.pads[i] as number) + (a.pads[i + s.length] as number)), at(x, 0).dtype);
    },
    emit: (node, e) => {
      const [xi] = node.inputs as [Tensor];
      e.node('Pad', [...e.inputs(node), e.int64s(node.attrs.pads), e.scalar(node.attrs.value, xi.dtype)], e.outputs(node), { mode: { kind: 'string', value: 'constant' } });
    },
    vjp: ({ g, x: [a], attrs }) => [() => {
      const s = (a as Tensor).shape;
      return g.slice(s.map((_, i) => attrs.pads[i] as number), s.map((d, i) => (attrs.pads[i] as number) + d), s.map((_, i) => i));
    }],
  },
  Concat: {
    arity: [1, Infinity],
    infer: (x, a) => {
      const d = sameDtype(x);
      const first = at(x, 0).shape;
      let total = 0;
      for (const v of x) {
        need(v.rank === first.length && v.shape.every((dim, i) => i === a.axis || dim === first[i]), `shapes differ off axis ${a.axis}: ${x.map((v2) => formatShape(v2.shape)).join(', ')}`);
        total += v.shape[a.axis] as number;
      }
      return t(first.map((dim, i) => (i === a.axis ? total : dim)), d);
    },
    emit: plain((a) => ({ axis: int(a.axis) })),
    vjp: ({ g, x, attrs }) => {
      let parts: Tensor[] | null = null;
      const split = (): Tensor[] => (parts ??= g.split(x.map((v) => v.shape[attrs.axis] as number), attrs.axis));
      return x.map((_, i) => () => split()[i] as Tensor);
    },
  },
  Split: {
    arity: [1, 1],
    infer: (x, a) => {
      const s = at(x, 0).shape;
      need(a.sizes.reduce((p, q) => p + q, 0) === s[a.axis], `sizes ${formatShape(a.sizes)} do not add up to dim ${s[a.axis]} of axis ${a.axis}`);
      return a.sizes.map((n) => ({ shape: s.map((d, i) => (i === a.axis ? n : d)), dtype: at(x, 0).dtype }));
    },
    emit: (node, e) => e.node('Split', [...e.inputs(node), e.int64s(node.attrs.sizes)], e.outputs(node), { axis: int(node.attrs.axis) }),
    vjp: ({ gs, attrs }) => [() => (gs.length === 1 ? (gs[0] as Tensor) : (at(gs, 0).graph.apply('Concat', gs, { axis: attrs.axis })[0] as Tensor))],
  },
  Trilu: {
    arity: [1, 1], infer: (x) => (need(at(x, 0).rank >= 2, 'needs rank >= 2'), same(x)),
    emit: (node, e) => e.node('Trilu', [...e.inputs(node), e.scalar(node.attrs.k, 'int64')], e.outputs(node), { upper: int(node.attrs.upper ? 1 : 0) }),
    vjp: ({ g, attrs }) => [() => g.trilu(attrs.upper, attrs.k)],
  },

  // ---------------------------------------------------------------- indexing
  Gather: {
    arity: [2, 2],
    infer: (x, a) => {
      const [d, idx] = [at(x, 0), at(x, 1)];
      indexDtype(idx);
      return t([...d.shape.slice(0, a.axis), ...idx.shape, ...d.shape.slice(a.axis + 1)], d.dtype);
    },
    emit: plain((a) => ({ axis: int(a.axis) })),
    // move the indexed axis first, scatter-add rows into zeros, move it back
    vjp: ({ g, x: [d, idx], attrs }) => [() => {
      const ds = (d as Tensor).shape, r = (idx as Tensor).rank, ax = attrs.axis;
      const gPerm = [...Array(r).keys()].map((i) => ax + i)
        .concat([...Array(ax).keys()], [...Array(ds.length - ax - 1).keys()].map((i) => ax + r + i));
      const base = g.graph.zeros([ds[ax] as number, ...ds.slice(0, ax), ...ds.slice(ax + 1)], g.dtype);
      const rows = base.scatterND((idx as Tensor).unsqueeze(-1), g.transpose(gPerm), 'add');
      return rows.transpose([...Array(ds.length).keys()].map((i) => (i < ax ? i + 1 : i === ax ? 0 : i)));
    }, null],
  },
  GatherElements: {
    arity: [2, 2],
    infer: (x) => {
      indexDtype(at(x, 1));
      need(at(x, 1).rank === at(x, 0).rank, 'indices must have the rank of data');
      return t(at(x, 1).shape, at(x, 0).dtype);
    },
    emit: plain((a) => ({ axis: int(a.axis) })),
    vjp: ({ g, x: [d, idx], attrs }) => [() => g.graph.zeros((d as Tensor).shape, g.dtype).scatterElements(idx as Tensor, g, attrs.axis, 'add'), null],
  },
  GatherND: {
    arity: [2, 2],
    infer: (x) => {
      const [d, idx] = [at(x, 0), at(x, 1)];
      indexDtype(idx);
      const k = idx.shape[idx.rank - 1] as number;
      need(idx.rank >= 1 && k <= d.rank, `index depth ${k} exceeds data rank ${d.rank}`);
      return t([...idx.shape.slice(0, -1), ...d.shape.slice(k)], d.dtype);
    },
    vjp: ({ g, x: [d, idx] }) => [() => g.graph.zeros((d as Tensor).shape, g.dtype).scatterND(idx as Tensor, g, 'add'), null],
  },
  ScatterND: {
    arity: [3, 3],
    infer: (x) => {
      const [d, idx, u] = [at(x, 0), at(x, 1), at(x, 2)];
      indexDtype(idx);
      sameDtype([d, u]);
      const k = idx.shape[idx.rank - 1] as number;
      need(sameShape(u.shape, [...idx.shape.slice(0, -1), ...d.shape.slice(k)]), `updates ${formatShape(u.shape)} must be indices[:-1] + data[${k}:]`);
      return same(x);
    },
    emit: plain((a) => ({ reduction: { kind: 'string', value: a.reduction } })),
    vjp: ({ g, x: [, idx, u], attrs }) => [
      () => (attrs.reduction === 'add' ? g : g.scatterND(idx as Tensor, g.graph.zeros((u as Tensor).shape, g.dtype))),
      null,
      () => g.graph.apply('GatherND', [g, idx as Tensor], {})[0] as Tensor,
    ],
  },
  ScatterElements: {
    arity: [3, 3],
    infer: (x) => {
      indexDtype(at(x, 1));
      sameDtype([at(x, 0), at(x, 2)]);
      need(sameShape(at(x, 1).shape, at(x, 2).shape) && at(x, 1).rank === at(x, 0).rank, 'indices and updates need the same shape, and the rank of data');
      return same(x);
    },
    emit: plain((a) => ({ axis: int(a.axis), reduction: { kind: 'string', value: a.reduction } })),
    vjp: ({ g, x: [, idx, u], attrs }) => [
      () => (attrs.reduction === 'add' ? g : g.scatterElements(idx as Tensor, g.graph.zeros((u as Tensor).shape, g.dtype), attrs.axis)),
      null,
      () => g.gatherElements(idx as Tensor, attrs.axis),
    ],
  },
};
