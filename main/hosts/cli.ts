// The `tessera` command line. bin/tessera.mjs runs this file through tsx, so `npx tessera` works
// without a build step. Subcommands live in main/hosts/commands/<name>.ts (listed in commands/index.ts).
// Every failure is one line on stderr, `tessera: <what went wrong and what to do>`, and a non-zero
// exit code (2 for usage errors, 1 for everything else). TESSERA_DEBUG=1 adds the stack trace.

import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { APP_NAME, APP_VERSION } from '../services/app-info';
import { defaultUserDataDir } from '../services/user-data';
import { CliError } from './cli-command';
import type { CliCommand, CliContext, CliIo } from './cli-command';
import { COMMAND_LOADERS, loadCommand, loadCommands } from './commands/index';

const GLOBAL_OPTIONS = {
  'user-data': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function helpText(commands: readonly CliCommand[]): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    `${APP_NAME} ${APP_VERSION} — offline studio for VQGAN + transformer image synthesis`,
    '',
    'Usage: tessera <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Options for every command:',
    '  --user-data DIR  folder for settings and the database (default: the desktop app\'s, or $TESSERA_USER_DATA)',
    '  -h, --help       show help (`tessera <command> --help` for a command\'s options)',
    '  --version        print the version',
  ].join('\n');
}

function commandHelp(command: CliCommand): string {
  return [
    `Usage: tessera ${command.name} ${command.usage} [--user-data DIR]`.replace(/\s+/g, ' ').trim(),
    '',
    command.summary,
    ...(command.details?.length ? ['', ...command.details] : []),
  ].join('\n');
}

export interface CliRunOptions {
  io?: CliIo;
  /** Resolves when the process should stop (default: the first SIGINT or SIGTERM). */
  stopRequested?: Promise<void>;
  commands?: readonly CliCommand[];
}

function signalPromise(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Runs the CLI; resolves with the exit code. Never throws. */
export async function runCli(argv: readonly string[], options: CliRunOptions = {}): Promise<number> {
  const io: CliIo = options.io ?? {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
  try {
    const [name, ...rest] = argv;
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      io.out(helpText(options.commands ?? (await loadCommands())));
      return 0;
    }
    if (name === '--version' || name === '-v') {
      io.out(APP_VERSION);
      return 0;
    }
    const command = options.commands ? options.commands.find((c) => c.name === name) : await loadCommand(name);
    if (!command) {
      const names = options.commands?.map((c) => c.name) ?? COMMAND_LOADERS.map(([n]) => n);
      throw new CliError(`unknown command ${JSON.stringify(name)}; the commands are: ${names.join(', ')} (see tessera --help).`, 2);
    }
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({
        args: [...rest],
        options: { ...command.options, ...GLOBAL_OPTIONS },
        allowPositionals: command.allowPositionals ?? false,
        strict: true,
      });
    } catch (err) {
      const detail = (err as Error).message.split('. ')[0];
      throw new CliError(`${command.name}: ${detail}; see tessera ${command.name} --help.`, 2);
    }
    if (parsed.values.help) {
      io.out(commandHelp(command));
      return 0;
    }
    const userData = parsed.values['user-data'];
    const ctx: CliContext = {
      ...io,
      userDataDir: typeof userData === 'string' ? path.resolve(userData) : defaultUserDataDir(),
      stopRequested: options.stopRequested ?? signalPromise(),
    };
    const code = await command.run({ values: parsed.values, positionals: parsed.positionals }, ctx);
    return code ?? 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    io.err(`tessera: ${message.split('\n')[0]}`);
    if (process.env.TESSERA_DEBUG && err instanceof Error && err.stack) io.err(err.stack);
    return err instanceof CliError ? err.exitCode : 1;
  }
}
