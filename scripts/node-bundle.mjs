// One Node bundle of a TypeScript entry with Vite's SSR build: what scripts/build-electron.mjs (the Electron main
// process, preload and engine workers) and scripts/build-cli.mjs (the prebuilt `tessera` CLI) share.
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Native and Electron modules: never inlined. */
const NATIVE = ['electron', 'better-sqlite3', 'onnxruntime-node', 'sharp', 'ws'];
const EXTERNAL = [...NATIVE, ...builtinModules, ...builtinModules.map((m) => `node:${m}`), /^node:/, /^@img\//];

/**
 * Bundles `entry` (relative to the repository root) into outDir as `fileName`. `inlineDependencies` (default
 * true) inlines every package but the native ones, as a packaged app needs; false leaves node_modules to Node.
 * Returns the absolute paths of the modules that went into the bundle.
 */
export async function buildNode(entry, fileName, { outDir, define, output, onwarn, inlineDependencies = true }) {
  const result = await build({
    root: ROOT,
    configFile: false,
    logLevel: 'warn',
    ...(define ? { define } : {}),
    build: {
      ssr: path.join(ROOT, entry),
      outDir,
      emptyOutDir: false,
      target: 'node22',
      minify: false,
      sourcemap: true,
      rollupOptions: { external: EXTERNAL, ...(onwarn ? { onwarn } : {}), output: { entryFileNames: fileName, ...output } },
    },
    ssr: inlineDependencies ? { noExternal: true, external: NATIVE } : { noExternal: [], external: true },
  });
  console.log(`built ${path.relative(ROOT, path.join(outDir, fileName))}`);
  const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) => r.output ?? []);
  return [...new Set(outputs.flatMap((o) => (o.type === 'chunk' ? Object.keys(o.modules) : [])))];
}
