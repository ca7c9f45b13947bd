/**
 * Starter data recipe (issue 9): figures in poses from real human motion, with exact COCO-18 keypoints, for the
 * starter-figures (pose → image) model.
 *
 * Poses: frames of CMU motion-capture clips (BVH, Debian's `assimp-testmodels`, CMU subject 01; see DATA.md for
 * the licence) through forward kinematics (`bvh.ts`). The pose pool of a clip keeps a frame when some COCO
 * keypoint moved ≥ POOL_MIN_MOVE (≈ 10 cm) relative to the hips since the last kept frame (frames are visited
 * at 30 fps, every 4th of the 120 fps capture; frame 0, the conversion's reference pose, is skipped), so
 * near-duplicate consecutive frames are not sampled twice as often.
 *
 * A figure: a random pose from the pool, a random yaw (0–360°) about the vertical axis and camera elevation
 * (−8°…+15°), orthographic projection, scaled and translated so the whole figure is inside the image at a
 * random size (75–100 % of the largest that fits; v1 used 55–100 %, which left
 * small figures whose limbs the f = 8 first stage could not resolve). The body is ≈ 30 capsules (see `bodyCapsules`): thighs, shins,
 * feet, upper arms, forearms, hands, neck, a torso of three side-by-side capsules + pelvis, a head of cranium +
 * jaw spheres with hair (short, long or none), nose, ears and eyes. Outfit: seeded skin tone from a varied
 * palette, shirt (long / short / no sleeves, plain or striped), trousers / shorts / skirt, shoes, hair colour,
 * build (limb thickness ×0.85–1.2). Backgrounds: gradient, fBm texture, room (wall + planked or tiled floor,
 * contact shadow) or an outdoor scene of the landscapes recipe (figure standing below its horizon). Rendering
 * is depth-buffered (figure-render.ts), so occlusion is consistent; 2× supersampled.
 *
 * Keypoints: the COCO-18 points of the mapped skeleton (bvh.ts `cmuToCoco18`) projected with the same camera,
 * in pixels (pixel-centre convention, as training/data/pose.ts), rounded to 1/64 px (exact in float32, so the
 * trainer's reader gets exactly these numbers). Confidence 1, except nose/eyes/ears hidden behind the head or
 * another body part (depth test against the rendered depth buffer): 0, as OpenPose would not detect them.
 * Body joints are always confidence 1 (inside the image by construction), also when a limb hides them —
 * COCO labels occluded body joints too.
 *
 * Determinism: TrainRng (xoshiro128**) per figure, seeded with `sceneSeed(datasetSeed, i)`; float64 arithmetic.
 * `writeFigureDataset` writes `figure-NNNNNN.png` + `figure-NNNNNN.pose.json` (OpenPose JSON) + `dataset.json`
 * to a cache folder outside the repository.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { toOpenPoseJson } from '../native-models/training/data/pose';
import { TrainRng } from '../native-models/training/rng';
import type { BodyPose, HeadModel, Vec3 } from './bvh';
import { cmuBodyPose, cmuJointIndices, cmuToCoco18, headPoint, parseBvh } from './bvh';
import type { BackgroundKind, Light, RGB, ScreenCapsule } from './figure-render';
import {
  contactShadow, FigureCanvas, gradientBackground, outdoorBackground, randomColor, roomBackground, textureBackground,
} from './figure-render';
import { assertOutsideRepo, sceneSeed } from './landscapes';

export const FIGURES_RECIPE_VERSION = 2;

/** The CMU clips of Debian's assimp-testmodels (CMU subject 01: playground jumps; climbing and hanging). */
export const DEFAULT_FIGURE_CLIPS = ['/usr/share/assimp/models/BVH/01_01.bvh', '/usr/share/assimp/models/BVH/01_03.bvh'];

/** Minimum keypoint movement (skeleton units, ≈ 6.7 cm each) for a frame to enter the pool. */
export const POOL_MIN_MOVE = 1.5;
const POOL_STRIDE = 4;

export interface PoolClip {
  name: string;
  sha256: string;
  frameCount: number;
  /** Frame numbers of the clip that entered the pool. */
  frames: number[];
}

export interface FigurePosePool {
  clips: PoolClip[];
  poses: { clip: number; frame: number; pose: BodyPose }[];
}

function sub(a: Vec3, b: Vec3): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}
function add(a: Vec3, b: Vec3): Vec3 {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}
function scale(a: Vec3, k: number): Vec3 {
  return [a[0] * k, a[1] * k, a[2] * k];
}
function lerp(a: Vec3, b: Vec3, t: number): Vec3 {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}
function unit(a: Vec3): Vec3 {
  const l = Math.hypot(a[0], a[1], a[2]) || 1;
  return [a[0] / l, a[1] / l, a[2] / l];
}

/** Build the pose pool from BVH texts (CMU skeleton). */
export function buildPosePool(clips: readonly { name: string; text: string }[]): FigurePosePool {
  const pool: FigurePosePool = { clips: [], poses: [] };
  clips.forEach(({ name, text }, ci) => {
    const clip = parseBvh(text);
    const idx = cmuJointIndices(clip);
    const frames: number[] = [];
    let last: Vec3[] | null = null;
    for (let f = 1; f < clip.frameCount; f += POOL_STRIDE) {
      const pose = cmuBodyPose(clip, f, idx);
      const rel = cmuToCoco18(pose).map((p) => sub(p, pose.joints.Hips));
      const moved = last === null ? Infinity : Math.max(...rel.map((p, k) => Math.hypot(...sub(p, last![k]!))));
      if (moved < POOL_MIN_MOVE) continue;
      last = rel;
      frames.push(f);
      pool.poses.push({ clip: ci, frame: f, pose });
    }
    pool.clips.push({ name, sha256: createHash('sha256').update(text).digest('hex'), frameCount: clip.frameCount, frames });
  });
  if (pool.poses.length === 0) throw new Error('The figure pose pool is empty: give at least one CMU-skeleton BVH clip with motion.');
  return pool;
}

/** Read the clips (default: Debian's assimp-testmodels CMU clips) and build the pool. */
export async function loadPosePool(paths: readonly string[] = DEFAULT_FIGURE_CLIPS): Promise<FigurePosePool> {
  const clips = [];
  for (const p of paths) {
    if (!existsSync(p)) {
      throw new Error(`Motion clip ${p} is missing. On Debian/Ubuntu install it with \`apt-get install assimp-testmodels\`, or pass the folder of CMU BVH clips.`);
    }
    clips.push({ name: basename(p), text: await readFile(p, 'utf8') });
  }
  return buildPosePool(clips);
}

// ---------------------------------------------------------------------------------------------------------
// Appearance

const SKIN_TONES: readonly RGB[] = [
  [255, 222, 190], [241, 198, 164], [228, 180, 140], [205, 153, 110], [180, 125, 85], [150, 100, 65],
  [118, 76, 48], [88, 57, 38], [66, 44, 31],
];
const HAIR: readonly RGB[] = [[22, 16, 12], [55, 36, 22], [100, 66, 38], [165, 125, 75], [220, 190, 130], [130, 50, 25], [140, 140, 140], [230, 230, 225]];
const GARMENTS: readonly RGB[] = [
  [30, 40, 80], [40, 60, 120], [200, 30, 35], [240, 240, 240], [25, 25, 28], [120, 120, 125], [60, 110, 60],
  [200, 170, 120], [230, 200, 60], [140, 60, 140], [230, 120, 40], [90, 150, 200], [110, 70, 45],
];
const SHOES: readonly RGB[] = [[25, 22, 20], [70, 45, 30], [235, 235, 235], [120, 30, 30], [40, 50, 90]];

export interface Outfit {
  skin: RGB;
  hair: RGB;
  hairStyle: 'short' | 'long' | 'none';
  shirt: RGB;
  sleeves: 'long' | 'short' | 'none';
  shirtStripes: boolean;
  legs: 'trousers' | 'shorts' | 'skirt';
  bottom: RGB;
  shoes: RGB;
  /** Limb and torso thickness factor. */
  build: number;
}

function jitter(rng: TrainRng, c: RGB, a: number): RGB {
  return [c[0] + (rng.nextFloat() * 2 - 1) * a, c[1] + (rng.nextFloat() * 2 - 1) * a, c[2] + (rng.nextFloat() * 2 - 1) * a];
}
function pick<T>(rng: TrainRng, xs: readonly T[]): T {
  return xs[rng.nextInt(xs.length)]!;
}
function garment(rng: TrainRng): RGB {
  return rng.nextFloat() < 0.6 ? jitter(rng, pick(rng, GARMENTS), 15) : randomColor(rng, 20, 240);
}

export function randomOutfit(rng: TrainRng): Outfit {
  const legsRoll = rng.nextFloat();
  const hairRoll = rng.nextFloat();
  const sleevesRoll = rng.nextFloat();
  return {
    skin: jitter(rng, pick(rng, SKIN_TONES), 8),
    hair: jitter(rng, pick(rng, HAIR), 8),
    hairStyle: hairRoll < 0.55 ? 'short' : hairRoll < 0.9 ? 'long' : 'none',
    shirt: garment(rng),
    sleeves: sleevesRoll < 0.45 ? 'long' : sleevesRoll < 0.85 ? 'short' : 'none',
    shirtStripes: rng.nextFloat() < 0.2,
    legs: legsRoll < 0.6 ? 'trousers' : legsRoll < 0.8 ? 'shorts' : 'skirt',
    bottom: garment(rng),
    shoes: jitter(rng, pick(rng, SHOES), 10),
    build: 0.85 + 0.35 * rng.nextFloat(),
  };
}

/** A capsule in world (skeleton) units, before projection. */
export interface WorldCapsule {
  a: Vec3;
  b: Vec3;
  ra: number;
  rb: number;
  color: RGB;
  colorB?: RGB;
  split?: number;
  stripes?: { period: number; dark: number };
  shine: number;
}

/** The body as capsules (world units; the CMU skeleton is ≈ 26 units tall, head radius ≈ 1.1). */
export function bodyCapsules(p: BodyPose, o: Outfit): WorldCapsule[] {
  const j = p.joints;
  const b = o.build;
  const caps: WorldCapsule[] = [];
  const cap = (a: Vec3, bb: Vec3, ra: number, rb: number, color: RGB, extra: Partial<WorldCapsule> = {}): void => {
    caps.push({ a, b: bb, ra, rb, color, shine: 0, ...extra });
  };
  const skin = o.skin;
  const skinShine = { shine: 0.35 };
  const neck = lerp(j.LeftArm, j.RightArm, 0.5);
  const spine = unit(sub(neck, j.Hips));
  const waist = 0.32;
  const stripes = o.shirtStripes ? { period: 0.12, dark: 0.72 } : undefined;
  const skirt = o.legs === 'skirt';
  // Legs.
  for (const [up, knee, ankle, toe] of [
    [j.LeftUpLeg, j.LeftLeg, j.LeftFoot, p.leftToeTip], [j.RightUpLeg, j.RightLeg, j.RightFoot, p.rightToeTip],
  ] as const) {
    if (o.legs === 'trousers') cap(up, knee, 1.05 * b, 0.75 * b, o.bottom);
    else if (o.legs === 'shorts') cap(up, knee, 1.05 * b, 0.72 * b, o.bottom, { colorB: skin, split: 0.5 });
    else cap(up, knee, 0.95 * b, 0.7 * b, skin, skinShine);
    cap(knee, ankle, 0.72 * b, 0.48 * b, o.legs === 'trousers' ? o.bottom : skin, o.legs === 'trousers' ? {} : skinShine);
    cap(ankle, toe, 0.5, 0.38, o.shoes, { shine: 0.2 });
  }
  // Pelvis and torso: three side-by-side capsules make a body wider than deep.
  cap(j.RightUpLeg, j.LeftUpLeg, 1.15 * b, 1.15 * b, o.bottom);
  const chestTop = sub(neck, scale(spine, 0.7));
  cap(add(j.Hips, scale(spine, 0.2)), chestTop, 1.3 * b, 1.35 * b, o.bottom, { colorB: o.shirt, split: waist, stripes });
  for (const [hip, shoulder] of [[j.LeftUpLeg, j.LeftArm], [j.RightUpLeg, j.RightArm]] as const) {
    const a = add(lerp(j.Hips, hip, 0.7), scale(spine, 0.9));
    const top = sub(lerp(neck, shoulder, 0.55), scale(spine, 0.9));
    cap(a, top, 0.95 * b, 0.9 * b, o.bottom, { colorB: o.shirt, split: waist - 0.08, stripes });
  }
  // Shoulder line (a yoke between the shoulders, below the neck).
  cap(sub(lerp(neck, j.RightArm, 0.8), scale(spine, 0.35)), sub(lerp(neck, j.LeftArm, 0.8), scale(spine, 0.35)), 0.75 * b, 0.75 * b, o.shirt);
  // Trapezius: the slope from the base of the neck to each shoulder.
  for (const shoulder of [j.LeftArm, j.RightArm]) cap(add(neck, scale(spine, 0.35)), lerp(neck, shoulder, 0.75), 0.62 * b, 0.62 * b, o.shirt);
  if (skirt) {
    const knees = lerp(j.LeftLeg, j.RightLeg, 0.5);
    const pelvis = lerp(j.LeftUpLeg, j.RightUpLeg, 0.5);
    cap(add(pelvis, scale(spine, 0.8)), lerp(pelvis, knees, 0.8), 1.3 * b, 1.9 * b, o.bottom);
  }
  // Arms.
  for (const [sh, el, wr] of [[j.LeftArm, j.LeftForeArm, j.LeftHand], [j.RightArm, j.RightForeArm, j.RightHand]] as const) {
    if (o.sleeves === 'none') cap(sh, el, 0.62 * b, 0.48 * b, skin, skinShine);
    else if (o.sleeves === 'short') cap(sh, el, 0.68 * b, 0.5 * b, o.shirt, { colorB: skin, split: 0.55 });
    else cap(sh, el, 0.68 * b, 0.52 * b, o.shirt);
    if (o.sleeves === 'long') cap(el, wr, 0.52 * b, 0.42 * b, o.shirt, { colorB: skin, split: 0.93 });
    else cap(el, wr, 0.48 * b, 0.38 * b, skin, skinShine);
    const dir = unit(sub(wr, el));
    cap(wr, add(wr, scale(dir, 0.8)), 0.4, 0.3, skin, skinShine);
  }
  // Neck and head.
  const h = p.head;
  const R = h.radius;
  cap(lerp(neck, j.Head, 0.15), j.Head, 0.66 * b, 0.58, skin, skinShine);
  const at = (d: Vec3): Vec3 => add(h.centre, d);
  const dir = (f: number, r: number, u: number): Vec3 => add(add(scale(h.forward, f * R), scale(h.right, r * R)), scale(h.up, u * R));
  cap(h.centre, h.centre, R, R, skin, skinShine);
  const jaw = at(dir(0.2, 0, -0.45));
  cap(jaw, jaw, 0.75 * R, 0.75 * R, skin, skinShine);
  if (o.hairStyle !== 'none') {
    const hc = at(dir(-0.18, 0, 0.1));
    cap(hc, hc, 1.06 * R, 1.06 * R, o.hair, { shine: 0.15 });
    if (o.hairStyle === 'long') cap(at(dir(-0.25, 0, 0)), at(dir(-0.45, 0, -1.5)), 0.95 * R, 0.8 * R, o.hair, { shine: 0.15 });
  }
  const face = faceFeatures(h);
  cap(face.nose, face.nose, 0.18 * R, 0.18 * R, skin, skinShine);
  for (const ear of face.ears) cap(ear, ear, 0.24 * R, 0.24 * R, skin, skinShine);
  for (const eye of face.eyes) cap(eye, eye, 0.12 * R, 0.12 * R, [35, 25, 25], { shine: 0.6 });
  return caps;
}

function faceFeatures(h: HeadModel): { nose: Vec3; eyes: Vec3[]; ears: Vec3[] } {
  const e = (28 * Math.PI) / 180;
  const inward = (p: Vec3, k: number): Vec3 => lerp(p, h.centre, k);
  return {
    nose: add(headPoint(h, 1, 0, -0.15), scale(h.forward, 0.05 * h.radius)),
    eyes: [inward(headPoint(h, Math.cos(e), Math.sin(e), 0.18), 0.05), inward(headPoint(h, Math.cos(e), -Math.sin(e), 0.18), 0.05)],
    ears: [headPoint(h, 0, 1, 0.05), headPoint(h, 0, -1, 0.05)],
  };
}

// ---------------------------------------------------------------------------------------------------------
// Camera and figure

/** Orthographic camera: rotate about the vertical axis (yaw), then tilt (elevation), then scale + translate. */
export interface FigureCamera {
  yaw: number;
  pitch: number;
  centre: Vec3;
  scale: number;
  tx: number;
  ty: number;
}

/** World point → [x px, y px, depth px] (depth grows away from the viewer). */
export function projectPoint(c: FigureCamera, p: Vec3): Vec3 {
  const x = p[0] - c.centre[0], y = p[1] - c.centre[1], z = p[2] - c.centre[2];
  const cy = Math.cos(c.yaw), sy = Math.sin(c.yaw);
  const x1 = cy * x + sy * z, z1 = -sy * x + cy * z;
  const cp = Math.cos(c.pitch), sp = Math.sin(c.pitch);
  const y2 = cp * y - sp * z1, z2 = sp * y + cp * z1;
  return [c.scale * x1 + c.tx, -c.scale * y2 + c.ty, -c.scale * z2];
}

export interface Figure {
  width: number;
  height: number;
  /** [H, W, 3] 8-bit RGB. */
  rgb: Uint8Array;
  /** 18 COCO keypoints as [x, y, confidence] (length 54), pixels. */
  keypoints: Float64Array;
  /** [H, W] figure coverage (0 background … 255 figure): the exact silhouette, e.g. for faithfulness metrics. */
  mask: Uint8Array;
  meta: {
    clip: string;
    frame: number;
    yawDeg: number;
    pitchDeg: number;
    background: BackgroundKind;
    outfit: Outfit;
  };
}

const HEAD_POINTS = [0, 14, 15, 16, 17];

/** Render figure `seed` from the pool at width × height. */
export function generateFigure(pool: FigurePosePool, seed: number, width: number, height: number, supersample = 2): Figure {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 16 || height < 16 || width * height > 4096 * 4096) {
    throw new Error(`generateFigure: size ${width}×${height} must be integers between 16 and 4096.`);
  }
  const rng = new TrainRng(seed);
  const entry = pool.poses[rng.nextInt(pool.poses.length)]!;
  const pose = entry.pose;
  const yaw = rng.nextFloat() * 2 * Math.PI;
  const pitch = ((-8 + 23 * rng.nextFloat()) * Math.PI) / 180;
  const outfit = randomOutfit(rng);
  const bgRoll = rng.nextFloat();
  const background: BackgroundKind = bgRoll < 0.25 ? 'gradient' : bgRoll < 0.5 ? 'texture' : bgRoll < 0.75 ? 'room' : 'outdoor';
  const caps = bodyCapsules(pose, outfit);

  // Fit: bounds at unit scale, then a random size and position that keep the whole figure inside.
  const cam: FigureCamera = { yaw, pitch, centre: pose.joints.Hips, scale: 1, tx: 0, ty: 0 };
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (const c of caps) {
    for (const [p, r] of [[c.a, c.ra], [c.b, c.rb]] as const) {
      const q = projectPoint(cam, p);
      minX = Math.min(minX, q[0] - r); maxX = Math.max(maxX, q[0] + r);
      minY = Math.min(minY, q[1] - r); maxY = Math.max(maxY, q[1] + r);
    }
  }
  const bw = maxX - minX, bh = maxY - minY;
  const margin = 0.04 * Math.min(width, height) + 2;
  const grounded = background === 'room' || background === 'outdoor';
  // Grounded figures stand with their lowest point in the bottom fifth of the image.
  const bottom = grounded ? height - margin - (0.18 * height - margin) * rng.nextFloat() : height - margin;
  const fitS = Math.min((width - 2 * margin) / bw, (bottom - margin) / bh);
  const s = fitS * (0.75 + 0.25 * rng.nextFloat());
  const figW = bw * s, figH = bh * s;
  const left = margin + (width - 2 * margin - figW) * rng.nextFloat();
  const top = grounded ? bottom - figH : margin + (height - 2 * margin - figH) * rng.nextFloat();
  cam.scale = s;
  cam.tx = left - minX * s;
  cam.ty = top - minY * s;

  // Background.
  let bg: Uint8Array;
  const bgRng = new TrainRng(rng.nextU32());
  if (background === 'gradient') bg = gradientBackground(bgRng, width, height);
  else if (background === 'texture') bg = textureBackground(bgRng, width, height);
  else if (background === 'room') bg = roomBackground(bgRng, width, height, top + figH - (0.05 + 0.3 * bgRng.nextFloat()) * Math.max(figH, 0.2 * height) * 0.5);
  else bg = outdoorBackground(bgRng.nextU32(), width, height).rgb;
  if (grounded) {
    // Contact shadow under the lowest capsule end.
    let low: Vec3 = [0, -Infinity, 0];
    for (const c of caps) for (const [p, r] of [[c.a, c.ra], [c.b, c.rb]] as const) {
      const q = projectPoint(cam, p);
      if (q[1] + r * s > low[1]) low = [q[0], q[1] + r * s, q[2]];
    }
    contactShadow(bg, width, height, low[0], low[1], Math.max(4, 0.3 * figW), Math.max(2, 0.04 * figH), 0.45);
  }

  // Figure.
  const lx = (rng.nextFloat() * 2 - 1) * 0.8, ly = -0.3 - 0.7 * rng.nextFloat(), lz = -0.4 - 0.6 * rng.nextFloat();
  const ll = Math.hypot(lx, ly, lz);
  const light: Light = { dir: [lx / ll, ly / ll, lz / ll], ambient: 0.35 + 0.15 * rng.nextFloat(), diffuse: 0.55 + 0.2 * rng.nextFloat() };
  const canvas = new FigureCanvas(width, height, supersample);
  for (const c of caps) {
    const a = projectPoint(cam, c.a), b = projectPoint(cam, c.b);
    const sc: ScreenCapsule = {
      ax: a[0], ay: a[1], az: a[2], bx: b[0], by: b[1], bz: b[2], ra: c.ra * s, rb: c.rb * s,
      color: c.color, shine: c.shine,
      ...(c.colorB ? { colorB: c.colorB } : {}), ...(c.split !== undefined ? { split: c.split } : {}), ...(c.stripes ? { stripes: c.stripes } : {}),
    };
    canvas.draw(sc, light);
  }
  const rgb = canvas.compositeOver(bg);

  // Keypoints.
  const world = cmuToCoco18(pose);
  const kp = new Float64Array(54);
  const tol = 0.3 * pose.head.radius * s;
  world.forEach((p, k) => {
    const q = projectPoint(cam, p);
    const x = Math.round(q[0] * 64) / 64, y = Math.round(q[1] * 64) / 64;
    const inside = x >= 0 && y >= 0 && x <= width - 1 && y <= height - 1;
    const hidden = HEAD_POINTS.includes(k) && q[2] > canvas.depthAt(q[0], q[1]) + tol;
    kp[k * 3] = x;
    kp[k * 3 + 1] = y;
    kp[k * 3 + 2] = inside && !hidden ? 1 : 0;
  });
  return {
    width, height, rgb, keypoints: kp, mask: canvas.coverage(),
    meta: {
      clip: pool.clips[entry.clip]!.name, frame: entry.frame,
      yawDeg: (yaw * 180) / Math.PI, pitchDeg: (pitch * 180) / Math.PI, background, outfit,
    },
  };
}

/** OpenPose JSON text of a figure (COCO-18, canvas = the image size), as the trainer's pose reader reads it. */
export function figurePoseJson(f: Figure): string {
  return JSON.stringify(toOpenPoseJson([Float32Array.from(f.keypoints)], { width: f.width, height: f.height })) + '\n';
}

export interface WriteFigureDatasetOptions {
  outDir: string;
  count: number;
  seed: number;
  width: number;
  height: number;
  /** BVH clips (CMU skeleton); default DEFAULT_FIGURE_CLIPS. */
  clips?: readonly string[];
  /** A pool already loaded from `clips` (saves re-parsing). */
  pool?: FigurePosePool;
  onProgress?(done: number, total: number): void;
}

export interface FigureDatasetSummary {
  outDir: string;
  written: number;
  reused: number;
  poolSize: number;
  ms: number;
}

/**
 * Write `count` figures (`figure-NNNNNN.png` + `figure-NNNNNN.pose.json`) and `dataset.json` into `outDir`.
 * Re-running with the same settings reuses what is already written; a folder holding a different dataset
 * (other seed, size, version or clips) is refused.
 */
export async function writeFigureDataset(opts: WriteFigureDatasetOptions): Promise<FigureDatasetSummary> {
  const t0 = performance.now();
  assertOutsideRepo(opts.outDir);
  const pool = opts.pool ?? (await loadPosePool(opts.clips ?? DEFAULT_FIGURE_CLIPS));
  await mkdir(opts.outDir, { recursive: true });
  const manifest = {
    recipe: 'figures', version: FIGURES_RECIPE_VERSION, seed: opts.seed, count: opts.count, width: opts.width, height: opts.height,
    keypoints: 'COCO-18 (OpenPose JSON, <stem>.pose.json)',
    clips: pool.clips.map((c) => ({ name: c.name, sha256: c.sha256, frames: c.frameCount, pooled: c.frames.length })),
    source: 'CMU Graphics Lab Motion Capture Database (mocap.cs.cmu.edu), BVH conversion by B. Hahne (cgspeed.com), via Debian assimp-testmodels; no restrictions on use.',
  };
  const manifestPath = join(opts.outDir, 'dataset.json');
  if (existsSync(manifestPath)) {
    const old = JSON.parse(await readFile(manifestPath, 'utf8')) as typeof manifest;
    const same = old.recipe === manifest.recipe && old.version === manifest.version && old.seed === manifest.seed
      && old.width === manifest.width && old.height === manifest.height
      && JSON.stringify(old.clips?.map((c) => c.sha256)) === JSON.stringify(manifest.clips.map((c) => c.sha256));
    if (!same) throw new Error(`${opts.outDir} holds a different dataset (${old.recipe} v${old.version}, seed ${old.seed}, ${old.width}×${old.height}); choose another folder.`);
  }
  await writeFile(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  let written = 0, reused = 0;
  for (let i = 0; i < opts.count; i++) {
    const stem = join(opts.outDir, `figure-${String(i).padStart(6, '0')}`);
    if (existsSync(`${stem}.png`) && existsSync(`${stem}.pose.json`)) {
      reused++;
    } else {
      const f = generateFigure(pool, sceneSeed(opts.seed, i), opts.width, opts.height);
      // Pose first, image last: an image exists only when its pose file does.
      await writeFile(`${stem}.pose.json`, figurePoseJson(f));
      await sharp(Buffer.from(f.rgb.buffer, f.rgb.byteOffset, f.rgb.byteLength), { raw: { width: f.width, height: f.height, channels: 3 } }).png().toFile(`${stem}.png.tmp`);
      await rename(`${stem}.png.tmp`, `${stem}.png`);
      written++;
    }
    opts.onProgress?.(i + 1, opts.count);
  }
  return { outDir: opts.outDir, written, reused, poolSize: pool.poses.length, ms: performance.now() - t0 };
}
