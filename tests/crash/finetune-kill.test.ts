// A fine-tune killed with SIGKILL resumes from its last checkpoint (issue 17): the real `tessera finetune`
// CLI process on a tiny bundle is killed at seeded random moments after it has checkpointed, twice; after each
// kill the newest checkpoint verifies (sha256 of its tensor bytes, checked by loadCheckpoint), and
// `--resume` continues from exactly that step (its first step is the next one) until the run finishes and
// writes a bundle whose weights verify.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBundle } from '../../native-models/formats/bundle';
import { loadLatestCheckpoint } from '../../native-models/training/checkpoint';
import { writeLandscapeDataset } from '../../recipes/landscapes';
import { FuzzRng } from '../fuzz/harness';
import { writeTinyBaseBundle } from '../native-models/training/fixtures/tiny-bundle';

const CLI = path.join(import.meta.dirname, '../../bin/tessera.mjs');
const STEPS = 60;
const EVERY = 4;
let root: string;
let base: string;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-kill-finetune-'));
  base = await writeTinyBaseBundle(root);
  await writeLandscapeDataset({ outDir: path.join(root, 'images'), count: 8, seed: 5, width: 24, height: 16 });
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

function runDirs(): string[] {
  const runs = path.join(root, 'ud', 'runs');
  return fs.existsSync(runs) ? fs.readdirSync(runs).map((r) => path.join(runs, r)) : [];
}

interface Finished { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** The step a run resumed from `afterStep` (0: a fresh run) is killed at: a seeded 1–4 steps after its next checkpoint. */
const killStep = (afterStep: number, rng: FuzzRng): number => (Math.floor(afterStep / EVERY) + 1) * EVERY + 1 + rng.range(0, 4);

/**
 * Runs the CLI; with `killAtStep`, SIGKILLs it as soon as its progress shows that step (or lets it finish when it
 * never does). The moment is counted in the run's own steps, not in milliseconds, so it does not depend on how fast
 * the machine is (a fast machine once ran all the remaining steps inside the old millisecond delay, unkilled).
 */
async function runCli(args: string[], killAtStep?: number): Promise<Finished> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
    if (killAtStep !== undefined && child.exitCode === null && progressSteps(stderr).some((n) => n >= killAtStep)) child.kill('SIGKILL');
  });
  return new Promise<Finished>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/** The steps of the `transformer step N` progress lines printed so far. */
const progressSteps = (stderr: string): number[] => [...stderr.matchAll(/^transformer step (\d+)/gm)].map((m) => Number(m[1]));

describe('fine-tune under kill -9', () => {
  it('resumes from its last verified checkpoint after each kill and finishes', async () => {
    const rng = new FuzzRng(4242);
    const out = path.join(root, 'tuned');
    const first = await runCli(['finetune', '--model', base, '--images', path.join(root, 'images'), '--stage', 'transformer',
      '--steps', String(STEPS), '--batch', '2', '--every', String(EVERY), '--out', out, '--user-data', path.join(root, 'ud')],
    killStep(0, rng));
    expect(first.signal, first.stderr).toBe('SIGKILL');
    const [runDir] = runDirs();
    expect(runDir).toBeDefined();
    const checkpoints = path.join(runDir!, 'checkpoints');

    let resumedFrom: number[] = [];
    for (let kill = 0; kill < 3; kill++) {
      // The newest checkpoint reads back and its sha256 matches what was written (loadCheckpoint verifies it).
      const latest = await loadLatestCheckpoint(checkpoints);
      expect(latest, `kill ${kill}: no readable checkpoint`).not.toBeNull();
      expect(latest!.unreadable).toEqual([]);
      const step = latest!.state.step;
      const fileHash = sha256(latest!.path);
      resumedFrom = [...resumedFrom, step];

      const last = kill === 2;
      const resumed = await runCli(['finetune', '--resume', runDir!, '--user-data', path.join(root, 'ud')],
        last ? undefined : killStep(step, rng));
      // The resumed process continued at the step after the checkpoint, never from the start.
      const steps = progressSteps(resumed.stderr);
      if (last) expect(steps.length, 'the resumed run printed no progress').toBeGreaterThan(0);
      if (steps.length) expect(Math.min(...steps), `kill ${kill}`).toBeGreaterThan(step);
      // The checkpoint it resumed from was not rewritten (it may since have been pruned as older than the last 3).
      if (fs.existsSync(latest!.path)) expect(sha256(latest!.path)).toBe(fileHash);
      if (last) {
        expect(resumed.code, resumed.stderr).toBe(0);
        expect(resumed.stdout).toContain(`wrote ${out}`);
      } else {
        expect(resumed.signal, resumed.stderr).toBe('SIGKILL');
      }
    }
    const final = await loadLatestCheckpoint(checkpoints);
    expect(final?.state.step).toBe(STEPS);
    const bundle = await readBundle(out, { verify: true });
    await bundle.close();
    expect(fs.readdirSync(checkpoints).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(resumedFrom[0]).toBeGreaterThan(0);
    console.log(`fine-tune kill -9: killed 3 times, resumed from steps ${resumedFrom.join(', ')}, finished at ${STEPS}; checkpoints sha256-verified`);
  }, 300_000);
});
