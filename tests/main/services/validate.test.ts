import { describe, expect, it } from 'vitest';
import { PayloadError, array, boolean, literal, none, nullable, number, object, optional, string } from '../../../main/services/validate';

function failure(fn: () => unknown): PayloadError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PayloadError) return err;
    throw err;
  }
  throw new Error('expected a PayloadError');
}

describe('main/services/validate', () => {
  const shape = object({
    name: string({ minLength: 1 }),
    steps: number({ integer: true, min: 1, max: 100 }),
    fast: optional(boolean()),
    mode: literal('edge', 'pose'),
    tags: array(string(), { maxLength: 3 }),
    note: nullable(string()),
  });
  const good = { name: 'a', steps: 3, mode: 'edge', tags: ['x'], note: null };

  it('accepts a valid payload and copies it without absent optionals', () => {
    const parsed = shape.parse(good, 'params');
    expect(parsed).toEqual(good);
    expect(parsed).not.toBe(good);
    expect('fast' in parsed).toBe(false);
  });

  it('names the exact field that is wrong', () => {
    expect(failure(() => shape.parse({ ...good, steps: 2.5 }, 'params')).message)
      .toBe('params.steps must be an integer >= 1 and <= 100, got number 2.5');
    expect(failure(() => shape.parse({ ...good, tags: ['x', 7] }, 'params')).message)
      .toBe('params.tags[1] must be a string, got number 7');
    expect(failure(() => shape.parse({ ...good, mode: 'depth' }, 'params')).message)
      .toBe('params.mode must be one of "edge", "pose", got the string "depth"');
    expect(failure(() => shape.parse({ ...good, name: '' }, 'params')).at).toBe('params.name');
  });

  it('refuses unknown fields, non-plain objects, NaN, NUL characters and over-long arrays', () => {
    expect(failure(() => shape.parse({ ...good, nmae: 'typo' }, 'p')).message).toContain('p.nmae must be absent (unknown field');
    expect(failure(() => shape.parse([good], 'p')).message).toContain('got an array of length 1');
    expect(failure(() => shape.parse(new Date(), 'p')).at).toBe('p');
    expect(failure(() => shape.parse({ ...good, steps: Number.NaN }, 'p')).at).toBe('p.steps');
    expect(failure(() => shape.parse({ ...good, name: 'a\0b' }, 'p')).message).toContain('without NUL');
    expect(failure(() => shape.parse({ ...good, tags: ['a', 'b', 'c', 'd'] }, 'p')).message).toContain('at most 3 items');
  });

  it('none() accepts only a missing argument', () => {
    expect(none().parse(undefined)).toBeUndefined();
    expect(failure(() => none().parse({}, 'params')).message).toBe('params must be absent (this method takes no argument), got an object');
  });
});
