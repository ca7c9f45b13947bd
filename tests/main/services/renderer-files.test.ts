import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, contentTypeFor, resolveRendererFile } from '../../../main/services/renderer-files';

const root = path.resolve('/srv/tessera/dist/renderer');

describe('resolveRendererFile', () => {
  it('maps URL paths into the renderer folder, / to index.html', () => {
    expect(resolveRendererFile(root, '/')).toBe(path.join(root, 'index.html'));
    expect(resolveRendererFile(root, '/assets/index-abc.js')).toBe(path.join(root, 'assets', 'index-abc.js'));
    expect(resolveRendererFile(root, '/assets/a%20b.css')).toBe(path.join(root, 'assets', 'a b.css'));
  });

  it('never leaves the folder, whatever the encoding', () => {
    for (const p of ['/../secret', '/%2e%2e/secret', '/assets/../../secret', '/..%2f..%2fsecret', '/..\\..\\secret', '/%E0%A4%A', '/a%00b']) {
      const file = resolveRendererFile(root, p);
      if (file !== null) expect(file.startsWith(root + path.sep)).toBe(true);
    }
    expect(resolveRendererFile(root, '/%E0%A4%A')).toBeNull();
    expect(resolveRendererFile(root, '/a%00b')).toBeNull();
  });
});

describe('content types and CSP', () => {
  it('knows the types the build emits', () => {
    expect(contentTypeFor('x/index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeFor('x/app.JS')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeFor('x/favicon.svg')).toBe('image/svg+xml');
    expect(contentTypeFor('x/blob.bin')).toBe('application/octet-stream');
  });

  it('allows no inline or remote script and only the given extra connections', () => {
    const csp = contentSecurityPolicy(['ws://127.0.0.1:5000']);
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
    expect(csp).toContain("connect-src 'self' ws://127.0.0.1:5000;");
    expect(contentSecurityPolicy()).toContain("connect-src 'self';");
    expect(csp).toContain("object-src 'none'");
  });
});
