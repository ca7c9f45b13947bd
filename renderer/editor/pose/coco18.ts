// The COCO-18 body skeleton as OpenPose and ControlNet draw it: joint order, limb list and the
// standard colours (limb i and joint i both use OPENPOSE_COLORS[i]). Left/right are the person's
// own: a person facing the viewer has their right shoulder on the image's left.

export const JOINT_NAMES = [
  'nose', 'neck',
  'right_shoulder', 'right_elbow', 'right_wrist',
  'left_shoulder', 'left_elbow', 'left_wrist',
  'right_hip', 'right_knee', 'right_ankle',
  'left_hip', 'left_knee', 'left_ankle',
  'right_eye', 'left_eye', 'right_ear', 'left_ear',
] as const;

export type JointName = (typeof JOINT_NAMES)[number];
export const JOINT_COUNT = 18;

/** The 17 limbs in OpenPose's drawing order (index = colour index). */
export const LIMBS: readonly (readonly [number, number])[] = [
  [1, 2], [1, 5], [2, 3], [3, 4], [5, 6], [6, 7],
  [1, 8], [8, 9], [9, 10], [1, 11], [11, 12], [12, 13],
  [1, 0], [0, 14], [14, 16], [0, 15], [15, 17],
];

/** OpenPose's 18 colours, RGB. */
export const OPENPOSE_COLORS: readonly (readonly [number, number, number])[] = [
  [255, 0, 0], [255, 85, 0], [255, 170, 0], [255, 255, 0], [170, 255, 0], [85, 255, 0],
  [0, 255, 0], [0, 255, 85], [0, 255, 170], [0, 255, 255], [0, 170, 255], [0, 85, 255],
  [0, 0, 255], [85, 0, 255], [170, 0, 255], [255, 0, 255], [255, 0, 170], [255, 0, 85],
];

/** MIRROR[i] = the joint on the other side (centre joints map to themselves). */
export const MIRROR: readonly number[] = (() => {
  const m = Array.from({ length: JOINT_COUNT }, (_, i) => i);
  const pairs: [number, number][] = [[2, 5], [3, 6], [4, 7], [8, 11], [9, 12], [10, 13], [14, 15], [16, 17]];
  for (const [a, b] of pairs) {
    m[a] = b;
    m[b] = a;
  }
  return m;
})();

/**
 * A standing person facing the viewer, in a unit box (x right, y down; height 1). Scaled into
 * the canvas by the pose model.
 */
export const DEFAULT_PERSON_UNIT: readonly (readonly [number, number])[] = [
  [0.5, 0.1], [0.5, 0.24],
  [0.38, 0.25], [0.34, 0.42], [0.32, 0.58],
  [0.62, 0.25], [0.66, 0.42], [0.68, 0.58],
  [0.44, 0.56], [0.43, 0.76], [0.43, 0.95],
  [0.56, 0.56], [0.57, 0.76], [0.57, 0.95],
  [0.47, 0.08], [0.53, 0.08], [0.44, 0.09], [0.56, 0.09],
];

export function rgbToHex([r, g, b]: readonly [number, number, number]): string {
  return `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}
