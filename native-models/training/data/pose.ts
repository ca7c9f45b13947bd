/**
 * OpenPose JSON for training data (`<stem>.pose.json` beside an image), in COCO-18 keypoint order:
 *   0 nose, 1 neck, 2 r-shoulder, 3 r-elbow, 4 r-wrist, 5 l-shoulder, 6 l-elbow, 7 l-wrist, 8 r-hip, 9 r-knee,
 *   10 r-ankle, 11 l-hip, 12 l-knee, 13 l-ankle, 14 r-eye, 15 l-eye, 16 r-ear, 17 l-ear.
 * Accepted: `{ people: [{ pose_keypoints_2d: [x0, y0, c0, x1, y1, c1, …] }] }` with 18 (COCO-18) or 25 (BODY_25,
 * mapped to COCO-18 by dropping mid-hip and the feet) keypoints, in pixels of the image. Optional
 * `canvas_width`/`canvas_height` (as written by ControlNet-style editors) give the pixel frame the coordinates
 * refer to; they are then rescaled to the image. A keypoint with confidence 0 is absent.
 */

export const COCO18_NAMES = [
  'nose', 'neck', 'r-shoulder', 'r-elbow', 'r-wrist', 'l-shoulder', 'l-elbow', 'l-wrist', 'r-hip', 'r-knee',
  'r-ankle', 'l-hip', 'l-knee', 'l-ankle', 'r-eye', 'l-eye', 'r-ear', 'l-ear',
] as const;

/** Left/right pairs swapped by a horizontal flip. */
export const COCO18_FLIP_PAIRS: ReadonlyArray<readonly [number, number]> = [
  [2, 5], [3, 6], [4, 7], [8, 11], [9, 12], [10, 13], [14, 15], [16, 17],
];

/** COCO-18 index -> BODY_25 index. */
const BODY25_TO_COCO18 = [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18];

/** One person: 18 keypoints as [x, y, confidence] triples, flat (length 54). */
export type Keypoints = Float32Array;

export interface PoseFile {
  people: Keypoints[];
  /** Coordinate frame of the keypoints, when the file states it. */
  canvas?: { width: number; height: number };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validate and normalise a parsed OpenPose JSON value. Throws with what is wrong. */
export function parseOpenPose(json: unknown): PoseFile {
  if (!isRecord(json) || !Array.isArray(json.people)) throw new Error('not OpenPose JSON: expected an object with a "people" array');
  const people: Keypoints[] = [];
  json.people.forEach((p: unknown, i: number) => {
    if (!isRecord(p) || !Array.isArray(p.pose_keypoints_2d)) throw new Error(`person ${i} has no "pose_keypoints_2d" array`);
    const flat = p.pose_keypoints_2d as unknown[];
    if (!flat.every((v) => typeof v === 'number' && Number.isFinite(v))) throw new Error(`person ${i}: keypoints must be finite numbers`);
    const nums = flat as number[];
    const count = nums.length / 3;
    if (count !== 18 && count !== 25) throw new Error(`person ${i}: ${nums.length} values; expected 54 (COCO-18) or 75 (BODY_25)`);
    const kp = new Float32Array(54);
    for (let j = 0; j < 18; j++) {
      const src = count === 18 ? j : BODY25_TO_COCO18[j]!;
      kp[j * 3] = nums[src * 3]!;
      kp[j * 3 + 1] = nums[src * 3 + 1]!;
      kp[j * 3 + 2] = nums[src * 3 + 2]!;
    }
    people.push(kp);
  });
  const out: PoseFile = { people };
  if (typeof json.canvas_width === 'number' && typeof json.canvas_height === 'number' && json.canvas_width > 0 && json.canvas_height > 0) {
    out.canvas = { width: json.canvas_width, height: json.canvas_height };
  }
  return out;
}

/** Write COCO-18 people as OpenPose JSON (version 1.3 layout). */
export function toOpenPoseJson(people: Keypoints[], canvas?: { width: number; height: number }): Record<string, unknown> {
  const out: Record<string, unknown> = {
    version: 1.3,
    people: people.map((kp) => ({ person_id: [-1], pose_keypoints_2d: Array.from(kp) })),
  };
  if (canvas) {
    out.canvas_width = canvas.width;
    out.canvas_height = canvas.height;
  }
  return out;
}

/**
 * Map keypoints through scale → crop → optional horizontal flip (in that order), as applied to the image.
 * Pixel-centre convention: x' = (x · scale − cropX), flipped x'' = (size − 1) − x'. A flip also swaps the
 * left/right joints (the stickman a person would draw on the mirrored picture). Keypoints that land outside
 * the crop keep their confidence: the stickman renderer clips, so a limb crossing the crop edge keeps its
 * visible part, as in generation, which renders the whole stickman. Absent ones stay absent.
 */
export function transformKeypoints(
  kp: Keypoints,
  t: { scaleX: number; scaleY: number; cropX: number; cropY: number; width: number; height: number; flip: boolean },
): Keypoints {
  const out = new Float32Array(54);
  for (let j = 0; j < 18; j++) {
    const c = kp[j * 3 + 2]!;
    if (!(c > 0)) continue;
    let x = kp[j * 3]! * t.scaleX - t.cropX;
    const y = kp[j * 3 + 1]! * t.scaleY - t.cropY;
    if (t.flip) x = t.width - 1 - x;
    out[j * 3] = x;
    out[j * 3 + 1] = y;
    out[j * 3 + 2] = c;
  }
  if (t.flip) {
    for (const [a, b] of COCO18_FLIP_PAIRS) {
      for (let k = 0; k < 3; k++) {
        const tmp = out[a * 3 + k]!;
        out[a * 3 + k] = out[b * 3 + k]!;
        out[b * 3 + k] = tmp;
      }
    }
  }
  return out;
}
