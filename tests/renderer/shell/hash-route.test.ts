import { describe, expect, it } from 'vitest';
import { hashHref, modelsHref, parseHashRoute, selectedModelFromHash } from '../../../renderer/shell/hash-route';

describe('hash routes', () => {
  it('parses the page and its parameters', () => {
    expect(parseHashRoute('#/models').page).toBe('models');
    expect(parseHashRoute('#models').page).toBe('models');
    expect(parseHashRoute('').page).toBe('');
    const r = parseHashRoute('#/gallery?q=sky&star=1');
    expect(r.page).toBe('gallery');
    expect([...r.params.entries()]).toEqual([['q', 'sky'], ['star', '1']]);
  });

  it('round-trips a model id with slashes, spaces, ?, & and # through the Models href', () => {
    for (const id of ['/home/me/library/models/tiny tuned', 'C:\\Users\\me\\models\\a&b?c#d=é', '/x/50%']) {
      const href = modelsHref(id);
      expect(href.startsWith('#/models?select=')).toBe(true);
      expect(href.slice(1)).not.toMatch(/[#\s]/);
      expect(parseHashRoute(href).page).toBe('models');
      expect(selectedModelFromHash(href)).toBe(id);
    }
  });

  it('asks for a selection only on the Models page and only with a non-empty id', () => {
    expect(selectedModelFromHash('#/models')).toBeNull();
    expect(selectedModelFromHash('#/models?select=')).toBeNull();
    expect(selectedModelFromHash(hashHref('gallery', { select: '/a' }))).toBeNull();
    expect(hashHref('studio')).toBe('#/studio');
  });
});
