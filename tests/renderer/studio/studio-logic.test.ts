// The studio's pure pieces: palette search and recents, shortcuts, autosave + recovery, label-map
// import, and the generate request built from the document.
import { describe, expect, it } from 'vitest';
import { createDocument, parseDocument, serializeDocument } from '../../../renderer/document/document';
import type { PaletteEntry } from '../../../renderer/document/document-types';
import { fillRect } from '../../../renderer/editor/raster/shapes';
import { createPerson } from '../../../renderer/editor/pose/pose-model';
import { AUTOSAVE_BROKEN_KEY, AUTOSAVE_KEY, debouncer, recoverDocument, saveDocument } from '../../../renderer/studio/autosave';
import { outputSizes } from '../../../renderer/studio/output-sizes';
import { buildGenerateRequest, missingCondition, tokenCount } from '../../../renderer/studio/generate-request';
import { usesSlidingWindow, windowStrideChoices } from '../../../renderer/studio/window-stride';
import { LabelMapError, labelsFromRgba } from '../../../renderer/studio/label-map-import';
import { filterClasses, pushRecent } from '../../../renderer/studio/palette-search';
import { actionForKey, stepBrushSize } from '../../../renderer/studio/shortcuts';
import type { ModelSummary } from '../../../preload/contract';

const palette: PaletteEntry[] = [
  { id: 0, name: 'sky-other', color: [120, 180, 255] },
  { id: 1, name: 'grass', color: [90, 170, 70] },
  { id: 2, name: 'sea', color: [40, 90, 200] },
  { id: 3, name: 'snow', color: [250, 250, 255] },
];

class MemoryStorage {
  readonly map = new Map<string, string>();
  getItem(k: string) {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.map.set(k, v);
  }
  removeItem(k: string) {
    this.map.delete(k);
  }
}

const key = (k: string, mods: Partial<{ ctrlKey: boolean; shiftKey: boolean; metaKey: boolean; altKey: boolean }> = {}) => ({ key: k, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });

describe('palette search and recents', () => {
  it('matches every word case-insensitively, or the id', () => {
    expect(filterClasses(palette, 'SKY').map((c) => c.name)).toEqual(['sky-other']);
    expect(filterClasses(palette, 's').map((c) => c.id)).toEqual([0, 1, 2, 3]);
    expect(filterClasses(palette, 'sk oth').map((c) => c.id)).toEqual([0]);
    expect(filterClasses(palette, '2').map((c) => c.name)).toEqual(['sea']);
    expect(filterClasses(palette, 'lava')).toEqual([]);
  });
  it('keeps recents unique, newest first, capped', () => {
    let r: number[] = [];
    for (const id of [1, 2, 1, 3, 4, 5, 6, 7, 8, 9]) r = pushRecent(r, id);
    expect(r).toEqual([9, 8, 7, 6, 5, 4, 3, 1]);
  });
});

describe('shortcuts', () => {
  const tools = ['brush', 'pencil', 'eraser', 'fill'];
  it('maps tool letters only to tools the mode offers', () => {
    expect(actionForKey(key('b'), tools)).toEqual({ kind: 'tool', tool: 'brush' });
    expect(actionForKey(key('G'), tools)).toEqual({ kind: 'tool', tool: 'fill' });
    expect(actionForKey(key('r'), tools)).toBeNull();
  });
  it('undo/redo, generate, cancel, brush size', () => {
    expect(actionForKey(key('z', { ctrlKey: true }), tools)).toEqual({ kind: 'undo' });
    expect(actionForKey(key('Z', { ctrlKey: true, shiftKey: true }), tools)).toEqual({ kind: 'redo' });
    expect(actionForKey(key('y', { metaKey: true }), tools)).toEqual({ kind: 'redo' });
    expect(actionForKey(key('Enter', { ctrlKey: true }), tools)).toEqual({ kind: 'generate' });
    expect(actionForKey(key('Escape'), tools)).toEqual({ kind: 'cancel' });
    expect(actionForKey(key('['), tools)).toEqual({ kind: 'size', delta: -1 });
    expect(actionForKey(key('b', { ctrlKey: true }), tools)).toBeNull();
    expect([stepBrushSize(1, -1), stepBrushSize(9, 1), stepBrushSize(12, 1), stepBrushSize(128, 1)]).toEqual([1, 10, 14, 128]);
  });
});

describe('autosave', () => {
  it('saves the versioned document and recovers it exactly', () => {
    const storage = new MemoryStorage();
    const doc = createDocument({ width: 32, height: 16, palette, background: 0 });
    fillRect(doc.semantic.labels, { x: 2, y: 3 }, { x: 9, y: 12 }, 2);
    doc.pose.people = [createPerson(doc)];
    saveDocument(storage, doc, new Date('2026-11-28T10:00:00Z'));
    const r = recoverDocument(storage);
    expect(r.kind).toBe('recovered');
    if (r.kind !== 'recovered') return;
    expect(r.savedAt).toBe('2026-11-28T10:00:00.000Z');
    expect(serializeDocument(r.doc)).toEqual(serializeDocument(doc));
  });
  it('keeps an unreadable save aside and starts fresh', () => {
    const storage = new MemoryStorage();
    storage.setItem(AUTOSAVE_KEY, '{"savedAt":"x","document":{"format":"tessera.document","width":-3}}');
    const r = recoverDocument(storage);
    expect(r.kind).toBe('unreadable');
    expect(storage.getItem(AUTOSAVE_KEY)).toBeNull();
    expect(storage.getItem(AUTOSAVE_BROKEN_KEY)).toContain('tessera.document');
    expect(recoverDocument(new MemoryStorage())).toEqual({ kind: 'none' });
  });
  it('debounces saves and flushes on demand', () => {
    let saves = 0;
    const pending: (() => void)[] = [];
    const d = debouncer(() => void saves++, 100, { set: (f) => pending.push(f), clear: (t) => void t });
    d.schedule();
    d.schedule();
    expect(saves).toBe(0);
    d.flush();
    expect(saves).toBe(1);
    d.flush();
    expect(saves).toBe(1);
  });
});

describe('label-map import', () => {
  it('maps palette colours and grey class ids exactly; refuses anything else with the pixel', () => {
    const rgba = [40, 90, 200, 255, 1, 1, 1, 255, 250, 250, 255, 255, 0, 0, 0, 255];
    expect(Array.from(labelsFromRgba(rgba, 2, 2, palette))).toEqual([2, 1, 3, 0]);
    expect(() => labelsFromRgba([41, 90, 200, 255], 1, 1, palette)).toThrow(LabelMapError);
    expect(() => labelsFromRgba([0, 0, 0, 255, 9, 9, 9, 255], 2, 1, palette)).toThrow(/Pixel \(1, 0\) has colour rgb\(9, 9, 9\)/);
  });
});

describe('generate request', () => {
  const model: ModelSummary = { id: '/lib/models/scenes', name: 'scenes', source: 'library', mode: 'semantic', width: 32, height: 32, factor: 8, classes: null, classCount: null, outputSize: null, windowStride: 1, temperature: null, sha256: 'a'.repeat(64), bytes: 1 };
  const encodeGrey = (r: { width: number; height: number }, w: number, h: number) => `grey:${r.width}x${r.height}->${w}x${h}`;

  it('offers window multiples as output sizes, plus the size the model names', () => {
    expect(outputSizes(model)).toEqual([32, 64, 96, 128, 192, 256]);
    expect(outputSizes({ ...model, outputSize: { width: 80, height: 80 } })).toEqual([32, 64, 80, 96, 128, 192, 256]);
    expect(outputSizes({ ...model, outputSize: { width: 128, height: 128 } })).toEqual([32, 64, 96, 128, 192, 256]);
  });

  it('semantic: the label raster as is, seed, sampler, size, variations, previews and the document', () => {
    const doc = createDocument({ width: 16, height: 16, palette });
    fillRect(doc.semantic.labels, { x: 0, y: 8 }, { x: 15, y: 15 }, 2);
    doc.generation = { ...doc.generation, outputWidth: 64, outputHeight: 64, variations: 2, temperature: 0.8, topK: 50, topP: 0.9 };
    const req = buildGenerateRequest(doc, model, { seed: 77, encodeGrey });
    expect(tokenCount(doc, model)).toBe(64);
    expect(req).toMatchObject({ model: '/lib/models/scenes', width: 64, height: 64, seed: 77, n: 2, previewEvery: 5, sampler: { temperature: 0.8, topK: 50, topP: 0.9, greedy: false } });
    expect(req.condition).toMatchObject({ kind: 'labels', width: 16, height: 16 });
    const labels = (req.condition as { labels: number[] }).labels;
    expect(labels.filter((v) => v === 2)).toHaveLength(128);
    const stored = parseDocument(req.document).doc;
    expect(stored.generation).toMatchObject({ seed: 77, modelId: '/lib/models/scenes' });
    expect(req.gptWeights).toBeUndefined(); // float32, the default, is not sent
    doc.generation = { ...doc.generation, gptWeights: 'int8' };
    const int8 = buildGenerateRequest(doc, model, { seed: 77, encodeGrey });
    expect(int8.gptWeights).toBe('int8');
    expect(parseDocument(int8.document).doc.generation.gptWeights).toBe('int8');
  });

  it('window stride: the model\'s unless the document picks one; offered and sent only for the sliding window, lowered to what the window allows', () => {
    const starter = { ...model, width: 64, height: 64, windowStride: 4 }; // an 8 × 8-token window
    const doc = createDocument({ width: 16, height: 16, palette });
    doc.generation = { ...doc.generation, outputWidth: 256, outputHeight: 256 };
    expect(usesSlidingWindow(starter, doc.generation)).toBe(true);
    expect(windowStrideChoices(starter, doc.generation)).toEqual([1, 2, 4]); // at most half the window
    expect(buildGenerateRequest(doc, starter, { seed: 1, encodeGrey }).windowStride).toBeUndefined(); // null: the worker uses the model's 4
    doc.generation = { ...doc.generation, windowStride: 1 };
    const one = buildGenerateRequest(doc, starter, { seed: 1, encodeGrey });
    expect(one.windowStride).toBe(1);
    expect(parseDocument(one.document).doc.generation.windowStride).toBe(1); // kept with the result
    // a 256 × 16 output has a 2-row window: stride 4 is lowered to 1 (half of 2 rows)
    doc.generation = { ...doc.generation, windowStride: 4, outputWidth: 256, outputHeight: 16 };
    expect(windowStrideChoices(starter, doc.generation)).toEqual([1]);
    expect(buildGenerateRequest(doc, starter, { seed: 1, encodeGrey }).windowStride).toBe(1);
    // one window covers the output: nothing to choose, nothing sent
    doc.generation = { ...doc.generation, outputWidth: 64, outputHeight: 64 };
    expect(usesSlidingWindow(starter, doc.generation)).toBe(false);
    expect(buildGenerateRequest(doc, starter, { seed: 1, encodeGrey }).windowStride).toBeUndefined();
    expect(() => parseDocument({ ...serializeDocument(doc), generation: { ...serializeDocument(doc).generation as object, windowStride: 0 } })).toThrow(/generation\.windowStride/);
  });

  it('edge: white-on-black PNG; pose: OpenPose JSON scaled to the output; pose without people is blocked', () => {
    const doc = createDocument({ width: 128, height: 128, mode: 'edge' });
    doc.generation = { ...doc.generation, outputWidth: 256, outputHeight: 256 };
    expect(buildGenerateRequest(doc, { ...model, mode: 'edge' }, { seed: 1, encodeGrey }).condition).toEqual({ kind: 'png', base64: 'grey:128x128->128x128' });
    doc.mode = 'pose';
    const pose = { ...model, mode: 'pose' as const };
    expect(missingCondition(doc, pose)).toMatch(/Add a person/);
    doc.pose.people = [createPerson(doc)];
    expect(missingCondition(doc, pose)).toBeNull();
    const req = buildGenerateRequest(doc, pose, { seed: 1, encodeGrey });
    const json = (req.condition as unknown as { json: { canvas_width: number; people: { pose_keypoints_2d: number[] }[] } }).json;
    expect(json.canvas_width).toBe(256);
    expect(json.people[0]!.pose_keypoints_2d[0]).toBeCloseTo(doc.pose.people[0]!.keypoints[0]!.x * 2);
  });
});
