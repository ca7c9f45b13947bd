// Starts the real CLI web host (`node bin/tessera.mjs serve --port 0`) with a fresh user-data folder
// and reads its URL (with the token) from stdout. Needs the renderer built first (`npx vite build`).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ServedTessera {
  url: string;
  userDataDir: string;
  stop(): Promise<void>;
}

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function serveTessera(): Promise<ServedTessera> {
  if (!fs.existsSync(path.join(REPO, 'dist', 'renderer', 'index.html'))) {
    throw new Error('dist/renderer is missing: run `npx vite build` before the e2e tests (npm test does).');
  }
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-e2e-'));
  const child: ChildProcess = spawn(process.execPath, ['bin/tessera.mjs', 'serve', '--port', '0', '--user-data', userDataDir], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tessera serve printed no URL within 30 s:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Tessera web host: (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tessera serve exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    userDataDir,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
