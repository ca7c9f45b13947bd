import { describe, expect, it } from 'vitest';
import { POSE_COLORS, POSE_LIMBS, parseOpenPoseJson, renderPose } from '../../../native-models/sampling/pose-render';

function person(points: Record<number, [number, number]>): number[] {
  const flat = new Array<number>(54).fill(0);
  for (const [i, [x, y]] of Object.entries(points)) {
    flat[Number(i) * 3] = x;
    flat[Number(i) * 3 + 1] = y;
    flat[Number(i) * 3 + 2] = 1;
  }
  return flat;
}

const px = (img: Uint8Array, w: number, x: number, y: number): number[] => Array.from(img.subarray((y * w + x) * 3, (y * w + x) * 3 + 3));

describe('pose rendering', () => {
  it('has the 17 OpenPose limbs over 18 joints and 18 colours', () => {
    expect(POSE_LIMBS).toHaveLength(17);
    expect(POSE_COLORS).toHaveLength(18);
    const used = new Set(POSE_LIMBS.flat());
    expect(used.size).toBe(18);
  });

  it('draws a neck→r-shoulder limb in 0.6 of colour 0 and joints in their full colours', () => {
    const json = JSON.stringify({ people: [{ pose_keypoints_2d: person({ 1: [10, 20], 2: [40, 20] }) }] });
    const img = renderPose(parseOpenPoseJson(json), 64, 48);
    expect(px(img, 64, 25, 20)).toEqual([153, 0, 0]); // middle of the bone: limb 0 = [1, 2], colour 0 × 0.6
    expect(px(img, 64, 25, 23)).toEqual([153, 0, 0]); // inside half-width 4
    expect(px(img, 64, 25, 25)).toEqual([0, 0, 0]); // outside
    expect(px(img, 64, 10, 20)).toEqual([255, 85, 0]); // joint 1 (neck), colour 1
    expect(px(img, 64, 40, 23)).toEqual([255, 170, 0]); // joint 2, radius 4
    expect(px(img, 64, 0, 0)).toEqual([0, 0, 0]);
    const colours = new Set<string>();
    for (let k = 0; k < img.length; k += 3) colours.add(px(img, 64, (k / 3) % 64, Math.floor(k / 3 / 64)).join(','));
    expect([...colours].sort()).toEqual(['0,0,0', '153,0,0', '255,170,0', '255,85,0']);
  });

  it('skips absent joints and their limbs; maps BODY_25 and rescales a stated canvas', () => {
    const img = renderPose(parseOpenPoseJson(JSON.stringify({ people: [{ pose_keypoints_2d: person({ 1: [10, 10] }) }] })), 32, 32);
    expect(img.reduce((a, b) => a + (b > 0 ? 1 : 0), 0)).toBeGreaterThan(0);
    const body25 = new Array<number>(75).fill(0);
    body25[9 * 3] = 50; // BODY_25 joint 9 (r-hip) → COCO-18 joint 8
    body25[9 * 3 + 1] = 100;
    body25[9 * 3 + 2] = 0.9;
    const [p] = parseOpenPoseJson(JSON.stringify({ canvas_width: 200, canvas_height: 400, people: [{ pose_keypoints_2d: body25 }] }), { width: 100, height: 100 });
    expect(Array.from(p!.keypoints).slice(24, 27)).toEqual([25, 25, 0.9]);
  });

  it('rejects malformed pose JSON with clear errors', () => {
    expect(() => parseOpenPoseJson('{')).toThrow(/not valid JSON/);
    expect(() => parseOpenPoseJson('{"people": 3}')).toThrow(/"people" array/);
    expect(() => parseOpenPoseJson('{"people": []}')).toThrow(/no people/);
    expect(() => parseOpenPoseJson('{"people": [{"pose_keypoints_2d": [1, 2]}]}')).toThrow(/expected 54/);
    expect(() => parseOpenPoseJson('{"people": [{"pose_keypoints_2d": ["a", 2, 3]}]}')).toThrow(/finite number/);
  });
});
