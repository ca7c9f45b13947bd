// Resampling without parameters: nearest-neighbour ×2 upsampling (taming's Upsample before its conv)
// and 2×2 average pooling (taming's Downsample with_conv=False).
import type { Tensor } from '../graph/graph';

/**
 * F.interpolate(x, scale_factor=2, mode='nearest') as Reshape + Expand + Reshape, so it needs no
 * gradient rule of its own (the Expand's gradient sums each 2×2 block back).
 */
export function upsampleNearest2x(x: Tensor): Tensor {
  const [n, c, h, w] = x.shape as [number, number, number, number]; // [N, C, H, W]
  return x
    .reshape([n, c, h, 1, w, 1]) // [N, C, H, 1, W, 1]
    .expand([n, c, h, 2, w, 2]) // [N, C, H, 2, W, 2]
    .reshape([n, c, 2 * h, 2 * w]); // [N, C, 2H, 2W]
}

/** avg_pool2d(x, kernel_size=2, stride=2): [N, C, H, W] -> [N, C, H/2, W/2]. */
export function avgPool2x(x: Tensor): Tensor {
  return x.avgPool(2, { stride: 2 }); // [N, C, H/2, W/2]
}
