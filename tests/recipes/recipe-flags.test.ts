import { describe, expect, it } from 'vitest';
import { evaluatorArgs } from '../../recipes/evaluate-common';
import { recipeFlags } from '../../recipes/recipe-flags';

describe('recipe flags', () => {
  const f = recipeFlags(['starter-landscapes', '--steps', '12', '--lr', '5e-4', '--top-k', '0', '--temperature', '-1', '--smoke', '--out'], 'train:starter');

  it('reads values, numbers and switches, with fallbacks for absent flags', () => {
    expect(f.value('--steps')).toBe('12');
    expect(f.value('--cache')).toBeUndefined();
    expect(f.positive('--steps', 3, true)).toBe(12);
    expect(f.positive('--lr', 1e-3, false)).toBe(5e-4);
    expect(f.positive('--batch', 8, true)).toBe(8);
    expect(f.number('--top-k', 100)).toBe(0);
    expect(f.number('--temperature', 1)).toBe(-1);
    expect(f.has('--smoke')).toBe(true);
    expect(f.has('--greedy')).toBe(false);
  });

  it('says which recipe and flag a bad value belongs to', () => {
    expect(() => f.value('--out')).toThrow('train:starter: --out needs a value.');
    expect(() => recipeFlags(['--cache', '--smoke'], 'x').value('--cache')).toThrow('x: --cache needs a value.');
    expect(() => f.positive('--lr', 1, true)).toThrow('train:starter: --lr must be a positive integer, got 5e-4.');
    expect(() => f.positive('--top-k', 1, false)).toThrow('--top-k must be a positive number, got 0.');
    expect(() => recipeFlags(['--n', 'ten'], 'evaluate').number('--n', 50)).toThrow('evaluate: --n takes a number, got ten.');
  });

  it("finds an evaluator's bundle folder among its flags and checks the flags it reads", () => {
    const { dir, flags } = evaluatorArgs(['--json', 'r.json', 'zoo/starter-figures', '--n', '5'], 'evaluate-figures', 'usage: x');
    expect(dir).toBe('zoo/starter-figures');
    expect(flags.positive('--n', 50, true)).toBe(5);
    expect(() => evaluatorArgs(['--json', 'r.json'], 'evaluate-figures', 'usage: evaluate-figures.ts <bundle dir>')).toThrow('usage: evaluate-figures.ts <bundle dir>');
    expect(() => evaluatorArgs(['b', '--n', 'ten'], 'evaluate-edges', 'u').flags.positive('--n', 50, true)).toThrow('evaluate-edges: --n takes a number, got ten.');
    expect(() => evaluatorArgs(['b', '--json', '--n', '5'], 'evaluate-edges', 'u').flags.value('--json')).toThrow('evaluate-edges: --json needs a value.');
  });
});
