import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { saveCheckpoint } from '../../../native-models/training/checkpoint';
import { DataOrder } from '../../../native-models/training/data/order';
import { TrainRng } from '../../../native-models/training/rng';
import { heldOutSplit, isProcessAlive, listRuns, resumeRun, Run, type RunStatusFile } from '../../../native-models/training/run';

let root: string;
beforeEach(async () => { root = await mkdtemp(join(tmpdir(), 'tessera-runs-')); });
afterEach(async () => { await rm(root, { recursive: true, force: true }); });

const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid!;

async function patchStatus(dir: string, patch: Partial<RunStatusFile>): Promise<void> {
  const p = join(dir, 'status.json');
  const s = JSON.parse(await readFile(p, 'utf8')) as RunStatusFile;
  await writeFile(p, JSON.stringify({ ...s, ...patch }));
}

describe('runs', () => {
  it('create a folder with config, log, metrics, checkpoints and samples', async () => {
    const run = await Run.create(root, { name: 'My Fine-tune!', config: { stage: 'transformer', lr: 1e-4 }, totalSteps: 10, now: new Date('2026-11-28T15:04:05Z') });
    expect(run.id).toMatch(/^20261128-150405-my-fine-tune-[0-9a-f]{4}$/);
    expect((await readdir(run.dir)).sort()).toEqual(['checkpoints', 'config.json', 'log.txt', 'metrics.jsonl', 'samples', 'status.json']);
    await run.metric({ step: 1, loss: 2.5 });
    await run.metric({ step: 2, loss: 2.25, lr: 1e-4 });
    expect(await run.metrics()).toEqual([{ step: 1, loss: 2.5 }, { step: 2, loss: 2.25, lr: 1e-4 }]);
    expect(await run.config()).toEqual({ stage: 'transformer', lr: 1e-4 });
    expect(run.samplePath(20, 1)).toBe(join(run.dir, 'samples', 'step-000000020-1.png'));
    const [info] = await listRuns(root);
    expect(info!.status).toBe('running'); // this process is alive
    expect(info!.resumable).toBe(false);
    await run.end('finished');
    expect((await listRuns(root))[0]!.status).toBe('finished');
    await expect(resumeRun(run.dir)).rejects.toThrow(/has finished/);
    expect(await readFile(run.logPath, 'utf8')).toMatch(/created\n.*run finished at step 0\n$/);
  });

  it('detect a run whose process was killed as interrupted, and resume it exactly from its checkpoint', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'run-then-hang.ts'), root], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const dir = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        const m = /READY (.+)\n/.exec(d.toString());
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`child exited early (${code}): ${err}`)));
    });
    expect((await listRuns(root))[0]!.status).toBe('running');
    await expect(resumeRun(dir)).rejects.toThrow(/still running \(pid/);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    expect(isProcessAlive(child.pid!)).toBe(false);

    const [info] = await listRuns(root);
    expect(info!.status).toBe('interrupted');
    expect(info!.recorded.status).toBe('running');
    expect(info!.checkpointStep).toBe(5);
    expect(info!.resumable).toBe(true);

    const { run, checkpoint } = await resumeRun(dir);
    expect(checkpoint!.state.step).toBe(5);
    // Metrics after the checkpoint are dropped (they will be recomputed).
    expect((await run.metrics()).map((m) => m.step)).toEqual([1, 2, 3, 4, 5]);
    // RNG and data order continue where the uninterrupted run would be after step 5.
    const rng = new TrainRng(1);
    const order = DataOrder.create(4, 2);
    for (let s = 1; s <= 5; s++) { order.next(2); rng.nextU32(); }
    expect(TrainRng.fromState(checkpoint!.state.rng).nextU32()).toBe(rng.nextU32());
    expect(DataOrder.fromState(checkpoint!.state.data, 4).next(6)).toEqual(order.next(6));
    const [after] = await listRuns(root);
    expect(after!.status).toBe('running');
    expect(after!.recorded.pid).toBe(process.pid);
    expect(after!.recorded.resumes).toBe(1);
    expect(await readFile(run.logPath, 'utf8')).toMatch(/resumed \(interrupted\) from checkpoint step 5.*\n.*dropped 2 metric record\(s\) after step 5/);
  });

  it('treat a stale heartbeat as interrupted, and a stopped run with a checkpoint as resumable', async () => {
    const a = await Run.create(root, { name: 'a', config: {} });
    await patchStatus(a.dir, { updatedAt: new Date(Date.now() - 60_000).toISOString(), hostname: 'another-host' });
    expect((await listRuns(root)).find((r) => r.id === a.id)!.status).toBe('running');
    expect((await listRuns(root, { staleMs: 30_000 })).find((r) => r.id === a.id)!.status).toBe('interrupted');
    await patchStatus(a.dir, { hostname: (await import('node:os')).hostname(), pid: deadPid(), updatedAt: new Date().toISOString() });
    expect((await listRuns(root)).find((r) => r.id === a.id)!.status).toBe('interrupted');
    // Interrupted before any checkpoint: resumes from the start.
    const resumed = await resumeRun(a.dir);
    expect(resumed.checkpoint).toBeNull();

    const b = await Run.create(root, { name: 'b', config: {} });
    await saveCheckpoint(b.checkpointsDir, { step: 3, params: {}, optimizer: { tensors: {}, meta: {} }, rng: new TrainRng(0).state(), data: DataOrder.create(1, 0).state() });
    await b.heartbeat(3, true);
    await b.end('stopped', 'cancelled by the user');
    const info = (await listRuns(root)).find((r) => r.id === b.id)!;
    expect([info.status, info.resumable, info.recorded.message]).toEqual(['stopped', true, 'cancelled by the user']);
    await writeFile(join(root, 'not-a-run.txt'), 'x');
    expect((await listRuns(root)).length).toBe(2);
    await expect(resumeRun(join(root, 'nope'))).rejects.toThrow(/not a Tessera run folder/);
  });
});

describe('heldOutSplit', () => {
  const files = Array.from({ length: 50 }, (_, i) => `img-${i}.png`);
  it('holds out 10% deterministically, independent of order', () => {
    const a = heldOutSplit(files, (f) => f);
    expect(a.heldOut.length).toBe(5);
    expect(a.train.length).toBe(45);
    const b = heldOutSplit([...files].reverse(), (f) => f);
    expect([...b.heldOut].sort()).toEqual([...a.heldOut].sort());
    expect(heldOutSplit(files, (f) => f, 0.1, 1).heldOut).not.toEqual(a.heldOut);
    // Adding files keeps the earlier held-out items held out unless they are displaced by new ones.
    const more = heldOutSplit([...files, ...Array.from({ length: 10 }, (_, i) => `new-${i}.png`)], (f) => f);
    expect(more.heldOut.length).toBe(6);
    const kept = a.heldOut.filter((f) => more.heldOut.includes(f));
    expect(kept.length).toBeGreaterThanOrEqual(4);
    expect(heldOutSplit(['x', 'y'], (f) => f).heldOut.length).toBe(1);
    expect(heldOutSplit(['x'], (f) => f).heldOut.length).toBe(0);
  });
});
