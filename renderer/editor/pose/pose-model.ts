// Pure operations on COCO-18 people. Every function returns new objects (never mutates its
// input), so the view can diff and the history can keep snapshots.

import type { Keypoint, PosePerson } from '../../document/document-types';
import { DEFAULT_PERSON_UNIT, JOINT_COUNT, LIMBS, MIRROR } from './coco18';

export interface Vec {
  x: number;
  y: number;
}

function checkJoint(joint: number): void {
  if (!Number.isInteger(joint) || joint < 0 || joint >= JOINT_COUNT) throw new Error(`Joint ${joint} does not exist: COCO-18 joints are 0..17.`);
}

function nextId(people: readonly PosePerson[]): string {
  const used = new Set(people.map((p) => p.id));
  let n = people.length + 1;
  while (used.has(`person-${n}`)) n++;
  return `person-${n}`;
}

/**
 * A default standing person, `heightFraction` of the canvas tall, centred at `center` (default:
 * the canvas centre).
 */
export function createPerson(canvas: { width: number; height: number }, options: { id?: string; center?: Vec; heightFraction?: number } = {}): PosePerson {
  const h = canvas.height * (options.heightFraction ?? 0.8);
  const c = options.center ?? { x: canvas.width / 2, y: canvas.height / 2 };
  return {
    id: options.id ?? 'person-1',
    keypoints: DEFAULT_PERSON_UNIT.map(([ux, uy]) => ({ x: c.x + (ux - 0.5) * h, y: c.y + (uy - 0.5) * h, visible: true })),
  };
}

export function addPerson(people: readonly PosePerson[], canvas: { width: number; height: number }, center?: Vec): PosePerson[] {
  const offset = (people.length % 4) * 0.12 * canvas.width; // new people don't land exactly on old ones
  const where = center ?? { x: canvas.width / 2 + (offset > canvas.width / 3 ? -offset / 2 : offset / 2), y: canvas.height / 2 };
  return [...people, createPerson(canvas, { id: nextId(people), center: where })];
}

export function removePerson(people: readonly PosePerson[], id: string): PosePerson[] {
  return people.filter((p) => p.id !== id);
}

function updatePerson(people: readonly PosePerson[], id: string, f: (p: PosePerson) => PosePerson): PosePerson[] {
  let found = false;
  const out = people.map((p) => {
    if (p.id !== id) return p;
    found = true;
    return f(p);
  });
  if (!found) throw new Error(`No person "${id}" in this pose.`);
  return out;
}

export function moveJoint(people: readonly PosePerson[], id: string, joint: number, to: Vec): PosePerson[] {
  checkJoint(joint);
  return updatePerson(people, id, (p) => ({ ...p, keypoints: p.keypoints.map((k, i) => (i === joint ? { ...k, x: to.x, y: to.y } : k)) }));
}

/** Hide or show a joint; a hidden joint keeps its position and all limbs touching it vanish. */
export function setJointVisible(people: readonly PosePerson[], id: string, joint: number, visible: boolean): PosePerson[] {
  checkJoint(joint);
  return updatePerson(people, id, (p) => ({ ...p, keypoints: p.keypoints.map((k, i) => (i === joint ? { ...k, visible } : k)) }));
}

/** Limb indices (into LIMBS) drawn for this person: both ends visible. */
export function visibleLimbs(person: PosePerson): number[] {
  const out: number[] = [];
  LIMBS.forEach(([a, b], i) => {
    if (person.keypoints[a]?.visible && person.keypoints[b]?.visible) out.push(i);
  });
  return out;
}

/** Centre of the visible joints (all joints when none is visible). */
export function personCenter(person: PosePerson): Vec {
  const pts = person.keypoints.some((k) => k.visible) ? person.keypoints.filter((k) => k.visible) : person.keypoints;
  const x = pts.reduce((s, k) => s + k.x, 0) / pts.length;
  const y = pts.reduce((s, k) => s + k.y, 0) / pts.length;
  return { x, y };
}

export function personBounds(person: PosePerson): { x0: number; y0: number; x1: number; y1: number } {
  const pts = person.keypoints.filter((k) => k.visible);
  const use = pts.length ? pts : person.keypoints;
  return {
    x0: Math.min(...use.map((k) => k.x)), y0: Math.min(...use.map((k) => k.y)),
    x1: Math.max(...use.map((k) => k.x)), y1: Math.max(...use.map((k) => k.y)),
  };
}

/** Relabel left as right and right as left (positions stay): fixes a front/back mix-up. */
export function swapLeftRight(person: PosePerson): PosePerson {
  return { ...person, keypoints: person.keypoints.map((_, i) => ({ ...person.keypoints[MIRROR[i]!]! })) };
}

/**
 * Mirror the person horizontally about the vertical line through `axisX` (default: the centre of
 * its visible joints) and swap left/right joints, so the mirrored pose stays anatomically labelled
 * (a person raising their right arm now raises their left, on the other side of the image).
 */
export function flipPerson(person: PosePerson, axisX?: number): PosePerson {
  const ax = axisX ?? personCenter(person).x;
  const mirrored: Keypoint[] = person.keypoints.map((k) => ({ ...k, x: 2 * ax - k.x }));
  return { ...person, keypoints: mirrored.map((_, i) => ({ ...mirrored[MIRROR[i]!]! })) };
}

export interface PersonTransform {
  translate?: Vec;
  /** Uniform scale about the pivot. */
  scale?: number;
  /** Rotation in radians about the pivot (positive = clockwise on screen, y down). */
  rotate?: number;
  /** Default: the person's centre. */
  pivot?: Vec;
}

/** Scale, then rotate about the pivot, then translate — every joint, hidden ones included. */
export function transformPerson(person: PosePerson, t: PersonTransform): PosePerson {
  const pivot = t.pivot ?? personCenter(person);
  const s = t.scale ?? 1;
  if (!(s > 0) || !Number.isFinite(s)) throw new Error(`Scale must be a positive number, got ${s}.`);
  const cos = Math.cos(t.rotate ?? 0);
  const sin = Math.sin(t.rotate ?? 0);
  const dx = t.translate?.x ?? 0;
  const dy = t.translate?.y ?? 0;
  return {
    ...person,
    keypoints: person.keypoints.map((k) => {
      const x = (k.x - pivot.x) * s;
      const y = (k.y - pivot.y) * s;
      return { ...k, x: pivot.x + x * cos - y * sin + dx, y: pivot.y + x * sin + y * cos + dy };
    }),
  };
}

export function applyToPerson(people: readonly PosePerson[], id: string, f: (p: PosePerson) => PosePerson): PosePerson[] {
  return updatePerson(people, id, f);
}

/** Nearest visible joint within `radius` of `at` (for hit-testing handles), or null. */
export function hitJoint(people: readonly PosePerson[], at: Vec, radius: number): { personId: string; joint: number } | null {
  let best: { personId: string; joint: number } | null = null;
  let bestD = radius * radius;
  for (const p of people) {
    p.keypoints.forEach((k, i) => {
      const d = (k.x - at.x) ** 2 + (k.y - at.y) ** 2;
      if (d <= bestD) {
        bestD = d;
        best = { personId: p.id, joint: i };
      }
    });
  }
  return best;
}
