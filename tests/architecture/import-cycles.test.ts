// No import cycles between files. One type-only cycle is accepted, by design: the op table types its shape and
// gradient rules against the graph's `Tensor`/`Node`, and the graph applies the table (graph.ts -> ops.ts is the
// one value import; the way back is `import type`, erased at compile time, so load order is unaffected).
import { describe, expect, it } from 'vitest';
import { findCycles, importGraph, type ImportEdge } from './import-graph';

const ACCEPTED_TYPE_CYCLES = [['native-models/graph/conv-grad.ts', 'native-models/graph/graph.ts', 'native-models/graph/ops.ts'].join(' <-> ')];

describe('import cycles', () => {
  const edges = importGraph();

  it('reads the import graph', () => {
    expect(edges.length).toBeGreaterThan(1000);
    expect(edges).toContainEqual({ from: 'native-models/graph/graph.ts', to: 'native-models/graph/ops.ts', typeOnly: false });
  });

  it('no cycle through value imports', () => {
    expect(findCycles(edges.filter((e) => !e.typeOnly)).map((c) => c.join(' <-> '))).toEqual([]);
  });

  it('no type-only cycle beyond the graph and its op table', () => {
    expect(findCycles(edges).map((c) => c.join(' <-> '))).toEqual(ACCEPTED_TYPE_CYCLES);
  });

  it('finds a cycle and a self-import', () => {
    const e = (from: string, to: string): ImportEdge => ({ from, to, typeOnly: false });
    expect(findCycles([e('a', 'b'), e('b', 'c'), e('c', 'a'), e('c', 'd'), e('d', 'd')])).toEqual([['a', 'b', 'c'], ['d']]);
  });
});
