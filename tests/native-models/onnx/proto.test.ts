// ONNX writer/reader: byte-exact write -> read -> write round trip, every attribute kind and dtype,
// onnxruntime accepting what we write, and external data (forced with a tiny threshold).
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Graph } from '../../../native-models/graph/graph';
import { emitModel } from '../../../native-models/onnx/emit';
import { decodeModel, encodeModel } from '../../../native-models/onnx/proto';
import type { ModelProto } from '../../../native-models/onnx/proto';
import { resolveExternalData, saveModel, splitExternalData } from '../../../native-models/onnx/external';
import { programFromBytes, programFromModel } from '../../../native-models/runtime/program';
import { createSession, releaseSessions } from '../../../native-models/runtime/session';
import { Program } from '../../../native-models/runtime/program';

const dirs: string[] = [];
afterAll(async () => {
  await releaseSessions();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A graph touching int, ints (incl. negative), float and string attributes and several dtypes. */
function sampleModel(): { model: ModelProto; weight: Float32Array } {
  const g = new Graph();
  const x = g.input('x', 'float32', [1, 2, 5, 5]);
  const w = g.param('conv.weight', [3, 2, 3, 3]);
  const idx = g.constant(new BigInt64Array([2n, -1n]), [2]);
  const y = x.conv(w, null, { padding: [0, 1, 1, 0], stride: 2 }).leakyRelu(0.125) // [1, 3, 2, 2]
    .pad([0, 0, 0, 0, 0, 0, 2, 2], -0.5) // [1, 3, 4, 4]
    .gather(idx, 1) // [1, 2, 4, 4]
    .scatterElements(g.constant(new BigInt64Array(32), [1, 2, 4, 4]), g.full([1, 2, 4, 4], 1), 3, 'add');
  const mask = g.constant(new Uint8Array([1, 0, 1, 1]), [4]);
  const out = mask.where(y, g.scalar(0)).sum([-1]).cast('float64');
  const weight = Float32Array.from({ length: 54 }, (_, i) => Math.sin(i));
  return { model: emitModel(g, { out }, { weights: { 'conv.weight': weight } }).model, weight };
}

describe('ONNX protobuf writer/reader', () => {
  it('round-trips byte-exactly and keeps every field', () => {
    const { model, weight } = sampleModel();
    const bytes = encodeModel(model);
    const back = decodeModel(bytes);
    expect(encodeModel(back)).toEqual(bytes);
    expect(back.irVersion).toBe(8);
    expect(back.opsets).toEqual([{ domain: '', version: 17 }]);
    expect(back.graph.inputs).toEqual([{ name: 'x', elemType: 1, shape: [1, 2, 5, 5] }]);
    expect(back.graph.outputs).toEqual([{ name: 'out', elemType: 11, shape: [1, 2, 4] }]);
    expect(back.graph.nodes.map((n) => n.opType)).toEqual(['Conv', 'LeakyRelu', 'Pad', 'Gather', 'Expand', 'ScatterElements', 'Where', 'ReduceSum', 'Cast']);
    const conv = back.graph.nodes[0];
    expect(conv?.attrs).toEqual({
      strides: { kind: 'ints', value: [2, 2] }, pads: { kind: 'ints', value: [0, 1, 1, 0] },
      dilations: { kind: 'ints', value: [1, 1] }, group: { kind: 'int', value: 1 },
    });
    expect(back.graph.nodes[1]?.attrs.alpha).toEqual({ kind: 'float', value: 0.125 });
    expect(back.graph.nodes[5]?.attrs.reduction).toEqual({ kind: 'string', value: 'add' });
    const w = back.graph.initializers.find((t) => t.name === 'conv.weight');
    expect(w?.dims).toEqual([3, 2, 3, 3]);
    expect(new Float32Array((w?.raw as Uint8Array).slice().buffer)).toEqual(weight);
    const idx = back.graph.initializers.find((t) => t.dataType === 7 && t.dims[0] === 2);
    expect(Array.from(new BigInt64Array((idx?.raw as Uint8Array).slice().buffer))).toEqual([2n, -1n]);
  });

  it('is accepted by onnxruntime, which computes the same thing from bytes and from the decoded model', async () => {
    const { model } = sampleModel();
    const x = Float32Array.from({ length: 50 }, (_, i) => Math.cos(i));
    const a = await (await programFromBytes(encodeModel(model))).run({ x });
    const b = await (await programFromModel(decodeModel(encodeModel(model)))).run({ x });
    expect(a.out?.dtype).toBe('float64');
    expect(a.out?.dims).toEqual([1, 2, 4]);
    expect(Array.from(a.out?.data as Float64Array)).toEqual(Array.from(b.out?.data as Float64Array));
  });

  it('writes external data with location/offset/length and onnxruntime loads it from the file', async () => {
    const { model } = sampleModel();
    const dir = mkdtempSync(join(tmpdir(), 'tessera-ext-'));
    dirs.push(dir);
    const path = join(dir, 'model.onnx');
    expect(saveModel(path, model, { external: true, threshold: 100 })).toEqual({ external: true });
    const onDisk = decodeModel(new Uint8Array(readFileSync(path)));
    const ext = onDisk.graph.initializers.filter((t) => t.external);
    expect(ext.map((t) => t.name)).toContain('conv.weight'); // 216 bytes >= threshold
    expect(onDisk.graph.initializers.filter((t) => !t.external).length).toBeGreaterThan(0); // small ones stay inline
    for (const t of ext) expect(t.external?.location).toBe('model.onnx.data');
    const last = ext[ext.length - 1];
    expect(statSync(join(dir, 'model.onnx.data')).size).toBe((last?.external?.offset ?? 0) + (last?.external?.length ?? 0));
    // the reader puts the bytes back exactly
    expect(encodeModel(resolveExternalData(onDisk, dir))).toEqual(encodeModel(model));
    // and onnxruntime runs the split model from its path
    const x = Float32Array.from({ length: 50 }, (_, i) => Math.cos(i));
    const fromFile = new Program(await createSession({ path }), [{ name: 'x', dtype: 'float32', shape: [1, 2, 5, 5] }], [{ name: 'out', dtype: 'float64', shape: [1, 2, 4] }]);
    const fromBytes = await programFromBytes(encodeModel(model));
    expect(Array.from((await fromFile.run({ x })).out?.data as Float64Array)).toEqual(Array.from((await fromBytes.run({ x })).out?.data as Float64Array));
  });

  it('aligns external tensors to 64 bytes', () => {
    const { model } = sampleModel();
    const split = splitExternalData(model, 'w.data', 1);
    for (const t of split.model.graph.initializers) expect((t.external?.offset ?? 0) % 64).toBe(0);
    expect(split.data.reduce((n, c) => n + c.length, 0)).toBe(split.dataLength);
  });
});

describe('programFromModel with external data', () => {
  it('goes through model.onnx + model.onnx.data when initializers exceed the limit, reusing the files', async () => {
    const { model } = sampleModel();
    const x = Float32Array.from({ length: 50 }, (_, i) => Math.cos(i));
    const viaFiles = await programFromModel(model, { externalDataAbove: 100 });
    const again = await programFromModel(model, { externalDataAbove: 100 });
    expect(again.hash).toBe(viaFiles.hash); // same temp path, same cached session
    const inMemory = await programFromBytes(encodeModel(model));
    expect(viaFiles.hash).not.toBe(inMemory.hash);
    expect(Array.from((await viaFiles.run({ x })).out?.data as Float64Array)).toEqual(Array.from((await inMemory.run({ x })).out?.data as Float64Array));
  });
});
