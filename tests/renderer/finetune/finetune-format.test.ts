import { describe, expect, it } from 'vitest';
import type { FinetuneMetricPoint } from '../../../preload/contract';
import {
  appendProgress, canFinetune, chartScale, countSkipReasons, formatDuration, formatStepTime, formatTick, isAbsolutePath, lossSeries, niceTicks, parseAdvanced,
  logTicks, seriesPath, smoothSeries, stagesOf, yOf,
} from '../../../renderer/finetune/finetune-format';
import type { AdvancedFields, ChartBox } from '../../../renderer/finetune/finetune-format';

const FIELDS: AdvancedFields = { stage: 'transformer', steps: '', batch: '', lr: '', every: '', name: '' };

describe('formatDuration', () => {
  it('writes seconds, minutes and hours', () => {
    expect(formatDuration(0.4)).toBe('< 1 s');
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(120)).toBe('2 min');
    expect(formatDuration(200)).toBe('3 min 20 s');
    expect(formatDuration(7500)).toBe('2 h 05 min');
    expect(formatDuration(3599.6)).toBe('1 h 00 min');
    expect(formatDuration(Number.NaN)).toBe('—');
  });
  it('writes step times in ms below a second', () => {
    expect(formatStepTime(0.084)).toBe('84 ms');
    expect(formatStepTime(2.5)).toBe('2.5 s');
  });
});

describe('model eligibility and scan summaries', () => {
  it('lists VQGANs and transformers whose condition comes with the pictures', () => {
    expect(canFinetune({ kind: 'vqgan', conditionMode: null })).toBe(true);
    for (const mode of ['unconditional', 'segmentation', 'edge', 'pose']) expect(canFinetune({ kind: 'cond-transformer', conditionMode: mode })).toBe(true);
    for (const mode of ['class', 'depth', 'coord', 'image']) expect(canFinetune({ kind: 'cond-transformer', conditionMode: mode })).toBe(false);
  });
  it('counts skipped files per reason, most frequent first', () => {
    const groups = countSkipReasons([{ reason: 'truncated' }, { reason: 'not-an-image' }, { reason: 'not-an-image' }, { reason: 'odd' }]);
    expect(groups).toEqual([
      { reason: 'not-an-image', label: 'not an image', count: 2 },
      { reason: 'odd', label: 'odd', count: 1 },
      { reason: 'truncated', label: 'truncated or corrupt', count: 1 },
    ]);
  });
  it('knows absolute POSIX and Windows paths', () => {
    expect(isAbsolutePath('/home/a')).toBe(true);
    expect(isAbsolutePath('C:\\Pictures')).toBe(true);
    expect(isAbsolutePath('pictures')).toBe(false);
  });
});

describe('parseAdvanced', () => {
  it('keeps empty fields as defaults', () => {
    expect(parseAdvanced(FIELDS)).toEqual({ steps: null, batch: null, lr: null, every: null, name: null, errors: {} });
  });
  it('parses valid values', () => {
    const p = parseAdvanced({ ...FIELDS, steps: '8', batch: '2', lr: '1e-4', every: '2', name: '  mine ' });
    expect(p).toEqual({ steps: 8, batch: 2, lr: 1e-4, every: 2, name: 'mine', errors: {} });
  });
  it('says what is wrong per field', () => {
    const p = parseAdvanced({ ...FIELDS, steps: '0', batch: 'two', lr: '5', every: '1.5' });
    expect(p.errors.steps).toMatch(/from 1 to 1,000,000/);
    expect(p.errors.batch).toMatch(/whole number/);
    expect(p.errors.lr).toMatch(/1e-9 to 1/);
    expect(p.errors.every).toMatch(/whole number/);
    expect(p.steps).toBeNull();
  });
});

describe('live metrics and the loss chart', () => {
  const history: FinetuneMetricPoint[] = [
    { stage: 'vqgan', step: 1, losses: { loss: 1, rec: 0.5 }, lr: 1e-4 },
    { stage: 'vqgan', step: 2, losses: { loss: 0.5, rec: 0.25, d: 0 }, lr: 1e-4 },
  ];
  it('appends newer steps only', () => {
    expect(appendProgress(history, { stage: 'vqgan', step: 2, losses: { loss: 9 }, lr: 1 })).toBe(history);
    const next = appendProgress(history, { stage: 'vqgan', step: 3, losses: { loss: 0.25 }, lr: 1e-4 });
    expect(next).toHaveLength(3);
    expect(appendProgress(next, { stage: 'transformer', step: 1, losses: { nll: 3 }, lr: 1e-4 })).toHaveLength(4);
  });
  it('builds one series per loss name and an SVG path through every point', () => {
    const series = lossSeries(history, 'vqgan');
    expect(series.map((s) => [s.name, s.points.length])).toEqual([['loss', 2], ['rec', 2], ['d', 1]]);
    const box: ChartBox = { width: 110, height: 110, left: 10, right: 0, top: 10, bottom: 0 };
    const scale = chartScale(series, false, 0, 4)!;
    expect(scale.x1).toBe(4);
    expect(scale.y0).toBe(0);
    const d = seriesPath(series[0]!, scale, box);
    expect(d.split('L')).toHaveLength(2);
    expect(d.startsWith('M35.0 ')).toBe(true);
    // higher loss is higher on screen (smaller y)
    expect(yOf(1, scale, box)).toBeLessThan(yOf(0.5, scale, box));
  });
  it('skips non-positive values on a log scale', () => {
    const series = lossSeries(history, 'vqgan');
    const scale = chartScale(series, true)!;
    const box: ChartBox = { width: 100, height: 100, left: 0, right: 0, top: 0, bottom: 0 };
    expect(seriesPath(series[2]!, scale, box)).toBe('');
    expect(chartScale([{ name: 'd', points: [{ step: 1, value: 0 }] }], true)).toBeNull();
  });
  it('picks round ticks', () => {
    expect(niceTicks(0, 10, 5)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0.13, 0.61, 4)).toEqual([0.2, 0.4, 0.6]);
  });
  it('orders the stages of a job', () => {
    expect(stagesOf('both')).toEqual(['vqgan', 'transformer']);
    expect(stagesOf('vqgan')).toEqual(['vqgan']);
  });
});

describe('smoothSeries', () => {
  it('is the raw series at weight 0 and a debiased moving average otherwise', () => {
    const s = { name: 'nll', points: [{ step: 1, value: 4 }, { step: 2, value: 2 }, { step: 3, value: 2 }] };
    expect(smoothSeries(s, 0)).toEqual(s);
    const sm = smoothSeries(s, 0.5).points.map((p) => p.value);
    expect(sm[0]).toBeCloseTo(4); // debiased: the first value is kept
    expect(sm[1]).toBeCloseTo((0.25 * 4 + 0.5 * 2) / 0.75);
    expect(sm[2]).toBeLessThan(sm[1]!);
  });
});

describe('formatTick', () => {
  it('drops trailing zeros and uses exponents for tiny values', () => {
    expect(formatTick(0.5)).toBe('0.5');
    expect(formatTick(1.5)).toBe('1.5');
    expect(formatTick(3.4)).toBe('3.4');
    expect(formatTick(0.0003)).toBe('3e-4');
  });
});

describe('logTicks', () => {
  it('uses powers of ten across decades and round values inside one', () => {
    expect(logTicks(-2.2, 0.3)).toEqual([0.01, 0.1, 1]);
    const inside = logTicks(Math.log10(2.9), Math.log10(3.45));
    expect(inside.length).toBeGreaterThanOrEqual(2);
    for (const t of inside) expect(t >= 2.9 && t <= 3.45).toBe(true);
  });
});
