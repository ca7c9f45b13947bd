// nn/attention.ts against PyTorch float64 autograd of minGPT-style causal self-attention (float32 engine).
// Full form: output, present K/V and all gradients, relative L2 ≤ 1e-5. The full form at one position and the
// KV-cache form (inference only): their outputs must equal the full form's rows (relative L2 ≤ 1e-5).
import { describe, expect, it } from 'vitest';
import { Graph } from '../../../native-models/graph/graph';
import type { Tensor } from '../../../native-models/graph/graph';
import { compile } from '../../../native-models/runtime/program';
import { cachedSelfAttention, causalSelfAttention } from '../../../native-models/nn/attention';
import { fixture, relL2 } from './engine-fixtures';
import type { FixtureTensor } from './engine-fixtures';
import { checkFixture, worst } from './check-fixture';

const B = 2, T = 6, C = 16, NH = 4, HS = C / NH;

/** Rows t0..t1 (exclusive) of a [B, T, ...] or [B, nh, T, hs] fixture tensor, along `axis`. */
function rows(t: FixtureTensor, axis: 1 | 2, t0: number, t1: number): number[] {
  const shape = t.shape;
  const inner = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const outer = shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const out: number[] = [];
  for (let o = 0; o < outer; o++) for (let r = t0; r < t1; r++) for (let i = 0; i < inner; i++) out.push(t.f64[(o * (shape[axis] as number) + r) * inner + i] as number);
  return out;
}

async function run(g: Graph, outs: Record<string, Tensor>): Promise<Record<string, Float32Array>> {
  const c = fixture('causal_attention');
  const program = await compile(g, outs, { intraOpThreads: 1 });
  const feeds: Record<string, Float32Array | BigInt64Array> = { x: (c.inputs.x as FixtureTensor).f32 };
  for (const [k, p] of Object.entries(c.params)) feeds[k] = p.f32;
  if (program.inputs.some((i) => i.name === 'pos')) feeds.pos = BigInt64Array.from([5n]); // position 5 of 6
  const res = await program.run(feeds);
  return Object.fromEntries(Object.entries(res).map(([k, v]) => [k, v.data as Float32Array]));
}

describe('nn.causalSelfAttention', () => {
  it('full form: output, present k/v and gradients of x and every projection', async () => {
    const e = await checkFixture('causal_attention', (s, { x }) => causalSelfAttention(s, x!, NH) as unknown as Record<string, Tensor>);
    expect(worst(e).err, worst(e).name).toBeLessThan(1e-5);
    expect(Object.keys(e.grads).sort()).toEqual(
      ['key.bias', 'key.weight', 'proj.bias', 'proj.weight', 'query.bias', 'query.weight', 'value.bias', 'value.weight', 'x']);
  });

  it('full form at one runtime position: row `at` of the full output, every position\'s k/v', async () => {
    const c = fixture('causal_attention');
    const g = new Graph();
    const s = g.scope();
    const x = g.input('x', 'float32', [B, T, C]); // [B, T, C]
    const at = g.input('pos', 'int64', [1]); // [1]
    const r = causalSelfAttention(s, x, NH, at); // y [B, 1, C]
    expect(r.y.shape).toEqual([B, 1, C]);
    const out = await run(g, { y: r.y, k: r.k });
    expect(relL2(out.y!, rows(c.outputs.y as FixtureTensor, 1, 5, 6))).toBeLessThan(1e-5);
    expect(relL2(out.k!, (c.outputs.k as FixtureTensor).f64)).toBeLessThan(1e-5);
  });

  it('KV cache: 2 new tokens after 4 cached ones in a capacity-8 cache equal rows 4..5 of the full form', async () => {
    const c = fixture('causal_attention');
    const g = new Graph();
    const s = g.scope();
    const x = g.input('x', 'float32', [B, T, C]); // [B, T, C]
    const pre = causalSelfAttention(s, x.slice([0], [4], [1]), NH); // k, v: [B, nh, 4, hs]
    // positions 4..7 of the cache hold garbage that the mask must hide
    const keys = pre.k.transpose([0, 1, 3, 2]).pad([0, 0, 0, 0, 0, 0, 0, 4], 7); // [B, nh, hs, 8]
    const values = pre.v.pad([0, 0, 0, 0, 0, 0, 4, 0], -3); // [B, nh, 8, hs]
    const mask = g.constant(Float32Array.from({ length: 8 }, (_, j) => (j < 4 ? 0 : -1e9)), [1, 1, 1, 8]); // [1, 1, 1, 8]
    const r = cachedSelfAttention(s, x.slice([4], [6], [1]), { keys, values, mask }, NH); // y [B, 2, C]
    expect([r.k.shape, r.v.shape]).toEqual([[B, NH, HS, 2], [B, NH, 2, HS]]);
    const out = await run(g, { y: r.y, k: r.k.transpose([0, 1, 3, 2]), v: r.v });
    expect(relL2(out.y!, rows(c.outputs.y as FixtureTensor, 1, 4, 6))).toBeLessThan(1e-5);
    expect(relL2(out.k!, rows(c.outputs.k as FixtureTensor, 2, 4, 6))).toBeLessThan(1e-5);
    expect(relL2(out.v!, rows(c.outputs.v as FixtureTensor, 2, 4, 6))).toBeLessThan(1e-5);
  });

  it('rejects an embedding width that does not split into the heads', () => {
    const g = new Graph();
    expect(() => causalSelfAttention(g.scope(), g.input('x', 'float32', [1, 3, 10]), 4)).toThrow(/n_embd 10 is not divisible by n_head 4/);
  });
});
