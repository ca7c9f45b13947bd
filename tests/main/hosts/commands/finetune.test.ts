// `tessera finetune` end to end in-process on a real tiny bundle and a generated image folder: it trains,
// prints the dataset and held-out before/after summary, writes a loadable bundle, resumes a run folder,
// and refuses bad flags with one clear line.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../../main/hosts/cli';
import { readManifest } from '../../../../native-models/formats/bundle';
import { writeLandscapeDataset } from '../../../../recipes/landscapes';
import { writeTinyBaseBundle } from '../../../native-models/training/fixtures/tiny-bundle';

let root: string;
let base: string;
beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-cli-finetune-'));
  base = await writeTinyBaseBundle(root);
  await writeLandscapeDataset({ outDir: path.join(root, 'images'), count: 10, seed: 4, width: 24, height: 16 });
  fs.writeFileSync(path.join(root, 'images', 'notes.txt'), 'not an image'); // + the recipe's palette.json and dataset.json
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

describe('tessera finetune', () => {
  it('fine-tunes the transformer, prints the summary and writes a new bundle beside its base', async () => {
    const c = capture();
    const out = path.join(root, 'tuned');
    const code = await runCli(['finetune', '--model', base, '--images', path.join(root, 'images'), '--stage', 'transformer',
      '--steps', '3', '--batch', '2', '--every', '2', '--out', out, '--user-data', path.join(root, 'ud')], { io: c.io });
    expect(code, c.err.join('\n')).toBe(0);
    const text = c.out.join('\n');
    expect(text).toMatch(/dataset: 10 usable of 13 found \(3 skipped\)/);
    expect(text).toMatch(/transformer: 3 steps; held-out heldOutNll \d+\.\d{4} -> \d+\.\d{4}; run /);
    expect(text).toContain(`wrote ${out}`);
    expect(c.err.some((l) => l.includes('skipped notes.txt: not-an-image'))).toBe(true);
    expect(c.err.some((l) => /^transformer step \d+/.test(l))).toBe(true);
    const manifest = await readManifest(out);
    expect(manifest.provenance.tool).toBe('tessera finetune');
    expect(fs.readdirSync(path.join(root, 'ud', 'runs')).length).toBe(1);
    expect((await readManifest(base)).name).toBe('tiny-base'); // the base is untouched
  });

  it('refuses missing and malformed flags with one clear line', async () => {
    for (const [args, message] of [
      [['finetune', '--images', root, '--steps', '2', '--out', root], /--model <bundle> is required/],
      [['finetune', '--model', base, '--images', root, '--out', root, '--steps', '2', '--stage', 'gpt'], /--stage must be one of transformer, vqgan, both/],
      [['finetune', '--model', base, '--images', root, '--out', root, '--steps', 'many'], /--steps must be a whole number/],
      [['finetune', '--model', base, '--images', root, '--out', root, '--steps', '2', '--lr=-1'], /--lr must be a positive number/],
    ] as const) {
      const c = capture();
      expect(await runCli([...args, '--user-data', path.join(root, 'ud2')], { io: c.io })).toBe(2);
      expect(c.err.join('\n')).toMatch(message);
    }
  });

  it('reports a base that is not a bundle as one line and exits 1', async () => {
    const c = capture();
    const code = await runCli(['finetune', '--model', path.join(root, 'images'), '--images', path.join(root, 'images'),
      '--steps', '1', '--out', path.join(root, 'x'), '--user-data', path.join(root, 'ud3')], { io: c.io });
    expect(code).toBe(1);
    expect(c.err.join('\n')).toMatch(/^tessera: finetune: /m);
  });
});
