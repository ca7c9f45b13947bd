// tessera import → encode / decode / debug logits on the PyTorch parity fixtures (tests/fixtures/models).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../../main/hosts/cli';
import { readNpy, writeNpyFloat32, writeNpyInt64 } from '../../../../native-models/sampling/npy';
import { releaseSessions } from '../../../../native-models/runtime/session';

const FIX = path.join(__dirname, '../../../fixtures/models');
const npy = (p: string): ReturnType<typeof readNpy> => readNpy(fs.readFileSync(p));
let dir: string;
let seg: string;
let gumbel: string;

async function cli(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { io: { out: (l) => out.push(l), err: (l) => err.push(l) }, stopRequested: new Promise(() => {}) });
  return { code, out, err };
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k]! - b[k]!));
  return m;
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-model-cli-'));
  seg = path.join(dir, 'seg');
  gumbel = path.join(dir, 'gumbel');
  const a = await cli(['import', path.join(FIX, 'net2net-seg.ckpt'), '--config', path.join(FIX, 'net2net-seg.project.yaml'), '--out', seg]);
  expect(a.code, a.err.join('\n')).toBe(0);
  const b = await cli(['import', path.join(FIX, 'gumbel-f8.ckpt'), '--out', gumbel]);
  expect(b.code, b.err.join('\n')).toBe(0);
});
afterAll(async () => {
  await releaseSessions();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('tessera encode / decode / debug logits', () => {
  it('encode an NCHW float .npy with the first stage: indices identical to PyTorch; decode back ≤ 1e-4', async () => {
    const idx = path.join(dir, 'z.npy');
    const r = await cli(['encode', '--model', seg, path.join(FIX, 'net2net-seg.image.npy'), '--out', idx]);
    expect(r.code, r.err.join('\n')).toBe(0);
    const got = npy(idx);
    expect(got.dtype).toBe('<i8');
    expect(got.shape).toEqual([2, 4, 4]);
    expect(Array.from(got.data)).toEqual(Array.from(npy(path.join(FIX, 'net2net-seg.z-indices.npy')).data));
    const out = path.join(dir, 'z-dec.npy');
    const d = await cli(['decode', '--model', seg, idx, '--out', out]);
    expect(d.code, d.err.join('\n')).toBe(0);
    const dec = npy(out);
    expect(dec.shape).toEqual([2, 3, 32, 32]);
    expect(maxAbs(dec.data, npy(path.join(FIX, 'net2net-seg.z-decoded.npy')).data)).toBeLessThanOrEqual(1e-4);
  });

  it('encode an integer label map with --stage cond (segmentation one-hot), JSON output', async () => {
    const out = path.join(dir, 'c.json');
    const r = await cli(['encode', '--model', seg, '--stage', 'cond', path.join(FIX, 'net2net-seg.labels.npy'), '--out', out]);
    expect(r.code, r.err.join('\n')).toBe(0);
    const json = JSON.parse(fs.readFileSync(out, 'utf8')) as { shape: number[]; indices: number[] };
    expect(json.shape).toEqual([2, 4, 4]);
    expect(json.indices).toEqual(Array.from(npy(path.join(FIX, 'net2net-seg.c-indices.npy')).data));
  });

  it('Gumbel VQGAN: argmax indices identical; PNG decode is the clamped, rounded decoder output', async () => {
    const idx = path.join(dir, 'g.npy');
    expect((await cli(['encode', '--model', gumbel, path.join(FIX, 'gumbel-f8.input.npy'), '--out', idx])).code).toBe(0);
    expect(Array.from(npy(idx).data)).toEqual(Array.from(npy(path.join(FIX, 'gumbel-f8.indices.npy')).data));
    const png = path.join(dir, 'g.png');
    const r = await cli(['decode', '--model', gumbel, idx, '--out', png]);
    expect(r.code, r.err.join('\n')).toBe(0);
    const ref = npy(path.join(FIX, 'gumbel-f8.decoded.npy')); // [2, 3, 16, 24]
    const second = await sharp(path.join(dir, 'g-2.png')).raw().toBuffer({ resolveWithObject: true });
    expect([second.info.width, second.info.height, second.info.channels]).toEqual([24, 16, 3]);
    const hw = 16 * 24;
    let worst = 0;
    for (let p = 0; p < hw; p++) {
      for (let c = 0; c < 3; c++) {
        const v = Math.min(1, Math.max(-1, ref.data[(3 + c) * hw + p]!));
        worst = Math.max(worst, Math.abs(second.data[p * 3 + c]! - (v + 1) * 127.5));
      }
    }
    expect(worst).toBeLessThanOrEqual(0.51);
  });

  it('a PNG goes in as x/127.5 − 1 (same codes as the equivalent float tensor)', async () => {
    const px = Buffer.alloc(32 * 32 * 3);
    for (let k = 0; k < px.length; k++) px[k] = (k * 37) % 256;
    const png = path.join(dir, 'in.png');
    await sharp(px, { raw: { width: 32, height: 32, channels: 3 } }).png().toFile(png);
    const planar = new Float32Array(3 * 32 * 32);
    for (let p = 0; p < 32 * 32; p++) for (let c = 0; c < 3; c++) planar[c * 1024 + p] = px[p * 3 + c]! / 127.5 - 1;
    const asNpy = path.join(dir, 'in.npy');
    fs.writeFileSync(asNpy, writeNpyFloat32([1, 3, 32, 32], planar));
    expect((await cli(['encode', '--model', seg, png, '--out', path.join(dir, 'a.npy')])).code).toBe(0);
    expect((await cli(['encode', '--model', seg, asNpy, '--out', path.join(dir, 'b.npy')])).code).toBe(0);
    expect(Array.from(npy(path.join(dir, 'a.npy')).data)).toEqual(Array.from(npy(path.join(dir, 'b.npy')).data));
  });

  it('debug logits equals the PyTorch logits of the c ++ z sequence', async () => {
    const out = path.join(dir, 'logits.npy');
    const r = await cli(['debug', 'logits', '--model', seg, '--tokens', path.join(FIX, 'net2net-seg.tokens.npy'), '--out', out]);
    expect(r.code, r.err.join('\n')).toBe(0);
    const got = npy(out);
    expect(got.shape).toEqual([2, 31, 64]);
    expect(maxAbs(got.data, npy(path.join(FIX, 'net2net-seg.logits.npy')).data)).toBeLessThanOrEqual(1e-4);
  });

  it('bad inputs fail with a clear message and no output file', async () => {
    const labels = npy(path.join(FIX, 'net2net-seg.labels.npy'));
    const bad = Array.from(labels.data);
    bad[5] = 13;
    const badFile = path.join(dir, 'bad-labels.npy');
    fs.writeFileSync(badFile, writeNpyInt64(labels.shape, bad));
    const out = path.join(dir, 'never.npy');
    const r1 = await cli(['encode', '--model', seg, '--stage', 'cond', badFile, '--out', out]);
    expect(r1.code).toBe(1);
    expect(r1.err.join('\n')).toMatch(/label 13 at \(batch 0, row 0, col 5\) is outside 0..12/);

    const four = path.join(dir, 'four.npy');
    fs.writeFileSync(four, writeNpyFloat32([1, 4, 16, 16], new Float32Array(4 * 256)));
    const r2 = await cli(['encode', '--model', seg, four, '--out', out]);
    expect(r2.err.join('\n')).toMatch(/has 4 channels.*takes 3/);

    const grey = path.join(dir, 'grey.png');
    await sharp(Buffer.alloc(32 * 32), { raw: { width: 32, height: 32, channels: 1 } }).toColourspace('b-w').png().toFile(grey);
    const r3 = await cli(['encode', '--model', seg, grey, '--out', out]);
    expect(r3.err.join('\n')).toMatch(/greyscale image, but the first stage takes 3 channels/);

    const r4 = await cli(['encode', '--model', gumbel, '--stage', 'cond', grey, '--out', out]);
    expect(r4.err.join('\n')).toMatch(/no condition stage/);

    const big = path.join(dir, 'big.json');
    fs.writeFileSync(big, JSON.stringify([[0, 64]]));
    const r5 = await cli(['decode', '--model', seg, big, '--out', path.join(dir, 'never.png')]);
    expect(r5.err.join('\n')).toMatch(/index 64 .* outside the codebook 0..63/);
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.existsSync(path.join(dir, 'never.png'))).toBe(false);
  });
});
