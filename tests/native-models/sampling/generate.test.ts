import { describe, expect, it } from 'vitest';
import { generate, prepareConditionMap, tokenMask } from '../../../native-models/sampling/generate';
import type { GenerateProgress, GenerateRequest } from '../../../native-models/sampling/generate';
import { testGenerator } from './test-generator';

const sampler = { temperature: 1, topK: 8, topP: 0.95, greedy: false };
const base: GenerateRequest = { mode: 'unconditional', width: 40, height: 36, seed: 17, n: 2, sampler };

describe('generate (with the test models)', () => {
  it('same seed → identical images and tokens; different seeds differ; image k = seed + k alone', async () => {
    const m = testGenerator('sos');
    const a = await generate(m, base);
    const b = await generate(m, base);
    expect(a.grid).toEqual({ h: 9, w: 10 });
    expect(a.images).toHaveLength(2);
    expect(a.images[0]!.length).toBe(40 * 36 * 3);
    expect(a.images.map((x) => Buffer.from(x).toString('hex'))).toEqual(b.images.map((x) => Buffer.from(x).toString('hex')));
    const c = await generate(m, { ...base, seed: 18 });
    expect(Buffer.from(c.images[0]!).equals(Buffer.from(a.images[0]!))).toBe(false);
    const alone = await generate(m, { ...base, seed: 18, n: 1 });
    expect(Array.from(alone.tokens)).toEqual(Array.from(a.tokens.subarray(90, 180)));
    expect(a.seeds).toEqual([17, 18]);
  });

  it('class models check the class id', async () => {
    const m = testGenerator('class');
    await expect(generate(m, { ...base, mode: 'class', classIndex: 10 })).rejects.toThrow(/Unknown class 10: this model has classes 0..9/);
    await expect(generate(m, { ...base, mode: 'class' })).rejects.toThrow(/Unknown class \(none\)/);
    const r = await generate(m, { ...base, mode: 'class', classIndex: 3 });
    const r2 = await generate(m, { ...base, mode: 'class', classIndex: 4 });
    expect(Array.from(r.tokens)).not.toEqual(Array.from(r2.tokens));
    await expect(generate(m, { ...base, mode: 'semantic' })).rejects.toThrow(/This model is a class model/);
  });

  it('semantic: labels resized by nearest neighbour, ids beyond the palette and empty maps refused', async () => {
    const m = testGenerator('semantic');
    const labels = Int32Array.from({ length: 20 * 18 }, (_, k) => (k >> 3) % 5);
    const small = { kind: 'labels' as const, map: { width: 20, height: 18, labels } };
    const req: GenerateRequest = { ...base, mode: 'semantic', condition: small };
    const r = await generate(m, req);
    expect(r.images).toHaveLength(2);
    const bad = Int32Array.from(labels);
    bad[5] = 9;
    await expect(generate(m, { ...req, condition: { kind: 'labels', map: { width: 20, height: 18, labels: bad } } })).rejects.toThrow(
      /Label 9 at pixel \(5, 0\) is beyond the model's palette: it has 5 classes/,
    );
    await expect(generate(m, { ...req, condition: { kind: 'labels', map: { width: 0, height: 0, labels: new Int32Array(0) } } })).rejects.toThrow(/empty/);
    await expect(generate(m, { ...req, condition: undefined })).rejects.toThrow(/needs a condition/);
    await expect(generate(m, { ...req, condition: { kind: 'labels', map: { width: 20, height: 9, labels: labels.subarray(0, 180) } } })).rejects.toThrow(
      /The condition is 20×9 but the output is 40×36 \(another aspect ratio\)/,
    );
    await expect(generate(m, { ...req, width: 42 })).rejects.toThrow(/multiples of the model's factor 4/);
  });

  it('pose: OpenPose JSON is rendered; malformed JSON is refused', async () => {
    const m = testGenerator('pose');
    const kp = new Array<number>(54).fill(0);
    kp.splice(3, 3, 20, 10, 1);
    kp.splice(6, 3, 30, 20, 1);
    const ok = await generate(m, { ...base, mode: 'pose', n: 1, condition: { kind: 'pose', json: JSON.stringify({ people: [{ pose_keypoints_2d: kp }] }) } });
    expect(ok.images).toHaveLength(1);
    await expect(generate(m, { ...base, mode: 'pose', condition: { kind: 'pose', json: '{"people":[{"pose_keypoints_2d":[1]}]}' } })).rejects.toThrow(/expected 54/);
  });

  it('masked completion keeps every token outside the mask', async () => {
    const m = testGenerator('sos');
    const data = Uint8Array.from({ length: 40 * 36 }, (_, k) => (k * 37) % 256);
    const init = { kind: 'image' as const, width: 40, height: 36, channels: 1, data };
    const mask = new Uint8Array(40 * 36);
    for (let y = 10; y < 22; y++) for (let x = 5; x < 30; x++) mask[y * 40 + x] = 1;
    const expectedTokens = await m.encodeImage(Float32Array.from({ length: 3 * 40 * 36 }, (_, k) => data[k % (40 * 36)]! / 127.5 - 1), 36, 40);
    const tm = tokenMask(mask, 40, 36, 4);
    const r = await generate(m, { ...base, mode: 'completion', init, mask });
    for (let b = 0; b < 2; b++) {
      for (let q = 0; q < 90; q++) if (!tm[q]) expect(r.tokens[b * 90 + q]).toBe(expectedTokens[q]);
    }
    const half = await generate(m, { ...base, mode: 'completion', init });
    expect(Array.from(half.tokens.subarray(0, 45))).toEqual(Array.from(expectedTokens.subarray(0, 45)));
  });

  it('reports progress with ETA and previews; cancel stops within a token step', async () => {
    const m = testGenerator('sos');
    const events: GenerateProgress[] = [];
    await generate(m, { ...base, previewEvery: 30 }, { onProgress: (p) => void events.push(p) });
    expect(events).toHaveLength(90);
    expect(events.at(-1)!.done).toBe(90);
    expect(events[10]!.etaMs).not.toBeNull();
    const previews = events.filter((e) => e.preview);
    expect(previews.map((e) => e.done)).toEqual([30, 60]);
    expect(previews[0]!.preview!.images.length).toBe(2 * 3 * 40 * 36);

    const slow = testGenerator('sos', { delayMs: 25 });
    const controller = new AbortController();
    let abortedAt = 0;
    let callsAtAbort = -1;
    const calls = (): number => slow.gpt.counts.logitsAt + slow.gpt.counts.prefill + slow.gpt.counts.step + slow.gpt.counts.extend;
    const run = generate(slow, base, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done === 5) {
          setTimeout(() => {
            abortedAt = performance.now();
            callsAtAbort = calls();
            controller.abort();
          }, 10);
        }
      },
    });
    await expect(run).rejects.toThrow(/abort/i);
    expect(calls()).toBe(callsAtAbort);
    expect(performance.now() - abortedAt).toBeLessThan(3 * 25 + 250);
  });
});

describe('condition maps per mode', () => {
  const stage = (mode: 'edge' | 'depth' | 'superres' | 'pose' | 'semantic', channels: number) =>
    ({ kind: 'vq' as const, mode, channels, factor: 4, numClasses: mode === 'semantic' ? 3 : undefined, encode: async () => new Int32Array(0) });

  it('edge/depth: grey PNG bytes and float maps become one channel in [-1, 1], resized bilinearly', () => {
    const grey = prepareConditionMap(stage('edge', 1), { kind: 'image', width: 2, height: 1, channels: 1, data: Uint8Array.from([0, 255]) }, 2, 1);
    expect(Array.from(grey)).toEqual([-1, 1]);
    const depth = prepareConditionMap(stage('depth', 1), { kind: 'float', width: 2, height: 1, data: Float32Array.from([0, 1]) }, 4, 2);
    expect(Array.from(depth)).toEqual([-1, -0.5, 0.5, 1, -1, -0.5, 0.5, 1]);
    const rgb = prepareConditionMap(stage('edge', 1), { kind: 'image', width: 1, height: 1, channels: 3, data: Uint8Array.from([255, 0, 0]) }, 1, 1);
    expect(rgb[0]).toBeCloseTo(85 / 127.5 - 1, 6);
  });

  it('superres: an RGB image becomes three planes in [-1, 1]; labels are refused for it', () => {
    const planes = prepareConditionMap(stage('superres', 3), { kind: 'image', width: 1, height: 1, channels: 4, data: Uint8Array.from([255, 0, 51, 255]) }, 1, 1);
    expect(Array.from(planes)).toEqual([1, -1, Math.fround(51 / 127.5 - 1)]);
    expect(() => prepareConditionMap(stage('superres', 3), { kind: 'labels', map: { width: 1, height: 1, labels: Int32Array.from([0]) } }, 1, 1)).toThrow(/must be an image/);
  });

  it('semantic: grey label PNG bytes are label ids; an empty map is refused', () => {
    const oneHot = prepareConditionMap(stage('semantic', 3), { kind: 'image', width: 2, height: 1, channels: 1, data: Uint8Array.from([2, 0]) }, 2, 1);
    expect(Array.from(oneHot)).toEqual([0, 1, 0, 0, 1, 0]);
    expect(() => prepareConditionMap(stage('semantic', 3), { kind: 'image', width: 0, height: 0, channels: 1, data: new Uint8Array(0) }, 2, 1)).toThrow(/empty/);
  });
});
