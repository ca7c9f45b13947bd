/**
 * Condition stages of taming's Net2NetTransformer (taming/models/cond_transformer.py) and how their tokens enter the GPT.
 *
 * c-tokens and z-tokens share ONE embedding table with NO offset: a segmentation code 5, the SOS token 0 and image
 * code 5 are the same `tok_emb` rows and are told apart only by their position in the sequence. The transformer input
 * is `cat(c, z)[:, :-1]` and the logits for z come from positions len(c)-1 … len(c)+len(z)-2.
 *
 * - vq:     a VQGAN of its own (segmentation one-hot with n_labels channels, depth 1 channel, edge 1 channel, pose
 *           keypoint image 3 channels), or the first stage itself (`__is_first_stage__`); c = its quantizer indices
 *           in raster order.
 * - sos:    unconditional (`__is_unconditional__` / SOSProvider): c = [sos_token] (default 0).
 * - class:  Labelator: c = [class id].
 * - coord:  CoordStage(n_embed, down_factor): a [0,1] coordinate map, area-downsampled by down_factor, times n_embed,
 *           rounded.
 */
import type { ManifestConditionMode } from '../condition-modes';
import type { VqganConfig } from './vqgan';

/** The manifest modes whose condition stage is a VQGAN. */
export type VqConditionMode = Extract<ManifestConditionMode, 'segmentation' | 'depth' | 'edge' | 'pose' | 'image'>;

export type CondStageConfig =
  | { kind: 'vq'; mode: VqConditionMode; vqgan: VqganConfig; /** segmentation only */ nLabels?: number }
  /** `__is_first_stage__`: the first-stage VQGAN encodes the condition image. */
  | { kind: 'first_stage'; mode: 'image' }
  | { kind: 'sos'; token: number }
  | { kind: 'class'; nClasses: number }
  | { kind: 'coord'; nEmbed: number; downFactor: number };

/** Input channels the condition VQGAN expects for a mode (segmentation: n_labels one-hot channels). */
export function conditionChannels(mode: VqConditionMode, nLabels?: number): number {
  switch (mode) {
    case 'segmentation':
      if (!nLabels || nLabels < 1) throw new Error('A segmentation condition stage needs n_labels (its input channel count).');
      return nLabels;
    case 'depth':
    case 'edge':
      return 1;
    case 'pose':
    case 'image':
      return 3;
  }
}

/** Checks that a VQ condition stage's VQGAN takes the channels of its mode. */
export function validateCondStage(c: CondStageConfig): void {
  if (c.kind === 'vq') {
    const want = conditionChannels(c.mode, c.nLabels ?? c.vqgan.inChannels);
    if (c.vqgan.inChannels !== want) {
      throw new Error(`Condition stage "${c.mode}" needs a VQGAN with ${want} input channels; this one has ${c.vqgan.inChannels}.`);
    }
    if (c.mode === 'segmentation' && c.nLabels !== undefined && c.nLabels !== c.vqgan.inChannels) {
      throw new Error(`Segmentation stage: n_labels ${c.nLabels} differs from the VQGAN's ${c.vqgan.inChannels} input channels.`);
    }
  } else if (c.kind === 'sos') {
    if (!Number.isInteger(c.token) || c.token < 0) throw new Error(`SOS token ${c.token} must be a non-negative integer.`);
  } else if (c.kind === 'class') {
    if (!Number.isInteger(c.nClasses) || c.nClasses < 1) throw new Error(`Class stage: n_classes ${c.nClasses} is invalid.`);
  } else if (c.kind === 'coord') {
    if (!Number.isInteger(c.downFactor) || c.downFactor < 1) throw new Error(`Coord stage: down_factor ${c.downFactor} is invalid.`);
  }
}

/** Labels [B, H, W] → one-hot [B, n, H, W] float32 (taming's `np.eye(n_labels)[seg]` then NCHW). */
export function segmentationOneHot(labels: ArrayLike<number>, batch: number, height: number, width: number, nLabels: number): Float32Array {
  const hw = height * width;
  if (labels.length !== batch * hw) throw new Error(`Segmentation: expected ${batch}x${height}x${width} labels, got ${labels.length}.`);
  const out = new Float32Array(batch * nLabels * hw);
  for (let b = 0; b < batch; b++) {
    for (let p = 0; p < hw; p++) {
      const l = labels[b * hw + p]!;
      if (!Number.isInteger(l) || l < 0 || l >= nLabels) {
        const y = Math.floor(p / width);
        throw new Error(`Segmentation label ${l} at (batch ${b}, row ${y}, col ${p % width}) is outside 0..${nLabels - 1} ` +
          `(this model has n_labels=${nLabels}); remap the label map to the model's classes.`);
      }
      out[(b * nLabels + l) * hw + p] = 1;
    }
  }
  return out;
}

/** SOS condition: [B, 1] filled with the token. */
export function sosTokens(batch: number, token = 0): Int32Array {
  return new Int32Array(batch).fill(token);
}

/** Class condition (Labelator): [B, 1] = class ids, checked against n_classes and the GPT vocabulary. */
export function classTokens(classes: ArrayLike<number>, nClasses: number, vocabSize: number): Int32Array {
  const out = new Int32Array(classes.length);
  for (let k = 0; k < classes.length; k++) {
    const c = classes[k]!;
    if (!Number.isInteger(c) || c < 0 || c >= nClasses || c >= vocabSize) {
      throw new Error(`Class ${c} is outside 0..${Math.min(nClasses, vocabSize) - 1} for this model.`);
    }
    out[k] = c;
  }
  return out;
}

/** The coordinate map of FacesHQ: value (i*W + j) / (H*W) at pixel (i, j), [H, W]. */
export function coordMap(height: number, width: number): Float32Array {
  const n = height * width;
  return Float32Array.from({ length: n }, (_, k) => k / n);
}

/**
 * CoordStage.encode: area-downsample a [B, 1, H, W] map in [0, 1] by `downFactor`, clamp to [0, 1], × n_embed, round
 * (half to even, as torch.round) → tokens [B, H/f, W/f].
 */
export function coordTokens(map: ArrayLike<number>, batch: number, height: number, width: number, nEmbed: number, downFactor: number): Int32Array {
  const f = downFactor;
  if (height % f !== 0 || width % f !== 0) {
    throw new Error(`Coord stage: the map ${height}x${width} is not divisible by the down factor ${f}.`);
  }
  const h = height / f;
  const w = width / f;
  const out = new Int32Array(batch * h * w);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        let s = 0;
        for (let y = 0; y < f; y++) for (let x = 0; x < f; x++) s += map[b * height * width + (i * f + y) * width + (j * f + x)]!;
        const v = Math.min(1, Math.max(0, Math.fround(s / (f * f)))) * nEmbed;
        out[(b * h + i) * w + j] = roundHalfEven(Math.fround(v));
      }
    }
  }
  return out;
}

function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The transformer input `cat(c, z)[:, :-1]` ([B, Tc+Tz-1]) from c-tokens [B, Tc] and z-tokens [B, Tz], same table,
 * no offset. Every token must lie in 0..vocab-1.
 */
export function transformerInput(c: Int32Array, cLen: number, z: Int32Array, zLen: number, batch: number, vocabSize: number): Int32Array {
  if (c.length !== batch * cLen || z.length !== batch * zLen) {
    throw new Error(`transformerInput: expected c [${batch}, ${cLen}] and z [${batch}, ${zLen}].`);
  }
  const t = cLen + zLen - 1;
  const out = new Int32Array(batch * t);
  for (let b = 0; b < batch; b++) {
    for (let k = 0; k < t; k++) {
      const v = k < cLen ? c[b * cLen + k]! : z[b * zLen + k - cLen]!;
      if (v < 0 || v >= vocabSize) throw new Error(`Token ${v} at position ${k} is outside the vocabulary 0..${vocabSize - 1}.`);
      out[b * t + k] = v;
    }
  }
  return out;
}

/** Logit positions of the z-tokens in the transformer output: len(c)-1 … len(c)+len(z)-2. */
export function zLogitRange(cLen: number, zLen: number): { start: number; count: number } {
  return { start: cLen - 1, count: zLen };
}
