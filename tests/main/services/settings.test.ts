import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SETTINGS_FILE_NAME, SettingsStore, createSettingsDomain } from '../../../main/services/settings';
import { PayloadError } from '../../../main/services/validate';
import type { SettingsSnapshot } from '../../../preload/contract';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-settings-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const file = () => path.join(dir, SETTINGS_FILE_NAME);
const fixedNow = () => new Date('2026-11-28T15:04:05.123Z');

describe('SettingsStore', () => {
  it('starts from defaults without writing anything', () => {
    const store = SettingsStore.open({ userDataDir: dir });
    expect(store.snapshot()).toEqual({ values: { libraryFolder: path.join(dir, 'library'), device: { preferred: 'auto' } }, file: file(), recovered: null });
    expect(fs.existsSync(file())).toBe(false);
  });

  it('persists an update and reads it back in a new store', () => {
    const library = path.join(dir, 'my library');
    SettingsStore.open({ userDataDir: dir }).update({ libraryFolder: library });
    expect(JSON.parse(fs.readFileSync(file(), 'utf8'))).toEqual({ version: 1, values: { libraryFolder: library, device: { preferred: 'auto' } } });
    expect(fs.statSync(library).isDirectory()).toBe(true);
    expect(SettingsStore.open({ userDataDir: dir }).snapshot().values.libraryFolder).toBe(library);
  });

  it('replaces the file by rename (new inode) and leaves no temp files', () => {
    const store = SettingsStore.open({ userDataDir: dir });
    store.update({ libraryFolder: path.join(dir, 'a') });
    const before = fs.statSync(file()).ino;
    store.update({ libraryFolder: path.join(dir, 'b') });
    expect(fs.statSync(file()).ino).not.toBe(before);
    expect(fs.readdirSync(dir).sort()).toEqual(['a', 'b', SETTINGS_FILE_NAME]);
  });

  it('keeps the old state, and no temp file, when the write fails', () => {
    const store = SettingsStore.open({ userDataDir: dir });
    // A non-empty folder where settings.json should go makes the final rename fail.
    fs.mkdirSync(path.join(file(), 'blocker'), { recursive: true });
    expect(() => store.update({ libraryFolder: path.join(dir, 'x') })).toThrow(/Could not save settings to .*settings\.json/);
    expect(store.snapshot().values.libraryFolder).toBe(path.join(dir, 'library'));
    expect(fs.readdirSync(dir).filter((n) => n.includes('tmp'))).toEqual([]);
  });

  it('moves a file that is not JSON aside, reports it and runs on defaults', () => {
    fs.writeFileSync(file(), '{"version": 1, "values": {');
    const store = SettingsStore.open({ userDataDir: dir, now: fixedNow });
    const { recovered, values } = store.snapshot();
    const movedTo = `${file()}.corrupt-2026-11-28T15-04-05-123Z`;
    expect(recovered).toEqual({ movedTo, at: '2026-11-28T15:04:05.123Z', reason: expect.stringMatching(/^settings\.json could not be used: it is not valid JSON/) });
    expect(fs.readFileSync(movedTo, 'utf8')).toBe('{"version": 1, "values": {');
    expect(fs.existsSync(file())).toBe(false);
    expect(values.libraryFolder).toBe(path.join(dir, 'library'));
    // The next save writes a fresh file and leaves the quarantined one alone.
    store.update({ libraryFolder: path.join(dir, 'new') });
    expect(fs.readFileSync(movedTo, 'utf8')).toBe('{"version": 1, "values": {');
  });

  it('quarantines wrong shapes, invalid values and unknown versions with a reason each', () => {
    const cases: [string, RegExp][] = [
      ['[1,2]', /holds an array of length 2 instead of an object/],
      ['{"version": 2, "values": {}}', /format version is number 2; this Tessera reads version 1/],
      ['{"version": 1, "values": {"libraryFolder": 42}}', /setting libraryFolder must be a non-empty string, got number 42/],
      ['{"version": 1, "values": {"libraryFolder": "relative/path"}}', /libraryFolder must be an absolute folder path/],
    ];
    for (const [i, [text, reason]] of cases.entries()) {
      fs.writeFileSync(file(), text);
      const store = SettingsStore.open({ userDataDir: dir, now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, i)) });
      expect(store.snapshot().recovered?.reason).toMatch(reason);
    }
    expect(fs.readdirSync(dir).filter((n) => n.startsWith('settings.json.corrupt-'))).toHaveLength(cases.length);
  });

  it('never overwrites an earlier quarantined file from the same instant', () => {
    for (let i = 0; i < 2; i++) {
      fs.writeFileSync(file(), `broken ${i}`);
      SettingsStore.open({ userDataDir: dir, now: fixedNow });
    }
    const moved = fs.readdirSync(dir).filter((n) => n.startsWith('settings.json.corrupt-')).sort();
    expect(moved).toHaveLength(2);
    expect(moved.map((n) => fs.readFileSync(path.join(dir, n), 'utf8')).sort()).toEqual(['broken 0', 'broken 1']);
  });

  it('keeps fields it does not know and fills fields that are missing', () => {
    fs.writeFileSync(file(), JSON.stringify({ version: 1, values: { futureSetting: { a: 1 } } }));
    const store = SettingsStore.open({ userDataDir: dir });
    expect(store.snapshot().recovered).toBeNull();
    store.update({ libraryFolder: path.join(dir, 'lib') });
    expect(JSON.parse(fs.readFileSync(file(), 'utf8')).values).toEqual({ futureSetting: { a: 1 }, libraryFolder: path.join(dir, 'lib'), device: { preferred: 'auto' } });
  });

  it('refuses bad patches with clear errors and changes nothing', () => {
    const store = SettingsStore.open({ userDataDir: dir });
    expect(() => store.update({ libraryFolder: 'not/absolute' })).toThrow('settings.libraryFolder must be an absolute folder path, got the string "not/absolute"');
    expect(() => store.update({ theme: 'dark' })).toThrow(PayloadError);
    expect(() => store.update('x')).toThrow(/settings must be an object with fields libraryFolder/);
    expect(() => store.update({ device: { preferred: '0' } })).toThrow(/settings\.device\.preferred must be "auto" or an execution provider name .*not a GPU id/);
    expect(() => store.update({ device: { preferred: 'cuda:1' } })).toThrow(/not a GPU id/);
    fs.writeFileSync(path.join(dir, 'a-file'), '');
    expect(() => store.update({ libraryFolder: path.join(dir, 'a-file') })).toThrow(/Cannot use .*a-file as the library folder/);
    expect(fs.existsSync(file())).toBe(false);
  });

  it('notifies onDidChange listeners through the API domain until they unsubscribe', async () => {
    const domain = createSettingsDomain(SettingsStore.open({ userDataDir: dir }));
    const seen: SettingsSnapshot[] = [];
    const off = domain.onDidChange((s) => seen.push(s));
    const result = await domain.update({ libraryFolder: path.join(dir, 'one') });
    off();
    await domain.update({ libraryFolder: path.join(dir, 'two') });
    expect(seen).toEqual([result]);
    expect((await domain.get()).values.libraryFolder).toBe(path.join(dir, 'two'));
  });
});
