// LPIPS + VGG16 against PyTorch: tests/fixtures/lpips/make_lpips.py (narrow random-weight VGG16, 36×36 inputs).
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { grad } from '../../../native-models/graph/autodiff';
import { Graph } from '../../../native-models/graph/graph';
import { lpipsConstants, lpipsDistance, lpipsTerm } from '../../../native-models/models/lpips';
import { loadLpipsWeights, lpipsKey } from '../../../native-models/models/lpips-weights';
import { vgg16Widths } from '../../../native-models/models/vgg16';
import { writeTorchCheckpoint } from '../../../native-models/formats/torch-checkpoint-writer';
import { compile } from '../../../native-models/runtime/program';
import { readNpy } from '../../../native-models/sampling/npy';

const DIR = join(__dirname, '../../fixtures/lpips');
const npy = (n: string): Float32Array => Float32Array.from(readNpy(readFileSync(join(DIR, `${n}.npy`))).data);
const tmp: string[] = [];
afterAll(async () => { for (const d of tmp) await rm(d, { recursive: true, force: true }); });

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('LPIPS (VGG16 backbone) parity with PyTorch', () => {
  it('loads the torchvision-style VGG16 and the LPIPS lin file from a folder and matches value and input gradients', async () => {
    const w = await loadLpipsWeights(DIR);
    expect(w.files.map((f) => f.slice(DIR.length + 1))).toEqual(['vgg-lin.pth', 'vgg16-narrow.pth']);
    expect(vgg16Widths(w.vgg)).toEqual([6, 10, 14, 18, 22]);
    expect([...w.vgg.keys()].some((k) => k.startsWith('classifier'))).toBe(false);

    const g = new Graph();
    const x = g.input('x', 'float32', [2, 3, 36, 36]); // [B, 3, H, W]
    const y = g.input('y', 'float32', [2, 3, 36, 36]);
    const value = lpipsDistance(x, y, lpipsConstants(g, w)); // [B]
    const loss = value.mul(g.constant(new Float32Array([1, 0.5]), [2])).sum(); // []
    const [gx, gy] = grad(loss, [x, y]);
    const p = await compile(g, { value, gx: gx!, gy: gy! }, { intraOpThreads: 1 });
    const r = await p.run({ x: npy('x'), y: npy('y') });

    const ref = npy('value');
    const got = r.value!.data as Float32Array;
    const relValue = maxDiff(got, ref) / maxAbs(ref);
    const relGx = maxDiff(r.gx!.data as Float32Array, npy('grad-x')) / maxAbs(npy('grad-x'));
    const relGy = maxDiff(r.gy!.data as Float32Array, npy('grad-y')) / maxAbs(npy('grad-y'));
    console.log(`LPIPS parity: value ${[...got].map((v) => v.toFixed(6)).join(', ')} (ref ${[...ref].map((v) => v.toFixed(6)).join(', ')}), rel err value ${relValue.toExponential(2)}, grad x ${relGx.toExponential(2)}, grad y ${relGy.toExponential(2)}`);
    expect(relValue).toBeLessThan(1e-5);
    expect(relGx).toBeLessThan(1e-4);
    expect(relGy).toBeLessThan(1e-4);
  });

  it('is zero for identical images and positive otherwise (lpipsTerm shares one set of constants per graph)', async () => {
    const w = await loadLpipsWeights([join(DIR, 'vgg16-narrow.pth'), join(DIR, 'vgg-lin.pth')]);
    const term = lpipsTerm(w);
    const g = new Graph();
    const x = g.input('x', 'float32', [2, 3, 36, 36]);
    const y = g.input('y', 'float32', [2, 3, 36, 36]);
    const same = term(x, x);
    const diff = term(x, y);
    const convWeights = new Set(g.nodes.filter((n) => n.op === 'Conv').map((n) => n.inputs[1]!.id));
    expect(g.nodes.filter((n) => n.op === 'Conv').length).toBe(4 * 13); // 2 calls × 2 images × 13 convs
    expect(convWeights.size).toBe(13);
    const r = await (await compile(g, { same, diff }, { intraOpThreads: 1 })).run({ x: npy('x'), y: npy('y') });
    expect(maxAbs(r.same!.data as Float32Array)).toBe(0);
    expect(Math.min(...(r.diff!.data as Float32Array))).toBeGreaterThan(0);
  });

  it('reads the same weights from the legacy (pre-1.6) serialization the published files use', async () => {
    const zip = await loadLpipsWeights(DIR);
    const legacy = await loadLpipsWeights(join(DIR, 'legacy'));
    for (const [name, t] of [...zip.vgg, ...zip.lin]) {
      const l = legacy.vgg.get(name) ?? legacy.lin.get(name);
      expect(l?.shape, name).toEqual(t.shape);
      expect(maxDiff(l!.data, t.data)).toBe(0);
    }
  });

  it('maps taming training-checkpoint keys and rejects incomplete or mismatched weights with clear errors', async () => {
    expect(lpipsKey('loss.perceptual_loss.net.slice3.12.weight')).toBe('features.12.weight');
    expect(lpipsKey('first_stage_model.loss.perceptual_loss.lin4.model.1.weight')).toBe('lin4.model.1.weight');
    expect(lpipsKey('loss.perceptual_loss.scaling_layer.shift')).toBeNull();
    expect(lpipsKey('classifier.6.bias')).toBeNull();

    const dir = await mkdtemp(join(tmpdir(), 'lpips-'));
    tmp.push(dir);
    await copyFile(join(DIR, 'vgg16-narrow.pth'), join(dir, 'vgg16.pth'));
    await writeFile(join(dir, 'notes.txt'), 'not a checkpoint');
    await expect(loadLpipsWeights(dir)).rejects.toThrow(/no LPIPS layers \(lin0\.model\.1\.weight …\) in .*vgg\.pth/);
    await expect(loadLpipsWeights(join(dir, 'missing'))).rejects.toThrow(/does not exist/);

    // A lin file whose widths do not match the VGG16, and one with a layer missing.
    const lin = (widths: number[]): Parameters<typeof writeTorchCheckpoint>[1]['tensors'] =>
      widths.map((c, k) => ({ name: `lin${k}.model.1.weight`, dtype: 'float32' as const, shape: [1, c, 1, 1], data: new Uint8Array(4 * c) }));
    await writeTorchCheckpoint(join(dir, 'lin.pth'), { tensors: lin([6, 10, 14, 18, 512]), globalStep: 0 });
    await expect(loadLpipsWeights(dir)).rejects.toThrow(/"lin4\.model\.1\.weight" has shape \[1, 512, 1, 1\] but the VGG16 tap 4 has 22 channels/);
    await writeTorchCheckpoint(join(dir, 'lin.pth'), { tensors: lin([6, 10, 14, 18]), globalStep: 0 });
    await expect(loadLpipsWeights(dir)).rejects.toThrow(/"lin4\.model\.1\.weight" is missing/);
    await expect(loadLpipsWeights([join(dir, 'lin.pth'), join(DIR, 'vgg-lin.pth')])).rejects.toThrow(/repeats weights/);
  });
});
