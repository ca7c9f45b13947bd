// Graph builder: shapes and dtypes inferred at build time, errors that name the op and shapes,
// parameter naming through Scope, and the op table's coverage.
import { describe, expect, it } from 'vitest';
import { Graph, GraphError, concat } from '../../../native-models/graph/graph';
import { OPS } from '../../../native-models/graph/ops';

describe('graph builder', () => {
  it('infers shapes for the common ops', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [2, 3, 8, 8]);
    const w = g.param('w', [4, 3, 3, 3]);
    expect(x.conv(w, null, { stride: 2, padding: [0, 0, 1, 1] }).shape).toEqual([2, 4, 4, 4]);
    expect(x.conv(w, null, { dilation: 2, padding: 2 }).shape).toEqual([2, 4, 8, 8]);
    const wt = g.param('wt', [3, 5, 4, 4]);
    expect(x.convTranspose(wt, null, { stride: 2, padding: 1 }).shape).toEqual([2, 5, 16, 16]);
    expect(x.avgPool(2).shape).toEqual([2, 3, 4, 4]);
    expect(x.reshape([2, -1]).shape).toEqual([2, 192]);
    expect(x.transpose([0, 2, 3, 1]).shape).toEqual([2, 8, 8, 3]);
    expect(x.sum([1, 2]).shape).toEqual([2, 8]);
    expect(x.mean([-1], true).shape).toEqual([2, 3, 8, 1]);
    expect(x.slice([1, 0], [100, 7], [1, 3], [1, 2]).shape).toEqual([2, 2, 8, 4]);
    expect(x.pad([0, 0, 0, 0, 0, 0, 1, 1]).shape).toEqual([2, 3, 9, 9]);
    expect(x.split([1, 2], 1).map((t) => t.shape)).toEqual([[2, 1, 8, 8], [2, 2, 8, 8]]);
    expect(concat([x, x], 0).shape).toEqual([4, 3, 8, 8]);
    const a = g.input('a', 'float32', [5, 1, 4, 6]);
    const b = g.input('b', 'float32', [3, 6, 7]);
    expect(a.matmul(b).shape).toEqual([5, 3, 4, 7]);
    expect(a.add(b.reshape([3, 1, 42]).slice([0], [6], [2])).shape).toEqual([5, 3, 4, 6]);
    const idx = g.input('idx', 'int64', [2, 5]);
    expect(g.param('emb', [10, 16]).gather(idx).shape).toEqual([2, 5, 16]);
    expect(a.argmax(-1).dtype).toBe('int64');
    expect(a.less(0).dtype).toBe('bool');
  });

  it('names parameters with dotted state_dict keys through Scope', () => {
    const g = new Graph();
    const block = g.scope('encoder').child('down').child(0).child('block').child(1);
    const w = block.child('conv1').param('weight', [8, 8, 3, 3]);
    expect(w.name).toBe('encoder.down.0.block.1.conv1.weight');
    expect(g.params.map((p) => p.name)).toEqual(['encoder.down.0.block.1.conv1.weight']);
    expect(g.get('encoder.down.0.block.1.conv1.weight')).toBe(w);
    expect(() => block.child('conv1').param('weight', [1])).toThrow(/already used/);
    expect(() => g.param('int.param', [2], 'int64')).toThrow(/not a float type/);
  });

  it('shape errors name the op and the input shapes', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [2, 3]);
    const y = g.input('y', 'float32', [4]);
    expect(() => x.add(y)).toThrow(GraphError);
    expect(() => x.add(y)).toThrow('Add: shapes [2, 3] and [4] do not broadcast (dim -1: 3 vs 4) (inputs: [2, 3] float32, [4] float32)');
    expect(() => x.matmul(g.input('m', 'float32', [4, 2]))).toThrow(/^MatMul: inner dims differ: \[2, 3\] x \[4, 2\]/);
    expect(() => x.reshape([5, -1])).toThrow(/^Reshape: cannot reshape \[2, 3\]/);
    const img = g.input('img', 'float32', [1, 3, 8, 8]);
    expect(() => img.conv(g.param('w', [4, 2, 3, 3]))).toThrow(/^Conv: channels: X has 3, W expects 2 x group 1/);
    expect(() => img.conv(g.param('w2', [4, 3, 9, 9]))).toThrow(/^Conv: output would be empty/);
    expect(() => concat([x, y], 0)).toThrow(/^Concat: shapes differ off axis 0/);
    expect(() => x.transpose([0, 0])).toThrow(/^Transpose: perm \[0, 0\] is not a permutation/);
    expect(() => x.sum(2)).toThrow(/axis 2 is out of range for rank 2/);
  });

  it('dtype errors name the op and the dtype', () => {
    const g = new Graph();
    const i = g.input('i', 'int64', [3]);
    const f = g.input('f', 'float32', [3]);
    expect(() => i.exp()).toThrow(/^Exp: dtype int64 is not supported \(needs float32, float16 or float64\)/);
    expect(() => i.add(f)).toThrow(/^Add: dtypes differ \(int64 vs float32\); cast first/);
    expect(() => f.gather(f)).toThrow(/^Gather: indices dtype float32 is not supported/);
    expect(() => f.where(f, f)).toThrow(/^Where: condition dtype is float32, needs bool/);
    expect(() => g.input('b', 'bool', [3]).add(g.input('c', 'bool', [3]))).toThrow(/^Add: dtype bool is not supported/);
  });

  it('keeps scalars shared and tensors bound to their graph', () => {
    const g = new Graph();
    expect(g.scalar(2)).toBe(g.scalar(2));
    expect(g.scalar(2, 'float64')).not.toBe(g.scalar(2));
    const other = new Graph().input('z', 'float32', [3]);
    expect(() => g.input('x', 'float32', [3]).add(other)).toThrow(/belongs to another graph/);
  });

  it('has a shape rule, an emission and a vjp decision for every primitive the engine promises', () => {
    const required = ['Add', 'Sub', 'Mul', 'Div', 'Neg', 'Pow', 'Sqrt', 'Exp', 'Log', 'Abs', 'Tanh', 'Sigmoid', 'Erf', 'Relu',
      'LeakyRelu', 'Max', 'Min', 'Where', 'Equal', 'Less', 'Greater', 'Cast', 'MatMul', 'Conv', 'ConvTranspose', 'AveragePool',
      'ReduceSum', 'ReduceMean', 'ReduceMax', 'Reshape', 'Transpose', 'Expand', 'Slice', 'Pad', 'Concat', 'Split', 'Gather',
      'ScatterND', 'ScatterElements', 'ArgMin', 'ArgMax', 'Softmax', 'LogSoftmax', 'Identity', 'StopGradient', 'Trilu'];
    for (const op of required) {
      const def = (OPS as Record<string, { infer?: unknown; vjp?: unknown }>)[op];
      expect(def?.infer, op).toBeTypeOf('function');
      expect(def?.vjp === 'nonDifferentiable' || typeof def?.vjp === 'function', op).toBe(true);
    }
    expect(OPS.ArgMax.vjp).toBe('nonDifferentiable');
    expect(OPS.Equal.vjp).toBe('nonDifferentiable');
  });
});
