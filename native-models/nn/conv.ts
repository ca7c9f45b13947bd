// 2-D convolution (PyTorch nn.Conv2d; keys `weight` [out, in/groups, kh, kw] and `bias` [out]).
import type { ConvOptions, Scope, Tensor } from '../graph/graph';
import { param } from './state';

export interface Conv2dOptions {
  /** default 1 */
  stride?: number;
  /** one number (all sides), [ph, pw], or ONNX order [top, left, bottom, right]; default 0 */
  padding?: ConvOptions['padding'];
  dilation?: number;
  groups?: number;
  /** default true */
  bias?: boolean;
}

/**
 * Conv2d on x [N, C, H, W]. Asymmetric padding is one Conv attribute, e.g. taming's Downsample
 * (`F.pad(x, (0, 1, 0, 1))` then a stride-2 3×3 conv) is `{ stride: 2, padding: [0, 0, 1, 1] }`.
 */
export function conv2d(s: Scope, x: Tensor, inChannels: number, outChannels: number, kernel: number, o: Conv2dOptions = {}): Tensor {
  const groups = o.groups ?? 1;
  const w = param(s, 'weight', [outChannels, inChannels / groups, kernel, kernel], x.dtype); // [M, C/g, k, k]
  const b = (o.bias ?? true) ? param(s, 'bias', [outChannels], x.dtype) : null; // [M]
  return x.conv(w, b, { stride: o.stride ?? 1, padding: o.padding ?? 0, dilation: o.dilation ?? 1, groups }); // [N, M, H', W']
}
