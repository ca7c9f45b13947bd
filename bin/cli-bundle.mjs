// Whether the prebuilt CLI bundle (scripts/build-cli.mjs → dist/cli) may run: it exists and every source file
// it was built from is unchanged (same size and mtime as recorded in dist/cli/inputs.json).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_BUNDLE_DIR = path.join(REPO_ROOT, 'dist', 'cli');

/**
 * The commands that run entirely in this process. `serve` is not among them: it starts engine workers from their
 * TypeScript sources, which the bundle does not carry. A command missing here simply runs through tsx.
 */
export const BUNDLED_COMMANDS = new Set(['generate', 'encode', 'decode', 'info', 'import', 'export-taming', 'debug']);

/** The bundle's file: URL when it is there and built from the sources as they are now; else null. */
export function freshCliBundle(dir = CLI_BUNDLE_DIR, root = REPO_ROOT) {
  if (process.env.TESSERA_CLI_BUNDLE === '0') return null;
  let recorded;
  try {
    recorded = JSON.parse(fs.readFileSync(path.join(dir, 'inputs.json'), 'utf8'));
  } catch {
    return null;
  }
  const entry = path.join(dir, 'cli.mjs');
  if (!Array.isArray(recorded.sources) || recorded.sources.length === 0 || !fs.existsSync(entry)) return null;
  for (const s of recorded.sources) {
    let st;
    try {
      st = fs.statSync(path.join(root, s.file));
    } catch {
      return null;
    }
    if (st.size !== s.size || st.mtimeMs !== s.mtimeMs) return null;
  }
  return pathToFileURL(entry).href;
}
