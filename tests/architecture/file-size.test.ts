// No hand-written file over 600 lines: a longer file is split into modules whose names say what they hold.
// Generated files (package-lock.json, fixture JSON, bundles, images) are not hand-written and not counted.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, sourceFiles } from './source-files';

export const MAX_LINES = 600;
const HAND_WRITTEN = ['.ts', '.tsx', '.mts', '.js', '.mjs', '.cjs', '.py', '.css', '.html', '.md', '.yml', '.yaml', '.sh'];

const lineCount = (text: string): number => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);

describe(`no hand-written file over ${MAX_LINES} lines`, () => {
  const files = sourceFiles(HAND_WRITTEN);

  it('finds the source files', () => {
    expect(files).toContain('native-models/graph/ops.ts');
    expect(files).toContain('renderer/studio/StudioPage.tsx');
    expect(files.some((f) => f.includes('node_modules/'))).toBe(false);
  });

  it('every file is short enough', () => {
    const long = files
      .map((f) => ({ file: f, lines: lineCount(readFileSync(join(REPO_ROOT, f), 'utf8')) }))
      .filter(({ lines }) => lines > MAX_LINES)
      .map(({ file, lines }) => `${file}: ${lines} lines`);
    expect(long, `split these into modules of at most ${MAX_LINES} lines`).toEqual([]);
  });
});
