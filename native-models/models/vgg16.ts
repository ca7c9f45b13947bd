/**
 * torchvision's VGG16 `features` up to relu5_3 (the backbone of LPIPS, taming/modules/losses/lpips.py), as frozen graph constants.
 *
 * Layout of torchvision.models.vgg16().features (indices are the state_dict keys `features.N.weight/bias`):
 *   block 1: conv 0, relu 1, conv 2, relu 3                      -> relu1_2 (tap)
 *   block 2: maxpool 4, conv 5, relu 6, conv 7, relu 8           -> relu2_2
 *   block 3: maxpool 9, conv 10, 12, 14 (each followed by relu)  -> relu3_3
 *   block 4: maxpool 16, conv 17, 19, 21                         -> relu4_3
 *   block 5: maxpool 23, conv 24, 26, 28                         -> relu5_3  (maxpool 30 and `classifier.*` unused)
 * Convolutions are 3×3, stride 1, padding 1, with bias; max pools 2×2 stride 2 (floor mode).
 * Channel widths are read from the weights (64, 128, 256, 512, 512 in the ImageNet model), so narrow random-weight
 * test models use the same code.
 */
import { GraphError, type Graph, type Tensor } from '../graph/graph';
import type { NamedTensor } from './param-spec';

/** Conv layer indices of `features`, grouped by block (a 2×2 max pool precedes blocks 2..5). */
export const VGG16_BLOCKS: readonly (readonly number[])[] = [[0, 2], [5, 7], [10, 12, 14], [17, 19, 21], [24, 26, 28]];

/** Names of the five taps, in order. */
export const VGG16_TAPS = ['relu1_2', 'relu2_2', 'relu3_3', 'relu4_3', 'relu5_3'] as const;

/** Frozen VGG16 weights by torchvision key (`features.N.weight` [Cout, Cin, 3, 3], `features.N.bias` [Cout]). */
export type Vgg16Weights = ReadonlyMap<string, NamedTensor>;

/** The graph constants of one VGG16, created once per graph and shared by every pass through it. */
export interface Vgg16Constants {
  /** Per block, per conv: weight [Cout, Cin, 3, 3] and bias [Cout]. */
  readonly blocks: readonly (readonly { weight: Tensor; bias: Tensor }[])[];
  /** Output channels of the five taps. */
  readonly widths: readonly number[];
}

const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Checks the VGG16 weights (every `features.N` conv of the five blocks, 3×3 kernels, channel chain starting at 3
 * input channels) and returns the widths of the five taps. Throws an error naming the first problem.
 */
export function vgg16Widths(w: Vgg16Weights): number[] {
  const widths: number[] = [];
  let cin = 3;
  for (const block of VGG16_BLOCKS) {
    let cout = 0;
    for (const i of block) {
      const wk = `features.${i}.weight`;
      const bk = `features.${i}.bias`;
      const weight = w.get(wk);
      const bias = w.get(bk);
      if (!weight || !bias) {
        throw new Error(`VGG16 weights: "${!weight ? wk : bk}" is missing; expected torchvision's vgg16 state_dict (keys features.0.weight … features.28.bias).`);
      }
      cout = weight.shape[0] ?? 0;
      if (!sameShape(weight.shape, [cout, cin, 3, 3]) || cout < 1) {
        throw new Error(`VGG16 weights: "${wk}" has shape [${weight.shape.join(', ')}], expected [Cout, ${cin}, 3, 3].`);
      }
      if (!sameShape(bias.shape, [cout])) throw new Error(`VGG16 weights: "${bk}" has shape [${bias.shape.join(', ')}], expected [${cout}].`);
      cin = cout;
    }
    widths.push(cout);
  }
  return widths;
}

/** Bakes the weights into `g` as constants (not parameters: nothing trains them, no feeds needed). */
export function vgg16Constants(g: Graph, w: Vgg16Weights): Vgg16Constants {
  const widths = vgg16Widths(w);
  const blocks = VGG16_BLOCKS.map((block) => block.map((i) => {
    const weight = w.get(`features.${i}.weight`)!;
    const bias = w.get(`features.${i}.bias`)!;
    return { weight: g.constant(weight.data, weight.shape), bias: g.constant(bias.data, bias.shape) };
  }));
  return { blocks, widths };
}

/** 2×2 max pool, stride 2, floor mode (odd trailing rows/columns dropped, as torch's MaxPool2d(2, 2)). */
export function maxPool2(x: Tensor): Tensor {
  const [b, c, h, w] = x.shape as [number, number, number, number];
  const h2 = Math.floor(h / 2);
  const w2 = Math.floor(w / 2);
  if (h2 < 1 || w2 < 1) throw new GraphError(`VGG16: a ${h}×${w} feature map is too small to pool; use inputs of at least 16×16 pixels.`);
  const even = h % 2 || w % 2 ? x.slice([0, 0], [h2 * 2, w2 * 2], [2, 3]) : x; // [B, C, 2h2, 2w2]
  return even.reshape([b, c, h2, 2, w2, 2]).amax([3, 5]); // [B, C, h2, w2]
}

/** The five taps relu1_2 … relu5_3 of x [B, 3, H, W] (already normalised the way the weights expect). */
export function vgg16Features(x: Tensor, k: Vgg16Constants): Tensor[] {
  const taps: Tensor[] = [];
  let h = x; // [B, 3, H, W]
  k.blocks.forEach((block, bi) => {
    if (bi > 0) h = maxPool2(h); // [B, C, H/2^bi, W/2^bi]
    for (const conv of block) h = h.conv(conv.weight, conv.bias, { padding: 1 }).relu(); // [B, Cout, h, w]
    taps.push(h);
  });
  return taps;
}
