// The CLI's subcommands, in the order `tessera --help` lists them. Add yours here: one line.
// Each command's module (and what it imports: onnxruntime, SQLite, the web host, the trainers) is loaded only
// when that command runs or `--help` lists them all, so `tessera generate` starts without loading the rest.

import type { CliCommand } from '../cli-command';

export const COMMAND_LOADERS: readonly (readonly [name: string, load: () => Promise<CliCommand>])[] = [
  ['info', async () => (await import('./info')).infoCommand],
  ['serve', async () => (await import('./serve')).serveCommand],
  ['import', async () => (await import('./import')).importCommand],
  ['export-taming', async () => (await import('./export-taming')).exportTamingCommand],
  ['generate', async () => (await import('./generate')).generateCommand],
  ['encode', async () => (await import('./encode')).encodeCommand],
  ['decode', async () => (await import('./decode')).decodeCommand],
  ['debug', async () => (await import('./debug')).debugCommand],
  ['finetune', async () => (await import('./finetune')).finetuneCommand],
];

/** Every command, in help order. */
export function loadCommands(): Promise<CliCommand[]> {
  return Promise.all(COMMAND_LOADERS.map(([, load]) => load()));
}

/** The command called `name`, loading only its module; undefined for an unknown name. */
export async function loadCommand(name: string): Promise<CliCommand | undefined> {
  const entry = COMMAND_LOADERS.find(([n]) => n === name);
  return entry ? entry[1]() : undefined;
}
