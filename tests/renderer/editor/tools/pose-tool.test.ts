// The pose tool driven like a user: drag a joint, drag a person, right-click to hide a joint.
import { describe, expect, it } from 'vitest';
import { createPerson } from '../../../../renderer/editor/pose/pose-model';
import { PoseTool, personAt } from '../../../../renderer/editor/tools/pose-tool';

const canvas = { width: 200, height: 200 };

describe('PoseTool', () => {
  it('drags a joint; every step of one drag shares a gesture key', () => {
    const people = [createPerson(canvas)];
    const neck = people[0]!.keypoints[1]!;
    const tool = new PoseTool();
    expect(tool.down(people, { x: neck.x + 2, y: neck.y - 1 }, 0, 6)).toEqual({ selected: 'person-1' });
    const a = tool.move(people, { x: 120, y: 40 });
    const b = tool.move(a.people!, { x: 130, y: 30 });
    expect(a.gesture).toBe(b.gesture);
    expect(b.label).toBe('Move joint');
    expect(b.people![0]!.keypoints[1]).toEqual({ x: 130, y: 30, visible: true });
    expect(b.people![0]!.keypoints[0]).toEqual(people[0]!.keypoints[0]);
    tool.up();
    expect(tool.busy).toBe(false);
    expect(tool.move(b.people!, { x: 0, y: 0 })).toEqual({});
  });

  it('drags a whole person from inside its box, and selects nothing on empty canvas', () => {
    const people = [createPerson(canvas, { center: { x: 60, y: 100 }, heightFraction: 0.5 })];
    const tool = new PoseTool();
    expect(tool.down(people, { x: 60, y: 120 }, 0, 4).selected).toBe('person-1');
    const moved = tool.move(people, { x: 80, y: 125 });
    expect(moved.label).toBe('Move person');
    moved.people![0]!.keypoints.forEach((k, i) => {
      expect(k.x).toBeCloseTo(people[0]!.keypoints[i]!.x + 20);
      expect(k.y).toBeCloseTo(people[0]!.keypoints[i]!.y + 5);
    });
    tool.up();
    expect(tool.down(people, { x: 190, y: 10 }, 0, 4)).toEqual({ selected: null });
    expect(personAt(people, { x: 190, y: 10 }, 4)).toBeNull();
  });

  it('right-click hides a joint and a second right-click shows it again', () => {
    const people = [createPerson(canvas)];
    const wrist = people[0]!.keypoints[7]!;
    const tool = new PoseTool();
    const hidden = tool.down(people, wrist, 2, 5);
    expect(hidden.label).toBe('Hide joint');
    expect(hidden.people![0]!.keypoints[7]!.visible).toBe(false);
    expect(tool.busy).toBe(false);
    const shown = tool.down(hidden.people!, wrist, 2, 5);
    expect(shown.label).toBe('Show joint');
    expect(shown.people![0]!.keypoints[7]!.visible).toBe(true);
    expect(tool.down(people, { x: 1, y: 1 }, 2, 5)).toEqual({});
  });
});
