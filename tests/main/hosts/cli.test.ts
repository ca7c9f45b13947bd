import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { helpText, runCli } from '../../../main/hosts/cli';
import { CliError } from '../../../main/hosts/cli-command';
import type { CliCommand } from '../../../main/hosts/cli-command';
import { COMMAND_LOADERS, loadCommands } from '../../../main/hosts/commands/index';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-cli-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

describe('tessera CLI', () => {
  it('lists every registered command in --help', async () => {
    const c = capture();
    expect(await runCli(['--help'], { io: c.io })).toBe(0);
    const commands = await loadCommands();
    for (const command of commands) expect(c.out.join('\n')).toContain(`  ${command.name}`);
    expect(c.out.join('\n')).toBe(helpText(commands));
    expect(new Set(commands.map((x) => x.name)).size).toBe(commands.length);
    // each loader is registered under its command's own name (a command runs without loading the others)
    expect(COMMAND_LOADERS.map(([name]) => name)).toEqual(commands.map((x) => x.name));
  });

  it('prints info as JSON with the real runtimes and settings', async () => {
    const c = capture();
    expect(await runCli(['info', '--json', '--user-data', dir], { io: c.io })).toBe(0);
    const { info, settings } = JSON.parse(c.out.join('\n')) as { info: { host: string; executionProviders: { name: string }[]; sqlite: { available: boolean } }; settings: { values: { libraryFolder: string } } };
    expect(info.host).toBe('cli');
    expect(info.executionProviders.map((p) => p.name)).toContain('cpu');
    expect(info.sqlite.available).toBe(true);
    expect(settings.values.libraryFolder).toBe(path.join(dir, 'library'));
  });

  it('warns about a quarantined settings file', async () => {
    fs.writeFileSync(path.join(dir, 'settings.json'), 'garbage');
    const c = capture();
    expect(await runCli(['info', '--user-data', dir], { io: c.io })).toBe(0);
    expect(c.err.join('\n')).toMatch(/^tessera: warning: settings\.json could not be used: it is not valid JSON.*moved to .*settings\.json\.corrupt-/);
  });

  it('fails with one clear line and exit code 2 on usage errors', async () => {
    for (const [argv, message] of [
      [['frobnicate'], /^tessera: unknown command "frobnicate"; the commands are: .*info.*serve/],
      [['info', '--nope'], /^tessera: info: Unknown option '--nope'; see tessera info --help\.$/],
      [['serve', '--port', '99999'], /^tessera: --port must be a whole number from 0 to 65535, got "99999"\.$/],
    ] as const) {
      const c = capture();
      expect(await runCli([...argv], { io: c.io })).toBe(2);
      expect(c.err).toHaveLength(1);
      expect(c.err[0]).toMatch(message);
    }
  });

  it('turns a command failure into one line and exit code 1', async () => {
    const boom: CliCommand = { name: 'boom', summary: 's', usage: '', options: {}, run: async () => { throw new Error('disk full\nstack noise'); } };
    const picky: CliCommand = { name: 'picky', summary: 's', usage: '', options: {}, run: async () => { throw new CliError('be nicer', 3); } };
    const c = capture();
    expect(await runCli(['boom'], { io: c.io, commands: [boom, picky] })).toBe(1);
    expect(await runCli(['picky'], { io: c.io, commands: [boom, picky] })).toBe(3);
    expect(c.err).toEqual(['tessera: disk full', 'tessera: be nicer']);
  });

  it('serve prints a working URL and stops when asked', async () => {
    const c = capture();
    let stop = () => {};
    const stopRequested = new Promise<void>((resolve) => (stop = resolve));
    const running = runCli(['serve', '--port', '0', '--user-data', dir, '--renderer', path.join(dir, 'no-ui')], { io: c.io, stopRequested });
    while (!c.out.some((l) => l.startsWith('Tessera web host: '))) await new Promise((r) => setTimeout(r, 20));
    const url = c.out.find((l) => l.startsWith('Tessera web host: '))!.slice('Tessera web host: '.length);
    expect(c.err.join('\n')).toMatch(/no built UI/);
    const ws = new WebSocket(url.replace('http://', 'ws://').replace('/?token=', '/api?token='));
    const reply = await new Promise<string>((resolve, reject) => {
      ws.once('open', () => ws.send(JSON.stringify({ id: 1, method: 'settings.get' })));
      ws.once('message', (data) => resolve(String(data)));
      ws.once('error', reject);
    });
    expect(JSON.parse(reply)).toMatchObject({ id: 1, result: { file: path.join(dir, 'settings.json') } });
    stop();
    expect(await running).toBe(0);
    ws.terminate();
  });

  it('runs from bin/tessera.mjs with no build step', async () => {
    const root = path.resolve(__dirname, '..', '..', '..');
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(root, 'bin', 'tessera.mjs'), 'info', '--user-data', dir]);
    expect(stdout).toMatch(/^Tessera \d+\.\d+\.\d+ on /);
    expect(stdout).toContain(`library folder: ${path.join(dir, 'library')}`);
    const failed = await promisify(execFile)(process.execPath, [path.join(root, 'bin', 'tessera.mjs'), 'nope']).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 2, stderr: expect.stringMatching(/^tessera: unknown command "nope"/) });
  });
});
