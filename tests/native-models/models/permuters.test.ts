import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makePermutation, permuteTokens, permuterFromTarget, type PermuterName } from '../../../native-models/models/permuters';

const FIXTURES = join(__dirname, '../../fixtures/models');
const parity = JSON.parse(readFileSync(join(FIXTURES, 'parity.json'), 'utf8')) as {
  permutations: Record<string, Record<string, number[]>>;
};

describe('permuters', () => {
  for (const [grid, perms] of Object.entries(parity.permutations)) {
    const [h, w] = grid.split('x').map(Number) as [number, number];
    for (const [name, expected] of Object.entries(perms)) {
      it(`${name} ${grid} equals taming's forward_shuffle_idx`, () => {
        const p = makePermutation(name as PermuterName, h, w);
        expect(Array.from(p.forward)).toEqual(expected);
        const tokens = Int32Array.from({ length: 2 * h * w }, (_, k) => (k * 7) % 61);
        const there = permuteTokens(tokens, 2, p.forward);
        expect(Array.from(permuteTokens(there, 2, p.backward))).toEqual(Array.from(tokens));
      });
    }
  }

  it('refuses grids taming refuses, with the reason', () => {
    expect(() => makePermutation('spiral_out', 4, 8)).toThrow(/square/);
    expect(() => makePermutation('subsample', 4, 8)).toThrow(/square/);
    expect(() => permuteTokens(new Int32Array(5), 1, makePermutation('identity', 2, 2).forward)).toThrow(/expected 1x4/);
  });

  it('maps taming class paths', () => {
    expect(permuterFromTarget('taming.modules.transformer.permuter.AlternateParsing')).toBe('alternate');
    expect(() => permuterFromTarget('x.Hilbert')).toThrow(/Unknown permuter/);
  });
});
