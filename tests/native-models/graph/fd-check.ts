// Finite-difference checker for VJP rules: builds `build(inputs)`, takes the loss
// L = sum(float64(out) * R) with a fixed random cotangent R, emits L and dL/d(inputs) through autodiff,
// runs them in a real onnxruntime session and compares each analytic gradient with central
// differences of L at sampled elements. Test helper only.
import { Graph } from '../../../native-models/graph/graph';
import type { Tensor } from '../../../native-models/graph/graph';
import { grad } from '../../../native-models/graph/autodiff';
import type { DType, TypedArray } from '../../../native-models/graph/dtype';
import { compile } from '../../../native-models/runtime/program';

export interface FdInput {
  shape: number[];
  /** float inputs are differentiated; int64/bool inputs are fixed data */
  dtype?: DType;
  /** values for fixed inputs (indices, masks) or to pin float inputs */
  values?: number[];
  /** 'normal' (default), 'positive' (0.5..2), 'awayFromZero' (|x| >= 0.2) */
  init?: 'normal' | 'positive' | 'awayFromZero';
}

export interface FdCase {
  inputs: FdInput[];
  build: (xs: Tensor[], g: Graph) => Tensor;
  /** default 1e-6 for float64, 1e-2 for float32 */
  eps?: number;
  /** |an - fd| <= atol + rtol * max(|an|, |fd|); defaults: float64 1e-7/1e-5, float32 5e-4/2e-3 */
  atol?: number;
  rtol?: number;
  /** elements checked per input (random sample); default 12 */
  samples?: number;
}

export interface FdReport { checked: number; worst: number; failures: string[] }

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeArray(dtype: DType, n: number, at: (i: number) => number): TypedArray {
  if (dtype === 'float64') return Float64Array.from({ length: n }, (_, i) => at(i));
  if (dtype === 'float32') return Float32Array.from({ length: n }, (_, i) => at(i));
  if (dtype === 'int64') return BigInt64Array.from({ length: n }, (_, i) => BigInt(at(i)));
  if (dtype === 'int32') return Int32Array.from({ length: n }, (_, i) => at(i));
  if (dtype === 'bool') return Uint8Array.from({ length: n }, (_, i) => (at(i) ? 1 : 0));
  throw new Error(`fd-check: dtype ${dtype} not supported`);
}

export async function fdCheck(c: FdCase, seed = 1): Promise<FdReport> {
  const rand = rng(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const g = new Graph();
  const xs = c.inputs.map((inp, i) => g.input(`x${i}`, inp.dtype ?? 'float64', inp.shape));
  const out = c.build(xs, g);
  const rVals = Float64Array.from({ length: out.size }, () => normal());
  const r = g.constant(rVals, out.shape, 'float64');
  const loss = out.cast('float64').mul(r).sum();
  const diff = xs.filter((x) => x.dtype === 'float64' || x.dtype === 'float32' || x.dtype === 'float16');
  const grads = grad(loss, diff);
  const outputs: Record<string, Tensor> = { loss };
  diff.forEach((x, i) => (outputs[`grad.${x.name}`] = grads[i] as Tensor));
  const prog = await compile(g, outputs, { keepUnusedInputs: true, intraOpThreads: 1 });

  const feeds: Record<string, TypedArray> = {};
  c.inputs.forEach((inp, i) => {
    const dtype = inp.dtype ?? 'float64';
    const n = inp.shape.reduce((p, d) => p * d, 1);
    const init = inp.init ?? 'normal';
    feeds[`x${i}`] = makeArray(dtype, n, (k) => {
      if (inp.values) return inp.values[k] as number;
      if (init === 'positive') return 0.5 + 1.5 * rand();
      const v = normal();
      return init === 'awayFromZero' ? Math.sign(v || 1) * (0.2 + Math.abs(v)) : v;
    });
  });
  const base = await prog.run(feeds);
  /** loss with element k of `name` moved by `delta`, and the value actually stored (float32 rounds) */
  const lossAt = async (name: string, k: number, delta: number): Promise<[number, number]> => {
    const arr = (feeds[name] as Float64Array).slice();
    arr[k] = (arr[k] as number) + delta;
    const res = await prog.run({ ...feeds, [name]: arr }, ['loss']);
    return [(res.loss as { data: Float64Array }).data[0] as number, arr[k] as number];
  };

  const report: FdReport = { checked: 0, worst: 0, failures: [] };
  for (const x of diff) {
    const is64 = x.dtype === 'float64';
    const eps = c.eps ?? (is64 ? 1e-6 : 1e-2);
    const atol = c.atol ?? (is64 ? 1e-7 : 5e-4);
    const rtol = c.rtol ?? (is64 ? 1e-5 : 2e-3);
    const an = base[`grad.${x.name}`]?.data as Float64Array | Float32Array;
    const n = x.size;
    const picks = n <= (c.samples ?? 12) ? [...Array(n).keys()] : Array.from({ length: c.samples ?? 12 }, () => Math.floor(rand() * n));
    for (const k of picks) {
      // perturb in the input's own precision
      const [lp, xp] = await lossAt(x.name, k, eps);
      const [lm, xm] = await lossAt(x.name, k, -eps);
      const fd = (lp - lm) / (xp - xm);
      const a = an[k] as number;
      const err = Math.abs(a - fd);
      const bound = atol + rtol * Math.max(Math.abs(a), Math.abs(fd));
      report.checked++;
      report.worst = Math.max(report.worst, err / bound);
      if (!(err <= bound)) report.failures.push(`${x.name}[${k}]: analytic ${a}, finite-difference ${fd}`);
    }
  }
  return report;
}
