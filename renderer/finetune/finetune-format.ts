// Display helpers and pure logic of the fine-tune page (tested in tests/renderer/finetune): durations,
// model eligibility, skip-reason counts, form validation, live metric merging and the loss-chart geometry.

import type { FinetuneMetricPoint, FinetuneProgressEvent, FinetuneRunStatus, FinetuneStage, FinetuneStageName, ModelEntry } from '../../preload/contract';

/** 42 → "42 s", 200 → "3 min 20 s", 7500 → "2 h 05 min", 0.4 → "< 1 s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 1) return '< 1 s';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) {
    const m = Math.floor(s / 60);
    const r = s % 60;
    return r === 0 ? `${m} min` : `${m} min ${r} s`;
  }
  const h = Math.floor(s / 3600);
  const m = Math.round((s % 3600) / 60);
  return m === 60 ? `${h + 1} h 00 min` : `${h} h ${String(m).padStart(2, '0')} min`;
}

/** Seconds per training step: 0.084 → "84 ms", 2.5 → "2.5 s". */
export function formatStepTime(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 1) return `${Math.max(1, Math.round(seconds * 1000))} ms`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  return formatDuration(seconds);
}

/** A loss value with 4 significant digits (tiny and huge values in exponent form). */
export function formatLoss(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return v.toPrecision(4);
}

/** An axis tick: 1.5, 0.25, 3e-4 (no trailing zeros). */
export function formatTick(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(0);
  return String(Number(v.toPrecision(3)));
}

/** Learning rate as "4.5e-6". */
export function formatLr(v: number): string {
  return v.toExponential(1).replace('.0e', 'e');
}

export const STATUS_LABELS: Record<FinetuneRunStatus, string> = {
  running: 'running',
  stopped: 'stopped',
  finished: 'finished',
  failed: 'failed',
  interrupted: 'interrupted',
};

export const STAGE_LABELS: Record<FinetuneStage, string> = {
  transformer: 'Transformer only',
  vqgan: 'VQGAN (first stage) only',
  both: 'VQGAN, then transformer',
};

export const SKIP_REASON_LABELS: Record<string, string> = {
  empty: 'empty file',
  'not-an-image': 'not an image',
  'unsupported-format': 'unsupported format',
  unreadable: 'unreadable',
  truncated: 'truncated or corrupt',
  'too-small': 'too small',
  'too-large': 'too large',
};

/** Condition modes whose condition comes from files beside the images (edges are computed). */
const CONDITION_FILE: Record<string, string> = { semantic: '<name>.seg.png label map', pose: '<name>.pose.json pose file' };

/** What a mode needs next to each image, or null when the images alone suffice. */
export function conditionFileHint(mode: string): string | null {
  return CONDITION_FILE[mode] ?? null;
}

/** Taming condition modes (ModelEntry.conditionMode) a folder of images can fine-tune. */
const TUNABLE_MODES = new Set(['unconditional', 'segmentation', 'edge', 'pose']);

/** Whether a bundle can be fine-tuned from a folder (a VQGAN, or a transformer whose condition the images carry). */
export function canFinetune(m: Pick<ModelEntry, 'kind' | 'conditionMode'>): boolean {
  return m.kind === 'vqgan' || TUNABLE_MODES.has(m.conditionMode ?? '');
}

/** Skipped files grouped by reason, most frequent first. */
export function countSkipReasons(skipped: readonly { reason: string }[]): { reason: string; label: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const s of skipped) counts.set(s.reason, (counts.get(s.reason) ?? 0) + 1);
  return [...counts]
    .map(([reason, count]) => ({ reason, label: SKIP_REASON_LABELS[reason] ?? reason, count }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}

/** Whether a path looks absolute on POSIX or Windows. */
export function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

// ───────────────────────────── advanced fields ─────────────────────────────

/** The advanced panel's fields as typed (empty = the default). */
export interface AdvancedFields {
  stage: FinetuneStage;
  steps: string;
  batch: string;
  lr: string;
  every: string;
  name: string;
}

export interface ParsedAdvanced {
  steps: number | null;
  batch: number | null;
  lr: number | null;
  every: number | null;
  name: string | null;
  /** Field name → one sentence of what is wrong. */
  errors: Partial<Record<keyof AdvancedFields, string>>;
}

const MAX_STEPS = 1_000_000;

function parseInteger(text: string, label: string, min: number, max: number): { value: number | null; error?: string } {
  const t = text.trim();
  if (t === '') return { value: null };
  if (!/^\d+$/.test(t)) return { value: null, error: `${label} must be a whole number.` };
  const n = Number(t);
  if (n < min || n > max) return { value: null, error: `${label} must be from ${min} to ${max.toLocaleString('en-US')}.` };
  return { value: n };
}

/** Validates the advanced fields (empty ones keep their defaults). */
export function parseAdvanced(f: AdvancedFields): ParsedAdvanced {
  const errors: ParsedAdvanced['errors'] = {};
  const steps = parseInteger(f.steps, 'Steps', 1, MAX_STEPS);
  const batch = parseInteger(f.batch, 'Batch size', 1, 1024);
  const every = parseInteger(f.every, 'Save every', 1, MAX_STEPS);
  if (steps.error) errors.steps = steps.error;
  if (batch.error) errors.batch = batch.error;
  if (every.error) errors.every = every.error;
  let lr: number | null = null;
  const lrText = f.lr.trim();
  if (lrText !== '') {
    const n = Number(lrText);
    if (!Number.isFinite(n) || n < 1e-9 || n > 1) errors.lr = 'Learning rate must be a number from 1e-9 to 1 (e.g. 4.5e-6).';
    else lr = n;
  }
  const name = f.name.trim();
  if (name.length > 200) errors.name = 'The name is too long (at most 200 characters).';
  return { steps: steps.value, batch: batch.value, lr, every: every.value, name: name === '' ? null : name, errors };
}

// ───────────────────────────── live metrics ─────────────────────────────

/** Adds a live progress event to the history (ignored when that stage already has this step or a later one). */
export function appendProgress(metrics: readonly FinetuneMetricPoint[], e: Pick<FinetuneProgressEvent, 'stage' | 'step' | 'losses' | 'lr'>): FinetuneMetricPoint[] {
  let last = -Infinity;
  for (const m of metrics) if (m.stage === e.stage && m.step > last) last = m.step;
  if (e.step <= last || Object.keys(e.losses).length === 0) return metrics as FinetuneMetricPoint[];
  return [...metrics, { stage: e.stage, step: e.step, losses: e.losses, lr: e.lr }];
}

// ───────────────────────────── loss chart ─────────────────────────────

export interface LossSeries {
  name: string;
  points: { step: number; value: number }[];
}

/** One series per loss name of `stage`, points in step order (non-finite values dropped). */
export function lossSeries(metrics: readonly FinetuneMetricPoint[], stage: FinetuneStageName): LossSeries[] {
  const byName = new Map<string, { step: number; value: number }[]>();
  for (const m of metrics) {
    if (m.stage !== stage) continue;
    for (const [name, value] of Object.entries(m.losses)) {
      if (!Number.isFinite(value)) continue;
      let list = byName.get(name);
      if (!list) byName.set(name, (list = []));
      list.push({ step: m.step, value });
    }
  }
  return [...byName].map(([name, points]) => ({ name, points: points.sort((a, b) => a.step - b.step) }));
}

/** TensorBoard-style debiased exponential moving average (weight 0: the raw values; 0.9: very smooth). */
export function smoothSeries(series: LossSeries, weight: number): LossSeries {
  let last = 0;
  let n = 0;
  const points = series.points.map((p) => {
    last = last * weight + (1 - weight) * p.value;
    n++;
    return { step: p.step, value: weight > 0 ? last / (1 - weight ** n) : p.value };
  });
  return { name: series.name, points };
}

export interface ChartBox {
  width: number;
  height: number;
  /** Inner padding for the axes labels. */
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export interface ChartScale {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  log: boolean;
}

/** The domain of all series (steps from 0 or the first point; y padded; log needs positive values). */
export function chartScale(series: readonly LossSeries[], log: boolean, minStep = 0, maxStep?: number): ChartScale | null {
  let x1 = maxStep ?? -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  let any = false;
  for (const s of series) {
    for (const p of s.points) {
      if (log && p.value <= 0) continue;
      any = true;
      if (p.step > x1) x1 = p.step;
      const v = log ? Math.log10(p.value) : p.value;
      if (v < y0) y0 = v;
      if (v > y1) y1 = v;
    }
  }
  if (!any) return null;
  if (x1 <= minStep) x1 = minStep + 1;
  if (y1 - y0 < 1e-9) {
    const pad = log ? 0.5 : Math.max(Math.abs(y0) * 0.1, 1e-3);
    y0 -= pad;
    y1 += pad;
  } else {
    const pad = (y1 - y0) * 0.06;
    y1 += pad;
    if (!log && y0 >= 0 && y0 - pad < 0) y0 = 0;
    else y0 -= pad;
  }
  return { x0: minStep, x1, y0, y1, log };
}

export function xOf(step: number, s: ChartScale, b: ChartBox): number {
  return b.left + ((step - s.x0) / (s.x1 - s.x0)) * (b.width - b.left - b.right);
}

export function yOf(value: number, s: ChartScale, b: ChartBox): number {
  const v = s.log ? Math.log10(value) : value;
  return b.top + (1 - (v - s.y0) / (s.y1 - s.y0)) * (b.height - b.top - b.bottom);
}

/** SVG path `M x y L x y …` of one series (log scale skips values ≤ 0). */
export function seriesPath(series: LossSeries, s: ChartScale, b: ChartBox): string {
  const parts: string[] = [];
  for (const p of series.points) {
    if (s.log && p.value <= 0) continue;
    parts.push(`${parts.length === 0 ? 'M' : 'L'}${xOf(p.step, s, b).toFixed(1)} ${yOf(p.value, s, b).toFixed(1)}`);
  }
  return parts.join(' ');
}

/** About `count` round tick values between lo and hi (1, 2, 5 × 10^k steps). */
export function niceTicks(lo: number, hi: number, count = 4): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((k) => k >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Ticks of a log axis whose domain is log10 values [y0, y1]: powers of ten, or round values within one decade. */
export function logTicks(y0: number, y1: number): number[] {
  const decades: number[] = [];
  for (let k = Math.ceil(y0); k <= Math.floor(y1); k++) decades.push(10 ** k);
  if (decades.length >= 2) return decades;
  return niceTicks(10 ** y0, 10 ** y1, 4).filter((t) => t > 0 && Math.log10(t) >= y0 && Math.log10(t) <= y1);
}

/** The stages a job trains, in order. */
export function stagesOf(stage: FinetuneStage): FinetuneStageName[] {
  return stage === 'both' ? ['vqgan', 'transformer'] : [stage];
}

/** "12 Nov 14:03" style local time of an ISO date. */
export function formatWhen(iso: string, now: Date = new Date()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (d.toDateString() === now.toDateString()) return `today ${time}`;
  return `${d.toLocaleDateString([], { day: 'numeric', month: 'short' })} ${time}`;
}
