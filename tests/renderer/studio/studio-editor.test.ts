// The StudioEditor driven like the canvas drives it (pointer events in canvas coordinates): every
// gesture is one undo step, the document stays the truth for every mode.
import { describe, expect, it } from 'vitest';
import { createDocument, rasterizeEdges } from '../../../renderer/document/document';
import { StudioEditor } from '../../../renderer/studio/studio-editor';

const left = { button: 0, unit: 1 };
const palette = [{ id: 0, name: 'sky', color: [120, 180, 255] as [number, number, number] }, { id: 4, name: 'sea', color: [40, 90, 200] as [number, number, number] }];

function stroke(ed: StudioEditor, points: [number, number][]) {
  ed.pointerDown({ x: points[0]![0], y: points[0]![1] }, left);
  for (const [x, y] of points.slice(1)) ed.pointerMove({ x, y }, left);
  const [x, y] = points[points.length - 1]!;
  ed.pointerUp({ x, y }, left);
}

describe('StudioEditor', () => {
  it('semantic: paints the selected class, eyedropper picks and returns to the brush, undo/redo per gesture', () => {
    const ed = new StudioEditor(createDocument({ width: 32, height: 32, palette }));
    ed.selectClass(4);
    ed.setTool('rect');
    stroke(ed, [[2, 2], [10, 10]]);
    expect(ed.doc.semantic.labels.data[5 * 32 + 5]).toBe(4);
    ed.selectClass(0);
    ed.setTool('eyedropper');
    stroke(ed, [[5, 5]]);
    expect(ed.classId).toBe(4);
    expect(ed.currentTool()).toBe('brush');
    expect(ed.notice).toBe('Picked sea');
    expect(ed.recent).toEqual([4, 0]);
    expect(ed.historyState()).toMatchObject({ size: 1, undoLabel: 'Rectangle' });
    ed.undo();
    expect(ed.doc.semantic.labels.data[5 * 32 + 5]).toBe(0);
    ed.redo();
    expect(ed.doc.semantic.labels.data[5 * 32 + 5]).toBe(4);
    ed.setTool('select'); // not a semantic tool: ignored
    expect(ed.currentTool()).toBe('brush');
  });

  it('edge: pen and eraser strokes are stored in the document and rasterised exactly; undo drops the stroke', () => {
    const ed = new StudioEditor(createDocument({ width: 24, height: 24, mode: 'edge' }));
    ed.setBrushSize(1);
    stroke(ed, [[2.5, 12.5], [20.5, 12.5]]);
    ed.setTool('eraser');
    stroke(ed, [[10.5, 12.5]]);
    expect(ed.doc.edge.strokes.map((s) => s.tool)).toEqual(['pen', 'eraser']);
    expect(Array.from(ed.edgeRaster.data)).toEqual(Array.from(rasterizeEdges(ed.doc).data));
    expect(ed.edgeRaster.data[12 * 24 + 10]).toBe(0);
    expect(ed.edgeRaster.data[12 * 24 + 11]).toBe(255);
    ed.undo();
    expect(ed.edgeRaster.data[12 * 24 + 10]).toBe(255);
    ed.undo();
    expect(ed.doc.edge.strokes).toEqual([]);
    expect(ed.edgeRaster.data.every((v) => v === 0)).toBe(true);
  });

  it('pose: a joint drag is one undo step; add, flip and remove people', () => {
    const ed = new StudioEditor(createDocument({ width: 200, height: 200, mode: 'pose' }));
    ed.addPerson();
    const neck = ed.doc.pose.people[0]!.keypoints[1]!;
    const start = { x: neck.x, y: neck.y };
    ed.pointerDown(start, left);
    for (let i = 1; i <= 5; i++) ed.pointerMove({ x: start.x + 4 * i, y: start.y }, left);
    ed.pointerUp({ x: start.x + 20, y: start.y }, left);
    expect(ed.doc.pose.people[0]!.keypoints[1]!.x).toBeCloseTo(start.x + 20);
    expect(ed.historyState()).toMatchObject({ size: 2, undoLabel: 'Move joint' });
    ed.undo();
    expect(ed.doc.pose.people[0]!.keypoints[1]!.x).toBeCloseTo(start.x);
    ed.pointerDown(ed.doc.pose.people[0]!.keypoints[4]!, { button: 2, unit: 1 });
    expect(ed.doc.pose.people[0]!.keypoints[4]!.visible).toBe(false);
    const rightWristX = ed.doc.pose.people[0]!.keypoints[4]!.x;
    ed.transformSelected('flip');
    expect(ed.doc.pose.people[0]!.keypoints[7]!.visible).toBe(false); // the hidden right wrist is now the left one
    expect(ed.doc.pose.people[0]!.keypoints[7]!.x).not.toBeCloseTo(rightWristX);
    ed.removeSelectedPerson();
    expect(ed.doc.pose.people).toEqual([]);
    ed.undo();
    expect(ed.doc.pose.people).toHaveLength(1);
  });

  it('completion: the mask is painted (1 = regenerate) and cleared as undoable steps', () => {
    const ed = new StudioEditor(createDocument({ width: 16, height: 16, mode: 'completion' }));
    ed.setTool('rect');
    stroke(ed, [[0, 0], [7, 15]]);
    expect(ed.doc.image.mask!.data.filter((v) => v === 1)).toHaveLength(8 * 16);
    ed.clearSurface();
    expect(ed.doc.image.mask!.data.every((v) => v === 0)).toBe(true);
    ed.undo();
    expect(ed.doc.image.mask!.data.filter((v) => v === 1)).toHaveLength(8 * 16);
  });

  it('Esc drops a polygon in progress; the history keeps at most 100 steps', () => {
    const ed = new StudioEditor(createDocument({ width: 16, height: 16, palette }));
    ed.setTool('polygon');
    ed.pointerDown({ x: 1, y: 1 }, left);
    ed.pointerDown({ x: 10, y: 1 }, left);
    expect(ed.preview()?.kind).toBe('polygon');
    expect(ed.cancelGesture()).toBe(true);
    expect(ed.preview()).toBeNull();
    ed.setTool('pencil');
    for (let i = 0; i < 120; i++) {
      ed.selectClass(i % 2 === 0 ? 4 : 0);
      stroke(ed, [[3, 3]]);
    }
    expect(ed.historyState().size).toBe(100);
  });
});

describe('StudioEditor document changes from the page', () => {
  it('mode switches, image imports and "complete this result" are undo steps', () => {
    const ed = new StudioEditor(createDocument({ width: 16, height: 16, palette }));
    ed.setMode('depth');
    ed.setImage('data:image/png;base64,AAAA', 'Import depth.png');
    expect(ed.historyState()).toMatchObject({ size: 2, undoLabel: 'Import depth.png' });
    ed.completeFrom('data:image/png;base64,BBBB');
    expect(ed.doc.mode).toBe('completion');
    expect(ed.doc.image).toEqual({ image: 'data:image/png;base64,BBBB', mask: null });
    ed.undo();
    expect(ed.doc.mode).toBe('depth');
    expect(ed.doc.image.image).toBe('data:image/png;base64,AAAA');
    ed.undo();
    expect(ed.doc.image.image).toBeNull();
    ed.undo();
    expect(ed.doc.mode).toBe('semantic');
    ed.redo();
    expect(ed.doc.mode).toBe('depth');
  });
});
