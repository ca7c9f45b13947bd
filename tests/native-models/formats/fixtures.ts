// Shared paths and checksums of the taming checkpoint fixtures (tests/fixtures/taming, written by
// make_fixtures.py with PyTorch 1.13).

import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const FIXTURES = resolve(__dirname, '../../fixtures/taming');

export interface TensorSum {
  dtype: string;
  shape: number[];
  sha256: string;
}

export interface FixtureSums {
  global_step: number | null;
  tensors: Record<string, TensorSum>;
}

export const CHECKSUMS = JSON.parse(readFileSync(join(FIXTURES, 'checksums.json'), 'utf8')) as Record<string, FixtureSums>;

export function fixture(name: string): string {
  return join(FIXTURES, name);
}

export function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `tessera-formats-${tag}-`));
}
