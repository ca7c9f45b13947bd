// Helpers shared by the benchmarks: seeded benchmark data, median timing and `--name value` flags.

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
