/**
 * NLayerDiscriminator (PatchGAN, taming.md §1.5): configuration and parameter list (keys under
 * `loss.discriminator.` in a stand-alone VQGAN checkpoint).
 *
 * Layer indices in `main`: conv 0, LeakyReLU 1; for n = 1..n_layers-1: conv 3n-1, norm 3n, LeakyReLU 3n+1;
 * then conv 3L-1 (stride 1), norm 3L, LeakyReLU, and the 1-channel conv 3L+2. Convs before a BatchNorm have no bias;
 * with ActNorm they do (taming's `use_bias = norm_layer != BatchNorm2d`).
 */
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
