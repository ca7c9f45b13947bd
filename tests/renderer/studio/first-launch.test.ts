import { describe, expect, it } from 'vitest';
import { exampleScene, EXAMPLE_MODEL } from '../../../recipes/make-examples';
import { LANDSCAPE_CLASSES } from '../../../recipes/landscapes';
import { decodeRuns, firstLaunchDocument } from '../../../renderer/studio/first-launch';

describe('studio first launch', () => {
  it('opens the example landscape layout with the starter model and its palette', () => {
    const doc = firstLaunchDocument();
    const scene = exampleScene();
    expect(doc.mode).toBe('semantic');
    expect([doc.width, doc.height]).toEqual([scene.width, scene.height]);
    expect(Array.from(doc.semantic.labels.data)).toEqual(Array.from(scene.labels));
    expect(doc.generation.modelId).toBe(EXAMPLE_MODEL);
    expect(doc.semantic.palette).toEqual(LANDSCAPE_CLASSES.map((c) => ({ id: c.id, name: c.name, color: c.color })));
    // A fresh document each time (the editor mutates it).
    expect(firstLaunchDocument().semantic.labels.data).not.toBe(doc.semantic.labels.data);
  });

  it('decodes run-length ids exactly and refuses runs that do not cover the canvas', () => {
    expect(Array.from(decodeRuns('3*2 0*1 7*3', 6))).toEqual([3, 3, 0, 7, 7, 7]);
    expect(() => decodeRuns('3*2 0*1', 6)).toThrow(/cover 3 pixels/);
    expect(() => decodeRuns('3*7', 6)).toThrow(/does not fit/);
    expect(() => decodeRuns('3x2', 2)).toThrow(/not an id\*count run/);
  });
});
