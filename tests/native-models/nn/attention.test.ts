// nn/attention.ts against PyTorch float64 autograd of minGPT-style causal self-attention (float32 engine).
// Full form: output, present K/V and all gradients, relative L2 ≤ 1e-5. KV-cache forms (inference only):
// their outputs for the later tokens must equal the full form's rows (relative L2 ≤ 1e-5).
import { describe, expect, it } from 'vitest';
import { Graph, concat } from '../../../native-models/graph/graph';
import type { Tensor } from '../../../native-models/graph/graph';
import { compile } from '../../../native-models/runtime/program';
import { causalSelfAttention, causalSelfAttentionCached, causalSelfAttentionWithPast } from '../../../native-models/nn/attention';
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
  if (program.inputs.some((i) => i.name === 'pos')) feeds.pos = BigInt64Array.from([5n]);
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

  it('with past: 4 prefix tokens, then 2 new ones attend to the past and causally to each other', async () => {
    const c = fixture('causal_attention');
    const g = new Graph();
    const s = g.scope();
    const x = g.input('x', 'float32', [B, T, C]); // [B, T, C]
    const pre = causalSelfAttention(s, x.slice([0], [4], [1]), NH); // k, v: [B, nh, 4, hs]
    const r = causalSelfAttentionWithPast(s, x.slice([4], [6], [1]), pre.k, pre.v, NH); // y [B, 2, C], k [B, nh, 6, hs]
    expect(r.k.shape).toEqual([B, NH, T, HS]);
    const out = await run(g, { y: concat([pre.y, r.y], 1), k: r.k, v: r.v });
    expect(relL2(out.y!, (c.outputs.y as FixtureTensor).f64)).toBeLessThan(1e-5);
    expect(relL2(out.k!, (c.outputs.k as FixtureTensor).f64)).toBeLessThan(1e-5);
    expect(relL2(out.v!, (c.outputs.v as FixtureTensor).f64)).toBeLessThan(1e-5);
  });

  it('cached step: token 5 at runtime position 5 in a capacity-8 cache equals row 5 of the full form', async () => {
    const c = fixture('causal_attention');
    const g = new Graph();
    const s = g.scope();
    const x = g.input('x', 'float32', [B, T, C]); // [B, T, C]
    const pos = g.input('pos', 'int64', []); // []
    const pre = causalSelfAttention(s, x.slice([0], [5], [1]), NH); // k, v: [B, nh, 5, hs]
    const pad = [0, 0, 0, 0, 0, 0, 3, 0]; // positions 5..7 empty (their garbage must be masked out)
    const cacheK = pre.k.pad(pad, 7); // [B, nh, 8, hs]
    const cacheV = pre.v.pad(pad, -3); // [B, nh, 8, hs]
    const r = causalSelfAttentionCached(s, x.slice([5], [6], [1]), cacheK, cacheV, pos, NH); // y [B, 1, C]
    const out = await run(g, { y: r.y, k: r.k, v: r.v });
    expect(relL2(out.y!, rows(c.outputs.y as FixtureTensor, 1, 5, 6))).toBeLessThan(1e-5);
    // the cache now holds positions 0..5 of the full form, and the untouched filler after that
    const k8 = out.k!;
    const k6: number[] = [];
    for (let bh = 0; bh < B * NH; bh++) for (let t = 0; t < 6; t++) for (let i = 0; i < HS; i++) k6.push(k8[(bh * 8 + t) * HS + i] as number);
    expect(relL2(k6, (c.outputs.k as FixtureTensor).f64)).toBeLessThan(1e-5);
    expect(k8[(0 * 8 + 6) * HS]).toBe(7);
  });

  it('rejects an embedding width that does not split into the heads', () => {
    const g = new Graph();
    expect(() => causalSelfAttention(g.scope(), g.input('x', 'float32', [1, 3, 10]), 4)).toThrow(/n_embd 10 is not divisible by n_head 4/);
  });
});
