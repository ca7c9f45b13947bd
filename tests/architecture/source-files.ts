// The repository's own source files, found by walking the tree (no git needed), for the structure checks in
// tests/architecture: build output, installed packages and generated fixtures are left out.
import { readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Folders never walked: installed packages, build and test output, and data the fixture scripts generate. */
const SKIPPED_FOLDERS = new Set(['node_modules', 'dist', 'release', 'test-results', 'playwright-report', 'coverage', '__pycache__']);

/** Paths (relative to the root, with /) of files under `folders` whose name ends with one of `extensions`. */
export function sourceFiles(extensions: readonly string[], folders: readonly string[] = ['.']): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || SKIPPED_FOLDERS.has(entry.name)) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && extensions.some((ext) => entry.name.endsWith(ext))) out.push(relative(REPO_ROOT, full).split('\\').join('/'));
    }
  };
  for (const folder of folders) walk(join(REPO_ROOT, folder));
  return out.sort();
}
