/**
 * Renders COCO-18 keypoints (OpenPose JSON) to the pose condition image: the OpenPose "stickman" on black.
 *
 * Layout (OpenPose / ControlNet convention, COCO-18 order 0 nose, 1 neck, 2 r-shoulder, 3 r-elbow, 4 r-wrist,
 * 5 l-shoulder, 6 l-elbow, 7 l-wrist, 8 r-hip, 9 r-knee, 10 r-ankle, 11 l-hip, 12 l-knee, 13 l-ankle,
 * 14 r-eye, 15 l-eye, 16 r-ear, 17 l-ear):
 *   - 17 limbs, each a filled ellipse along the bone (half-width `stickWidth`, default 4 px) in the limb's colour
 *     scaled by 0.6, drawn in the order of POSE_LIMBS;
 *   - then every present keypoint as a filled disc (radius `radius`, default 4 px) in its full colour.
 * Pixel (x, y) is covered when its centre (x, y) — integer coordinates, as OpenCV — lies inside the shape.
 * No anti-aliasing: every pixel is black or exactly one of the 18 colours (or its 0.6 shade), so renders are
 * identical on every machine. A keypoint with confidence ≤ 0 is absent; a limb needs both ends.
 */

/** Limb pairs in COCO-18 indices (OpenPose's limbSeq, first 17 entries, 0-based). */
export const POSE_LIMBS: ReadonlyArray<readonly [number, number]> = [
  [1, 2], [1, 5], [2, 3], [3, 4], [5, 6], [6, 7], [1, 8], [8, 9], [9, 10],
  [1, 11], [11, 12], [12, 13], [1, 0], [0, 14], [14, 16], [0, 15], [15, 17],
];

/** The 18 OpenPose colours (RGB); limb k uses colour k, keypoint i colour i. */
export const POSE_COLORS: ReadonlyArray<readonly [number, number, number]> = [
  [255, 0, 0], [255, 85, 0], [255, 170, 0], [255, 255, 0], [170, 255, 0], [85, 255, 0],
  [0, 255, 0], [0, 255, 85], [0, 255, 170], [0, 255, 255], [0, 170, 255], [0, 85, 255],
  [0, 0, 255], [85, 0, 255], [170, 0, 255], [255, 0, 255], [255, 0, 170], [255, 0, 85],
];

export interface PosePerson {
  /** 18 keypoints as flat [x, y, confidence] triples in pixels of the target image (length 54). */
  keypoints: ArrayLike<number>;
}

export interface PoseRenderOptions {
  stickWidth?: number;
  radius?: number;
  /**
   * Integer pixel of the keypoints' frame that becomes the output's pixel (0, 0) (default 0, 0): renders the
   * window [origin, origin + size) of the whole frame's stickman. Every pixel is computed from its frame
   * coordinates, so the window is identical, pixel for pixel, to rendering the whole frame and cropping it;
   * limbs and joints outside the window are clipped, never dropped.
   */
  origin?: { x: number; y: number };
}

/** Parse OpenPose JSON text (`{people:[{pose_keypoints_2d:[…]}]}`, COCO-18 or BODY_25) into people. */
export function parseOpenPoseJson(text: string, target?: { width: number; height: number }): PosePerson[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`The pose file is not valid JSON (${(e as Error).message}); expected OpenPose JSON with a "people" array.`, { cause: e });
  }
  const rec = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!rec(json) || !Array.isArray(json.people)) {
    throw new Error('The pose file is not OpenPose JSON: expected an object with a "people" array.');
  }
  const cw = typeof json.canvas_width === 'number' && json.canvas_width > 0 ? json.canvas_width : null;
  const ch = typeof json.canvas_height === 'number' && json.canvas_height > 0 ? json.canvas_height : null;
  const sx = cw && target ? target.width / cw : 1;
  const sy = ch && target ? target.height / ch : 1;
  const body25 = [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18];
  const people = json.people.map((p: unknown, n: number): PosePerson => {
    if (!rec(p) || !Array.isArray(p.pose_keypoints_2d)) throw new Error(`Pose person ${n} has no "pose_keypoints_2d" array.`);
    const flat = p.pose_keypoints_2d as unknown[];
    if (!flat.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new Error(`Pose person ${n}: every keypoint value must be a finite number.`);
    }
    const nums = flat as number[];
    const count = nums.length / 3;
    if (count !== 18 && count !== 25) {
      throw new Error(`Pose person ${n} has ${nums.length} values; expected 54 (COCO-18) or 75 (BODY_25) numbers.`);
    }
    const kp = new Float64Array(54);
    for (let j = 0; j < 18; j++) {
      const src = count === 18 ? j : body25[j]!;
      kp[j * 3] = nums[src * 3]! * sx;
      kp[j * 3 + 1] = nums[src * 3 + 1]! * sy;
      kp[j * 3 + 2] = nums[src * 3 + 2]!;
    }
    return { keypoints: kp };
  });
  if (people.length === 0) throw new Error('The pose file has no people: add at least one skeleton.');
  return people;
}

/** Render people to an RGB image [height, width, 3] (uint8, row-major). */
export function renderPose(people: readonly PosePerson[], width: number, height: number, o: PoseRenderOptions = {}): Uint8Array {
  const stick = o.stickWidth ?? 4;
  const radius = o.radius ?? 4;
  const ox = o.origin?.x ?? 0;
  const oy = o.origin?.y ?? 0;
  if (!Number.isInteger(ox) || !Number.isInteger(oy)) throw new Error(`renderPose: the origin (${ox}, ${oy}) must be whole pixels.`);
  const img = new Uint8Array(width * height * 3);
  // Loops run over frame coordinates clipped to the window [ox, ox + width) × [oy, oy + height).
  const xMin = ox, xMax = ox + width - 1, yMin = oy, yMax = oy + height - 1;
  const put = (x: number, y: number, c: readonly [number, number, number], scale: number): void => {
    const k = ((y - oy) * width + (x - ox)) * 3;
    img[k] = Math.floor(c[0] * scale);
    img[k + 1] = Math.floor(c[1] * scale);
    img[k + 2] = Math.floor(c[2] * scale);
  };
  for (const person of people) {
    const kp = person.keypoints;
    if (kp.length !== 54) throw new Error(`A pose needs 18 keypoints (54 numbers), got ${kp.length}.`);
    const present = (i: number): boolean => kp[i * 3 + 2]! > 0;
    POSE_LIMBS.forEach(([a, b], k) => {
      if (!present(a) || !present(b)) return;
      const ax = kp[a * 3]!, ay = kp[a * 3 + 1]!, bx = kp[b * 3]!, by = kp[b * 3 + 1]!;
      const mx = (ax + bx) / 2, my = (ay + by) / 2;
      const len = Math.hypot(bx - ax, by - ay);
      const half = len / 2;
      const ux = len > 0 ? (bx - ax) / len : 1, uy = len > 0 ? (by - ay) / len : 0;
      const reach = Math.max(half, stick);
      const x0 = Math.max(xMin, Math.floor(mx - reach)), x1 = Math.min(xMax, Math.ceil(mx + reach));
      const y0 = Math.max(yMin, Math.floor(my - reach)), y1 = Math.min(yMax, Math.ceil(my + reach));
      for (let y = y0; y <= y1; y++) {
        for (let x = x0; x <= x1; x++) {
          const dx = x - mx, dy = y - my;
          const along = dx * ux + dy * uy;
          const across = -dx * uy + dy * ux;
          const e = (half > 0 ? (along / half) ** 2 : along === 0 ? 0 : Infinity) + (across / stick) ** 2;
          if (e <= 1) put(x, y, POSE_COLORS[k]!, 0.6);
        }
      }
    });
    for (let i = 0; i < 18; i++) {
      if (!present(i)) continue;
      const cx = kp[i * 3]!, cy = kp[i * 3 + 1]!;
      const x0 = Math.max(xMin, Math.floor(cx - radius)), x1 = Math.min(xMax, Math.ceil(cx + radius));
      const y0 = Math.max(yMin, Math.floor(cy - radius)), y1 = Math.min(yMax, Math.ceil(cy + radius));
      for (let y = y0; y <= y1; y++) {
        for (let x = x0; x <= x1; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= radius * radius) put(x, y, POSE_COLORS[i]!, 1);
      }
    }
  }
  return img;
}
