// The packaged app carries no starter-recipe code: the Electron bundles (scripts/build-electron.mjs, every entry
// and chunk) contain none of the recipes' own identifiers. electron-builder copies only the zoo's manifests and
// weights (electron-builder.yml), so the bundles are the only way recipe code could ship.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './source-files';

/** Names defined only in recipes (procedural data, training, evaluation). */
const RECIPE_ONLY = ['writeLandscapeDataset', 'generateLandscape', 'writeFigureDataset', 'LANDSCAPE_RECIPE_VERSION', 'FIGURES_RECIPE_VERSION', 'STARTER_PRESETS'];

const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));

describe('packaged app', () => {
  const out = mkdtempSync(join(tmpdir(), 'tessera-bundle-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('contains no recipe code', async () => {
    await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'scripts/build-electron.mjs'), '--out', join(out, 'electron')], { cwd: REPO_ROOT });
    const code = files(join(out, 'electron')).filter((f) => /\.(c|m)?js$/.test(f));
    expect(code.map((f) => f.split('/').pop())).toEqual(expect.arrayContaining(['main.cjs', 'generation-worker.mjs', 'finetune-worker.mjs']));
    const found = code.flatMap((f) => {
      const text = readFileSync(f, 'utf8');
      return RECIPE_ONLY.filter((name) => text.includes(name)).map((name) => `${f.slice(out.length + 1)}: ${name}`);
    });
    expect(found).toEqual([]);
  });
});
