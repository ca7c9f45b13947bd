// taming's ResnetBlock (temb_channels = 0, dropout 0): keys norm1, conv1, norm2, conv2 and, when the
// channel count changes, nin_shortcut (a 1×1 conv).
import type { Scope, Tensor } from '../graph/graph';
import { silu } from './activations';
import { conv2d } from './conv';
import { groupNorm } from './norm';

/** x [N, Cin, H, W] -> shortcut(x) + conv2(silu(norm2(conv1(silu(norm1(x)))))) [N, Cout, H, W]. */
export function resnetBlock(s: Scope, x: Tensor, inChannels: number, outChannels: number): Tensor {
  let h = silu(groupNorm(s.child('norm1'), x, inChannels)); // [N, Cin, H, W]
  h = conv2d(s.child('conv1'), h, inChannels, outChannels, 3, { padding: 1 }); // [N, Cout, H, W]
  h = silu(groupNorm(s.child('norm2'), h, outChannels)); // [N, Cout, H, W]
  h = conv2d(s.child('conv2'), h, outChannels, outChannels, 3, { padding: 1 }); // [N, Cout, H, W]
  const skip = inChannels === outChannels ? x : conv2d(s.child('nin_shortcut'), x, inChannels, outChannels, 1); // [N, Cout, H, W]
  return skip.add(h); // [N, Cout, H, W]
}
