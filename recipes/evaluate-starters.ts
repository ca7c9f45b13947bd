/**
 * `npm run eval:starters`: evaluates every shipped starter bundle on held-out data with fixed seeds (the three
 * evaluators: evaluate-starter.ts, evaluate-figures.ts, evaluate-edges.ts, each in its own process) and prints one
 * line per metric, then the summary line the quality aims are read from:
 *   starter-quality: landscapes-faithfulness=<pct> figures-bone-coverage=<pct> edges-f1=<f1> landscapes-psnr=<db>
 *
 * Options: --n N (held-out items per starter, default 50), --zoo DIR (default native-models/zoo), --sheets (rewrite
 * the committed contact sheets), --json FILE (all three reports and the summary).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { recipeFlags } from './recipe-flags';
import { runIfMain } from './starter-stages';

const HERE = dirname(fileURLToPath(import.meta.url));
const ZOO = resolve(HERE, '..', 'native-models', 'zoo');

/** One metric line: `<starter> <metric>: <value>` and the value that goes into the summary. */
interface MetricLine {
  starter: string;
  metric: string;
  value: number;
  unit: '%' | 'dB' | '' | 's';
}

/** One metric of a report: its name, where it sits in the JSON, and whether it is a share (printed as a %). */
type MetricSpec = readonly [metric: string, path: string, unit: MetricLine['unit'] | 'share'];

interface Evaluation {
  starter: string;
  script: string;
  sheet: string;
  metrics: readonly MetricSpec[];
}

/** A nested number of a JSON report; throws naming the path when the evaluator's report lacks it. */
function num(report: unknown, path: string): number {
  let v: unknown = report;
  for (const k of path.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`eval:starters: the report has no number at ${path} (got ${String(v)}).`);
  return v;
}

/** The first stage's reconstruction statistics (evaluate-common.ts reconstructionStats), in every report. */
const FIRST_STAGE: readonly MetricSpec[] = [
  ['first-stage-psnr', 'reconstruction.psnrOfMeanMse', 'dB'],
  ['codes-used', 'reconstruction.codesUsed', ''],
  ['codebook-perplexity', 'reconstruction.perplexity', ''],
];

const EVALUATIONS: readonly Evaluation[] = [
  {
    starter: 'starter-landscapes', script: 'evaluate-starter.ts', sheet: 'starter-landscapes-sheet.png',
    metrics: [
      ['faithfulness', 'faithfulness.generatedAgreement', 'share'],
      ['faithfulness-ceiling-real', 'faithfulness.realAgreement', 'share'],
      ['faithfulness-first-stage-reconstruction', 'faithfulness.reconstructedAgreement', 'share'],
      ...FIRST_STAGE,
      ['seconds-per-256', 'speed.meanSeconds', 's'],
    ],
  },
  {
    starter: 'starter-figures', script: 'evaluate-figures.ts', sheet: 'starter-figures-sheet.png',
    metrics: [
      ['bone-coverage', 'faithfulness.generated.limbCoverage', 'share'],
      ['bone-coverage-mismatched-pose', 'faithfulness.mismatchedPose.limbCoverage', 'share'],
      ['bone-coverage-first-stage-reconstruction', 'faithfulness.reconstruction.limbCoverage', 'share'],
      ...FIRST_STAGE,
      ['seconds-per-256', 'speed.at256.meanSeconds', 's'],
    ],
  },
  {
    starter: 'starter-landscapes-edges', script: 'evaluate-edges.ts', sheet: 'starter-landscapes-edges-sheet.png',
    metrics: [
      ['edge-f1-2px', 'faithfulness.tolerance2px.generated.f1', ''],
      ['edge-f1-2px-unrelated-real', 'faithfulness.tolerance2px.unrelatedReal.f1', ''],
      ['edge-f1-2px-first-stage-reconstruction', 'faithfulness.tolerance2px.reconstruction.f1', ''],
      ['seconds-per-256', 'speed.meanSeconds', 's'],
    ],
  },
];

/** The metric lines of one evaluator's report. */
function readMetrics(e: Evaluation, report: Record<string, unknown>): MetricLine[] {
  return e.metrics.map(([metric, path, unit]) => unit === 'share'
    ? { starter: e.starter, metric, value: 100 * num(report, path), unit: '%' }
    : { starter: e.starter, metric, value: num(report, path), unit });
}

function formatValue(m: MetricLine): string {
  if (m.unit === '%') return `${m.value.toFixed(1)} %`;
  if (m.unit === 'dB') return `${m.value.toFixed(2)} dB`;
  if (m.unit === 's') return `${m.value.toFixed(2)} s`;
  return Number.isInteger(m.value) ? String(m.value) : m.value.toFixed(3);
}

/** Runs one evaluator as `tsx <script> <bundle> --n N --json <file>`; its own log goes to stderr here. */
function runEvaluator(script: string, args: readonly string[]): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(HERE, script), ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', fail);
    child.on('exit', (code, signal) => (code === 0 ? done() : fail(new Error(`eval:starters: ${script} ended with ${signal ?? `exit code ${code}`}.`))));
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const flags = recipeFlags(argv, 'eval:starters');
  const n = flags.positive('--n', 50, true);
  if (n < 2) throw new Error(`eval:starters: --n must be an integer ≥ 2, got ${n}.`);
  const zoo = resolve(flags.value('--zoo') ?? ZOO);
  const tmp = await mkdtemp(join(tmpdir(), 'tessera-eval-'));
  const reports: Record<string, unknown> = {};
  const lines: MetricLine[] = [];
  try {
    for (const e of EVALUATIONS) {
      const json = join(tmp, `${e.starter}.json`);
      const args = [join(zoo, e.starter), '--n', String(n), '--json', json, ...(argv.includes('--sheets') ? ['--sheet', join(zoo, e.sheet)] : [])];
      console.error(`eval:starters: ${e.starter} (${e.script}, n = ${n})`);
      await runEvaluator(e.script, args);
      const report = JSON.parse(await readFile(json, 'utf8')) as Record<string, unknown>;
      reports[e.starter] = report;
      for (const m of readMetrics(e, report)) {
        lines.push(m);
        console.log(`${m.starter} ${m.metric}: ${formatValue(m)}`);
      }
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const get = (starter: string, metric: string): number => lines.find((l) => l.starter === starter && l.metric === metric)!.value;
  const summary = `starter-quality: landscapes-faithfulness=${get('starter-landscapes', 'faithfulness').toFixed(1)} `
    + `figures-bone-coverage=${get('starter-figures', 'bone-coverage').toFixed(1)} `
    + `edges-f1=${get('starter-landscapes-edges', 'edge-f1-2px').toFixed(3)} `
    + `landscapes-psnr=${get('starter-landscapes', 'first-stage-psnr').toFixed(2)}`;
  console.log(summary);
  const out = flags.value('--json');
  if (out) await writeFile(out, JSON.stringify({ n, reports, metrics: lines, summary }, null, 2) + '\n');
}

runIfMain(import.meta.url, main);
