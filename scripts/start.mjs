// `npm start`: the desktop app when Electron's runtime is installed; otherwise (as after an offline
// install, which skips Electron's download) one line saying so, then the web host — the same UI in
// a browser. Builds what is missing or out of date first.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshCliBundle } from '../bin/cli-bundle.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

/** The Electron executable if its runtime was downloaded, else null (never triggers a download). */
function electronBinary() {
  const pkg = path.join(root, 'node_modules', 'electron');
  const pathFile = path.join(pkg, 'path.txt');
  if (!fs.existsSync(pathFile)) return null;
  const relative = fs.readFileSync(pathFile, 'utf8').trim();
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(pkg, 'dist');
  const binary = path.join(dist, relative);
  return fs.existsSync(binary) ? binary : null;
}

function newestMtime(paths) {
  let newest = 0;
  const visit = (p) => {
    if (!fs.existsSync(p)) return;
    const stat = fs.statSync(p);
    if (stat.isDirectory()) {
      for (const name of fs.readdirSync(p)) if (name !== 'node_modules') visit(path.join(p, name));
    } else newest = Math.max(newest, stat.mtimeMs);
  };
  paths.forEach((p) => visit(path.join(root, p)));
  return newest;
}

/** Runs `npm run <script>` when `output` is missing or older than any of `inputs`. */
function buildIfStale(script, output, inputs) {
  const out = path.join(root, output);
  if (fs.existsSync(out) && fs.statSync(out).mtimeMs >= newestMtime(inputs)) return;
  build(script);
}

/** Runs `npm run <script>`; exits with a message when it fails. */
function build(script) {
  console.log(`tessera: building (${script})…`);
  const result = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', script], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`tessera: \`npm run ${script}\` failed; fix the error above and run npm start again.`);
    process.exit(result.status ?? 1);
  }
}

function run(command, commandArgs) {
  const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit' });
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
}

const rendererInputs = ['renderer', 'preload/contract.ts', 'vite.config.ts'];
// The prebuilt CLI (bin/tessera.mjs runs it for quick commands while it matches the sources; tsx otherwise).
// Rebuilt by the same rule bin/tessera.mjs uses to decide whether it may run it; not built when
// TESSERA_CLI_BUNDLE=0 says not to use it (freshCliBundle() is null then, whatever dist/cli holds).
if (process.env.TESSERA_CLI_BUNDLE !== '0' && !freshCliBundle()) build('build:cli');
const electron = electronBinary();
if (electron) {
  buildIfStale('build:renderer', 'dist/renderer/index.html', rendererInputs);
  buildIfStale('build:electron', 'dist/electron/main.cjs', ['main', 'preload', 'native-models', 'scripts/build-electron.mjs', 'scripts/node-bundle.mjs']);
  run(electron, ['.', ...args]);
} else {
  console.log('tessera: the Electron runtime is not installed (offline installs skip its download; `npx install-electron` fetches it where github.com is reachable) — starting the web host instead.');
  buildIfStale('build:renderer', 'dist/renderer/index.html', rendererInputs);
  run(process.execPath, [path.join(root, 'bin', 'tessera.mjs'), 'serve', ...args]);
}
