// Runs fuzz groups in worker processes with a per-case watchdog: a case that does not finish in time
// is a hang (the worker is killed and a new one continues with the next case), a worker that dies in a
// case is a crash. Each worker runs with a capped V8 heap so runaway allocations end the case instead
// of the machine.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildReport } from './fuzz-child';
import type { Outcome } from './harness';

export interface CaseResult {
  group: string;
  index: number;
  kind: string;
  name: string;
  outcome: Outcome | 'hang';
  message: string;
  ms: number;
}

export interface GroupRun {
  results: CaseResult[];
  maxRssMb: number;
}

const CHILD = join(import.meta.dirname, 'fuzz-child.ts');

export interface FuzzRunOptions {
  seed: number;
  caseTimeoutMs: number;
  /** V8 heap cap of a worker, MB. */
  heapMb: number;
}

/** Runs every case of `group`, restarting the worker after a hang or a crash. */
export async function runGroup(group: string, options: FuzzRunOptions): Promise<GroupRun> {
  const dir = mkdtempSync(join(tmpdir(), `tessera-fuzz-${group}-`));
  const results: CaseResult[] = [];
  let maxRssMb = 0;
  let next = 0;
  let total = Infinity;
  try {
    while (next < total) {
      const caseDir = mkdtempSync(join(dir, 'w-'));
      await new Promise<void>((resolve) => {
        const child = fork(CHILD, [group, String(options.seed), String(next), caseDir], {
          execArgv: ['--import', 'tsx', `--max-old-space-size=${options.heapMb}`],
          stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        });
        let stderr = '';
        child.stderr?.on('data', (c: Buffer) => {
          stderr = (stderr + c.toString()).slice(-2000);
        });
        let current: { index: number; kind: string; name: string; started: number } | null = null;
        let watchdog: NodeJS.Timeout | undefined;
        let hung = false;
        child.on('message', (m: ChildReport) => {
          if (m.type === 'cases') total = m.total!;
          if (m.type === 'start') {
            current = { index: m.index!, kind: m.kind!, name: m.name!, started: Date.now() };
            clearTimeout(watchdog);
            watchdog = setTimeout(() => {
              hung = true;
              child.kill('SIGKILL');
            }, options.caseTimeoutMs);
          }
          if (m.type === 'done') {
            clearTimeout(watchdog);
            results.push({ group, index: m.index!, kind: m.kind!, name: m.name!, outcome: m.outcome!, message: m.message!, ms: Date.now() - current!.started });
            maxRssMb = Math.max(maxRssMb, m.rssMb!);
            current = null;
            next = m.index! + 1;
          }
        });
        child.on('exit', (code, signal) => {
          clearTimeout(watchdog);
          if (current) {
            const c = current as { index: number; kind: string; name: string; started: number };
            results.push({
              group, index: c.index, kind: c.kind, name: c.name, outcome: hung ? 'hang' : 'crash',
              message: hung ? `no answer in ${options.caseTimeoutMs} ms` : `worker died (code ${code}, signal ${signal}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
              ms: Date.now() - c.started,
            });
            next = c.index + 1;
          } else if (next < total || total === Infinity) {
            // Died outside a case (while building the cases): nothing more can run.
            results.push({ group, index: next, kind: group, name: 'worker start', outcome: 'crash', message: `worker exited (code ${code}, signal ${signal}) before its cases ran: ${stderr.trim().slice(-600)}`, ms: 0 });
            total = 0;
          }
          resolve();
        });
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { results, maxRssMb };
}
