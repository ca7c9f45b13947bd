/**
 * BVH motion capture (Biovision hierarchy) for the starter-figures recipe (issue 9): a parser, forward
 * kinematics, and the mapping from the CMU motion-capture skeleton to COCO-18 keypoints.
 *
 * BVH: a HIERARCHY of joints (ROOT / JOINT / End Site), each with an OFFSET from its parent and a CHANNELS list
 * (positions and Euler rotations in degrees, in the order the file lists them), then MOTION: `Frames: N`,
 * `Frame Time: s` and N lines of channel values in hierarchy order. A joint's local transform is
 * T(offset + position channels) · R(c1) · R(c2) · R(c3) for rotation channels c1, c2, c3 in file order
 * (e.g. "Zrotation Yrotation Xrotation" → Rz · Ry · Rx); world = parent world · local.
 *
 * CMU skeleton (cgspeed.com BVH conversion of the CMU Graphics Lab database, as in Debian's assimp-testmodels):
 * Y up, the subject faces +Z in the rest pose, its left side is +X, units ≈ 1/0.45 inch (≈ 5.6 cm… the
 * conversion's scale; only ratios matter here). COCO-18 mapping (see `cmuToCoco18`):
 *   shoulders = LeftArm / RightArm (the glenohumeral joint; LeftShoulder is the clavicle root at the spine),
 *   elbows = *ForeArm, wrists = *Hand, hips = *UpLeg (hip joint centres), knees = *Leg, ankles = *Foot,
 *   neck = midpoint of the two shoulders (OpenPose's COCO neck is that midpoint, not the cervical joint).
 *   Head points are not in the skeleton; they are placed on a head sphere (see `headModel`): centre between the
 *   Head joint and its end site, radius a fixed fraction of the neck-to-head-top length, oriented by the Head
 *   joint's rotation (its local +Z is the face direction, +Y up). Nose = the sphere point straight ahead, a
 *   little below centre; eyes = ±28° from ahead, a little above the nose; ears = ±90° (the sphere's sides).
 *   These are approximations: real eyes/ears are not on a sphere, and the mocap has no face markers.
 */

export type Vec3 = [number, number, number];

/** Rotation matrix (row-major 3×3) + translation. */
export interface Transform {
  r: Float64Array; // [3, 3] row-major
  t: Vec3;
}

export type BvhChannel = 'Xposition' | 'Yposition' | 'Zposition' | 'Xrotation' | 'Yrotation' | 'Zrotation';
const CHANNELS: ReadonlySet<string> = new Set(['Xposition', 'Yposition', 'Zposition', 'Xrotation', 'Yrotation', 'Zrotation']);

export interface BvhJoint {
  name: string;
  /** Index of the parent joint, −1 for the root. */
  parent: number;
  offset: Vec3;
  channels: BvhChannel[];
  /** Index of this joint's first channel in a frame's value row. */
  channelStart: number;
  /** Offset of the End Site below this joint, when it has one (joint "tips": head top, toes, fingers). */
  endSite?: Vec3;
}

export interface BvhClip {
  joints: BvhJoint[];
  frameCount: number;
  frameTime: number;
  channelCount: number;
  /** [frameCount, channelCount] channel values, row-major. */
  values: Float64Array;
}

/** Parse BVH text. Throws with the line number and what was expected when the file is malformed. */
export function parseBvh(text: string): BvhClip {
  const lines = text.split(/\r?\n/);
  let li = 0;
  const fail = (what: string): never => {
    throw new Error(`BVH line ${li + 1}: ${what} (got "${(lines[li] ?? '<end of file>').trim().slice(0, 60)}").`);
  };
  const next = (): string[] => {
    while (li < lines.length && lines[li]!.trim() === '') li++;
    if (li >= lines.length) fail('unexpected end of file');
    return lines[li]!.trim().split(/\s+/);
  };
  const num = (s: string | undefined): number => {
    const v = Number(s);
    if (s === undefined || !Number.isFinite(v)) fail(`expected a number, got ${String(s)}`);
    return v;
  };
  if (next()[0] !== 'HIERARCHY') fail('expected HIERARCHY');
  li++;
  const joints: BvhJoint[] = [];
  let channelCount = 0;
  // Recursive descent over ROOT/JOINT blocks.
  const parseJoint = (parent: number): void => {
    const head = next();
    const kind = head[0];
    if ((parent < 0 && kind !== 'ROOT') || (parent >= 0 && kind !== 'JOINT')) fail(parent < 0 ? 'expected ROOT' : 'expected JOINT');
    const name = head.slice(1).join(' ');
    if (!name) fail('joint without a name');
    li++;
    if (next()[0] !== '{') fail('expected {');
    li++;
    const off = next();
    if (off[0] !== 'OFFSET') fail('expected OFFSET');
    const offset: Vec3 = [num(off[1]), num(off[2]), num(off[3])];
    li++;
    const ch = next();
    if (ch[0] !== 'CHANNELS') fail('expected CHANNELS');
    const n = num(ch[1]);
    const channels = ch.slice(2);
    if (channels.length !== n || !channels.every((c) => CHANNELS.has(c))) fail(`CHANNELS ${n} must list ${n} of ${[...CHANNELS].join(', ')}`);
    li++;
    const index = joints.length;
    joints.push({ name, parent, offset, channels: channels as BvhChannel[], channelStart: channelCount });
    channelCount += n;
    for (;;) {
      const t = next();
      if (t[0] === '}') {
        li++;
        return;
      }
      if (t[0] === 'JOINT') {
        parseJoint(index);
      } else if (t[0] === 'End') {
        li++;
        if (next()[0] !== '{') fail('expected { after End Site');
        li++;
        const eo = next();
        if (eo[0] !== 'OFFSET') fail('expected OFFSET in End Site');
        joints[index]!.endSite = [num(eo[1]), num(eo[2]), num(eo[3])];
        li++;
        if (next()[0] !== '}') fail('expected } closing End Site');
        li++;
      } else {
        fail('expected JOINT, End Site or }');
      }
    }
  };
  parseJoint(-1);
  if (next()[0] !== 'MOTION') fail('expected MOTION');
  li++;
  const fr = next();
  if (fr[0] !== 'Frames:') fail('expected "Frames: N"');
  const frameCount = num(fr[1]);
  if (!Number.isInteger(frameCount) || frameCount < 1) fail('frame count must be a positive integer');
  li++;
  const ft = next();
  if (ft[0] !== 'Frame' || ft[1] !== 'Time:') fail('expected "Frame Time: s"');
  const frameTime = num(ft[2]);
  li++;
  const values = new Float64Array(frameCount * channelCount);
  for (let f = 0; f < frameCount; f++) {
    const row = next();
    if (row.length !== channelCount) fail(`frame ${f} has ${row.length} values; the hierarchy declares ${channelCount} channels`);
    for (let c = 0; c < channelCount; c++) values[f * channelCount + c] = num(row[c]);
    li++;
  }
  return { joints, frameCount, frameTime, channelCount, values };
}

function matMul(a: Float64Array, b: Float64Array): Float64Array {
  const o = new Float64Array(9);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) o[i * 3 + j] = a[i * 3]! * b[j]! + a[i * 3 + 1]! * b[3 + j]! + a[i * 3 + 2]! * b[6 + j]!;
  }
  return o;
}

function axisRotation(axis: 'X' | 'Y' | 'Z', degrees: number): Float64Array {
  const a = (degrees * Math.PI) / 180;
  const c = Math.cos(a), s = Math.sin(a);
  if (axis === 'X') return Float64Array.of(1, 0, 0, 0, c, -s, 0, s, c);
  if (axis === 'Y') return Float64Array.of(c, 0, s, 0, 1, 0, -s, 0, c);
  return Float64Array.of(c, -s, 0, s, c, 0, 0, 0, 1);
}

export function applyRotation(r: Float64Array, v: Vec3): Vec3 {
  return [
    r[0]! * v[0] + r[1]! * v[1] + r[2]! * v[2],
    r[3]! * v[0] + r[4]! * v[1] + r[5]! * v[2],
    r[6]! * v[0] + r[7]! * v[1] + r[8]! * v[2],
  ];
}

/** World transform of every joint at `frame` (forward kinematics). */
export function forwardKinematics(clip: BvhClip, frame: number): Transform[] {
  if (!Number.isInteger(frame) || frame < 0 || frame >= clip.frameCount) throw new Error(`BVH frame ${frame} is out of range 0..${clip.frameCount - 1}.`);
  const row = frame * clip.channelCount;
  const out: Transform[] = [];
  for (const j of clip.joints) {
    const pos: Vec3 = [j.offset[0], j.offset[1], j.offset[2]];
    let rot: Float64Array = Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1);
    j.channels.forEach((c, k) => {
      const v = clip.values[row + j.channelStart + k]!;
      const axis = c[0] as 'X' | 'Y' | 'Z';
      if (c.endsWith('position')) pos[axis === 'X' ? 0 : axis === 'Y' ? 1 : 2] += v;
      else rot = matMul(rot, axisRotation(axis, v));
    });
    if (j.parent < 0) {
      out.push({ r: rot, t: pos });
    } else {
      const p = out[j.parent]!;
      const d = applyRotation(p.r, pos);
      out.push({ r: matMul(p.r, rot), t: [p.t[0] + d[0], p.t[1] + d[1], p.t[2] + d[2]] });
    }
  }
  return out;
}

/** World position of a joint's End Site (its tip), given the frame's transforms. */
export function endSitePosition(clip: BvhClip, world: readonly Transform[], joint: number): Vec3 {
  const e = clip.joints[joint]!.endSite;
  if (!e) throw new Error(`BVH joint ${clip.joints[joint]!.name} has no End Site.`);
  const w = world[joint]!;
  const d = applyRotation(w.r, e);
  return [w.t[0] + d[0], w.t[1] + d[1], w.t[2] + d[2]];
}

/** The CMU joints a figure needs, by name. */
export const CMU_JOINTS = [
  'Hips', 'LeftUpLeg', 'LeftLeg', 'LeftFoot', 'LeftToeBase', 'RightUpLeg', 'RightLeg', 'RightFoot', 'RightToeBase',
  'Spine', 'Spine1', 'Neck1', 'Head', 'LeftArm', 'LeftForeArm', 'LeftHand', 'RightArm', 'RightForeArm', 'RightHand',
] as const;
export type CmuJoint = (typeof CMU_JOINTS)[number];

/** One frame of a CMU skeleton reduced to what a figure needs: named joint positions + the head model. */
export interface BodyPose {
  joints: Record<CmuJoint, Vec3>;
  /** Toe tips (End Sites of the toe joints). */
  leftToeTip: Vec3;
  rightToeTip: Vec3;
  head: HeadModel;
}

export interface HeadModel {
  centre: Vec3;
  radius: number;
  /** Unit vectors of the head frame in world space. */
  forward: Vec3;
  up: Vec3;
  /** The subject's right. */
  right: Vec3;
}

/** Head sphere radius as a fraction of the Head-joint-to-head-top (End Site) length. */
const HEAD_RADIUS_FRACTION = 0.62;
/** Head centre between the Head joint (upper neck, 0) and the head top (1). */
const HEAD_CENTRE_FRACTION = 0.35;

function norm(v: Vec3): Vec3 {
  const l = Math.hypot(v[0], v[1], v[2]) || 1;
  return [v[0] / l, v[1] / l, v[2] / l];
}

/** Resolve joint indices of a CMU-skeleton clip once (throws naming the missing joints for other skeletons). */
export function cmuJointIndices(clip: BvhClip): Record<CmuJoint, number> {
  const byName = new Map(clip.joints.map((j, i) => [j.name, i]));
  const missing = CMU_JOINTS.filter((n) => !byName.has(n));
  if (missing.length) throw new Error(`Not a CMU-skeleton BVH clip: joints ${missing.join(', ')} are missing.`);
  const idx = {} as Record<CmuJoint, number>;
  for (const n of CMU_JOINTS) idx[n] = byName.get(n)!;
  for (const n of ['Head', 'LeftToeBase', 'RightToeBase'] as const) {
    if (!clip.joints[idx[n]]!.endSite) throw new Error(`Not a CMU-skeleton BVH clip: ${n} has no End Site.`);
  }
  return idx;
}

/** The figure-relevant pose of one frame of a CMU clip. */
export function cmuBodyPose(clip: BvhClip, frame: number, idx: Record<CmuJoint, number> = cmuJointIndices(clip)): BodyPose {
  const world = forwardKinematics(clip, frame);
  const joints = {} as Record<CmuJoint, Vec3>;
  for (const n of CMU_JOINTS) joints[n] = world[idx[n]]!.t;
  const headJ = world[idx.Head]!;
  const top = endSitePosition(clip, world, idx.Head);
  const len = Math.hypot(top[0] - headJ.t[0], top[1] - headJ.t[1], top[2] - headJ.t[2]);
  const centre: Vec3 = [
    headJ.t[0] + HEAD_CENTRE_FRACTION * (top[0] - headJ.t[0]),
    headJ.t[1] + HEAD_CENTRE_FRACTION * (top[1] - headJ.t[1]),
    headJ.t[2] + HEAD_CENTRE_FRACTION * (top[2] - headJ.t[2]),
  ];
  const forward = norm(applyRotation(headJ.r, [0, 0, 1]));
  const up = norm(applyRotation(headJ.r, [0, 1, 0]));
  // The subject's right is −X in the rest pose (it faces +Z with +Y up).
  const right = norm(applyRotation(headJ.r, [-1, 0, 0]));
  return {
    joints,
    leftToeTip: endSitePosition(clip, world, idx.LeftToeBase),
    rightToeTip: endSitePosition(clip, world, idx.RightToeBase),
    head: { centre, radius: HEAD_RADIUS_FRACTION * len, forward, up, right },
  };
}

/** A point on the head sphere in the direction a·forward + b·right + c·up (normalised). */
export function headPoint(h: HeadModel, a: number, b: number, c: number): Vec3 {
  const d = norm([
    a * h.forward[0] + b * h.right[0] + c * h.up[0],
    a * h.forward[1] + b * h.right[1] + c * h.up[1],
    a * h.forward[2] + b * h.right[2] + c * h.up[2],
  ]);
  return [h.centre[0] + h.radius * d[0], h.centre[1] + h.radius * d[1], h.centre[2] + h.radius * d[2]];
}

const EYE_ANGLE = (28 * Math.PI) / 180;

/**
 * COCO-18 keypoints (world space) of a body pose, in COCO-18 order:
 * 0 nose, 1 neck, 2 r-shoulder, 3 r-elbow, 4 r-wrist, 5 l-shoulder, 6 l-elbow, 7 l-wrist, 8 r-hip, 9 r-knee,
 * 10 r-ankle, 11 l-hip, 12 l-knee, 13 l-ankle, 14 r-eye, 15 l-eye, 16 r-ear, 17 l-ear.
 */
export function cmuToCoco18(p: BodyPose): Vec3[] {
  const j = p.joints;
  const neck: Vec3 = [(j.LeftArm[0] + j.RightArm[0]) / 2, (j.LeftArm[1] + j.RightArm[1]) / 2, (j.LeftArm[2] + j.RightArm[2]) / 2];
  const h = p.head;
  const eyeA = Math.cos(EYE_ANGLE), eyeB = Math.sin(EYE_ANGLE);
  return [
    headPoint(h, 1, 0, -0.15), // nose: straight ahead, a little below the centre
    neck,
    j.RightArm, j.RightForeArm, j.RightHand,
    j.LeftArm, j.LeftForeArm, j.LeftHand,
    j.RightUpLeg, j.RightLeg, j.RightFoot,
    j.LeftUpLeg, j.LeftLeg, j.LeftFoot,
    headPoint(h, eyeA, eyeB, 0.18), // r-eye
    headPoint(h, eyeA, -eyeB, 0.18), // l-eye
    headPoint(h, 0, 1, 0.05), // r-ear
    headPoint(h, 0, -1, 0.05), // l-ear
  ];
}
