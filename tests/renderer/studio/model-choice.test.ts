// The studio's model choice: settled from the live document, so a pick made while the model list is loading
// survives the first-launch default settling (the race the studio e2e once hid behind a retry).
import { describe, expect, it } from 'vitest';
import type { ModelSummary } from '../../../preload/contract';
import { createDocument } from '../../../renderer/document/document';
import { firstLaunchDocument } from '../../../renderer/studio/first-launch';
import { adoptModel, chosenModel, fittingModels, settleModel } from '../../../renderer/studio/model-choice';
import { StudioEditor } from '../../../renderer/studio/studio-editor';

const summary = (over: Partial<ModelSummary> & Pick<ModelSummary, 'id' | 'name' | 'mode'>): ModelSummary => ({
  source: 'library', width: 64, height: 64, factor: 8, classes: null, classCount: null, outputSize: null, windowStride: 1, temperature: null, sha256: 'ab', bytes: 1,
  ...over,
});

const starter = summary({
  id: '/zoo/starter-landscapes', name: 'starter-landscapes', mode: 'semantic', width: 256, height: 256, factor: 16,
  classes: [{ id: 0, name: 'sky', color: [120, 180, 255] }, { id: 1, name: 'sea', color: [40, 90, 200] }],
});
const tiny = summary({ id: '/library/tiny-scenes', name: 'tiny-scenes', mode: 'semantic', classes: [{ id: 0, name: 'grass', color: [0, 200, 0] }] });
const figures = summary({ id: '/zoo/starter-figures', name: 'starter-figures', mode: 'pose', outputSize: { width: 128, height: 128 }, width: 64, height: 64 });

describe('studio model choice', () => {
  it('resolves the first-launch name to the bundle and adopts its palette', () => {
    const editor = new StudioEditor(firstLaunchDocument());
    expect(settleModel(editor, [tiny, starter])?.id).toBe(starter.id);
    expect(editor.doc.generation.modelId).toBe(starter.id);
    expect(editor.doc.semantic.palette).toEqual(starter.classes);
  });

  it('keeps a pick made before the first-launch default settled', () => {
    const editor = new StudioEditor(firstLaunchDocument());
    const models = [starter, tiny];
    // The render that first sees the list computes the default (the document still names starter-landscapes)…
    expect(chosenModel(models, editor.doc)?.id).toBe(starter.id);
    // …the person picks tiny-scenes before that render's settling effect runs…
    adoptModel(editor, tiny);
    // …and the late settling keeps the pick.
    expect(settleModel(editor, models)?.id).toBe(tiny.id);
    expect(editor.doc.generation.modelId).toBe(tiny.id);
    expect(editor.doc.semantic.palette).toEqual(tiny.classes);
  });

  it('falls back to the first model of the mode; a model naming its size starts there; a bad size is mended', () => {
    const editor = new StudioEditor(createDocument({ mode: 'pose', width: 64, height: 64 }));
    editor.setGeneration({ modelId: 'gone', outputWidth: 100, outputHeight: 100 });
    expect(settleModel(editor, [starter, figures])?.id).toBe(figures.id);
    expect(editor.doc.generation).toMatchObject({ modelId: figures.id, outputWidth: 128, outputHeight: 128 });
    editor.setGeneration({ outputWidth: 100, outputHeight: 100 });
    settleModel(editor, [starter, figures]);
    expect(editor.doc.generation).toMatchObject({ outputWidth: 64, outputHeight: 64 });
  });

  it("a newly chosen model brings its own temperature (1 where it names none); a document already on the model keeps the person's", () => {
    const edges = summary({ id: '/zoo/starter-landscapes-edges', name: 'starter-landscapes-edges', mode: 'edge', temperature: 0.7 });
    const plainEdges = summary({ id: '/library/edges-2', name: 'edges-2', mode: 'edge' });
    const editor = new StudioEditor(createDocument({ mode: 'edge', width: 64, height: 64 }));
    expect(settleModel(editor, [edges, plainEdges])?.id).toBe(edges.id);
    expect(editor.doc.generation.temperature).toBe(0.7);
    editor.setGeneration({ temperature: 0.9 });
    settleModel(editor, [edges, plainEdges]);
    expect(editor.doc.generation.temperature).toBe(0.9); // same model: the person's setting stays
    adoptModel(editor, plainEdges);
    expect(editor.doc.generation.temperature).toBe(1); // 0.7 was edges' own, not carried over
  });

  it('completion uses unconditional and class models', () => {
    const uncond = summary({ id: '/u', name: 'u', mode: 'unconditional' });
    const cls = summary({ id: '/c', name: 'c', mode: 'class', classCount: 10 });
    expect(fittingModels([starter, uncond, cls, figures], 'completion').map((m) => m.id)).toEqual(['/u', '/c']);
  });
});
