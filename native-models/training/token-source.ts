/**
 * Tokens for transformer fine-tuning from a folder of images: each crop is encoded by the frozen first-stage
 * VQGAN (z-tokens) and, for VQ-conditioned models, its condition by the frozen condition VQGAN (c-tokens); both
 * grids are cached on disk (TokenGridCache) so later epochs skip the encoders.
 *
 * Crops are aligned to lcm(first-stage factor, condition factor) so image and condition grids line up and
 * each image has few distinct crops (good cache hit rates). Conditions are built from the *same* crop and flip
 * and in the same value ranges as generation builds them (sampling/generate.ts `prepareConditionMap`):
 *  - semantic: one-hot class planes [numClasses, S, S];
 *  - edge: the Canny mask as one plane, edges +1 on −1 (white-on-black, x / 127.5 − 1);
 *  - pose: the OpenPose stick figure (sampling/pose-render.ts) of the whole resized image, cropped and flipped
 *    like the image (crops.ts renderCropPose; limbs crossing the crop edge keep their visible part), 3 planes in [−1, 1];
 *  - sos: the single SOS token (unconditional models).
 */
import { cropSample, maskToPlane, oneHot, renderCropPose, type CropSample } from './data/crops';
import { DataCache, hashFile } from './data/cache';
import type { ImageSet } from './data/dataset';
import type { ScannedImage } from './data/scan';
import { TokenGridCache } from './data/tokens';
import type { TokenBatch, TokenSource } from './gpt-trainer';
import type { TrainRng } from './rng';
import { byteToUnit, toPlanar } from '../sampling/condition-maps';

/** A frozen VQGAN as the token source needs it (models/load.ts VqganModel fits). */
export interface FrozenEncoder {
  readonly factor: number;
  encode(image: Float32Array, batch: number, height: number, width: number): Promise<{ indices: Int32Array }>;
}

export type TokenCondition =
  | { kind: 'sos'; token: number }
  | { kind: 'vq'; mode: 'semantic' | 'edge' | 'pose'; encoder: FrozenEncoder; encoderId: string; numClasses?: number };

export interface ImageTokenSourceOptions {
  set: ImageSet;
  firstStage: FrozenEncoder;
  /** Identity of the first stage's weights (e.g. its sha256): part of the cache key. */
  firstStageId: string;
  condition: TokenCondition;
  /** Token cache folder (default: no disk cache; tokens are recomputed each time). */
  cacheDir?: string;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** The condition map of a crop, [C, S, S] in the generation pipeline's value range. */
export function conditionPlanes(crop: CropSample, mode: 'semantic' | 'edge' | 'pose', numClasses?: number): Float32Array {
  const s = crop.size;
  if (mode === 'semantic') {
    if (!crop.labels) throw new Error('conditionPlanes: the crop has no label map (prepare the image set in semantic mode).');
    if (!numClasses) throw new Error('conditionPlanes: semantic conditions need numClasses.');
    return oneHot(crop.labels, numClasses); // [C, S, S]
  }
  if (mode === 'edge') {
    if (!crop.edges) throw new Error('conditionPlanes: the crop has no edge map (prepare the image set in edges mode).');
    return maskToPlane(crop.edges); // [1, S, S]
  }
  if (!crop.poseFrame) throw new Error('conditionPlanes: the crop has no pose (prepare the image set in pose mode).');
  const rgb = renderCropPose(crop); // [S, S, 3]: the whole image's stickman, cropped like the image
  return toPlanar(rgb, s, s, 3, byteToUnit); // [3, S, S]
}

export async function imageTokenSource(o: ImageTokenSourceOptions): Promise<TokenSource> {
  const set = o.set;
  const s = set.size;
  const fz = o.firstStage.factor;
  const fc = o.condition.kind === 'vq' ? o.condition.encoder.factor : 1;
  const align = (fz * fc) / gcd(fz, fc);
  if (s % align !== 0) throw new Error(`imageTokenSource: crop size ${s} must be a multiple of ${align} (the VQGAN factors).`);
  if (o.condition.kind === 'vq') {
    const expected = ({ semantic: 'semantic', edge: 'edges', pose: 'pose' } as const)[o.condition.mode];
    if (set.mode !== expected) throw new Error(`imageTokenSource: a ${o.condition.mode} condition needs an image set opened in ${expected} mode (it is ${set.mode}).`);
  }
  const zLen = (s / fz) ** 2;
  const cLen = o.condition.kind === 'sos' ? 1 : (s / fc) ** 2;
  const cache = o.cacheDir ? new TokenGridCache(new DataCache(o.cacheDir)) : null;
  const hashes = new Map<string, string>();
  const hashOf = async (path: string): Promise<string> => {
    let h = hashes.get(path);
    if (!h) {
      h = await hashFile(path);
      hashes.set(path, h);
    }
    return h;
  };
  const resize = set.resize;

  const encodeWith = (enc: FrozenEncoder) => async (planes: Float32Array): Promise<Int32Array> => (await enc.encode(planes, 1, s, s)).indices;
  const tokensOf = async (img: ScannedImage, crop: CropSample): Promise<{ c: Int32Array; z: Int32Array }> => {
    const zEnc = encodeWith(o.firstStage);
    const zParts = { files: [await hashOf(img.path)], encoderId: o.firstStageId, resize };
    const z = cache ? await cache.tokens(zParts, crop, (cr) => zEnc(cr.image)) : await zEnc(crop.image);
    const cond = o.condition;
    if (cond.kind === 'sos') return { c: Int32Array.of(cond.token), z };
    const condFile = cond.mode === 'semantic' ? img.segPath : cond.mode === 'pose' ? img.posePath : undefined;
    const files = [await hashOf(img.path), ...(condFile ? [await hashOf(condFile)] : [])];
    const cEnc = encodeWith(cond.encoder);
    const planes = (cr: CropSample): Float32Array => conditionPlanes(cr, cond.mode, cond.numClasses);
    // pose 2: the condition is the whole image's stickman cropped (limbs crossing the crop edge were dropped before).
    const cParts = { files, encoderId: cond.encoderId, resize, extra: { mode: cond.mode, numClasses: cond.numClasses ?? null, ...(cond.mode === 'pose' ? { pose: 2 } : {}) } };
    const c = cache ? await cache.tokens(cParts, crop, (cr) => cEnc(planes(cr))) : await cEnc(planes(crop));
    return { c, z };
  };

  return {
    cLen, zLen, trainSize: set.train.length, heldOutSize: set.heldOut.length,
    async batch(split: 'train' | 'heldOut', indices: readonly number[], rng: TrainRng, augment: boolean): Promise<TokenBatch> {
      const list = split === 'train' ? set.train : set.heldOut;
      const c = new Int32Array(indices.length * cLen); // [B, Tc]
      const z = new Int32Array(indices.length * zLen); // [B, Tz]
      // Prepare all items first, then crop in order: RNG draws do not depend on I/O timing.
      const imgs = indices.map((i) => {
        const img = list[i];
        if (!img) throw new Error(`imageTokenSource: index ${i} is outside the ${split} split (${list.length} images).`);
        return img;
      });
      const prepared = await Promise.all(imgs.map((img) => set.prepared(img)));
      const crops = prepared.map((p) => cropSample(p, { size: s, random: augment, flip: augment, align }, rng));
      for (let b = 0; b < imgs.length; b++) {
        const t = await tokensOf(imgs[b]!, crops[b]!);
        if (t.c.length !== cLen || t.z.length !== zLen) throw new Error(`imageTokenSource: an encoder returned ${t.z.length}/${t.c.length} tokens, expected ${zLen}/${cLen}.`);
        c.set(t.c, b * cLen);
        z.set(t.z, b * zLen);
      }
      return { c, z };
    },
  };
}
