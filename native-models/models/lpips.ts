/**
 * LPIPS (Zhang et al. 2018) as taming's perceptual loss uses it (`taming/modules/losses/lpips.py`),
 * built from the engine's ops so it is differentiable with respect to both images; its weights are frozen graph
 * constants.
 *
 *   x' = (x − shift) / scale          shift [−.030, −.088, −.188], scale [.458, .448, .450]; x in [−1, 1]
 *   f_k = VGG16 taps relu1_2, relu2_2, relu3_3, relu4_3, relu5_3 of x' (and of y')
 *   n_k = f_k / (‖f_k‖₂ over channels + 1e-10)
 *   d   = Σ_k mean_{h,w}( lin_k · (n_k(x) − n_k(y))² )      lin_k: 1×1 conv C_k → 1, no bias (`lin{k}.model.1.weight`)
 * Dropout in front of lin_k is the identity (evaluation). Output: one value per image, [B].
 *
 * One deviation, for the gradient only: the channel norm is sqrt(max(Σ f², 1e-30)) instead of sqrt(Σ f²). At a
 * position whose channel vector is all zero (common after a ReLU) the plain form's backward is ∞·0 = NaN, which
 * PyTorch's ReLU backward happens to mask; the clamp gives the same zero gradient without the NaN. Values differ
 * only where the norm is below 1e-15, where the eps of 1e-10 dominates anyway.
 */
import type { Graph, Tensor } from '../graph/graph';
import type { NamedTensor } from './param-spec';
import { vgg16Constants, vgg16Features, vgg16Widths, type Vgg16Constants, type Vgg16Weights } from './vgg16';

export const LPIPS_SHIFT = [-0.03, -0.088, -0.188] as const;
export const LPIPS_SCALE = [0.458, 0.448, 0.45] as const;
export const LPIPS_EPS = 1e-10;

/** The frozen weights: torchvision VGG16 `features.*` and LPIPS's `lin{0..4}.model.1.weight` [1, C_k, 1, 1]. */
export interface LpipsWeights {
  readonly vgg: Vgg16Weights;
  readonly lin: ReadonlyMap<string, NamedTensor>;
}

export const linKey = (k: number): string => `lin${k}.model.1.weight`;

/** Checks both weight sets against each other; returns the five tap widths. */
export function lpipsWidths(w: LpipsWeights): number[] {
  const widths = vgg16Widths(w.vgg);
  widths.forEach((c, k) => {
    const t = w.lin.get(linKey(k));
    if (!t) throw new Error(`LPIPS weights: "${linKey(k)}" is missing; expected LPIPS's vgg.pth (keys lin0.model.1.weight … lin4.model.1.weight).`);
    if (t.shape.length !== 4 || t.shape[0] !== 1 || t.shape[1] !== c || t.shape[2] !== 1 || t.shape[3] !== 1) {
      throw new Error(`LPIPS weights: "${linKey(k)}" has shape [${t.shape.join(', ')}] but the VGG16 tap ${k} has ${c} channels; expected [1, ${c}, 1, 1] (are the two files from different models?).`);
    }
  });
  return widths;
}

export interface LpipsConstants {
  readonly vgg: Vgg16Constants;
  /** Per tap: [C_k, 1] (the 1×1 conv as a matrix). */
  readonly lin: readonly Tensor[];
  /** [1, 3, 1, 1] */
  readonly shift: Tensor;
  readonly scale: Tensor;
}

export function lpipsConstants(g: Graph, w: LpipsWeights): LpipsConstants {
  const widths = lpipsWidths(w);
  return {
    vgg: vgg16Constants(g, w.vgg),
    lin: widths.map((c, k) => g.constant(w.lin.get(linKey(k))!.data, [c, 1])),
    shift: g.constant(Float32Array.from(LPIPS_SHIFT), [1, 3, 1, 1]),
    scale: g.constant(Float32Array.from(LPIPS_SCALE), [1, 3, 1, 1]),
  };
}

/** Unit length over channels: f / (‖f‖ + eps), f [B, C, h, w]. */
export function normalizeChannels(f: Tensor): Tensor {
  const norm = f.mul(f).sum([1], true).maximum(1e-30).sqrt(); // [B, 1, h, w]
  return f.div(norm.add(LPIPS_EPS)); // [B, C, h, w]
}

/** LPIPS distance per image between x and y [B, 3, H, W] in [-1, 1] → [B]. */
export function lpipsDistance(x: Tensor, y: Tensor, k: LpipsConstants): Tensor {
  if (x.shape.length !== 4 || x.shape[1] !== 3 || x.shape.some((d, i) => d !== y.shape[i])) {
    throw new Error(`LPIPS: needs two [B, 3, H, W] images of one shape, got [${x.shape.join(', ')}] and [${y.shape.join(', ')}].`);
  }
  const fx = vgg16Features(x.sub(k.shift).div(k.scale), k.vgg);
  const fy = vgg16Features(y.sub(k.shift).div(k.scale), k.vgg);
  let total: Tensor | null = null;
  for (let i = 0; i < fx.length; i++) {
    const d = normalizeChannels(fx[i]!).sub(normalizeChannels(fy[i]!)); // [B, C, h, w]
    // mean_{h,w}(Σ_c w_c d_c²) = Σ_c w_c mean_{h,w}(d_c²): average first, then the 1×1 conv as a matmul.
    const term = d.mul(d).mean([2, 3]).matmul(k.lin[i]!).squeeze(1); // [B]
    total = total ? total.add(term) : term;
  }
  return total!; // [B]
}

/**
 * A perceptual term for `buildVqganGeneratorStep`'s `perceptual` option: LPIPS(x, x̂) per image. The constants are
 * created once per graph (both passes share them).
 */
export function lpipsTerm(w: LpipsWeights): (x: Tensor, y: Tensor) => Tensor {
  lpipsWidths(w); // fail early, before any graph is built
  const perGraph = new WeakMap<Graph, LpipsConstants>();
  return (x, y) => {
    let k = perGraph.get(x.graph);
    if (!k) {
      k = lpipsConstants(x.graph, w);
      perGraph.set(x.graph, k);
    }
    return lpipsDistance(x, y, k);
  };
}
