import { describe, expect, it } from 'vitest';
import { MAX_ZOOM, fitViewport, panBy, screenToCanvas, wheelZoomFactor, zoomAt } from '../../../../renderer/editor/view/viewport';

describe('viewport', () => {
  it('zooms about the pointer: the canvas point under it stays put', () => {
    const v = { zoom: 2, panX: 10, panY: 20 };
    const screen = { x: 300, y: 150 };
    const before = screenToCanvas(v, screen);
    const after = screenToCanvas(zoomAt(v, 1.7, screen), screen);
    expect(after.x).toBeCloseTo(before.x);
    expect(after.y).toBeCloseTo(before.y);
    expect(zoomAt(v, 1e6, screen).zoom).toBe(MAX_ZOOM);
  });

  it('fits a document centred with integer zoom when it fits at 1× or more', () => {
    expect(fitViewport({ width: 256, height: 256 }, { width: 800, height: 600 })).toEqual({ zoom: 2, panX: 144, panY: 44 });
    const small = fitViewport({ width: 1024, height: 512 }, { width: 560, height: 400 });
    expect(small.zoom).toBeCloseTo(0.5);
    expect(small.panX).toBeCloseTo(24);
  });

  it('pans by screen pixels; a wheel notch is 10 %', () => {
    expect(panBy({ zoom: 3, panX: 1, panY: 2 }, 5, -7)).toEqual({ zoom: 3, panX: 6, panY: -5 });
    expect(wheelZoomFactor(-100)).toBeCloseTo(1.1);
    expect(wheelZoomFactor(100)).toBeCloseTo(1 / 1.1);
  });
});
