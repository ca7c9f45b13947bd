// conditions.edgesFromImage on real PNG bytes: Canny finds the outline of a square, pass-through keeps a
// ready-made map, invert swaps polarity, and bad thresholds or bytes are refused with a clear message.
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { conditionsSchemas, edgesFromImage } from '../../../main/generation/conditions-domain';

/** A w×h RGBA PNG: grey `bg` with a `fg` square from (a, a) to (b, b) exclusive. */
function squarePng(w: number, h: number, a: number, b: number, bg: number, fg: number): string {
  const png = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = x >= a && x < b && y >= a && y < b ? fg : bg;
      png.data.set([v, v, v, 255], (y * w + x) * 4);
    }
  }
  return PNG.sync.write(png).toString('base64');
}

const decode = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));

describe('conditions.edgesFromImage', () => {
  it('traces the outline of a bright square (edges near its border only, white on black)', () => {
    const r = edgesFromImage({ pngBase64: squarePng(48, 48, 12, 36, 20, 230), low: 0.05, high: 0.1 });
    expect(r).toMatchObject({ width: 48, height: 48 });
    const e = decode(r.edgesBase64);
    expect(e).toHaveLength(48 * 48);
    expect(r.edgePixels).toBe(e.filter((v) => v === 255).length);
    expect(r.edgePixels).toBeGreaterThan(4 * 20);
    for (let y = 0; y < 48; y++) {
      for (let x = 0; x < 48; x++) {
        if (e[y * 48 + x] !== 255) continue;
        const nearBorder = Math.min(Math.abs(x - 12), Math.abs(x - 35), Math.abs(y - 12), Math.abs(y - 35)) <= 2;
        expect(nearBorder, `edge at (${x}, ${y})`).toBe(true);
      }
    }
    // A high threshold above the blurred step's peak finds nothing.
    expect(edgesFromImage({ pngBase64: squarePng(48, 48, 12, 36, 20, 230), low: 0.5, high: 0.9 }).edgePixels).toBe(0);
  });

  it('passes a ready-made edge map through, and inverts a dark-on-light one', () => {
    const through = edgesFromImage({ pngBase64: squarePng(8, 8, 2, 4, 0, 255), low: 0, high: 0, passThrough: true });
    expect(through.edgePixels).toBe(4);
    expect(decode(through.edgesBase64)[2 * 8 + 2]).toBe(255);
    const inverted = edgesFromImage({ pngBase64: squarePng(8, 8, 2, 4, 255, 0), low: 0, high: 0, passThrough: true, invert: true });
    expect(decode(inverted.edgesBase64)).toEqual(decode(through.edgesBase64));
  });

  it('refuses low > high and bytes that are not a PNG', () => {
    expect(() => conditionsSchemas.edgesFromImage.parse({ pngBase64: 'AAAA', low: 0.3, high: 0.1 }, 'params')).toThrow(/params\.low must be at most high/);
    expect(() => edgesFromImage({ pngBase64: Buffer.from('hello').toString('base64'), low: 0.1, high: 0.2 })).toThrow(/not a readable PNG/);
  });
});
