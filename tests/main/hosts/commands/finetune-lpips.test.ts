// `tessera finetune --lpips`: the VQGAN stage with the LPIPS perceptual loss from a folder of weights
// (tests/fixtures/lpips: a narrow random-weight VGG16 + LPIPS lin file), and its flag errors.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../../main/hosts/cli';
import { writeLandscapeDataset } from '../../../../recipes/landscapes';
import { writeTinyBaseBundle } from '../../../native-models/training/fixtures/tiny-bundle';

const LPIPS_DIR = path.join(__dirname, '../../../fixtures/lpips');
let root: string;
let base: string;
beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-cli-lpips-'));
  base = await writeTinyBaseBundle(root);
  await writeLandscapeDataset({ outDir: path.join(root, 'images'), count: 6, seed: 4, width: 24, height: 16 });
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

describe('tessera finetune --lpips', () => {
  it('trains the VQGAN with the perceptual loss and shows p in the progress lines', async () => {
    const c = capture();
    const files = `${path.join(LPIPS_DIR, 'vgg16-narrow.pth')},${path.join(LPIPS_DIR, 'vgg-lin.pth')}`;
    const code = await runCli(['finetune', '--model', base, '--images', path.join(root, 'images'), '--stage', 'vqgan', '--steps', '2',
      '--batch', '2', '--every', '2', '--lpips', files, '--perceptual-weight', '2', '--out', path.join(root, 'tuned'),
      '--user-data', path.join(root, 'ud')], { io: c.io });
    expect(code, c.err.join('\n')).toBe(0);
    expect(c.err.join('\n')).toContain('perceptual loss: LPIPS from vgg16-narrow.pth + vgg-lin.pth, weight 2');
    expect(c.err.some((l) => /^vqgan step \d+\/2 .*\bp \d+\.\d{4}/.test(l))).toBe(true);
  });

  it('refuses --perceptual-weight without --lpips, and an empty --lpips', async () => {
    for (const [extra, message] of [
      [['--perceptual-weight', '1'], /--perceptual-weight needs --lpips/],
      [['--lpips', ','], /--lpips needs a folder or comma-separated files/],
    ] as const) {
      const c = capture();
      const code = await runCli(['finetune', '--model', base, '--images', root, '--out', root, '--steps', '2', '--stage', 'vqgan', ...extra,
        '--user-data', path.join(root, 'ud2')], { io: c.io });
      expect(code).toBe(2);
      expect(c.err.join('\n')).toMatch(message);
    }
  });
});
