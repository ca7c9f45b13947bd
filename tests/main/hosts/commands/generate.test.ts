import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGenerateArgs, runGenerate } from '../../../../main/hosts/commands/generate';
import type { CommandIo, GeneratorLoader } from '../../../../main/hosts/commands/generate';
import { pngSize, readGenerationRecord, stripPngMetadata } from '../../../../main/gallery/png-record';
import { readNpy } from '../../../../native-models/sampling/npy';
import { testGenerator } from '../../../native-models/sampling/test-generator';

let dir = '';
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-gencli-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function io(signal?: AbortSignal): CommandIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), isTTY: true, appVersion: '0.1.0', signal };
}

const loader = (kind: 'sos' | 'class' | 'pose', delayMs = 0): GeneratorLoader => async () => ({
  models: testGenerator(kind, { delayMs }),
  id: `test-${kind}`,
  sha256: 'cd'.repeat(32),
  executionProvider: 'cpu',
});

describe('tessera generate (with the test models)', () => {
  it('same seed → byte-identical pixels; different seed differs; progress bar drawn', async () => {
    const outs = ['a.png', 'b.png', 'c.png'].map((f) => path.join(dir, f));
    for (const [k, out] of outs.entries()) {
      const t = io();
      const code = await runGenerate(['--model', 'x', '--size', '40x36', '--seed', k === 2 ? '8' : '7', '--out', out], t, loader('sos'));
      expect(code, t.err.join('')).toBe(0);
      expect(t.err.join('')).toMatch(/token 90\/90/);
    }
    const [a, b, c] = await Promise.all(outs.map((f) => fs.readFile(f)));
    expect(stripPngMetadata(a!).equals(stripPngMetadata(b!))).toBe(true);
    expect(stripPngMetadata(a!).equals(stripPngMetadata(c!))).toBe(false);
    expect(readGenerationRecord(a!)).toMatchObject({ seed: 7, mode: 'unconditional', sampler: { topK: 100, topP: null, temperature: 1, greedy: false } });
  });

  it('--n 3 --format npy writes numbered images and the token grids', async () => {
    const out = path.join(dir, 'many.png');
    const t = io();
    expect(await runGenerate(['--model', 'x', '--size', '40x36', '--seed', '1', '--n', '3', '--format', 'npy', '--greedy', '--out', out], t, loader('sos'))).toBe(0);
    const names = (await fs.readdir(dir)).filter((f) => f.startsWith('many'));
    expect(names.sort()).toEqual(['many-1.png', 'many-2.png', 'many-3.png', 'many.png.tokens.npy']);
    expect(readNpy(await fs.readFile(`${out}.tokens.npy`)).shape).toEqual([3, 9, 10]);
  });

  it('cancel returns within a token step and leaves no file (not even the preview)', async () => {
    const controller = new AbortController();
    const out = path.join(dir, 'cancelled.png');
    const t = io(controller.signal);
    setTimeout(() => controller.abort(), 150);
    const started = performance.now();
    const code = await runGenerate(['--model', 'x', '--size', '40x36', '--preview-every', '2', '--out', out], t, loader('sos', 20));
    expect(code).toBe(130);
    expect(performance.now() - started).toBeLessThan(150 + 3 * 20 + 400); // generous: timers are late on a loaded machine
    expect(t.err.join('')).toMatch(/cancelled; nothing was written/);
    expect((await fs.readdir(dir)).filter((f) => f.startsWith('cancelled'))).toEqual([]);
  });

  it('bad input fails with one clear line and writes nothing', async () => {
    const badPose = path.join(dir, 'bad-pose.json');
    await fs.writeFile(badPose, '{"people": [{"pose_keypoints_2d": [1, 2, 3]}]}');
    const cases: Array<[string[], GeneratorLoader, RegExp]> = [
      [['--class', '12'], loader('class'), /Unknown class 12: this model has classes 0..9/],
      [['--cond', badPose], loader('pose'), /expected 54 \(COCO-18\)/],
      [[], loader('pose'), /needs a condition/],
      [['--size', '41x36'], loader('sos'), /multiples of the model's factor 4/],
      [['--top-p', '1.5'], loader('sos'), /--top-p 1.5 is not valid/],
      [['--mode', 'semantic'], loader('sos'), /unconditional model; it cannot generate in semantic mode/],
    ];
    for (const [extra, load, message] of cases) {
      const out = path.join(dir, 'bad.png');
      const t = io();
      const code = await runGenerate(['--model', 'x', '--out', out, ...extra], t, load);
      expect([1, 2]).toContain(code);
      expect(t.err.join('')).toMatch(message);
      await expect(fs.access(out)).rejects.toThrow();
    }
  });

  it('without --size, a pose file is generated at the size the manifest names (outputSize), else one window', async () => {
    const posePath = path.join(dir, 'pose.json');
    const kp = Array.from({ length: 18 }, (_, k) => [10 + k, 12 + k, 1]).flat();
    await fs.writeFile(posePath, JSON.stringify({ canvas_width: 64, canvas_height: 64, people: [{ pose_keypoints_2d: kp }] }));
    const windowed = testGenerator('pose');
    const window = { width: windowed.window.w * windowed.factor, height: windowed.window.h * windowed.factor };
    const named = { width: 2 * window.width, height: window.height };
    for (const [outputSize, expected] of [[undefined, window], [named, named]] as const) {
      const out = path.join(dir, `pose-${expected.width}.png`);
      const withSize: GeneratorLoader = async (spec) => ({ ...(await loader('pose')(spec)), ...(outputSize ? { outputSize } : {}) });
      expect(await runGenerate(['--model', 'm', '--cond', posePath, '--out', out, '--seed', '3'], io(), withSize)).toBe(0);
      expect(pngSize(await fs.readFile(out))).toEqual(expected);
    }
  });

  it('parses flags and refuses unknown ones', () => {
    expect(parseGenerateArgs(['--model', 'm', '--out', 'o.png', '--size', '512x256', '--top-k', '0'])).toMatchObject({ size: { width: 512, height: 256 }, topK: 0, n: 1 });
    expect(() => parseGenerateArgs(['--model', 'm', '--out', 'o.png', '--bogus'])).toThrow(/bogus/);
    expect(() => parseGenerateArgs(['--out', 'o.png'])).toThrow(/--model/);
  });
});
