// The prebuilt CLI (scripts/build-cli.mjs → dist/cli) and the rule bin/tessera.mjs follows to use it: built for real
// into a temporary folder, run for real, and compared with the TypeScript sources run through tsx.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const run = promisify(execFile);
let dir = '';
let out = '';

/** freshCliBundle(bundleDir, root) as bin/tessera.mjs calls it, in a plain Node process. */
async function fresh(bundleDir: string, root: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const script = `import { freshCliBundle } from ${JSON.stringify(pathToFileURL(path.join(ROOT, 'bin', 'cli-bundle.mjs')).href)};` +
    `console.log(String(freshCliBundle(${JSON.stringify(bundleDir)}, ${JSON.stringify(root)})));`;
  return (await run(process.execPath, ['--input-type=module', '-e', script], { env })).stdout.trim();
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-cli-bundle-'));
  // Inside the checkout, two levels down as dist/cli is: the bundle resolves node_modules and the repository
  // root from its own location.
  await fs.mkdir(path.join(ROOT, 'dist'), { recursive: true });
  out = await fs.mkdtemp(path.join(ROOT, 'dist', 'cli-test-'));
  await run(process.execPath, [path.join(ROOT, 'scripts', 'build-cli.mjs'), '--out', out], { cwd: ROOT });
}, 120_000);
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
  if (out) await fs.rm(out, { recursive: true, force: true });
});

describe('the prebuilt CLI bundle', () => {
  it('records the sources it was built from and counts as fresh while they are unchanged', async () => {
    const inputs = JSON.parse(await fs.readFile(path.join(out, 'inputs.json'), 'utf8')) as { sources: { file: string }[] };
    const files = inputs.sources.map((s) => s.file);
    for (const f of ['main/hosts/cli.ts', 'main/hosts/commands/generate.ts', 'native-models/sampling/loop.ts']) expect(files).toContain(f);
    expect(files.some((f) => f.includes('node_modules'))).toBe(false);
    expect(await fresh(out, ROOT)).toBe(pathToFileURL(path.join(out, 'cli.mjs')).href);
    expect(await fresh(out, ROOT, { ...process.env, TESSERA_CLI_BUNDLE: '0' })).toBe('null');
  });

  it('is stale as soon as one recorded source changes or disappears', async () => {
    const root = path.join(dir, 'root');
    const bundleDir = path.join(dir, 'fake');
    await fs.mkdir(root, { recursive: true });
    await fs.mkdir(bundleDir, { recursive: true });
    const src = path.join(root, 'a.ts');
    await fs.writeFile(src, 'export const a = 1;\n');
    await fs.writeFile(path.join(bundleDir, 'cli.mjs'), 'export {};\n');
    const st = await fs.stat(src);
    await fs.writeFile(path.join(bundleDir, 'inputs.json'), JSON.stringify({ sources: [{ file: 'a.ts', size: st.size, mtimeMs: st.mtimeMs }] }));
    expect(await fresh(bundleDir, root)).not.toBe('null');
    await fs.appendFile(src, 'export const b = 2;\n');
    expect(await fresh(bundleDir, root)).toBe('null');
    await fs.rm(src);
    expect(await fresh(bundleDir, root)).toBe('null');
    expect(await fresh(path.join(dir, 'missing'), root)).toBe('null');
  });

  it('generates the same image, byte for byte, as the sources through tsx', async () => {
    const args = (file: string): string[] => ['generate', '--model', 'starter-landscapes', '--cond', path.join(ROOT, 'examples', 'landscape-layout.png'),
      '--size', '64x64', '--seed', '11', '--out', file, '--user-data', path.join(dir, 'ud')];
    const viaBundle = path.join(dir, 'bundle.png');
    const script = `const { runCli } = await import(${JSON.stringify(pathToFileURL(path.join(out, 'cli.mjs')).href)});` +
      `process.exitCode = await runCli(${JSON.stringify(args(viaBundle))});`;
    await run(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT });
    const viaTsx = path.join(dir, 'tsx.png');
    await run(process.execPath, [path.join(ROOT, 'bin', 'tessera.mjs'), ...args(viaTsx)], { cwd: ROOT, env: { ...process.env, TESSERA_CLI_BUNDLE: '0' } });
    const [a, b] = await Promise.all([fs.readFile(viaBundle), fs.readFile(viaTsx)]);
    expect(a.length).toBeGreaterThan(1000);
    // The PNG carries its generation record (with a timestamp): compare the pixels' chunks, not the whole file.
    const idat = (png: Buffer): Buffer => Buffer.concat(chunks(png).filter((c) => c.type === 'IDAT').map((c) => c.data));
    expect(idat(a).equals(idat(b))).toBe(true);
  }, 120_000);
});

function chunks(png: Buffer): { type: string; data: Buffer }[] {
  const out: { type: string; data: Buffer }[] = [];
  for (let at = 8; at < png.length;) {
    const len = png.readUInt32BE(at);
    out.push({ type: png.toString('latin1', at + 4, at + 8), data: png.subarray(at + 8, at + 8 + len) });
    at += 12 + len;
  }
  return out;
}
