import { describe, expect, it } from 'vitest';
import { fromOpenPoseJson, OpenPoseFormatError, rescalePeople, toOpenPoseJson } from '../../../../renderer/editor/pose/openpose-json';
import { addPerson, moveJoint, setJointVisible } from '../../../../renderer/editor/pose/pose-model';

const canvas = { width: 640, height: 480 };

describe('OpenPose JSON', () => {
  it('round-trips people, positions and hidden joints', () => {
    let people = addPerson(addPerson([], canvas), canvas);
    people = moveJoint(people, 'person-2', 4, { x: 123.456, y: 78.9 });
    people = setJointVisible(people, 'person-1', 16, false);
    const json = toOpenPoseJson(people, canvas);
    expect(json.canvas_width).toBe(640);
    expect(json.people).toHaveLength(2);
    expect(json.people[0]!.pose_keypoints_2d).toHaveLength(54);
    expect(json.people[0]!.pose_keypoints_2d.slice(48, 51)).toEqual([0, 0, 0]); // hidden right ear
    expect(json.people[1]!.pose_keypoints_2d.slice(12, 15)).toEqual([123.46, 78.9, 1]);

    const back = fromOpenPoseJson(JSON.stringify(json), { width: 1, height: 1 });
    expect([back.width, back.height]).toEqual([640, 480]);
    expect(back.people).toHaveLength(2);
    back.people.forEach((p, i) => p.keypoints.forEach((k, j) => {
      const orig = people[i]!.keypoints[j]!;
      expect(k.visible).toBe(orig.visible);
      if (orig.visible) {
        expect(k.x).toBeCloseTo(orig.x, 2);
        expect(k.y).toBeCloseTo(orig.y, 2);
      }
    }));
    // Exporting the import again gives identical JSON.
    expect(toOpenPoseJson(back.people, back)).toEqual(json);
  });

  it('reads the format other editors write: c = 0 or (-1, -1) hidden, normalised coordinates, BODY_25', () => {
    const coco = Array.from({ length: 18 }, (_, j) => [0.1 + j * 0.04, 0.5, 0.9]).flat();
    coco[3 * 3] = -1; coco[3 * 3 + 1] = -1; // joint 3 invalid
    coco[5 * 3 + 2] = 0; // joint 5 not detected
    const a = fromOpenPoseJson({ canvas_width: 200, canvas_height: 100, people: [{ pose_keypoints_2d: coco, hand_left_keypoints_2d: [] }] }, canvas);
    expect(a.notes.join(' ')).toMatch(/normalised/);
    expect(a.people[0]!.keypoints[0]).toEqual({ x: 20, y: 50, visible: true });
    expect(a.people[0]!.keypoints[3]!.visible).toBe(false);
    expect(a.people[0]!.keypoints[5]!.visible).toBe(false);

    const body25 = Array.from({ length: 25 }, (_, j) => [j * 10, j * 5, 1]).flat();
    const b = fromOpenPoseJson({ people: [{ pose_keypoints_2d: body25 }] }, canvas);
    expect([b.width, b.height]).toEqual([640, 480]);
    expect(b.people[0]!.keypoints[8]).toEqual({ x: 90, y: 45, visible: true }); // COCO r_hip = BODY_25 9
    expect(b.people[0]!.keypoints[17]).toEqual({ x: 180, y: 90, visible: true }); // l_ear = 18
  });

  it('rejects what it cannot read with a clear message', () => {
    expect(() => fromOpenPoseJson('{nope', canvas)).toThrow(/not JSON/);
    expect(() => fromOpenPoseJson({ persons: [] }, canvas)).toThrow(/"people" array/);
    expect(() => fromOpenPoseJson({ people: [{ pose_keypoints_2d: [1, 2, 3] }] }, canvas)).toThrow(OpenPoseFormatError);
    expect(() => fromOpenPoseJson({ people: [{ pose_keypoints_2d: [1, 2, 3] }] }, canvas)).toThrow(/54/);
  });

  it('rescales people to another canvas', () => {
    const people = addPerson([], { width: 100, height: 100 });
    const scaled = rescalePeople(people, { width: 100, height: 100 }, { width: 200, height: 50 });
    expect(scaled[0]!.keypoints[0]!.x).toBeCloseTo(people[0]!.keypoints[0]!.x * 2, 9);
    expect(scaled[0]!.keypoints[0]!.y).toBeCloseTo(people[0]!.keypoints[0]!.y / 2, 9);
  });
});
