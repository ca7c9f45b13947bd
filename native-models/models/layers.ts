/**
 * The layers the taming models are made of, as functions of graph primitives reading taming-named parameters from
 * a Scope. Each takes the scope of its module (e.g. `encoder.down.0.block.1.norm1`) and declares that module's
 * parameters, so the graph's parameter names are the state_dict keys.
 */
import type { Scope, Tensor } from '../graph/graph';

/**
 * The parameter `name` of module scope `s`, declared on first use and shared afterwards (a model applied twice in
 * one graph, e.g. on real and fake images, or the codebook read by quantizer and lookup, uses one weight).
 */
export function param(s: Scope, name: string, shape: readonly number[]): Tensor {
  const existing = s.graph.get(s.path(name));
  if (!existing) return s.param(name, shape);
  if (existing.kind !== 'param' || existing.shape.length !== shape.length || existing.shape.some((d, k) => d !== shape[k])) {
    throw new Error(`Parameter ${s.path(name)} is used as [${existing.shape.join(', ')}] and as [${shape.join(', ')}].`);
  }
  return existing;
}

/** nn.Conv2d: x [B, Cin, H, W] → [B, Cout, H', W']. `padding` in ONNX order [top, left, bottom, right] or one number. */
export function conv2d(s: Scope, x: Tensor, cout: number, k: number, o: { stride?: number; padding?: number | readonly [number, number, number, number]; bias?: boolean } = {}): Tensor {
  const cin = x.shape[1]!;
  const w = param(s, 'weight', [cout, cin, k, k]); // [Cout, Cin, k, k]
  const b = o.bias === false ? null : param(s, 'bias', [cout]); // [Cout]
  return x.conv(w, b, { stride: o.stride ?? 1, padding: o.padding ?? 0 }); // [B, Cout, H', W']
}

/** nn.Linear: x [..., Din] → [..., Dout] = x Wᵀ + b. */
export function linear(s: Scope, x: Tensor, dout: number, bias = true): Tensor {
  const din = x.shape[x.rank - 1]!;
  const w = param(s, 'weight', [dout, din]); // [Dout, Din]
  const y = x.matmul(w.transpose([1, 0])); // [..., Dout]
  return bias ? y.add(param(s, 'bias', [dout])) : y;
}

/** nn.GroupNorm(groups, C, eps, affine): x [B, C, H, W]. */
export function groupNorm(s: Scope, x: Tensor, groups = 32, eps = 1e-6): Tensor {
  const [b, c, h, w] = x.shape as [number, number, number, number];
  if (c % groups !== 0) throw new Error(`GroupNorm at ${s.prefix}: ${c} channels are not divisible into ${groups} groups.`);
  const xg = x.reshape([b, groups, (c / groups) * h * w]); // [B, G, C/G·H·W]
  const mean = xg.mean(2, true); // [B, G, 1]
  const xc = xg.sub(mean); // [B, G, C/G·H·W]
  const variance = xc.mul(xc).mean(2, true); // [B, G, 1] biased, as torch
  const xn = xc.div(variance.add(eps).sqrt()).reshape([b, c, h, w]); // [B, C, H, W]
  const gamma = param(s, 'weight', [c]).reshape([c, 1, 1]); // [C, 1, 1]
  const beta = param(s, 'bias', [c]).reshape([c, 1, 1]); // [C, 1, 1]
  return xn.mul(gamma).add(beta); // [B, C, H, W]
}

/** nn.LayerNorm(d, eps=1e-5) over the last axis. */
export function layerNorm(s: Scope, x: Tensor, eps = 1e-5): Tensor {
  const d = x.shape[x.rank - 1]!;
  const mean = x.mean(-1, true); // [..., 1]
  const xc = x.sub(mean); // [..., D]
  const variance = xc.mul(xc).mean(-1, true); // [..., 1]
  const xn = xc.div(variance.add(eps).sqrt()); // [..., D]
  return xn.mul(param(s, 'weight', [d])).add(param(s, 'bias', [d])); // [..., D]
}

/** x·sigmoid(x) (taming's `nonlinearity`). */
export function swish(x: Tensor): Tensor {
  return x.mul(x.sigmoid());
}

/** Exact GELU, 0.5·x·(1 + erf(x/√2)) (torch nn.GELU default). */
export function gelu(x: Tensor): Tensor {
  return x.mul(x.mul(Math.SQRT1_2).erf().add(1)).mul(0.5);
}

/** Nearest ×2 upsample (F.interpolate scale 2, mode nearest): [B, C, H, W] → [B, C, 2H, 2W]. */
export function upsampleNearest2x(x: Tensor): Tensor {
  const [b, c, h, w] = x.shape as [number, number, number, number];
  return x.reshape([b, c, h, 1, w, 1]) // [B, C, H, 1, W, 1]
    .expand([b, c, h, 2, w, 2]) // [B, C, H, 2, W, 2]
    .reshape([b, c, 2 * h, 2 * w]); // [B, C, 2H, 2W]
}
