// The fuzz suite (issue 17): seeded malformed inputs through the real entry points — model files
// (safetensors, bundles, taming .ckpt = zip + pickle, bare pickles), pictures and condition files (PNG
// metadata, --cond / mask images, decompression bombs, .npy, OpenPose JSON), folders (fine-tune scan,
// settings.json) and every API method over the real web host. Each case runs in a worker process with a
// watchdog (hang = no answer in time) and a capped heap; each must end in a clean, typed refusal.
import { describe, expect, it } from 'vitest';
import { runGroup } from './run-fuzz';
import type { CaseResult } from './run-fuzz';

const SEED = 17;
const GROUPS = ['formats', 'images', 'folders', 'api'] as const;

describe('fuzz', () => {
  it('ends every malformed input in a clean error: no crash, no hang, bounded memory', async () => {
    const results: CaseResult[] = [];
    let maxRssMb = 0;
    for (const group of GROUPS) {
      const run = await runGroup(group, { seed: SEED, caseTimeoutMs: 30_000, heapMb: 1024 });
      results.push(...run.results);
      maxRssMb = Math.max(maxRssMb, run.maxRssMb);
    }
    const count = (outcome: CaseResult['outcome']) => results.filter((r) => r.outcome === outcome).length;
    const perKind = new Map<string, number>();
    for (const r of results) perKind.set(r.kind, (perKind.get(r.kind) ?? 0) + 1);
    const slowest = [...results].sort((a, b) => b.ms - a.ms)[0];
    console.log([...perKind].map(([kind, n]) => `  ${kind}: ${n}`).join('\n'));
    console.log(`  slowest case: ${slowest?.kind} ${slowest?.name} (${slowest?.ms} ms)`);
    const failures = results.filter((r) => r.outcome !== 'clean');
    for (const f of failures) console.log(`  ${f.outcome.toUpperCase()} ${f.kind} "${f.name}": ${f.message}`);
    console.log(`fuzz: ${results.length} cases, ${count('clean')} clean errors, ${count('crash')} crashes, ${count('hang')} hangs, max rss ${Math.round(maxRssMb)} MB`);

    expect(results.length).toBeGreaterThanOrEqual(200);
    expect(failures.map((f) => `${f.outcome} ${f.kind} "${f.name}": ${f.message}`)).toEqual([]);
    expect(maxRssMb).toBeLessThan(1536);
  }, 300_000);
});
