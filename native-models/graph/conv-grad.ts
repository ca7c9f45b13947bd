// Backward helpers for Conv, ConvTranspose and AveragePool, in forms measured fast on ORT CPU:
// - input gradient: ConvTranspose with the forward pads plus output_padding (never output_shape, which
//   ORT gets wrong with asymmetric pads), or for stride 1 a plain Conv with flipped weights;
// - weight gradient: per-tap batched MatMuls or "unfold" (a depthwise Conv with one-hot k×k kernels =
//   im2col) + one batched MatMul, then ReduceSum over the batch — both far faster than Conv(Xᵀ, dYᵀ).
import type { Graph, Tensor } from './graph';
import type { ConvAttrs, OpAttrs } from './ops';
import type { DType, TypedArray } from './dtype';
import { allocate, toHalfBits } from './dtype';

function filled(dtype: DType, size: number, at: (i: number) => number): TypedArray {
  const out = allocate(dtype, size);
  for (let i = 0; i < size; i++) {
    const v = at(i);
    if (v !== 0) (out as Float32Array)[i] = dtype === 'float16' ? toHalfBits(v) : v;
  }
  return out;
}

/** output_padding that makes a ConvTranspose of `g` come back to `size` along one axis. */
function outputPadding(size: number, gSize: number, k: number, stride: number, dil: number, pb: number, pe: number): number {
  return size - (stride * (gSize - 1) + dil * (k - 1) + 1 - pb - pe);
}

/**
 * Which lowering the Conv backward uses (switchable for benchmarks; defaults measured on ORT 1.30 CPU):
 * - input 'flippedConv': stride-1 input gradient as a Conv of dY with the spatially flipped, transposed
 *   weights (ORT's Conv is faster than its ConvTranspose); 'convTranspose' always uses ConvTranspose.
 * - weight 'taps': one batched MatMul per kernel tap against a strided slice of the padded input;
 *   'unfold': depthwise one-hot Conv (im2col) then one batched MatMul.
 */
export const CONV_GRAD: { input: 'flippedConv' | 'convTranspose'; weight: 'taps' | 'unfold' } = { input: 'flippedConv', weight: 'taps' };

/** dL/dX of Conv(X, W): g [N, M, Ho, Wo], w [M, C/g, kh, kw] -> [N, C, H, W]. */
export function convInputGrad(g: Tensor, w: Tensor, a: ConvAttrs, xShape: readonly number[]): Tensor {
  const [m, cg, kh, kw] = w.shape as [number, number, number, number];
  const ext = [a.dilations[0] * (kh - 1), a.dilations[1] * (kw - 1)] as const;
  const flipped: [number, number, number, number] = [ext[0] - a.pads[0], ext[1] - a.pads[1], ext[0] - a.pads[2], ext[1] - a.pads[3]];
  if (CONV_GRAD.input === 'flippedConv' && a.strides.every((s) => s === 1) && flipped.every((p) => p >= 0)) {
    const grp = a.group;
    const wt = w.reshape([grp, m / grp, cg, kh * kw]).transpose([0, 2, 1, 3]); // [G, C/G, M/G, kh·kw]
    // Spatial flip as one small MatMul with the reversal permutation (exact: one 1 per column); two Gathers on
    // the inner axes cost ~4 % of a VQGAN generator step on ORT CPU.
    const wf = wt.matmul(reversal(w.graph, w.dtype, kh * kw)).reshape([grp * cg, m / grp, kh, kw]); // [C, M/G, kh, kw]
    return g.graph.apply('Conv', [g, wf], { strides: [1, 1], pads: flipped, dilations: a.dilations, group: grp })[0] as Tensor;
  }
  const op: [number, number] = [
    outputPadding(xShape[2] as number, g.shape[2] as number, kh, a.strides[0], a.dilations[0], a.pads[0], a.pads[2]),
    outputPadding(xShape[3] as number, g.shape[3] as number, kw, a.strides[1], a.dilations[1], a.pads[1], a.pads[3]),
  ];
  return g.graph.apply('ConvTranspose', [g, w], { ...a, outputPadding: op })[0] as Tensor;
}

/** [k, k] anti-identity: v.matmul(P) reverses the last axis of v. */
function reversal(graph: Graph, dtype: DType, k: number): Tensor {
  return graph.constant(filled(dtype, k * k, (i) => (Math.floor(i / k) + (i % k) === k - 1 ? 1 : 0)), [k, k], dtype);
}

const kernelCache = new WeakMap<Graph, Map<string, Tensor>>();

/** [C*kh*kw, 1, kh, kw] one-hot kernels: output channel c*kk + j picks tap j of input channel c (shared per graph). */
function oneHotKernels(graph: Graph, dtype: DType, c: number, kh: number, kw: number): Tensor {
  let byKey = kernelCache.get(graph);
  if (!byKey) kernelCache.set(graph, (byKey = new Map()));
  const key = `${dtype}:${c}:${kh}:${kw}`;
  let t = byKey.get(key);
  if (!t) {
    const kk = kh * kw;
    t = graph.constant(filled(dtype, c * kk * kk, (i) => (Math.floor(i / kk) % kk === i % kk ? 1 : 0)), [c * kk, 1, kh, kw], dtype);
    byKey.set(key, t);
  }
  return t;
}

/** dL/dW of Conv(X, W): x [N, C, H, W], g [N, M, Ho, Wo] -> [M, C/g, kh, kw]. */
export function convWeightGrad(x: Tensor, g: Tensor, a: ConvAttrs, wShape: readonly number[]): Tensor {
  const [n, c] = x.shape as [number, number];
  const [m, cg, kh, kw] = wShape as [number, number, number, number];
  const [ho, wo] = [g.shape[2] as number, g.shape[3] as number];
  const kk = kh * kw, grp = a.group, l = ho * wo;
  const dy = g.reshape([n, grp, m / grp, l]); // [N, G, M/G, L]
  const sumBatch = (t: Tensor): Tensor => (n === 1 ? t : t.sum(0, true)); // [1, G, M/G, K]
  const trivial = kk === 1 && a.strides.every((s) => s === 1) && a.pads.every((p) => p === 0);
  if (trivial) return sumBatch(dy.matmul(x.reshape([n, grp, cg, l]).swapAxes(-1, -2))).reshape([m, cg, kh, kw]);
  if (CONV_GRAD.weight === 'taps') {
    const xp = x.pad([0, 0, a.pads[0], a.pads[1], 0, 0, a.pads[2], a.pads[3]]); // [N, C, Hp, Wp]
    const taps: Tensor[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const [r0, c0] = [i * a.dilations[0], j * a.dilations[1]];
        const xs = xp.slice([r0, c0], [r0 + (ho - 1) * a.strides[0] + 1, c0 + (wo - 1) * a.strides[1] + 1], [2, 3], a.strides); // [N, C, Ho, Wo]
        taps.push(sumBatch(dy.matmul(xs.reshape([n, grp, cg, l]).swapAxes(-1, -2))).reshape([m, cg, 1])); // [M, C/G, 1]
      }
    }
    return g.graph.apply('Concat', taps, { axis: 2 })[0]!.reshape([m, cg, kh, kw]);
  }
  const onehot = oneHotKernels(x.graph, x.dtype, c, kh, kw);
  const u = x.graph.apply('Conv', [x, onehot], { strides: a.strides, pads: a.pads, dilations: a.dilations, group: c })[0] as Tensor; // [N, C*kk, Ho, Wo]
  const gw = dy.matmul(u.reshape([n, grp, cg * kk, l]).swapAxes(-1, -2)); // [N, G, M/G, C/G*kk]
  return sumBatch(gw).reshape([m, cg, kh, kw]);
}

/** dL/dX of AveragePool: spread each output gradient evenly over its window (depthwise ConvTranspose). */
export function poolInputGrad(g: Tensor, a: OpAttrs['AveragePool'], xShape: readonly number[]): Tensor {
  const [, c, h, w] = xShape as [number, number, number, number];
  const [kh, kw] = a.kernel;
  const graph = g.graph;
  const noPad = a.pads.every((p) => p === 0);
  let scaled: Tensor;
  if (a.countIncludePad || noPad) {
    scaled = g.div(kh * kw);
  } else {
    // per-window count of real (unpadded) pixels: [1, 1, Ho, Wo]
    const ones = graph.constant(filled(g.dtype, kh * kw, () => 1), [1, 1, kh, kw], g.dtype);
    const counts = graph.full([1, 1, h, w], 1, g.dtype).conv(ones, null, { stride: a.strides, padding: a.pads });
    scaled = g.div(counts);
  }
  const kernel = graph.constant(filled(g.dtype, c * kh * kw, () => 1), [c, 1, kh, kw], g.dtype);
  const op: [number, number] = [
    outputPadding(h, g.shape[2] as number, kh, a.strides[0], 1, a.pads[0], a.pads[2]),
    outputPadding(w, g.shape[3] as number, kw, a.strides[1], 1, a.pads[1], a.pads[3]),
  ];
  return graph.apply('ConvTranspose', [scaled, kernel], { strides: a.strides, pads: a.pads, dilations: [1, 1], group: c, outputPadding: op })[0] as Tensor;
}
