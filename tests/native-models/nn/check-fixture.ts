// Runs an nn composite on a PyTorch fixture's inputs and weights through the real engine
// (graph -> autodiff -> ONNX -> onnxruntime-node, float32) and reports the relative L2 error of every
// output and every gradient against the fixture's float64 PyTorch autograd values.
import { Graph } from '../../../native-models/graph/graph';
import type { Scope, Tensor } from '../../../native-models/graph/graph';
import { vjp } from '../../../native-models/graph/autodiff';
import type { TypedArray } from '../../../native-models/graph/dtype';
import { compile } from '../../../native-models/runtime/program';
import { fixture, l2, relL2 } from './engine-fixtures';
import type { FixtureCase, FixtureTensor } from './engine-fixtures';

export interface FixtureErrors {
  /** relative L2 error per output name */
  outputs: Record<string, number>;
  /**
   * relative L2 error per input/param name; where the reference is zero in exact arithmetic (norm < 1e-9,
   * e.g. attention's key.bias, which softmax cancels) it is the absolute L2 norm of the engine's gradient
   */
  grads: Record<string, number>;
  /** exact-match check for integer outputs (e.g. VQ indices): number of differing entries */
  intMismatches: Record<string, number>;
  case: FixtureCase;
}

function feedOf(t: FixtureTensor): TypedArray {
  return t.dtype === 'int64' || t.dtype === 'bool' ? t.i64 : t.f32;
}

/**
 * `build(scope, inputs)` builds the composite from graph inputs named like the fixture's inputs and
 * returns its outputs by the fixture's output names. Params are created inside build through the scope
 * and must come out with the fixture's (PyTorch state_dict) names — a wrong name fails here.
 */
export async function checkFixture(
  name: string,
  build: (s: Scope, inputs: Record<string, Tensor>, c: FixtureCase) => Record<string, Tensor>,
): Promise<FixtureErrors> {
  const c = fixture(name);
  const g = new Graph();
  const inputs: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(c.inputs)) inputs[k] = g.input(k, t.dtype === 'int64' ? 'int64' : 'float32', t.shape);
  const outs = build(g.scope(), inputs, c);
  for (const k of Object.keys(c.outputs)) if (!outs[k]) throw new Error(`${name}: build did not return output "${k}"`);
  const paramNames = g.params.map((p) => p.name).sort();
  const expected = Object.keys(c.params).sort();
  if (paramNames.join(',') !== expected.join(',')) {
    throw new Error(`${name}: params [${paramNames.join(', ')}] differ from the PyTorch state_dict keys [${expected.join(', ')}]`);
  }
  const diffNames = Object.keys(c.cotangents);
  const cot = diffNames.map((k) => g.input(`cot_${k}`, 'float32', c.cotangents[k]?.shape ?? []));
  const wrtNames = Object.keys(c.grads);
  const wrt = wrtNames.map((k) => (inputs[k] ?? g.get(k)) as Tensor);
  const grads = diffNames.length ? vjp(diffNames.map((k) => outs[k] as Tensor), cot, wrt, { allowUnused: true }) : [];
  const fetch: Record<string, Tensor> = {};
  for (const k of Object.keys(c.outputs)) fetch[`out_${k}`] = outs[k] as Tensor;
  wrtNames.forEach((k, i) => { fetch[`grad_${k}`] = grads[i] as Tensor; });
  const program = await compile(g, fetch, { intraOpThreads: 1 });
  const feeds: Record<string, TypedArray> = {};
  for (const [k, t] of Object.entries(c.inputs)) feeds[k] = feedOf(t);
  for (const [k, t] of Object.entries(c.params)) if (g.get(k)) feeds[k] = feedOf(t);
  diffNames.forEach((k) => { feeds[`cot_${k}`] = (c.cotangents[k] as FixtureTensor).f32; });
  for (const k of Object.keys(feeds)) if (!program.inputs.some((i) => i.name === k)) delete feeds[k];
  const res = await program.run(feeds);
  const errors: FixtureErrors = { outputs: {}, grads: {}, intMismatches: {}, case: c };
  for (const [k, ref] of Object.entries(c.outputs)) {
    const got = (res[`out_${k}`] as { data: TypedArray }).data;
    if (ref.dtype === 'int64') {
      let bad = 0;
      const gi = got as BigInt64Array;
      ref.i64.forEach((v, i) => { if (gi[i] !== v) bad++; });
      errors.intMismatches[k] = bad;
    } else {
      errors.outputs[k] = relL2(Array.from(got as Float32Array), ref.f64);
    }
  }
  for (const k of wrtNames) {
    const got = (res[`grad_${k}`] as { data: TypedArray }).data as Float32Array;
    const ref = (c.grads[k] as FixtureTensor).f64;
    errors.grads[k] = l2(ref) < 1e-9 ? l2(got) : relL2(got, ref);
  }
  return errors;
}

/** The largest error of a FixtureErrors, with its name, for assertion messages. */
export function worst(e: FixtureErrors): { name: string; err: number } {
  let best = { name: '', err: 0 };
  for (const [k, v] of [...Object.entries(e.outputs).map(([k, v]) => [`out ${k}`, v] as const), ...Object.entries(e.grads).map(([k, v]) => [`grad ${k}`, v] as const)]) {
    if (!(v <= best.err)) best = { name: k, err: v };
  }
  return best;
}
