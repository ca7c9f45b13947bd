// What a CLI subcommand is. Each command lives in main/hosts/commands/<name>.ts and is listed once
// in main/hosts/commands/index.ts.

import type { ParseArgsConfig } from 'node:util';

export type CliOptions = NonNullable<ParseArgsConfig['options']>;
export type CliValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export interface CliContext extends CliIo {
  /** --user-data DIR, else TESSERA_USER_DATA, else the desktop app's user-data folder. */
  userDataDir: string;
  /** Resolves when the user asks the process to stop (Ctrl+C / SIGTERM); long-running commands await it. */
  stopRequested: Promise<void>;
}

export interface CliCommand {
  name: string;
  /** One line for `tessera --help`. */
  summary: string;
  /** Arguments after the command name, e.g. "[--port N]". `--user-data DIR` and `--help` are added for every command. */
  usage: string;
  /** Extra lines for `tessera <name> --help`. */
  details?: string[];
  options: CliOptions;
  /** Whether positionals are accepted (default false). */
  allowPositionals?: boolean;
  /** Returns the exit code (default 0). Throw CliError for a clear one-line failure. */
  run(args: { values: CliValues; positionals: string[] }, ctx: CliContext): Promise<number | void>;
}

/** A failure the user can fix: printed as one line `tessera: <message>`, exit code `exitCode`. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'CliError';
  }
}

/** Reads an integer option, refusing anything else with a clear message. */
export function integerOption(values: CliValues, name: string, min: number, max: number, fallback: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const text = String(raw);
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new CliError(`--${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(text)}.`, 2);
  }
  return value;
}
