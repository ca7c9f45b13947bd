/**
 * The layers the taming models are made of, as the models call them: each takes the scope of its module (e.g.
 * `encoder.down.0.block.1.norm1`) and reads the input's channel count from its shape. They delegate to the engine's
 * composites in nn/, so the graph's parameter names are the state_dict keys and parameters are shared when a module
 * is applied twice in one graph (nn/state.ts `param`).
 */
import type { Scope, Tensor } from '../graph/graph';
import { gelu as nnGelu, silu } from '../nn/activations';
import { conv2d as nnConv2d } from '../nn/conv';
import { linear as nnLinear } from '../nn/linear';
import { groupNorm as nnGroupNorm, layerNorm as nnLayerNorm } from '../nn/norm';
import { upsampleNearest2x as nnUpsample } from '../nn/resample';
import { param as nnParam } from '../nn/state';

/** The parameter `name` of module scope `s`, declared on first use and shared afterwards. */
export function param(s: Scope, name: string, shape: readonly number[]): Tensor {
  return nnParam(s, name, shape);
}

/** nn.Conv2d: x [B, Cin, H, W] → [B, Cout, H', W']. `padding` in ONNX order [top, left, bottom, right] or one number. */
export function conv2d(s: Scope, x: Tensor, cout: number, k: number, o: { stride?: number; padding?: number | readonly [number, number, number, number]; bias?: boolean } = {}): Tensor {
  return nnConv2d(s, x, x.shape[1]!, cout, k, o); // [B, Cout, H', W']
}

/** nn.Linear: x [..., Din] → [..., Dout] = x Wᵀ + b. */
export function linear(s: Scope, x: Tensor, dout: number, bias = true): Tensor {
  return nnLinear(s, x, x.shape[x.rank - 1]!, dout, { bias }); // [..., Dout]
}

/** taming's Normalize: nn.GroupNorm(32, C, eps=1e-6, affine) on x [B, C, H, W]. */
export function groupNorm(s: Scope, x: Tensor, groups = 32, eps = 1e-6): Tensor {
  const c = x.shape[1]!;
  if (c % groups !== 0) throw new Error(`GroupNorm at ${s.prefix}: ${c} channels are not divisible into ${groups} groups.`);
  return nnGroupNorm(s, x, c, { groups, eps }); // [B, C, H, W]
}

/** nn.LayerNorm(d, eps=1e-5) over the last axis. */
export function layerNorm(s: Scope, x: Tensor, eps = 1e-5): Tensor {
  return nnLayerNorm(s, x, x.shape[x.rank - 1]!, eps); // [..., D]
}

/** x·sigmoid(x) (taming's `nonlinearity`). */
export function swish(x: Tensor): Tensor {
  return silu(x);
}

/** Exact GELU, 0.5·x·(1 + erf(x/√2)) (torch nn.GELU default). */
export function gelu(x: Tensor): Tensor {
  return nnGelu(x);
}

/** Nearest ×2 upsample (F.interpolate scale 2, mode nearest): [B, C, H, W] → [B, C, 2H, 2W]. */
export function upsampleNearest2x(x: Tensor): Tensor {
  return nnUpsample(x);
}
