// The CLI's subcommands, in the order `tessera --help` lists them. Add yours here: one import, one entry.

import type { CliCommand } from '../cli-command';
import { infoCommand } from './info';
import { serveCommand } from './serve';
import { importCommand } from './import';
import { exportTamingCommand } from './export-taming';
import { generateCommand } from './generate';
import { encodeCommand } from './encode';
import { decodeCommand } from './decode';
import { debugCommand } from './debug';
import { finetuneCommand } from './finetune';

export const COMMANDS: readonly CliCommand[] = [
  infoCommand,
  serveCommand,
  importCommand,
  exportTamingCommand,
  generateCommand,
  encodeCommand,
  decodeCommand,
  debugCommand,
  finetuneCommand,
];
