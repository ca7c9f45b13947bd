// Every VJP rule of graph/ops.ts checked by central finite differences through a real onnxruntime session.
// float64 wherever ORT CPU implements the op in double (eps 1e-6, |err| <= 1e-7 + 1e-5·|g|); Erf, Conv,
// ConvTranspose and AveragePool have no double kernels on ORT CPU, so they run in float32 (eps 1e-2, the
// loss is linear in those ops' outputs and accumulated in float64; |err| <= 5e-4 + 2e-3·|g|).
import { afterAll, describe, expect, it } from 'vitest';
import type { Tensor } from '../../../native-models/graph/graph';
import { concat } from '../../../native-models/graph/graph';
import { releaseSessions } from '../../../native-models/runtime/session';
import { CONV_GRAD } from '../../../native-models/graph/conv-grad';
import { fdCheck } from './fd-check';
import type { FdCase } from './fd-check';

const f32 = 'float32' as const;
const i64 = 'int64' as const;
const rand = (shape: number[], init?: 'positive' | 'awayFromZero') => (init ? { shape, init } : { shape });
const first = (xs: Tensor[]): Tensor => xs[0] as Tensor;
const second = (xs: Tensor[]): Tensor => xs[1] as Tensor;

const cases: Record<string, FdCase> = {
  // elementwise binary, with broadcasting so that the central un-broadcast is exercised
  Add: { inputs: [rand([2, 3, 4]), rand([3, 1])], build: (x) => first(x).add(second(x)) },
  Sub: { inputs: [rand([3, 1]), rand([2, 3, 4])], build: (x) => first(x).sub(second(x)) },
  Mul: { inputs: [rand([2, 3, 4]), rand([4])], build: (x) => first(x).mul(second(x)) },
  'Mul same input (x * x)': { inputs: [rand([2, 3])], build: (x) => first(x).mul(first(x)) },
  Div: { inputs: [rand([2, 3, 4]), rand([1, 4], 'positive')], build: (x) => first(x).div(second(x)) },
  Pow: { inputs: [rand([3, 4], 'positive'), rand([4])], build: (x) => first(x).pow(second(x)) },
  'Pow scalar exponent': { inputs: [rand([3, 4], 'positive')], build: (x) => first(x).pow(2.5) },
  Max: { inputs: [rand([2, 3, 4]), rand([3, 4])], build: (x) => first(x).maximum(second(x)) },
  Min: { inputs: [rand([2, 3, 4]), rand([3, 4])], build: (x) => first(x).minimum(second(x)) },
  Where: {
    inputs: [{ shape: [2, 3], dtype: 'bool', values: [1, 0, 1, 0, 0, 1] }, rand([2, 3]), rand([3])],
    build: (x) => first(x).where(second(x), x[2] as Tensor),
  },
  // unary
  Neg: { inputs: [rand([3, 4])], build: (x) => first(x).neg() },
  Abs: { inputs: [rand([3, 4], 'awayFromZero')], build: (x) => first(x).abs() },
  Sqrt: { inputs: [rand([3, 4], 'positive')], build: (x) => first(x).sqrt() },
  Exp: { inputs: [rand([3, 4])], build: (x) => first(x).exp() },
  Log: { inputs: [rand([3, 4], 'positive')], build: (x) => first(x).log() },
  Tanh: { inputs: [rand([3, 4])], build: (x) => first(x).tanh() },
  Sigmoid: { inputs: [rand([3, 4])], build: (x) => first(x).sigmoid() },
  Erf: { inputs: [{ shape: [3, 4], dtype: f32 }], build: (x) => first(x).erf() },
  Relu: { inputs: [rand([3, 4], 'awayFromZero')], build: (x) => first(x).relu() },
  LeakyRelu: { inputs: [rand([3, 4], 'awayFromZero')], build: (x) => first(x).leakyRelu(0.2) },
  'Cast float32 -> float64': { inputs: [{ shape: [3, 4], dtype: f32 }], build: (x) => first(x).cast('float64').mul(first(x).cast('float64')) },
  Identity: { inputs: [rand([3])], build: (x) => first(x).identity().mul(first(x)) },
  // linear algebra
  MatMul: { inputs: [rand([2, 3, 4]), rand([4, 5])], build: (x) => first(x).matmul(second(x)) },
  'MatMul batch broadcast': { inputs: [rand([2, 1, 3, 4]), rand([3, 4, 2])], build: (x) => first(x).matmul(second(x)) },
  // convolution (float32 only on ORT CPU)
  'Conv stride 2, asymmetric pads, bias': {
    inputs: [{ shape: [2, 3, 7, 6], dtype: f32 }, { shape: [4, 3, 3, 3], dtype: f32 }, { shape: [4], dtype: f32 }],
    build: (x) => first(x).conv(second(x), x[2] as Tensor, { stride: 2, padding: [0, 0, 1, 1] }),
  },
  'Conv dilation 2, groups 2, pads 1': {
    inputs: [{ shape: [1, 4, 7, 7], dtype: f32 }, { shape: [6, 2, 3, 3], dtype: f32 }],
    build: (x) => first(x).conv(second(x), null, { dilation: 2, groups: 2, padding: 1 }),
  },
  'Conv 1x1': {
    inputs: [{ shape: [2, 3, 4, 4], dtype: f32 }, { shape: [5, 3, 1, 1], dtype: f32 }],
    build: (x) => first(x).conv(second(x)),
  },
  'Conv depthwise, stride 2 x 1, kernel 2x3': {
    inputs: [{ shape: [1, 3, 6, 5], dtype: f32 }, { shape: [3, 1, 2, 3], dtype: f32 }],
    build: (x) => first(x).conv(second(x), null, { groups: 3, stride: [2, 1], padding: [1, 0, 0, 1] }),
  },
  'Conv stride 3, dilation 2, asymmetric pads (output_padding 2 in the input gradient)': {
    inputs: [{ shape: [1, 2, 10, 9], dtype: f32 }, { shape: [3, 2, 2, 3], dtype: f32 }],
    build: (x) => first(x).conv(second(x), null, { stride: 3, dilation: 2, padding: [1, 0, 0, 2] }),
  },
  'ConvTranspose stride 2, pads, output padding, bias': {
    inputs: [{ shape: [2, 3, 4, 3], dtype: f32 }, { shape: [3, 2, 3, 3], dtype: f32 }, { shape: [2], dtype: f32 }],
    build: (x) => first(x).convTranspose(second(x), x[2] as Tensor, { stride: 2, padding: [1, 0, 1, 1], outputPadding: 1 }),
  },
  'ConvTranspose groups 2': {
    inputs: [{ shape: [1, 4, 3, 3], dtype: f32 }, { shape: [4, 3, 2, 2], dtype: f32 }],
    build: (x) => first(x).convTranspose(second(x), null, { groups: 2 }),
  },
  'AveragePool 2x2 stride 2': { inputs: [{ shape: [2, 3, 4, 6], dtype: f32 }], build: (x) => first(x).avgPool(2) },
  'AveragePool 3x3 pad 1 (count excludes pad)': {
    inputs: [{ shape: [1, 2, 5, 4], dtype: f32 }], build: (x) => first(x).avgPool(3, { stride: 1, padding: 1 }),
  },
  'AveragePool 3x3 stride 2 pad 1 (count includes pad)': {
    inputs: [{ shape: [1, 2, 5, 5], dtype: f32 }], build: (x) => first(x).avgPool(3, { stride: 2, padding: 1, countIncludePad: true }),
  },
  // reductions
  ReduceSum: { inputs: [rand([2, 3, 4])], build: (x) => first(x).sum([0, 2]) },
  'ReduceSum keepdims': { inputs: [rand([2, 3, 4])], build: (x) => first(x).sum(1, true) },
  ReduceMean: { inputs: [rand([2, 3, 4])], build: (x) => first(x).mean(-1) },
  ReduceMax: { inputs: [rand([2, 3, 4])], build: (x) => first(x).amax(1) },
  'ReduceMax keepdims all': { inputs: [rand([3, 4])], build: (x) => first(x).amax(undefined, true) },
  Softmax: { inputs: [rand([2, 3, 5])], build: (x) => first(x).softmax(1) },
  LogSoftmax: { inputs: [rand([2, 5])], build: (x) => first(x).logSoftmax(-1) },
  // movement
  Reshape: { inputs: [rand([2, 3, 4])], build: (x) => first(x).reshape([4, -1]).mul(first(x).reshape([4, 6])) },
  Transpose: { inputs: [rand([2, 3, 4])], build: (x) => first(x).transpose([2, 0, 1]) },
  Expand: { inputs: [rand([3, 1])], build: (x) => first(x).expand([2, 3, 4]) },
  Slice: { inputs: [rand([4, 5])], build: (x) => first(x).slice([1, -4], [3, 100], [0, 1]) },
  'Slice with steps': { inputs: [rand([5, 7, 3])], build: (x) => first(x).slice([0, 1], [5, 7], [0, 1], [2, 3]) },
  Pad: { inputs: [rand([2, 3])], build: (x) => first(x).pad([1, 0, 2, 3], 0.5) },
  Concat: { inputs: [rand([2, 3]), rand([2, 2])], build: (x) => concat([first(x), second(x), first(x)], 1) },
  'Split (one output unused)': { inputs: [rand([5, 2])], build: (x) => first(x).split([2, 1, 2], 0)[2] as Tensor },
  Trilu: { inputs: [rand([2, 4, 4])], build: (x) => first(x).trilu(false, 1) },
  // indexing
  'Gather axis 0 (repeated indices)': {
    inputs: [rand([5, 3]), { shape: [2, 3], dtype: i64, values: [0, 4, 4, 1, 0, -1] }],
    build: (x) => first(x).gather(second(x), 0),
  },
  'Gather axis 1': {
    inputs: [rand([2, 4, 3]), { shape: [3], dtype: i64, values: [3, 0, 3] }],
    build: (x) => first(x).gather(second(x), 1),
  },
  GatherElements: {
    inputs: [rand([3, 4]), { shape: [3, 2], dtype: i64, values: [0, 3, 3, 3, 1, 2] }],
    build: (x) => first(x).gatherElements(second(x), 1),
  },
  GatherND: {
    inputs: [rand([3, 4, 2]), { shape: [3, 2], dtype: i64, values: [0, 1, 2, 3, 0, 1] }],
    build: (x, g) => g.apply('GatherND', [first(x), second(x)], {})[0] as Tensor,
  },
  'ScatterND add': {
    inputs: [rand([4, 3]), { shape: [3, 1], dtype: i64, values: [1, 3, 1] }, rand([3, 3])],
    build: (x) => first(x).scatterND(second(x), x[2] as Tensor, 'add'),
  },
  'ScatterND none': {
    inputs: [rand([4, 3]), { shape: [2, 1], dtype: i64, values: [2, 0] }, rand([2, 3])],
    build: (x) => first(x).scatterND(second(x), x[2] as Tensor),
  },
  'ScatterElements add': {
    inputs: [rand([3, 4]), { shape: [3, 2], dtype: i64, values: [0, 0, 3, 1, 2, 2] }, rand([3, 2])],
    build: (x) => first(x).scatterElements(second(x), x[2] as Tensor, 1, 'add'),
  },
  'ScatterElements none': {
    inputs: [rand([3, 4]), { shape: [3, 2], dtype: i64, values: [0, 1, 3, 1, 2, 0] }, rand([3, 2])],
    build: (x) => first(x).scatterElements(second(x), x[2] as Tensor, 1),
  },
};

afterAll(() => releaseSessions());

describe('VJP rules vs central finite differences (real ORT sessions)', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(name, async () => {
      const r = await fdCheck(c);
      expect(r.failures).toEqual([]);
      expect(r.checked).toBeGreaterThan(0);
    });
  }
});

describe('Conv backward lowerings (each combination of CONV_GRAD) vs finite differences', () => {
  const convCases = Object.entries(cases).filter(([name]) => name.startsWith('Conv ') || name.startsWith('ConvTranspose'));
  for (const input of ['convTranspose', 'flippedConv'] as const) {
    for (const weight of ['unfold', 'taps'] as const) {
      it(`input ${input}, weight ${weight}`, async () => {
        const saved = { ...CONV_GRAD };
        try {
          Object.assign(CONV_GRAD, { input, weight });
          for (const [name, c] of convCases) {
            const r = await fdCheck(c, 7);
            expect(r.failures, name).toEqual([]);
          }
        } finally {
          Object.assign(CONV_GRAD, saved);
        }
      });
    }
  }
});
