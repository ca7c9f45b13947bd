import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultUserDataDir } from '../../../main/services/user-data';

describe('defaultUserDataDir', () => {
  it("matches Electron's userData folder for productName Tessera on each OS", () => {
    expect(defaultUserDataDir({}, 'linux', '/home/ada')).toBe(path.join('/home/ada', '.config', 'Tessera'));
    expect(defaultUserDataDir({ XDG_CONFIG_HOME: '/cfg' }, 'linux', '/home/ada')).toBe(path.join('/cfg', 'Tessera'));
    expect(defaultUserDataDir({}, 'darwin', '/Users/ada')).toBe(path.join('/Users/ada', 'Library', 'Application Support', 'Tessera'));
    expect(defaultUserDataDir({ APPDATA: '/appdata' }, 'win32', '/home/ada')).toBe(path.join('/appdata', 'Tessera'));
  });

  it('lets TESSERA_USER_DATA override it', () => {
    expect(defaultUserDataDir({ TESSERA_USER_DATA: '/tmp/x', XDG_CONFIG_HOME: '/cfg' }, 'linux', '/home/ada')).toBe(path.resolve('/tmp/x'));
  });
});
