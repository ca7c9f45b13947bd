import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkpointName, listCheckpoints, loadCheckpoint, loadLatestCheckpoint, removeTempFiles, saveCheckpoint, type TrainingState,
} from '../../../native-models/training/checkpoint';
import { DataOrder } from '../../../native-models/training/data/order';
import { openSafetensors } from '../../../native-models/formats/safetensors';
import { TrainRng } from '../../../native-models/training/rng';

/** Byte equality of big typed arrays (vitest's deep equality is far too slow for millions of elements). */
function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function state(step: number, fill: number): TrainingState {
  const rng = new TrainRng(step);
  const order = DataOrder.create(10, 3);
  order.next(step % 10);
  const w = new Float32Array(3 * 1024 * 1024); // 12 MiB: more than one write chunk
  for (let i = 0; i < w.length; i += 997) w[i] = fill + i;
  return {
    step,
    params: {
      'encoder.conv_in.weight': { dtype: 'float32', shape: [3 * 1024, 1024], data: w },
      'encoder.conv_in.bias': { dtype: 'float32', shape: [3], data: new Float32Array([fill, 2, 3]) },
      'quantize.embedding.weight': { dtype: 'float16', shape: [2, 2], data: new Uint16Array([0x3c00, 0x4000, 0xbc00, 0]) },
    },
    optimizer: {
      tensors: { 'm/encoder.conv_in.bias': { dtype: 'float32', shape: [3], data: new Float32Array([0.1, 0.2, fill]) }, counts: { dtype: 'int32', shape: [2], data: new Int32Array([step, -1]) } },
      meta: { kind: 'adam', t: step, betas: [0.5, 0.9] },
    },
    rng: rng.state(),
    data: order.state(),
    extra: { note: `step ${step}` },
  };
}

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'tessera-ckpt-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

describe('checkpoints', () => {
  it('round-trip every part of the training state exactly', async () => {
    const s = state(7, 1.5);
    const saved = await saveCheckpoint(dir, s);
    expect(saved.path).toBe(join(dir, checkpointName(7)));
    const back = await loadCheckpoint(saved.path);
    expect(back.step).toBe(7);
    expect(sameBytes(back.params['encoder.conv_in.weight']!.data, s.params['encoder.conv_in.weight']!.data)).toBe(true);
    expect(back.params['encoder.conv_in.weight']!.shape).toEqual([3072, 1024]);
    expect(back.params['quantize.embedding.weight']).toEqual(s.params['quantize.embedding.weight']);
    expect(back.optimizer).toEqual(s.optimizer);
    expect(back.rng).toEqual(s.rng);
    expect(back.data).toEqual(s.data);
    expect(back.extra).toEqual(s.extra);
    // The restored RNG and data order continue the same streams.
    const a = TrainRng.fromState(s.rng);
    const b = TrainRng.fromState(back.rng);
    expect([b.nextU32(), b.nextU32()]).toEqual([a.nextU32(), a.nextU32()]);
    expect(DataOrder.fromState(back.data, 10).next(15)).toEqual(DataOrder.fromState(s.data, 10).next(15));
    // safetensors layout: u64 header length, JSON header with dtype/shape/data_offsets.
    const bytes = await readFile(saved.path);
    const hlen = Number(bytes.readBigUInt64LE(0));
    expect((8 + hlen) % 8).toBe(0);
    const header = JSON.parse(bytes.toString('utf8', 8, 8 + hlen)) as Record<string, { dtype?: string }>;
    expect(header['param/quantize.embedding.weight']!.dtype).toBe('F16');
    // And the library's own safetensors reader opens it.
    const st = await openSafetensors(saved.path);
    try {
      expect(st.metadata.format).toBe('tessera-checkpoint');
      const bias = st.tensors.get('param/encoder.conv_in.bias')!;
      expect([bias.dtype, bias.shape]).toEqual(['float32', [3]]);
      const raw = await bias.read();
      expect(Array.from(new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)))).toEqual([1.5, 2, 3]);
    } finally {
      await st.close();
    }
  });

  it('survive a failure injected mid-write: the previous checkpoint stays intact and no temp file remains', async () => {
    const first = await saveCheckpoint(dir, state(100, 1));
    const firstBytes = await readFile(first.path);
    let calls = 0;
    await expect(saveCheckpoint(dir, state(200, 2), {
      hooks: {
        beforeChunk: ({ bytesWritten, totalBytes }) => {
          calls++;
          if (bytesWritten > totalBytes / 3) throw new Error('injected: disk full');
        },
      },
    })).rejects.toThrow(/step 200 .*injected: disk full.*Earlier checkpoints are intact/);
    expect(calls).toBeGreaterThan(1); // it really failed part-way through the data
    expect(await readdir(dir)).toEqual([checkpointName(100)]);
    expect((await readFile(first.path)).equals(firstBytes)).toBe(true);
    const latest = await loadLatestCheckpoint(dir);
    expect(latest!.state.step).toBe(100);
    expect(latest!.state.params['encoder.conv_in.bias']!.data[0]).toBe(1);
  });

  it('a failure just before the rename also leaves the previous checkpoint as the latest', async () => {
    await saveCheckpoint(dir, state(1, 1));
    await expect(saveCheckpoint(dir, state(2, 2), { hooks: { beforeRename: () => { throw new Error('injected: crash before rename'); } } })).rejects.toThrow(/crash before rename/);
    expect((await listCheckpoints(dir)).map((c) => c.step)).toEqual([1]);
  });

  it('ignore temp files left by a crash and fall back past a corrupt newest checkpoint', async () => {
    await saveCheckpoint(dir, state(10, 1));
    const second = await saveCheckpoint(dir, state(20, 2));
    await writeFile(join(dir, `.${checkpointName(30)}.tmp-999-x`), 'half a checkpoint');
    // Flip one byte in the newest checkpoint's data: the sha256 check catches it.
    const bytes = await readFile(second.path);
    bytes[bytes.length - 100]! ^= 0xff;
    await writeFile(second.path, bytes);
    const latest = await loadLatestCheckpoint(dir);
    expect(latest!.state.step).toBe(10);
    expect(latest!.unreadable).toEqual([{ path: second.path, error: expect.stringMatching(/corrupt/) }]);
    // A truncated file is reported as cut short.
    await writeFile(second.path, bytes.subarray(0, 200));
    await expect(loadCheckpoint(second.path)).rejects.toThrow(/cut short|corrupt/);
    expect(await removeTempFiles(dir)).toEqual([join(dir, `.${checkpointName(30)}.tmp-999-x`)]);
    expect(await loadLatestCheckpoint(join(dir, 'nowhere'))).toBeNull();
  });

  it('keep only the newest K', async () => {
    for (const step of [5, 10, 15, 20]) {
      const saved = await saveCheckpoint(dir, state(step, step), { keep: 2 });
      if (step === 15) expect(saved.pruned).toEqual([join(dir, checkpointName(5))]);
    }
    expect((await listCheckpoints(dir)).map((c) => c.step)).toEqual([15, 20]);
  });

  it('reject tensors whose data does not match their shape or dtype', async () => {
    const s = state(1, 1);
    s.params.bad = { dtype: 'float32', shape: [4], data: new Float32Array(3) };
    await expect(saveCheckpoint(dir, s)).rejects.toThrow(/bad: shape \[4\] has 4 elements but the data has 3/);
    s.params.bad = { dtype: 'int32', shape: [3], data: new Float32Array(3) };
    await expect(saveCheckpoint(dir, s)).rejects.toThrow(/needs a Int32Array/);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('DataOrder', () => {
  it('visits every item once per epoch, reshuffles each epoch, and resumes mid-epoch exactly', () => {
    const o = DataOrder.create(7, 11);
    const e0 = o.next(7);
    const e1 = o.next(7);
    expect([...e0].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect([...e1].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(e1).not.toEqual(e0);
    const a = DataOrder.create(7, 11);
    a.next(10);
    const saved = a.state();
    expect(saved).toEqual({ seed: 11, size: 7, epoch: 1, position: 3 });
    expect(DataOrder.fromState(saved, 7).next(9)).toEqual(a.next(9));
    expect(() => DataOrder.fromState(saved, 8)).toThrow(/7 images but 8/);
  });
});
