// Prebuilds the `tessera` CLI (main/hosts/cli.ts) into one ES module, dist/cli/cli.mjs (commands as lazily loaded
// chunks), so a short command such as `tessera generate` starts without compiling TypeScript through tsx
// (≈ 0.2–0.6 s of each run on 2 cores). Packages stay in node_modules. Beside it, dist/cli/inputs.json records
// every source file that went in (size and mtime): bin/tessera.mjs runs the bundle only while all of them are
// unchanged, so an edit never runs stale code, it just falls back to tsx until the next build.
// `--out DIR` writes elsewhere (tests). `npm start` rebuilds it when a source is newer.
import fs from 'node:fs';
import path from 'node:path';
import { buildNode, ROOT } from './node-bundle.mjs';

const outFlag = process.argv.indexOf('--out');
const outDir = outFlag >= 0 ? path.resolve(process.argv[outFlag + 1] ?? '') : path.join(ROOT, 'dist', 'cli');

fs.rmSync(outDir, { recursive: true, force: true });
const modules = await buildNode('main/hosts/cli.ts', 'cli.mjs', {
  outDir,
  inlineDependencies: false,
  // The sources load `generate`'s modules etc. lazily on purpose; in the bundle they stay separate chunks.
  onwarn: (w, warn) => { if (w.code !== 'INEFFECTIVE_DYNAMIC_IMPORT') warn(w); },
  output: { format: 'es', chunkFileNames: 'chunks/[name]-[hash].mjs' },
});
const sources = modules
  .filter((id) => path.isAbsolute(id) && !id.includes(`${path.sep}node_modules${path.sep}`) && fs.existsSync(id))
  .map((id) => {
    const st = fs.statSync(id);
    return { file: path.relative(ROOT, id).split(path.sep).join('/'), size: st.size, mtimeMs: st.mtimeMs };
  })
  .sort((a, b) => a.file.localeCompare(b.file));
if (!sources.some((s) => s.file === 'main/hosts/cli.ts')) throw new Error('build-cli: the bundle does not list main/hosts/cli.ts among its inputs.');
fs.writeFileSync(path.join(outDir, 'inputs.json'), JSON.stringify({ sources }, null, 1) + '\n');
console.log(`built ${path.relative(ROOT, path.join(outDir, 'inputs.json'))} (${sources.length} source files)`);
