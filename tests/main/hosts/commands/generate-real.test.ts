/**
 * `tessera generate` end to end through the real CLI entry (runCli) on the real tiny Net2Net segmentation
 * fixture (imported with the real importer; onnxruntime CPU): PNG with its record, same seed → identical pixels,
 * npy tokens, clear refusals that write nothing.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../../main/hosts/cli';
import { readGenerationRecord, stripPngMetadata } from '../../../../main/gallery/png-record';
import { importTamingCheckpoint } from '../../../../native-models/formats/import-taming';
import { readNpy } from '../../../../native-models/sampling/npy';

const FIXTURES = path.join(import.meta.dirname, '../../../fixtures/models');
let dir = '';
let bundle = '';
let labelsPng = '';

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-gen-real-'));
  bundle = path.join(dir, 'seg-bundle');
  await importTamingCheckpoint(path.join(FIXTURES, 'net2net-seg.ckpt'), { out: bundle, config: path.join(FIXTURES, 'net2net-seg.project.yaml') });
  const png = new PNG({ width: 64, height: 64 });
  for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) png.data.set([y < 32 ? 3 : 9, y < 32 ? 3 : 9, y < 32 ? 3 : 9, 255], (y * 64 + x) * 4);
  labelsPng = path.join(dir, 'labels.png');
  await fs.writeFile(labelsPng, PNG.sync.write(png, { colorType: 0 }));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['generate', ...args], { io: { out: (l) => void out.push(l), err: (l) => void err.push(l) }, stopRequested: new Promise(() => {}) });
  return { code, out, err };
}

describe('tessera generate (real tiny model)', () => {
  it('writes a PNG with its record; the same seed gives identical pixels; --format npy writes the tokens', async () => {
    const a = path.join(dir, 'a.png');
    const b = path.join(dir, 'b.png');
    const common = ['--model', bundle, '--cond', labelsPng, '--size', '64x64', '--seed', '11', '--top-k', '20'];
    const ra = await cli([...common, '--out', a, '--format', 'npy']);
    expect(ra.code, ra.err.join('\n')).toBe(0);
    expect(ra.out).toEqual([a, `${a}.tokens.npy`]);
    const rb = await cli([...common, '--out', b]);
    expect(rb.code, rb.err.join('\n')).toBe(0);
    const [pa, pb] = [await fs.readFile(a), await fs.readFile(b)];
    expect(stripPngMetadata(pa).equals(stripPngMetadata(pb))).toBe(true);
    const rec = readGenerationRecord(pa)!;
    expect(rec).toMatchObject({ mode: 'semantic', seed: 11, size: { width: 64, height: 64 }, executionProvider: 'cpu', sampler: { topK: 20, topP: null } });
    expect(rec.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(rec.condition).toMatchObject({ kind: 'file', path: labelsPng });
    expect(readNpy(await fs.readFile(`${a}.tokens.npy`)).shape).toEqual([1, 8, 8]);
    const rc = await cli([...common.slice(0, -4), '--seed', '12', '--out', path.join(dir, 'c.png')]);
    expect(rc.code).toBe(0);
    expect(stripPngMetadata(await fs.readFile(path.join(dir, 'c.png'))).equals(stripPngMetadata(pa))).toBe(false);
  });

  it('--weights int8 runs the shipped starter on int8 transformer weights and says so in the record; other values are refused', async () => {
    const layout = path.join(import.meta.dirname, '../../../../examples/landscape-layout.png');
    const out = path.join(dir, 'int8.png');
    const r = await cli(['--model', 'starter-landscapes', '--cond', layout, '--size', '64x64', '--seed', '5', '--weights', 'int8', '--out', out]);
    expect(r.code, r.err.join('\n')).toBe(0);
    const rec = readGenerationRecord(await fs.readFile(out))!;
    expect(rec).toMatchObject({ mode: 'semantic', seed: 5, gptWeights: 'int8', size: { width: 64, height: 64 } });
    const plain = path.join(dir, 'fp32.png');
    expect((await cli(['--model', 'starter-landscapes', '--cond', layout, '--size', '64x64', '--seed', '5', '--out', plain])).code).toBe(0);
    expect(readGenerationRecord(await fs.readFile(plain))!.gptWeights).toBeUndefined();
    const bad = await cli(['--model', 'starter-landscapes', '--cond', layout, '--weights', 'int4', '--out', path.join(dir, 'never-int4.png')]);
    expect(bad.code).toBe(2);
    expect(bad.err.join('\n')).toMatch(/--weights int4 is not valid: use float32 or int8/);
    await expect(fs.access(path.join(dir, 'never-int4.png'))).rejects.toThrow();
  });

  it('--window-stride 4 shares each sliding window among 4 × 4 targets and records it; a stride past half the window is refused', async () => {
    const layout = path.join(import.meta.dirname, '../../../../examples/landscape-layout.png');
    const out = path.join(dir, 'stride.png');
    const r = await cli(['--model', 'starter-landscapes', '--cond', layout, '--size', '128x128', '--seed', '5', '--window-stride', '4', '--out', out]);
    expect(r.code, r.err.join('\n')).toBe(0);
    expect(readGenerationRecord(await fs.readFile(out))).toMatchObject({ windowStride: 4, size: { width: 128, height: 128 } });
    const bad = await cli(['--model', 'starter-landscapes', '--cond', layout, '--size', '128x128', '--window-stride', '5', '--out', path.join(dir, 'never-stride.png')]);
    expect(bad.code).not.toBe(0);
    expect(bad.err.join('\n')).toMatch(/window stride must be a whole number from 1 to 4 rows/);
    await expect(fs.access(path.join(dir, 'never-stride.png'))).rejects.toThrow();
  });

  it("samples at the model's own temperature unless --temperature names one, and records the one used", async () => {
    const edges = path.join(import.meta.dirname, '../../../../examples/landscape-edges.png');
    const own = path.join(dir, 'edges-own.png');
    const r = await cli(['--model', 'starter-landscapes-edges', '--cond', edges, '--size', '64x64', '--seed', '5', '--out', own]);
    expect(r.code, r.err.join('\n')).toBe(0);
    expect(readGenerationRecord(await fs.readFile(own))!.sampler.temperature).toBe(0.7); // its manifest: sampling.temperature 0.7
    const asked = path.join(dir, 'edges-t1.png');
    expect((await cli(['--model', 'starter-landscapes-edges', '--cond', edges, '--size', '64x64', '--seed', '5', '--temperature', '1', '--out', asked])).code).toBe(0);
    expect(readGenerationRecord(await fs.readFile(asked))!.sampler.temperature).toBe(1);
  });

  it('refuses bad input with one clear line and writes nothing', async () => {
    const badLabels = new PNG({ width: 64, height: 64 });
    for (let k = 0; k < 64 * 64; k++) badLabels.data.set([200, 200, 200, 255], k * 4);
    const badFile = path.join(dir, 'bad-labels.png');
    await fs.writeFile(badFile, PNG.sync.write(badLabels, { colorType: 0 }));
    const out = path.join(dir, 'never.png');
    const cases: Array<[string[], RegExp]> = [
      [['--cond', badFile], /Label 200 at pixel \(0, 0\) is beyond the model's palette: it has 13 classes/],
      [[], /needs a condition/],
      [['--cond', labelsPng, '--size', '60x64'], /multiples of the model's factor 8/],
      [['--cond', labelsPng, '--size', '16x64'], /The image is 2 tokens wide but this model was trained on windows 4 tokens wide/],
      [['--cond', labelsPng, '--size', '64x16'], /2 tokens high but this conditional model needs at least 4 rows/],
      [['--cond', labelsPng, '--size', '128x64'], /The condition is 64×64 but the output is 128×64 \(another aspect ratio\)/],
      [['--cond', labelsPng, '--mode', 'class'], /semantic model; it cannot generate in class mode/],
    ];
    for (const [extra, message] of cases) {
      const r = await cli(['--model', bundle, '--out', out, ...extra]);
      expect(r.code).toBe(1);
      expect(r.err.join('\n')).toMatch(message);
      await expect(fs.access(out)).rejects.toThrow();
    }
  });
});
