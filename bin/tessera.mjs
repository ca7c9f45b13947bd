#!/usr/bin/env node
// The `tessera` command. Runs the TypeScript CLI directly through tsx, so no build step is needed.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../main/hosts/cli.ts');
const code = await runCli(process.argv.slice(2));
process.exitCode = code;
// A long-running command (serve) has closed its server by now; exit promptly even if a handle lingers.
setTimeout(() => process.exit(code), 200).unref();
