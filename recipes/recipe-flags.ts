/**
 * The command-line options of the recipes (train:starter, the evaluators): `--flag value` pairs and bare
 * `--flag` switches, checked, with errors that name the recipe and the flag. Plus the starter cache's default
 * folder, which every training recipe shares.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface RecipeFlags {
  /** The value after `flag`, if the flag is there; a flag followed by nothing or by another flag is an error. */
  value(flag: string): string | undefined;
  /** A number > 0 (an integer when `integer`), or `fallback` when the flag is absent. */
  positive(flag: string, fallback: number, integer: boolean): number;
  /** Any finite number, or `fallback` when the flag is absent. */
  number(flag: string, fallback: number): number;
  /** Whether a bare switch (e.g. `--smoke`) is there. */
  has(flag: string): boolean;
}

/** Options of `argv`; `tag` (e.g. `train:starter starter-figures`) begins every error message. */
export function recipeFlags(argv: readonly string[], tag: string): RecipeFlags {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${tag}: ${flag} needs a value.`);
    return v;
  };
  const number = (flag: string, fallback: number): number => {
    const v = value(flag);
    if (v === undefined) return fallback;
    const x = Number(v);
    if (v.trim() === '' || !Number.isFinite(x)) throw new Error(`${tag}: ${flag} takes a number, got ${v}.`);
    return x;
  };
  const positive = (flag: string, fallback: number, integer: boolean): number => {
    const x = number(flag, fallback);
    if (x <= 0 || (integer && !Number.isInteger(x))) throw new Error(`${tag}: ${flag} must be a positive ${integer ? 'integer' : 'number'}, got ${value(flag)}.`);
    return x;
  };
  return { value, number, positive, has: (flag) => argv.includes(flag) };
}

/** `<user cache>/tessera/starter`: where the training recipes keep data and run folders unless `--cache` says. */
export function defaultStarterCache(): string {
  const base = process.env.XDG_CACHE_HOME || (process.platform === 'win32' ? process.env.LOCALAPPDATA : undefined) || join(homedir(), '.cache');
  return join(base, 'tessera', 'starter');
}
