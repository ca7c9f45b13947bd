/**
 * NLayerDiscriminator (PatchGAN, taming/modules/discriminator/model.py): configuration and parameter list (keys under
 * `loss.discriminator.` in a stand-alone VQGAN checkpoint).
 *
 * Layer indices in `main`: conv 0, LeakyReLU 1; for n = 1..n_layers-1: conv 3n-1, norm 3n, LeakyReLU 3n+1;
 * then conv 3L-1 (stride 1), norm 3L, LeakyReLU, and the 1-channel conv 3L+2. Convs before a BatchNorm have no bias;
 * with ActNorm they do (taming's `use_bias = norm_layer != BatchNorm2d`).
 */
import type { Scope, Tensor } from '../graph/graph';
import { conv2d } from '../nn/conv';
import { param } from '../nn/state';
import { conv, type ParamSpec } from './param-spec';

export interface DiscriminatorConfig {
  inChannels: number;
  ndf: number;
  nLayers: number;
  norm: 'batchnorm' | 'actnorm';
}

export interface DiscLayer {
  /** index in `main` of the conv */
  conv: number;
  cin: number;
  cout: number;
  stride: number;
  bias: boolean;
  /** index in `main` of the norm after it, or null (first and last conv) */
  norm: number | null;
  leaky: boolean;
}

export function discriminatorLayers(c: DiscriminatorConfig): DiscLayer[] {
  if (!Number.isInteger(c.nLayers) || c.nLayers < 1) throw new Error(`Invalid discriminator: n_layers=${c.nLayers}.`);
  const useBias = c.norm === 'actnorm';
  const layers: DiscLayer[] = [{ conv: 0, cin: c.inChannels, cout: c.ndf, stride: 2, bias: true, norm: null, leaky: true }];
  let mult = 1;
  for (let n = 1; n < c.nLayers; n++) {
    const prev = mult;
    mult = Math.min(2 ** n, 8);
    layers.push({ conv: 3 * n - 1, cin: c.ndf * prev, cout: c.ndf * mult, stride: 2, bias: useBias, norm: 3 * n, leaky: true });
  }
  const prev = mult;
  mult = Math.min(2 ** c.nLayers, 8);
  const L = c.nLayers;
  layers.push({ conv: 3 * L - 1, cin: c.ndf * prev, cout: c.ndf * mult, stride: 1, bias: useBias, norm: 3 * L, leaky: true });
  layers.push({ conv: 3 * L + 2, cin: c.ndf * mult, cout: 1, stride: 1, bias: true, norm: null, leaky: false });
  return layers;
}

export function discriminatorParameters(c: DiscriminatorConfig): ParamSpec[] {
  const out: ParamSpec[] = [];
  for (const l of discriminatorLayers(c)) {
    out.push(...conv(`main.${l.conv}`, l.cout, l.cin, 4, l.bias));
    if (l.norm === null) continue;
    const n = `main.${l.norm}`;
    if (c.norm === 'batchnorm') {
      out.push({ name: `${n}.weight`, shape: [l.cout] }, { name: `${n}.bias`, shape: [l.cout] },
        { name: `${n}.running_mean`, shape: [l.cout], buffer: true }, { name: `${n}.running_var`, shape: [l.cout], buffer: true },
        { name: `${n}.num_batches_tracked`, shape: [], buffer: true, dtype: 'int64' });
    } else {
      out.push({ name: `${n}.loc`, shape: [1, l.cout, 1, 1] }, { name: `${n}.scale`, shape: [1, l.cout, 1, 1] },
        { name: `${n}.initialized`, shape: [], buffer: true, dtype: 'uint8' });
    }
  }
  return out;
}

/**
 * PatchGAN forward: x [B, in, H, W] → logits [B, 1, H', W'] (30×30 for 256² with 3 layers).
 * BatchNorm: `training` normalizes with the batch statistics (biased variance, eps 1e-5), as in taming's training
 * step; otherwise with running_mean/running_var. The running-statistics update (momentum 0.1, unbiased variance) is
 * the trainer's job: `batchStats` returns each BatchNorm's batch mean and biased variance for it.
 * ActNorm: scale · (x + loc) (its data-dependent initialisation on the first batch is done by the trainer).
 */
export function discriminatorForward(s: Scope, x: Tensor, c: DiscriminatorConfig, o: { training: boolean }): { logits: Tensor; batchStats: { name: string; mean: Tensor; variance: Tensor }[] } {
  if (x.shape[1] !== c.inChannels) throw new Error(`Discriminator takes ${c.inChannels} channels, got [${x.shape.join(', ')}].`);
  const batchStats: { name: string; mean: Tensor; variance: Tensor }[] = [];
  let h = x;
  for (const l of discriminatorLayers(c)) {
    h = conv2d(s.child('main').child(l.conv), h, h.shape[1]!, l.cout, 4, { stride: l.stride, padding: 1, bias: l.bias }); // [B, cout, h', w']
    if (l.norm !== null) {
      const n = s.child('main').child(l.norm);
      const shape = [1, l.cout, 1, 1];
      if (c.norm === 'actnorm') {
        h = h.add(param(n, 'loc', shape)).mul(param(n, 'scale', shape)); // [B, C, h, w]
      } else {
        let mean: Tensor;
        let variance: Tensor;
        if (o.training) {
          mean = h.mean([0, 2, 3], true); // [1, C, 1, 1]
          variance = h.sub(mean).pow(2).mean([0, 2, 3], true); // [1, C, 1, 1] biased
          batchStats.push({ name: n.prefix, mean: mean.reshape([l.cout]), variance: variance.reshape([l.cout]) });
        } else {
          mean = param(n, 'running_mean', [l.cout]).reshape(shape); // [1, C, 1, 1]
          variance = param(n, 'running_var', [l.cout]).reshape(shape); // [1, C, 1, 1]
        }
        h = h.sub(mean).div(variance.add(1e-5).sqrt()) // [B, C, h, w]
          .mul(param(n, 'weight', [l.cout]).reshape(shape)).add(param(n, 'bias', [l.cout]).reshape(shape));
      }
    }
    if (l.leaky) h = h.leakyRelu(0.2); // [B, C, h, w]
  }
  return { logits: h, batchStats };
}
