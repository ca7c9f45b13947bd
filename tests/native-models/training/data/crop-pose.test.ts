// The pose condition of a training crop is the whole resized image's stickman, cropped (and flipped) exactly
// like the image: limbs crossing the crop edge keep their visible part, as generation renders the whole
// stickman. Checked pixel for pixel against rendering the whole frame and cropping it.
import { describe, expect, it } from 'vitest';
import { renderPose, POSE_COLORS } from '../../../../native-models/sampling/pose-render';
import { cropSample, renderCropPose, type PreparedImage } from '../../../../native-models/training/data/crops';
import { COCO18_FLIP_PAIRS, type Keypoints } from '../../../../native-models/training/data/pose';
import { TrainRng } from '../../../../native-models/training/rng';
import { conditionPlanes } from '../../../../native-models/training/token-source';

/** Window [x0, x0 + s) × [y0, y0 + s) of an RGB [H, W, 3] image. */
function window(rgb: Uint8Array, w: number, x0: number, y0: number, s: number): Uint8Array {
  const out = new Uint8Array(s * s * 3);
  for (let y = 0; y < s; y++) out.set(rgb.subarray(((y0 + y) * w + x0) * 3, ((y0 + y) * w + x0 + s) * 3), y * s * 3);
  return out;
}

/** The stickman a person would draw on the mirrored picture: x mirrored in a frame of width w, left/right swapped. */
function mirrored(kp: Keypoints, w: number): Keypoints {
  const out = new Float32Array(kp);
  for (let j = 0; j < 18; j++) out[j * 3] = w - 1 - kp[j * 3]!;
  for (const [a, b] of COCO18_FLIP_PAIRS) {
    out.set(kp.subarray(b * 3, b * 3 + 3), a * 3);
    out.set(kp.subarray(a * 3, a * 3 + 3), b * 3);
    out[a * 3] = w - 1 - kp[b * 3]!;
    out[b * 3] = w - 1 - kp[a * 3]!;
  }
  return out;
}

function prepared(width: number, height: number, people: Keypoints[]): PreparedImage {
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 37) % 251; // every pixel distinct enough to check the geometry
  return { width, height, rgb, people };
}

describe('pose condition of a crop', () => {
  it('keeps the visible part of a limb that crosses the crop edge', () => {
    // r-elbow (3) inside the centre crop, r-wrist (4) beyond its right edge: limb 3 ([3, 4]) crosses x = 31.
    const kp = new Float32Array(54);
    kp.set([20, 24, 1], 3 * 3);
    kp.set([60, 24, 1], 4 * 3);
    const p = prepared(64, 48, [kp]);
    const crop = cropSample(p, { size: 32, random: false, flip: false }, new TrainRng(1));
    expect([crop.cropX, crop.cropY]).toEqual([16, 8]);
    const rgb = renderCropPose(crop); // [32, 32, 3]
    const limb = POSE_COLORS[3]!.map((v) => Math.floor(v * 0.6));
    // Along the bone (row 24 − 8 = 16) from just past the elbow's disc to the crop's last column: the limb colour.
    for (let x = 9; x < 32; x++) expect(Array.from(rgb.subarray((16 * 32 + x) * 3, (16 * 32 + x) * 3 + 3))).toEqual(limb);
    // The elbow's disc is there, the wrist's is not (outside).
    expect(Array.from(rgb.subarray((16 * 32 + 4) * 3, (16 * 32 + 4) * 3 + 3))).toEqual([...POSE_COLORS[3]!]);
    // The planes fed to the condition encoder are those pixels in [−1, 1].
    const planes = conditionPlanes(crop, 'pose'); // [3, 32, 32]
    expect(planes[16 * 32 + 31]).toBeCloseTo(limb[0]! / 127.5 - 1, 6);
    expect(planes[1024 + 16 * 32 + 31]).toBeCloseTo(limb[1]! / 127.5 - 1, 6);
  });

  it('equals the whole image stickman cropped (and, for a flipped crop, the mirrored image stickman cropped), pixel for pixel', () => {
    const W = 70, H = 53, S = 32;
    const rng = new TrainRng(7);
    // Two people with joints anywhere around the image, some outside it, a few absent.
    const people = [0, 1].map(() => {
      const kp = new Float32Array(54);
      for (let j = 0; j < 18; j++) kp.set([rng.nextFloat() * (W + 40) - 20, rng.nextFloat() * (H + 40) - 20, rng.nextFloat() < 0.15 ? 0 : 0.5 + rng.nextFloat() / 2], j * 3);
      return kp;
    });
    const p = prepared(W, H, people);
    const full = renderPose(people.map((kp) => ({ keypoints: kp })), W, H); // [H, W, 3]
    const fullMirrored = renderPose(people.map((kp) => ({ keypoints: mirrored(kp, W) })), W, H); // the flipped picture's stickman
    let flips = 0, plain = 0, edgeLimbs = 0;
    for (let seed = 0; seed < 40; seed++) {
      const crop = cropSample(p, { size: S }, new TrainRng(seed));
      const got = renderCropPose(crop);
      if (crop.flipped) {
        flips++;
        // The flipped crop is the mirrored image's window at the mirrored offset: image and stickman alike.
        const x0 = W - crop.cropX - S;
        expect(crop.poseFrame!.originX).toBe(x0);
        for (const [x, y] of [[0, 0], [S - 1, 5], [13, S - 1]] as const) {
          expect(crop.image[y * S + x]).toBeCloseTo(p.rgb[((crop.cropY + y) * W + (W - 1 - (x0 + x))) * 3]! / 127.5 - 1, 6);
        }
        expect(Buffer.from(got).equals(Buffer.from(window(fullMirrored, W, x0, crop.cropY, S)))).toBe(true);
      } else {
        plain++;
        expect(Buffer.from(got).equals(Buffer.from(window(full, W, crop.cropX, crop.cropY, S)))).toBe(true);
      }
      // Count crops where a drawn limb has an end outside the crop (the case the old rule dropped).
      for (const kp of crop.people!) {
        for (const [a, b] of [[3, 4], [9, 10]] as const) {
          const out = (j: number) => kp[j * 3]! < 0 || kp[j * 3]! > S - 1 || kp[j * 3 + 1]! < 0 || kp[j * 3 + 1]! > S - 1;
          if (kp[a * 3 + 2]! > 0 && kp[b * 3 + 2]! > 0 && out(a) !== out(b)) edgeLimbs++;
        }
      }
    }
    expect(flips).toBeGreaterThan(5);
    expect(plain).toBeGreaterThan(5);
    expect(edgeLimbs).toBeGreaterThan(0);
  });

  it('renders a window of the frame only with whole-pixel origins', () => {
    expect(() => renderPose([], 4, 4, { origin: { x: 0.5, y: 0 } })).toThrow(/whole pixels/);
  });
});
