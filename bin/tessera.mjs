#!/usr/bin/env node
// The `tessera` command. Runs the TypeScript CLI directly through tsx, so no build step is needed; the quick
// in-process commands (generate, info, …) run the prebuilt bundle instead when `npm run build:cli` (or `npm start`)
// made one from the sources as they are now (bin/cli-bundle.mjs), which saves tsx's start-up on every run.
import { BUNDLED_COMMANDS, freshCliBundle } from './cli-bundle.mjs';

const args = process.argv.slice(2);
const bundle = BUNDLED_COMMANDS.has(args[0] ?? '') ? freshCliBundle() : null;
let runCli;
if (bundle) {
  ({ runCli } = await import(bundle));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ runCli } = await import('../main/hosts/cli.ts'));
}
const code = await runCli(args);
process.exitCode = code;
// A long-running command (serve) has closed its server by now; exit promptly even if a handle lingers.
setTimeout(() => process.exit(code), 200).unref();
