// Bundles the Electron main process and the preload to CommonJS with Vite:
//   main/electron/main.ts → dist/electron/main.cjs    (package.json "main")
//   preload/index.ts      → dist/electron/preload.cjs (a sandboxed preload must be one file)
// Native and Electron modules stay external; everything else (services, contract) is inlined.
// `--out DIR` writes elsewhere (tests); the renderer is then expected in DIR/../renderer.
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outFlag = process.argv.indexOf('--out');
const outDir = outFlag >= 0 ? path.resolve(process.argv[outFlag + 1] ?? '') : path.join(root, 'dist', 'electron');
const external = [
  'electron', 'better-sqlite3', 'onnxruntime-node', 'sharp', 'ws',
  ...builtinModules, ...builtinModules.map((m) => `node:${m}`), /^node:/, /^@img\//,
];

async function bundle(entry, fileName) {
  await build({
    root,
    configFile: false,
    logLevel: 'warn',
    // CommonJS has no import.meta: give modules that locate files relative to themselves a real URL
    // (the bundle's own file) instead of undefined.
    define: { 'import.meta.url': 'require("node:url").pathToFileURL(__filename).href' },
    build: {
      ssr: path.join(root, entry),
      outDir,
      emptyOutDir: false,
      target: 'node22',
      minify: false,
      sourcemap: true,
      rollupOptions: {
        external,
        // Lazily imported modules (onnxruntime's provider probe) become chunks loaded on first use, so a
        // missing native module is reported by app.info instead of crashing the process at start.
        output: { format: 'cjs', entryFileNames: fileName, chunkFileNames: 'chunks/[name]-[hash].cjs', dynamicImportInCjs: false },
      },
    },
    ssr: { noExternal: true, external: ['electron', 'better-sqlite3', 'onnxruntime-node', 'sharp', 'ws'] },
  });
  console.log(`built ${path.relative(root, path.join(outDir, fileName))}`);
}

await bundle('main/electron/main.ts', 'main.cjs');
await bundle('preload/index.ts', 'preload.cjs');
