import { describe, expect, it } from 'vitest';
import { ProgressTracker, formatDuration, previewDue, previewTokens } from '../../../native-models/sampling/progress';

describe('progress', () => {
  it('computes elapsed time and a recency-weighted ETA', () => {
    let now = 1000;
    const p = new ProgressTracker(10, 0.5, () => now);
    expect(p.info().etaMs).toBeNull();
    now += 100; // token 1 took 100 ms
    expect(p.update(1)).toEqual({ done: 1, total: 10, elapsedMs: 100, etaMs: 900, tokensPerSecond: 10 });
    now += 300; // token 2 took 300 ms: ema = 0.5·300 + 0.5·100 = 200
    const i2 = p.update(2);
    expect(i2.etaMs).toBe(8 * 200);
    expect(i2.elapsedMs).toBe(400);
    now += 200; // two tokens in 200 ms: 100 each, ema = 0.5·100 + 0.5·200 = 150
    expect(p.update(4).etaMs).toBe(6 * 150);
  });

  it('fills not-yet-sampled tokens with the neutral code in every batch row', () => {
    const tokens = Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const final = Uint8Array.from([1, 1, 0, 0]);
    expect(Array.from(previewTokens(tokens, final, 9))).toEqual([1, 2, 9, 9, 5, 6, 9, 9]);
    expect(Array.from(tokens)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('schedules previews every K tokens, never after the last one', () => {
    expect([1, 2, 3, 4, 5, 6].filter((d) => previewDue(d, 6, 2))).toEqual([2, 4]);
    expect(previewDue(4, 10, 0)).toBe(false);
  });

  it('formats durations', () => {
    expect(formatDuration(12_400)).toBe('12s');
    expect(formatDuration(65_000)).toBe('1:05');
    expect(formatDuration(3_725_000)).toBe('1:02:05');
  });
});
