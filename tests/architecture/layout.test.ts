// ARCHITECTURE.md's layout section lists every folder of main/, native-models/ and renderer/. This test reads
// that list and the tree: a documented folder that is missing, or a folder of those three that the map does not
// name, fails with the path to add or remove.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');
const MAPPED_ROOTS = ['main', 'native-models', 'renderer'];

/** The folder paths of the first ```text block under "## Layout": `name/` per line, two spaces per level. */
export function documentedFolders(markdown: string): string[] {
  const section = markdown.split(/^## Layout\s*$/m)[1];
  if (section === undefined) throw new Error('ARCHITECTURE.md has no "## Layout" section');
  const block = /```text\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error('the Layout section of ARCHITECTURE.md has no ```text block');
  const stack: string[] = [];
  const folders: string[] = [];
  for (const line of block.split('\n')) {
    const m = /^( *)(\S+\/)(?:\s|$)/.exec(line);
    if (!m) continue;
    const indent = m[1]!.length;
    if (indent % 2 !== 0) throw new Error(`ARCHITECTURE.md layout: odd indentation in "${line}"`);
    const depth = indent / 2;
    if (depth > stack.length) throw new Error(`ARCHITECTURE.md layout: "${line}" is indented under no folder`);
    stack.length = depth;
    stack.push(m[2]!.replace(/\/$/, ''));
    folders.push(stack.join('/'));
  }
  return folders;
}

/** Every folder under `dir` (relative to the repo root), skipping dot-folders and node_modules. */
function treeFolders(dir: string): string[] {
  const out: string[] = [dir];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    out.push(...treeFolders(`${dir}/${entry.name}`));
  }
  return out;
}

describe('ARCHITECTURE.md layout', () => {
  const documented = documentedFolders(readFileSync(join(root, 'ARCHITECTURE.md'), 'utf8'));

  it('names only folders that exist', () => {
    const missing = documented.filter((f) => {
      try {
        return !statSync(join(root, f)).isDirectory();
      } catch {
        return true;
      }
    });
    expect(missing, 'documented in ARCHITECTURE.md but not in the tree').toEqual([]);
  });

  it(`names every folder of ${MAPPED_ROOTS.join(', ')}`, () => {
    const undocumented = MAPPED_ROOTS.flatMap(treeFolders).filter((f) => !documented.includes(f));
    expect(undocumented, 'in the tree but not in ARCHITECTURE.md').toEqual([]);
  });

  it('reads nested folders from the indentation', () => {
    expect(documentedFolders('## Layout\n```text\na/  x\n  b/  y\n    c/\n  d/\ne/\n```\n')).toEqual(['a', 'a/b', 'a/b/c', 'a/d', 'e']);
  });
});
