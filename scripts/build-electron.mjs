// Bundles the Electron main process and the preload to CommonJS with Vite:
//   main/electron/main.ts → dist/electron/main.cjs    (package.json "main")
//   preload/index.ts      → dist/electron/preload.cjs (a sandboxed preload must be one file)
//   main/generation/{generation-worker,bundle-loader}.ts, main/finetune/finetune-worker.ts → dist/electron/*.mjs (engine workers, ESM)
// Native and Electron modules stay external; everything else (services, contract) is inlined.
// `--out DIR` writes elsewhere (tests); the renderer is then expected in DIR/../renderer.
import path from 'node:path';
import { buildNode, ROOT } from './node-bundle.mjs';

const outFlag = process.argv.indexOf('--out');
const outDir = outFlag >= 0 ? path.resolve(process.argv[outFlag + 1] ?? '') : path.join(ROOT, 'dist', 'electron');

/** The main process and the preload as CommonJS. */
function bundle(entry, fileName) {
  return buildNode(entry, fileName, {
    outDir,
    // CommonJS has no import.meta: give modules that locate files relative to themselves a real URL
    // (the bundle's own file) instead of undefined.
    define: { 'import.meta.url': 'require("node:url").pathToFileURL(__filename).href' },
    // Lazily imported modules (onnxruntime's provider probe) become chunks loaded on first use, so a
    // missing native module is reported by app.info instead of crashing the process at start.
    output: { format: 'cjs', chunkFileNames: 'chunks/[name]-[hash].cjs', dynamicImportInCjs: false },
  });
}

/**
 * The engine workers as ES modules beside main.cjs (worker_threads load them directly, so a packaged app needs
 * no tsx): the generation worker, its model loader (imported by URL inside the worker) and the fine-tune worker.
 * ESM keeps import.meta.url and dynamic import() of file: URLs working as in the sources.
 */
function bundleWorker(entry, fileName) {
  return buildNode(entry, fileName, {
    outDir,
    // device.ts imports the runtime lazily for the main process; in a worker it is loaded anyway.
    onwarn: (w, warn) => { if (w.code !== 'INEFFECTIVE_DYNAMIC_IMPORT') warn(w); },
    output: { format: 'es', chunkFileNames: 'chunks/[name]-[hash].mjs' },
  });
}

await bundle('main/electron/main.ts', 'main.cjs');
await bundle('preload/index.ts', 'preload.cjs');
await bundleWorker('main/generation/generation-worker.ts', 'generation-worker.mjs');
await bundleWorker('main/generation/bundle-loader.ts', 'bundle-loader.mjs');
await bundleWorker('main/finetune/finetune-worker.ts', 'finetune-worker.mjs');
