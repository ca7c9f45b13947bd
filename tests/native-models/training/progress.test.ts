import { describe, expect, it } from 'vitest';
import { formatDuration, formatProgress, ProgressMeter } from '../../../native-models/training/progress';

describe('ProgressMeter', () => {
  it('reports images/s and ETA from a moving average of step times', () => {
    let t = 0;
    const m = new ProgressMeter(100, 8, 0.5, () => t);
    t = 4000; // a slow first step (compilation)
    const p1 = m.tick(1, { rec: 0.5 }, 1e-4);
    expect(p1.imagesPerSec).toBeCloseTo(2, 9);
    expect(p1.etaSec).toBeCloseTo(99 * 4, 9);
    t += 1000;
    const p2 = m.tick(2, { rec: 0.4 }, 1e-4); // ema = 0.5·1 + 0.5·4 = 2.5 s
    expect(p2.stepsPerSec).toBeCloseTo(0.4, 9);
    expect(p2.imagesPerSec).toBeCloseTo(3.2, 9);
    expect(p2.etaSec).toBeCloseTo(98 * 2.5, 9);
    expect(p2.elapsedSec).toBe(5);
    expect(formatProgress(p2)).toBe('step 2/100  rec 0.4000  lr 1.00e-4  3.2 img/s  ETA 4m05s');
    expect(formatDuration(3725)).toBe('1h02m');
  });
});
