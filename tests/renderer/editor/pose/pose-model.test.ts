import { describe, expect, it } from 'vitest';
import { JOINT_NAMES, LIMBS, MIRROR, OPENPOSE_COLORS, rgbToHex } from '../../../../renderer/editor/pose/coco18';
import {
  addPerson, createPerson, flipPerson, hitJoint, moveJoint, personCenter, removePerson, setJointVisible, swapLeftRight, transformPerson, visibleLimbs,
} from '../../../../renderer/editor/pose/pose-model';
import { History, snapshotCommand } from '../../../../renderer/editor/history';
import type { PosePerson } from '../../../../renderer/document/document-types';

const canvas = { width: 512, height: 512 };
const J = (name: (typeof JOINT_NAMES)[number]) => JOINT_NAMES.indexOf(name);

describe('COCO-18 skeleton', () => {
  it('has 18 joints, 17 limbs in OpenPose order and 18 colours', () => {
    expect(JOINT_NAMES).toHaveLength(18);
    expect(LIMBS).toHaveLength(17);
    expect(LIMBS[0]).toEqual([J('neck'), J('right_shoulder')]);
    expect(rgbToHex(OPENPOSE_COLORS[0]!)).toBe('#ff0000');
    expect(rgbToHex(OPENPOSE_COLORS[12]!)).toBe('#0000ff');
    for (let i = 0; i < 18; i++) expect(MIRROR[MIRROR[i]!]).toBe(i);
    expect(MIRROR[J('left_wrist')]).toBe(J('right_wrist'));
    expect(MIRROR[J('nose')]).toBe(J('nose'));
  });
});

describe('people', () => {
  it('adds people with distinct ids and removes them', () => {
    let people = addPerson([], canvas);
    people = addPerson(people, canvas);
    expect(people.map((p) => p.id)).toEqual(['person-1', 'person-2']);
    expect(people[0]!.keypoints[J('nose')]!.x).not.toBe(people[1]!.keypoints[J('nose')]!.x);
    people = removePerson(people, 'person-1');
    people = addPerson(people, canvas);
    expect(people.map((p) => p.id)).toEqual(['person-2', 'person-3']);
  });

  it('default person is upright, facing the viewer, inside the canvas', () => {
    const p = createPerson(canvas);
    const k = p.keypoints;
    expect(k[J('nose')]!.y).toBeLessThan(k[J('neck')]!.y);
    expect(k[J('neck')]!.y).toBeLessThan(k[J('right_hip')]!.y);
    expect(k[J('right_shoulder')]!.x).toBeLessThan(k[J('left_shoulder')]!.x); // their right = image left
    for (const kp of k) {
      expect(kp.x).toBeGreaterThanOrEqual(0);
      expect(kp.y).toBeLessThanOrEqual(512);
    }
  });

  it('moves a joint without touching the input', () => {
    const people = [createPerson(canvas)];
    const moved = moveJoint(people, 'person-1', J('left_wrist'), { x: 10, y: 20 });
    expect(moved[0]!.keypoints[J('left_wrist')]).toEqual({ x: 10, y: 20, visible: true });
    expect(people[0]!.keypoints[J('left_wrist')]!.x).not.toBe(10);
    expect(() => moveJoint(people, 'nobody', 0, { x: 0, y: 0 })).toThrow(/No person "nobody"/);
    expect(() => moveJoint(people, 'person-1', 18, { x: 0, y: 0 })).toThrow(/0\.\.17/);
  });

  it('hiding a joint removes exactly the limbs that touch it', () => {
    const p = createPerson(canvas);
    expect(visibleLimbs(p)).toHaveLength(17);
    const hidden = setJointVisible([p], p.id, J('right_elbow'), false)[0]!;
    const gone = LIMBS.map((l, i) => [l, i] as const).filter(([[a, b]]) => a === J('right_elbow') || b === J('right_elbow')).map(([, i]) => i);
    expect(gone).toEqual([2, 3]); // shoulder-elbow and elbow-wrist
    expect(visibleLimbs(hidden)).toEqual([...Array(17).keys()].filter((i) => !gone.includes(i)));
    const neckHidden = setJointVisible([p], p.id, J('neck'), false)[0]!;
    expect(visibleLimbs(neckHidden)).toHaveLength(17 - 5);
    const back = setJointVisible([hidden], p.id, J('right_elbow'), true)[0]!;
    expect(back).toEqual(p); // position kept while hidden
  });
});

describe('flip and transforms', () => {
  const p = createPerson(canvas);
  const raised: PosePerson = moveJoint([p], p.id, J('right_wrist'), { x: 150, y: 40 })[0]!;

  it('flip mirrors about the centre and swaps left/right labels', () => {
    const axis = personCenter(raised).x;
    const f = flipPerson(raised);
    // The raised wrist is now the LEFT wrist, mirrored to the other side.
    expect(f.keypoints[J('left_wrist')]!.x).toBeCloseTo(2 * axis - 150, 6);
    expect(f.keypoints[J('left_wrist')]!.y).toBe(40);
    // Labels stay anatomical: right shoulder still on the image left (person faces the viewer).
    expect(f.keypoints[J('right_shoulder')]!.x).toBeLessThan(f.keypoints[J('left_shoulder')]!.x);
    expect(f.keypoints[J('nose')]!.x).toBeCloseTo(2 * axis - raised.keypoints[J('nose')]!.x, 6);
    // Flipping twice about the same axis is the identity.
    const twice = flipPerson(f, axis);
    twice.keypoints.forEach((k, i) => {
      expect(k.x).toBeCloseTo(raised.keypoints[i]!.x, 9);
      expect(k.y).toBe(raised.keypoints[i]!.y);
    });
  });

  it('flip carries visibility with the joint', () => {
    const h = setJointVisible([raised], raised.id, J('left_knee'), false)[0]!;
    const f = flipPerson(h);
    expect(f.keypoints[J('right_knee')]!.visible).toBe(false);
    expect(f.keypoints[J('left_knee')]!.visible).toBe(true);
  });

  it('swapLeftRight relabels without moving anything', () => {
    const s = swapLeftRight(raised);
    expect(s.keypoints[J('left_wrist')]).toEqual(raised.keypoints[J('right_wrist')]);
    expect(s.keypoints[J('neck')]).toEqual(raised.keypoints[J('neck')]);
  });

  it('moves, scales and rotates a whole person about its centre', () => {
    const c = personCenter(p);
    const moved = transformPerson(p, { translate: { x: 10, y: -5 } });
    moved.keypoints.forEach((k, i) => {
      expect(k.x).toBeCloseTo(p.keypoints[i]!.x + 10, 9);
      expect(k.y).toBeCloseTo(p.keypoints[i]!.y - 5, 9);
    });
    const scaled = transformPerson(p, { scale: 0.5 });
    expect(personCenter(scaled).x).toBeCloseTo(c.x, 9);
    const d = (q: PosePerson) => Math.hypot(q.keypoints[0]!.x - q.keypoints[1]!.x, q.keypoints[0]!.y - q.keypoints[1]!.y);
    expect(d(scaled)).toBeCloseTo(d(p) / 2, 9);
    const quarter = transformPerson(p, { rotate: Math.PI / 2 });
    // Nose above the centre → after +90° (clockwise on screen, y down) it points right of it.
    const nose = quarter.keypoints[J('nose')]!;
    expect(nose.x).toBeCloseTo(c.x + (c.y - p.keypoints[J('nose')]!.y), 6);
    expect(nose.y).toBeCloseTo(c.y + (p.keypoints[J('nose')]!.x - c.x), 6);
    expect(() => transformPerson(p, { scale: 0 })).toThrow(/positive/);
  });

  it('hit-tests the nearest joint within the handle radius', () => {
    const nose = p.keypoints[J('nose')]!;
    expect(hitJoint([p], { x: nose.x + 2, y: nose.y + 1 }, 5)).toEqual({ personId: p.id, joint: J('nose') });
    expect(hitJoint([p], { x: -100, y: -100 }, 5)).toBeNull();
  });
});

describe('pose undo', () => {
  it('a joint drag is one undo step', () => {
    let people = [createPerson(canvas)];
    const store = { get: () => people, set: (v: PosePerson[]) => { people = v; } };
    const h = new History();
    const start = people;
    for (let i = 1; i <= 10; i++) h.execute(snapshotCommand('Move joint', store, moveJoint(people, 'person-1', 0, { x: i, y: i }), 'drag person-1 0'));
    h.sealMerge();
    h.execute(snapshotCommand('Flip', store, [flipPerson(people[0]!)]));
    expect(h.state().size).toBe(2);
    h.undo();
    expect(people[0]!.keypoints[0]).toEqual({ x: 10, y: 10, visible: true });
    h.undo();
    expect(people).toBe(start);
    h.redo();
    expect(people[0]!.keypoints[0]).toEqual({ x: 10, y: 10, visible: true });
  });
});
