/**
 * A perceptual term that needs no downloaded weights: distances between the activations of a fixed, seeded,
 * randomly initialised convolutional network, LPIPS-style (each layer's features unit-normalised over channels,
 * squared difference, spatial mean, summed over layers). Random conv features respond to local structure (edges,
 * texture frequency, contrast) rather than to per-pixel values, so the term pushes a decoder toward sharp,
 * correctly textured output where L1 alone settles for the blurred mean. LPIPS itself (models/lpips.ts) needs
 * VGG16 + linear-head weights that cannot be had offline; this term is what the starter recipes use instead.
 *
 * The network is regenerated from `seed`, so nothing has to ship: conv3×3 layers with He-normal weights, zero bias,
 * LeakyReLU(0.2), strides from `layers` (default 3→32 s1, 32→64 s2, 64→96 s2, 96→128 s2).
 */
import type { Tensor } from '../graph/graph';
import { TrainRng } from './rng';

export interface RandomFeatureLayer {
  channels: number;
  stride: number;
}

export const DEFAULT_RANDOM_FEATURE_LAYERS: readonly RandomFeatureLayer[] = [
  { channels: 32, stride: 1 }, { channels: 64, stride: 2 }, { channels: 96, stride: 2 }, { channels: 128, stride: 2 },
];

/** He-normal conv weights [cout, cin, 3, 3] from the trainer's seeded RNG. */
function heWeights(rng: TrainRng, cout: number, cin: number): Float32Array {
  const w = new Float32Array(cout * cin * 9);
  const std = Math.sqrt(2 / (cin * 9));
  for (let i = 0; i < w.length; i++) w[i] = rng.nextNormal() * std;
  return w;
}

/**
 * `(x, xrec) → [B]` for the VQGAN trainer's `perceptual` hook; x and xrec are [B, C, S, S] in [−1, 1].
 * The weights are graph constants (not parameters), so nothing of the term is trained or checkpointed.
 */
export function randomFeaturesPerceptual(seed: number, layers: readonly RandomFeatureLayer[] = DEFAULT_RANDOM_FEATURE_LAYERS): (x: Tensor, xrec: Tensor) => Tensor {
  return (x, xrec) => {
    const g = x.graph;
    const [b, c] = x.shape;
    const rng = new TrainRng(seed);
    let cin = c!;
    let fx = x; // [B, cin, h, w]
    let fy = xrec; // [B, cin, h, w]
    let total: Tensor | null = null;
    for (const l of layers) {
      const w = g.constant(heWeights(rng, l.channels, cin), [l.channels, cin, 3, 3]);
      fx = fx.conv(w, null, { stride: l.stride, padding: 1 }).leakyRelu(0.2); // [B, cout, h', w']
      fy = fy.conv(w, null, { stride: l.stride, padding: 1 }).leakyRelu(0.2); // [B, cout, h', w']
      const nx = fx.div(fx.pow(2).sum(1, true).add(1e-10).sqrt()); // [B, cout, h', w'] unit length over channels
      const ny = fy.div(fy.pow(2).sum(1, true).add(1e-10).sqrt());
      const d = nx.sub(ny).pow(2).sum(1).mean([1, 2]); // [B]
      total = total ? total.add(d) : d;
      cin = l.channels;
    }
    if (!total) throw new Error('randomFeaturesPerceptual: needs at least one layer.');
    return total.reshape([b!]); // [B]
  };
}
