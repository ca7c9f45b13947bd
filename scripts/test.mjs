// `npm test`: typecheck, lint, vitest, renderer build, Playwright — in that order, continuing past
// failures so one run reports everything. Ends with exactly one line `N passed, N failed` (tests of
// vitest + Playwright; a failed typecheck, lint or build step counts as 1 failed) and exits
// non-zero if anything failed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name);
const results = path.join(root, 'test-results');
const vitestJson = path.join(results, 'vitest.json');
const playwrightJson = path.join(results, 'playwright.json'); // written by playwright.config.ts
fs.mkdirSync(results, { recursive: true });
for (const file of [vitestJson, playwrightJson]) fs.rmSync(file, { force: true });

let passed = 0;
let failed = 0;
const summary = [];

function step(name, command, args) {
  console.log(`\n━━ ${name}: ${[path.basename(command), ...args].join(' ')}`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '1' } });
  const ok = result.status === 0;
  summary.push(`${ok ? 'ok  ' : 'FAIL'} ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return ok;
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

// 1. Types (three runtimes) — one failure unit.
const tsc = bin('tsc');
const typesOk = ['tsconfig.json', 'preload/tsconfig.json', 'renderer/tsconfig.json']
  .map((project) => step(`typecheck ${project}`, tsc, ['-p', project, '--noEmit']))
  .every(Boolean);
if (!typesOk) failed += 1;

// 2. Lint.
if (!step('lint', bin('eslint'), ['--max-warnings', '0', '.'])) failed += 1;

// 3. Unit and integration tests.
const vitestOk = step('vitest', bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`]);
const vitest = readJson(vitestJson);
if (vitest) {
  passed += vitest.numPassedTests ?? 0;
  failed += vitest.numFailedTests ?? 0;
  // A test file that fails to load has no tests to count: count the file.
  failed += (vitest.testResults ?? []).filter((r) => r.status === 'failed' && (r.assertionResults ?? []).length === 0).length;
  if (!vitestOk && (vitest.numFailedTests ?? 0) === 0 && (vitest.numFailedTestSuites ?? 0) === 0) failed += 1;
} else {
  failed += 1; // vitest did not even report
}

// 4. The renderer build the e2e tests serve.
const buildOk = step('build renderer', bin('vite'), ['build']);
if (!buildOk) failed += 1;

// 5. End-to-end in Chromium through the web host.
if (buildOk) {
  const e2eOk = step('playwright', bin('playwright'), ['test']);
  const report = readJson(playwrightJson);
  if (report?.stats) {
    passed += (report.stats.expected ?? 0) + (report.stats.flaky ?? 0);
    failed += report.stats.unexpected ?? 0;
    if (!e2eOk && (report.stats.unexpected ?? 0) === 0) failed += 1;
  } else {
    failed += 1;
  }
} else {
  summary.push('skip playwright (the renderer did not build)');
}

console.log(`\n━━ summary\n${summary.join('\n')}\n`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
