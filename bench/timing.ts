// Helpers shared by the benchmarks: seeded benchmark data, median timing, `--name value` flags and the PyTorch reference run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Deterministic pseudo-random normals (Box–Muller over a 32-bit LCG): benchmark data only. */
export function normals(n: number, scale: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const u = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 1) / 4294967297;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = scale * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}

/** Median wall time of `iters` calls after `warmup` untimed ones, ms; with the mean process CPU time per call, ms. */
export async function medianMs(fn: () => Promise<unknown>, iters: number, warmup: number): Promise<{ ms: number; cpuMs: number }> {
  for (let i = 0; i < warmup; i++) await fn();
  const ms: number[] = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < iters; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(c0);
  ms.sort((a, b) => a - b);
  const mid = ms.length >> 1;
  return { ms: ms.length % 2 ? ms[mid]! : (ms[mid - 1]! + ms[mid]!) / 2, cpuMs: (cpu.user + cpu.system) / 1000 / Math.max(1, iters) };
}

/** The value after `--name` in args, or `dflt`. */
export function flag(args: string[], name: string, dflt: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : dflt;
}

const PYTHON = '/usr/bin/python3';

/**
 * Runs a PyTorch reference script (Debian python3-torch) with `args` and parses the JSON it prints, or says in one
 * line why there is no reference (no python3, no torch, the script failed): the bench then prints Tessera's numbers alone.
 * `env` is added to the environment of the script.
 */
export function pythonReference<T>(script: string, args: readonly string[], env: Record<string, string> = {}): { out: T } | { skipped: string } {
  if (!existsSync(PYTHON)) return { skipped: `PyTorch reference skipped: ${PYTHON} not found; Tessera's numbers alone` };
  const r = spawnSync(PYTHON, [script, ...args], { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, ...env } });
  if (r.status !== 0) {
    const why = (r.stderr || r.error?.message || '').trim().split('\n').pop() ?? 'unknown error';
    return { skipped: `PyTorch reference skipped (${why.includes("No module named 'torch'") ? 'python3-torch is not installed' : why}); Tessera's numbers alone` };
  }
  return { out: JSON.parse(r.stdout) as T };
}

/** Deterministic uniform values with standard deviation `std` (a 32-bit LCG): fast enough for 300 M benchmark weights. */
export function uniforms(n: number, std: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const half = std * Math.sqrt(3);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = half * (s / 2147483648 - 1);
  }
  return out;
}
