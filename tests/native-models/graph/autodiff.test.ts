// The backward walk itself: fan-out sums, stop-gradient, integer side paths, several losses, and the
// errors it must raise (op with no rule on the path, unused target, non-scalar loss, a wrong rule).
import { afterAll, describe, expect, it } from 'vitest';
import { Graph, GraphError } from '../../../native-models/graph/graph';
import type { Tensor } from '../../../native-models/graph/graph';
import { grad, gradients, vjp } from '../../../native-models/graph/autodiff';
import { OPS } from '../../../native-models/graph/ops';
import { compile } from '../../../native-models/runtime/program';
import { releaseSessions } from '../../../native-models/runtime/session';

afterAll(() => releaseSessions());

const X = new Float64Array([0.5, -1.25, 2, 0.75, -0.3, 1.1]);

async function evaluate(g: Graph, outs: Record<string, Tensor>, feeds: Record<string, Float64Array | BigInt64Array>): Promise<Record<string, number[]>> {
  const p = await compile(g, outs);
  const r = await p.run(feeds);
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Array.from(v.data as Float64Array, Number)]));
}

describe('autodiff', () => {
  it('sums fan-out: d/dx sum(x*x + x) = 2x + 1', async () => {
    const g = new Graph();
    const x = g.input('x', 'float64', [2, 3]);
    const [gx] = grad(x.mul(x).add(x).sum(), [x]);
    const r = await evaluate(g, { gx: gx as Tensor }, { x: X });
    r.gx?.forEach((v, i) => expect(v).toBeCloseTo(2 * (X[i] as number) + 1, 12));
  });

  it('stops at StopGradient: d/dx sum(x * stopGradient(x)) = x', async () => {
    const g = new Graph();
    const x = g.input('x', 'float64', [6]);
    const [gx] = grad(x.mul(x.stopGradient()).sum(), [x]);
    const r = await evaluate(g, { gx: gx as Tensor }, { x: X });
    expect(r.gx).toEqual(Array.from(X));
  });

  it('VQ straight-through estimator passes the gradient to z unchanged', async () => {
    const g = new Graph();
    const z = g.input('z', 'float64', [6]);
    const zq = z.mul(3).add(1).stopGradient(); // stands for the codebook lookup
    const st = z.add(zq.sub(z).stopGradient());
    const w = g.constant(new Float64Array([1, 2, 3, 4, 5, 6]), [6]);
    const [gz] = grad(st.mul(w).sum(), [z]);
    const r = await evaluate(g, { gz: gz as Tensor, st }, { z: X });
    expect(r.gz).toEqual([1, 2, 3, 4, 5, 6]);
    r.st?.forEach((v, i) => expect(v).toBeCloseTo(3 * (X[i] as number) + 1, 12));
  });

  it('ignores integer side paths (argmax indices feeding a gather)', async () => {
    const g = new Graph();
    const x = g.input('x', 'float64', [2, 3]);
    const idx = x.argmax(1, true); // [2, 1] int64
    const picked = x.gatherElements(idx, 1); // [2, 1]
    const [gx] = grad(picked.sum(), [x]);
    const r = await evaluate(g, { gx: gx as Tensor }, { x: X });
    expect(r.gx).toEqual([0, 0, 1, 0, 0, 1]);
  });

  it('gradients of several losses w.r.t. the same tensor (adaptive GAN weight pattern)', async () => {
    const g = new Graph();
    const x = g.input('x', 'float64', [6]);
    const last = g.param('decoder.conv_out.weight', [6], 'float64');
    const h = x.mul(last);
    const nll = h.abs().mean();
    const gLoss = h.neg().mean();
    const [[dNll], [dG]] = gradients([nll, gLoss], [last]) as [[Tensor], [Tensor]];
    const weight = dNll.mul(dNll).sum().sqrt().div(dG.mul(dG).sum().sqrt().add(1e-4));
    const w0 = new Float64Array([1, -1, 2, -2, 0.5, 1]);
    const r = await evaluate(g, { dNll, dG, weight }, { x: X, 'decoder.conv_out.weight': w0 });
    r.dNll?.forEach((v, i) => expect(v).toBeCloseTo((Math.sign((X[i] as number) * (w0[i] as number)) * (X[i] as number)) / 6, 12));
    r.dG?.forEach((v, i) => expect(v).toBeCloseTo(-(X[i] as number) / 6, 12));
    expect(r.weight?.[0]).toBeGreaterThan(0);
  });

  it('takes gradients w.r.t. intermediate tensors and with an explicit cotangent', async () => {
    const g = new Graph();
    const x = g.input('x', 'float64', [2, 3]);
    const h = x.exp();
    const y = h.mul(2);
    const cot = g.constant(new Float64Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    const [gh, gx] = vjp([y], [cot], [h, x]);
    const r = await evaluate(g, { gh: gh as Tensor, gx: gx as Tensor }, { x: X });
    expect(r.gh).toEqual([2, 4, 6, 8, 10, 12]);
    r.gx?.forEach((v, i) => expect(v).toBeCloseTo(2 * (i + 1) * Math.exp(X[i] as number), 10));
  });

  it('errors: an op with no rule on the gradient path names the op', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [3]);
    const loss = x.sign().mul(x.sign()).sum();
    expect(() => grad(loss, [x])).toThrow(GraphError);
    expect(() => grad(loss, [x])).toThrow(/^Sign: has no gradient rule/);
  });

  it('errors: unused target unless allowUnused; non-scalar loss without cotangent', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [3]);
    const w = g.param('unused.weight', [2]);
    expect(() => grad(x.sum(), [w])).toThrow(/does not depend on unused\.weight\[2\]/);
    const [z] = grad(x.sum(), [w], { allowUnused: true });
    expect(z?.shape).toEqual([2]);
    expect(() => grad(x.exp(), [x])).toThrow(/is not a scalar; pass a cotangent of shape \[3\]/);
  });

  it('errors: a rule that returns a wrongly shaped gradient is caught with op and input named', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [2, 3]);
    const loss = x.neg().sum();
    const table = OPS as unknown as Record<string, { vjp: unknown }>;
    const saved = table.Neg?.vjp;
    try {
      (table.Neg as { vjp: unknown }).vjp = ({ g: gy }: { g: Tensor }) => [() => gy.sum(1)];
      expect(() => grad(loss, [x])).toThrow(/^Neg: gradient for input 0 \(x\[2, 3\] float32\) came out \[2\] float32/);
    } finally {
      (table.Neg as { vjp: unknown }).vjp = saved;
    }
  });
});
