// Runtime: compile/run against a JavaScript reference, the session cache, provider fallback with a
// reason, thread options, preallocated outputs filled in place, baked weights, and feed errors.
import { afterAll, describe, expect, it } from 'vitest';
import { Graph } from '../../../native-models/graph/graph';
import type { Tensor } from '../../../native-models/graph/graph';
import { compile, programFromBytes } from '../../../native-models/runtime/program';
import { availableProviders, createSession, releaseSessions, sessionCacheStats } from '../../../native-models/runtime/session';
import { emitModel } from '../../../native-models/onnx/emit';
import { encodeModel } from '../../../native-models/onnx/proto';

afterAll(() => releaseSessions());

/** conv 3x3 (pad 1) -> relu -> global mean -> matmul, plus the same in plain JS. */
function tiny(): { g: Graph; logits: Tensor; feeds: Record<string, Float32Array>; expected: number[] } {
  const g = new Graph();
  const x = g.input('x', 'float32', [1, 2, 4, 4]);
  const w = g.param('conv.weight', [3, 2, 3, 3]);
  const b = g.param('conv.bias', [3]);
  const p = g.param('proj.weight', [3, 2]);
  const logits = x.conv(w, b, { padding: 1 }).relu().mean([2, 3]).matmul(p); // [1, 2]
  const feeds = {
    x: Float32Array.from({ length: 32 }, (_, i) => Math.sin(i * 0.7)),
    'conv.weight': Float32Array.from({ length: 54 }, (_, i) => Math.cos(i * 1.3) * 0.5),
    'conv.bias': new Float32Array([0.1, -0.2, 0.05]),
    'proj.weight': new Float32Array([1, -1, 0.5, 2, -0.25, 0.75]),
  };
  const X = feeds.x, W = feeds['conv.weight'], B = feeds['conv.bias'], P = feeds['proj.weight'];
  const pooled = [0, 1, 2].map((m) => {
    let s = 0;
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) {
      let v = B[m] as number;
      for (let c = 0; c < 2; c++) for (let di = 0; di < 3; di++) for (let dj = 0; dj < 3; dj++) {
        const ii = i + di - 1, jj = j + dj - 1;
        if (ii >= 0 && ii < 4 && jj >= 0 && jj < 4) v += (X[c * 16 + ii * 4 + jj] as number) * (W[((m * 2 + c) * 3 + di) * 3 + dj] as number);
      }
      s += Math.max(0, v);
    }
    return s / 16;
  });
  const expected = [0, 1].map((n) => pooled.reduce((acc, v, m) => acc + v * (P[m * 2 + n] as number), 0));
  return { g, logits, feeds, expected };
}

describe('runtime', () => {
  it('compiles and runs a graph, matching a plain JavaScript reference', async () => {
    const { g, logits, feeds, expected } = tiny();
    const prog = await compile(g, { logits }, { intraOpThreads: 1, interOpThreads: 1 });
    expect(prog.provider).toBe('cpu');
    expect(prog.fallbackReason).toBeNull();
    expect(prog.inputs.map((i) => i.name)).toEqual(['x', 'conv.weight', 'conv.bias', 'proj.weight']);
    const r = await prog.run(feeds);
    expect(r.logits?.dims).toEqual([1, 2]);
    expect(r.logits?.dtype).toBe('float32');
    Array.from(r.logits?.data as Float32Array).forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 5));
  });

  it('bakes weights as initializers so only the data remains a feed', async () => {
    const { g, logits, feeds, expected } = tiny();
    const { x, ...weights } = feeds;
    const prog = await compile(g, { logits }, { weights });
    expect(prog.inputs.map((i) => i.name)).toEqual(['x']);
    const r = await prog.run({ x: x as Float32Array });
    Array.from(r.logits?.data as Float32Array).forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 5));
  });

  it('caches sessions by the sha256 of the model bytes (and options)', async () => {
    const { g, logits } = tiny();
    const bytes = encodeModel(emitModel(g, { logits }).model);
    const before = sessionCacheStats();
    const a = await createSession(bytes, { intraOpThreads: 1 });
    const b = await createSession(bytes.slice(), { intraOpThreads: 1 });
    const c = await createSession(bytes, { intraOpThreads: 2 });
    expect(b.session).toBe(a.session);
    expect(c.session).not.toBe(a.session);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    const after = sessionCacheStats();
    expect(after.hits - before.hits).toBe(1);
    expect(after.misses - before.misses).toBe(2);
  });

  it('falls back to CPU with the reason when a provider is not offered', async () => {
    const { g, logits, feeds, expected } = tiny();
    const offered = availableProviders().map((p) => p.name);
    expect(offered).toContain('cpu');
    const missing = (['dml', 'coreml'] as const).find((p) => !offered.includes(p));
    expect(missing).toBeDefined();
    const prog = await compile(g, { logits }, { provider: missing });
    expect(prog.provider).toBe('cpu');
    expect(prog.fallbackReason).toMatch(new RegExp(`^${missing}: not offered by this onnxruntime-node build`));
    const r = await prog.run(feeds);
    expect((r.logits?.data as Float32Array)[0]).toBeCloseTo(expected[0] as number, 5);
  });

  it('fills preallocated outputs in place and honours fetchNames', async () => {
    const { g, logits, feeds } = tiny();
    const prog = await compile(g, { logits, twice: logits.mul(2) });
    const out = new Float32Array(2);
    const r = await prog.run(feeds, ['logits'], { logits: out });
    expect(Object.keys(r)).toEqual(['logits']);
    expect(r.logits?.data).toBe(out);
    expect(out.some((v) => v !== 0)).toBe(true);
  });

  it('reads inputs and outputs back from bytes', async () => {
    const { g, logits, feeds, expected } = tiny();
    const prog = await programFromBytes(encodeModel(emitModel(g, { logits }).model));
    expect(prog.outputs).toEqual([{ name: 'logits', dtype: 'float32', shape: [1, 2] }]);
    const r = await prog.run(feeds);
    expect((r.logits?.data as Float32Array)[1]).toBeCloseTo(expected[1] as number, 5);
  });

  it('names what is wrong with feeds and fetches', async () => {
    const { g, logits, feeds } = tiny();
    const prog = await compile(g, { logits });
    const { x: _x, ...noX } = feeds;
    await expect(prog.run(noX)).rejects.toThrow('Program.run: missing feeds x');
    await expect(prog.run({ ...feeds, x: new Float64Array(32) })).rejects.toThrow('feed "x" is a Float64Array (float64); it needs float32');
    await expect(prog.run({ ...feeds, x: new Float32Array(31) })).rejects.toThrow('feed "x" has 31 values; shape [1, 2, 4, 4] needs 32');
    await expect(prog.run({ ...feeds, extra: new Float32Array(1) })).rejects.toThrow('"extra" is not an input of this program');
    await expect(prog.run(feeds, ['nope'])).rejects.toThrow('"nope" is not an output of this program');
  });

  it('refuses output names that clash with inputs or internal names', () => {
    const { g, logits } = tiny();
    expect(() => emitModel(g, { x: logits })).toThrow('output name "x" is already an input or param name');
    expect(() => emitModel(g, { v3: logits })).toThrow(/reserved/);
  });

  it('emits an Identity when an input is also an output, and when one tensor has two output names', async () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [2]);
    const y = x.add(1);
    g.output('same', x);
    g.output('y', y);
    g.output('y2', y);
    expect(() => g.output('y', x)).toThrow('output name "y" is already used');
    const prog = await compile(g);
    const r = await prog.run({ x: new Float32Array([1, 2]) });
    expect(Array.from(r.same?.data as Float32Array)).toEqual([1, 2]);
    expect(Array.from(r.y2?.data as Float32Array)).toEqual([2, 3]);
  });
});
