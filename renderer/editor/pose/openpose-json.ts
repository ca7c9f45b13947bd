// OpenPose JSON in and out, as used by the ControlNet ecosystem's pose editors:
//   { "canvas_width": W, "canvas_height": H,
//     "people": [ { "pose_keypoints_2d": [x0, y0, c0, x1, y1, c1, …] } ] }
// Export: 18 COCO joints per person, pixel coordinates, c = 1 for a visible joint; a hidden joint
// is written as 0, 0, 0 (as sd-webui-openpose-editor does).
// Import: COCO-18 (54 numbers) or BODY_25 (75; mapped to COCO-18, feet dropped); a joint with
// c ≤ 0 or at (-1, -1) is hidden; coordinates that are all within [0, 1] are taken as normalised
// and scaled by the canvas size. Hand and face keypoints are ignored.

import type { PosePerson } from '../../document/document-types';
import { JOINT_COUNT } from './coco18';

export interface OpenPoseJson {
  canvas_width: number;
  canvas_height: number;
  people: { pose_keypoints_2d: number[] }[];
}

export class OpenPoseFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OpenPoseFormatError';
  }
}

/** BODY_25 index for each COCO-18 joint. */
const BODY25_TO_COCO18 = [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18];

const r2 = (v: number) => Math.round(v * 100) / 100;

export function toOpenPoseJson(people: readonly PosePerson[], canvas: { width: number; height: number }): OpenPoseJson {
  return {
    canvas_width: canvas.width,
    canvas_height: canvas.height,
    people: people.map((p) => ({
      pose_keypoints_2d: p.keypoints.flatMap((k) => (k.visible ? [r2(k.x), r2(k.y), 1] : [0, 0, 0])),
    })),
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface ImportedPose {
  width: number;
  height: number;
  people: PosePerson[];
  /** Non-fatal notes for the user (BODY_25 converted, normalised coordinates scaled, …). */
  notes: string[];
}

/**
 * Read OpenPose JSON (an object or its text). `fallback` is the canvas size to use when the
 * JSON has none. Accepts a bare array of such objects (some tools write one per frame) by
 * taking the first.
 */
export function fromOpenPoseJson(input: unknown, fallback: { width: number; height: number }): ImportedPose {
  let value = input;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch (err) {
      throw new OpenPoseFormatError(`This is not JSON: ${(err as Error).message}`);
    }
  }
  if (Array.isArray(value)) value = value[0];
  if (!isObject(value) || !Array.isArray(value.people)) {
    throw new OpenPoseFormatError('This is not OpenPose JSON: expected an object with a "people" array.');
  }
  const notes: string[] = [];
  const width = typeof value.canvas_width === 'number' && value.canvas_width > 0 ? value.canvas_width : fallback.width;
  const height = typeof value.canvas_height === 'number' && value.canvas_height > 0 ? value.canvas_height : fallback.height;
  if (width === fallback.width && value.canvas_width === undefined) notes.push(`No canvas size in the file; using ${fallback.width}x${fallback.height}.`);

  const raw = value.people.map((p, i) => {
    if (!isObject(p) || !Array.isArray(p.pose_keypoints_2d)) throw new OpenPoseFormatError(`people[${i}] has no pose_keypoints_2d array.`);
    const k = p.pose_keypoints_2d;
    if (!k.every((v) => typeof v === 'number' && Number.isFinite(v))) throw new OpenPoseFormatError(`people[${i}].pose_keypoints_2d must hold only numbers.`);
    const nums = k as number[];
    if (nums.length === 75) {
      notes.push(`people[${i}]: BODY_25 converted to COCO-18 (feet dropped).`);
      return BODY25_TO_COCO18.map((b) => [nums[b * 3]!, nums[b * 3 + 1]!, nums[b * 3 + 2]!] as const);
    }
    if (nums.length !== JOINT_COUNT * 3) {
      throw new OpenPoseFormatError(`people[${i}].pose_keypoints_2d has ${nums.length} numbers; COCO-18 needs 54 (x, y, c for 18 joints) and BODY_25 75.`);
    }
    return Array.from({ length: JOINT_COUNT }, (_, j) => [nums[j * 3]!, nums[j * 3 + 1]!, nums[j * 3 + 2]!] as const);
  });

  const shown = raw.flat().filter(([x, y, c]) => c > 0 && !(x === -1 && y === -1));
  const normalised = shown.length > 0 && shown.every(([x, y]) => x >= 0 && x <= 1 && y >= 0 && y <= 1) && (width > 1 || height > 1);
  if (normalised) notes.push('Coordinates were normalised (0..1); scaled to the canvas.');
  const sx = normalised ? width : 1;
  const sy = normalised ? height : 1;

  const people: PosePerson[] = raw.map((joints, i) => ({
    id: `person-${i + 1}`,
    keypoints: joints.map(([x, y, c]) => {
      const visible = c > 0 && !(x === -1 && y === -1);
      return { x: visible ? x * sx : 0, y: visible ? y * sy : 0, visible };
    }),
  }));
  return { width, height, people, notes };
}

/** Rescale people from one canvas size to another (after importing a pose made for other sizes). */
export function rescalePeople(people: readonly PosePerson[], from: { width: number; height: number }, to: { width: number; height: number }): PosePerson[] {
  const sx = to.width / from.width;
  const sy = to.height / from.height;
  return people.map((p) => ({ ...p, keypoints: p.keypoints.map((k) => ({ ...k, x: k.x * sx, y: k.y * sy })) }));
}
