import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { grad } from '../../../native-models/graph/autodiff';
import { Graph, type Tensor } from '../../../native-models/graph/graph';
import { discriminatorForward, discriminatorParameters, type DiscriminatorConfig } from '../../../native-models/models/discriminator';
import { checkWeights } from '../../../native-models/models/param-spec';
import { gumbelTrainingForward, vqganTrainingForward } from '../../../native-models/models/vqgan';
import { checkpointWeights } from '../../../native-models/models/weights';
import { compile } from '../../../native-models/runtime/program';
import { releaseSessions } from '../../../native-models/runtime/session';
import { FIXTURES, f32, maxAbsDiff, npy, parity, vqConfig } from './parity-fixtures';

afterAll(async () => { await releaseSessions(); });

const relErr = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let scale = 0;
  for (let k = 0; k < b.length; k++) scale = Math.max(scale, Math.abs(b[k]!));
  return maxAbsDiff(a, b) / Math.max(scale, 1e-12);
};

describe('training forwards against PyTorch autograd', () => {
  it('VQGAN (VQ2): reconstruction, legacy and fixed β losses, gradients of |x − x̂| + q_loss', async () => {
    const cfg = vqConfig(parity.models['net2net-seg'].first_stage.config, 'vq2');
    const weights = await checkpointWeights(join(FIXTURES, 'net2net-seg.ckpt'), 'first_stage_model.');
    const x = npy('net2net-seg.image.npy');
    const g = new Graph();
    const input = g.input('x', 'float32', x.shape); // [B, 3, H, W]
    const legacy = vqganTrainingForward(g.scope(), input, cfg, { legacy: true });
    const fixed = vqganTrainingForward(g.scope(), input, cfg, { legacy: false });
    const rec = input.sub(legacy.xrec).abs().mean(); // []
    const loss = rec.add(legacy.qLoss); // []
    const names = ['decoder.conv_out.weight', 'encoder.conv_in.weight', 'quantize.embedding.weight'];
    const grads = grad(loss, names.map((n) => g.get(n) as Tensor));
    const outputs: Record<string, Tensor> = { xrec: legacy.xrec, q_legacy: legacy.qLoss, q_fixed: fixed.qLoss, rec, loss };
    names.forEach((n, k) => { outputs[`grad.${n}`] = grads[k]!; });
    // the codebook only learns from the quantizer loss: legacy puts β on it, fixed puts 1 (forward values are equal)
    outputs['grad.fixed.codebook'] = grad(rec.add(fixed.qLoss), [g.get('quantize.embedding.weight') as Tensor])[0]!;
    const program = await compile(g, outputs);
    const feeds: Record<string, Float32Array> = { x: f32(x) };
    for (const io of program.inputs) if (io.name !== 'x') feeds[io.name] = weights.get(io.name)!.data;
    const out = await program.run(feeds);
    expect(maxAbsDiff(out.xrec!.data as Float32Array, npy('net2net-seg.z-decoded.npy').data)).toBeLessThanOrEqual(1e-4);
    const scalars = npy('net2net-seg.train-scalars.npy').data; // q_legacy, q_fixed, rec, loss
    const got = ['q_legacy', 'q_fixed', 'rec', 'loss'].map((k) => (out[k]!.data as Float32Array)[0]!);
    expect(relErr(got, scalars)).toBeLessThanOrEqual(1e-5);
    const refGrads = ['grad-decoder.conv_out.weight', 'grad-encoder.conv_in.weight', 'grad-quantize.embedding.weight'];
    names.forEach((n, k) => {
      expect(relErr(out[`grad.${n}`]!.data as Float32Array, npy(`net2net-seg.${refGrads[k]}.npy`).data)).toBeLessThanOrEqual(1e-4);
    });
    const legacyBook = npy('net2net-seg.grad-quantize.embedding.weight.npy').data;
    expect(relErr(out['grad.fixed.codebook']!.data as Float32Array, legacyBook.map((v) => v / 0.25))).toBeLessThanOrEqual(1e-4);
  });

  it('NLayerDiscriminator (BatchNorm): batch-statistics and running-statistics logits ≤ 1e-4', async () => {
    const d = parity.models['gumbel-f8'].discriminator;
    const cfg: DiscriminatorConfig = { inChannels: d.in_channels, ndf: d.ndf, nLayers: d.n_layers, norm: 'batchnorm' };
    const weights = await checkpointWeights(join(FIXTURES, 'gumbel-f8.ckpt'), 'loss.discriminator.');
    checkWeights(discriminatorParameters(cfg), weights, 'discriminator');
    const x = npy('gumbel-f8.input.npy');
    for (const [training, ref] of [[true, 'gumbel-f8.disc-train.npy'], [false, 'gumbel-f8.disc-eval.npy']] as const) {
      const g = new Graph();
      const input = g.input('x', 'float32', x.shape);
      const { logits } = discriminatorForward(g.scope(), input, cfg, { training });
      const weightsRecord: Record<string, Float32Array> = {};
      for (const p of g.params) weightsRecord[p.name] = weights.get(p.name)!.data;
      const program = await compile(g, { logits }, { weights: weightsRecord });
      const out = await program.run({ x: f32(x) });
      const r = npy(ref);
      expect(out.logits!.dims).toEqual(r.shape);
      expect(maxAbsDiff(out.logits!.data as Float32Array, r.data)).toBeLessThanOrEqual(1e-4);
    }
  });

  it('GumbelVQ: straight-through hard one-hot with given noise, KL term and gradients', async () => {
    const cfg = vqConfig(parity.models['gumbel-f8'].config, 'gumbel');
    const weights = await checkpointWeights(join(FIXTURES, 'gumbel-f8.ckpt'));
    const x = npy('gumbel-f8.input.npy');
    const noise = npy('gumbel-f8.train-noise.npy');
    const g = new Graph();
    const input = g.input('x', 'float32', x.shape); // [B, 3, H, W]
    const gumbel = g.input('noise', 'float32', noise.shape); // [B, K, h, w]
    const r = gumbelTrainingForward(g.scope(), input, gumbel, cfg, { temperature: 0.9, klWeight: 5e-4 });
    const loss = input.sub(r.xrec).abs().mean().add(r.qLoss); // []
    const [gIn, gProj] = grad(loss, [g.get('encoder.conv_in.weight') as Tensor, g.get('quantize.proj.weight') as Tensor]);
    const program = await compile(g, { xrec: r.xrec, kl: r.qLoss, loss, gIn: gIn!, gProj: gProj! });
    const feeds: Record<string, Float32Array> = { x: f32(x), noise: f32(noise) };
    for (const io of program.inputs) if (!(io.name in feeds)) feeds[io.name] = weights.get(io.name)!.data;
    const out = await program.run(feeds);
    expect(maxAbsDiff(out.xrec!.data as Float32Array, npy('gumbel-f8.train-xrec.npy').data)).toBeLessThanOrEqual(1e-4);
    const scalars = npy('gumbel-f8.train-scalars.npy').data; // kl, loss
    expect(relErr([(out.kl!.data as Float32Array)[0]!, (out.loss!.data as Float32Array)[0]!], scalars)).toBeLessThanOrEqual(1e-5);
    expect(relErr(out.gIn!.data as Float32Array, npy('gumbel-f8.grad-encoder.conv_in.weight.npy').data)).toBeLessThanOrEqual(1e-4);
    expect(relErr(out.gProj!.data as Float32Array, npy('gumbel-f8.grad-quantize.proj.weight.npy').data)).toBeLessThanOrEqual(1e-4);
  });

  it('NLayerDiscriminator with ActNorm (use_actnorm=True): logits ≤ 1e-4', async () => {
    const cfg: DiscriminatorConfig = { inChannels: 3, ndf: 8, nLayers: 2, norm: 'actnorm' };
    const weights = await checkpointWeights(join(FIXTURES, 'disc-actnorm.ckpt'));
    checkWeights(discriminatorParameters(cfg), weights, 'discriminator');
    const x = npy('disc-actnorm.input.npy');
    const g = new Graph();
    const { logits } = discriminatorForward(g.scope(), g.input('x', 'float32', x.shape), cfg, { training: true });
    const baked: Record<string, Float32Array> = {};
    for (const p of g.params) baked[p.name] = weights.get(p.name)!.data;
    const out = await (await compile(g, { logits }, { weights: baked })).run({ x: f32(x) });
    expect(maxAbsDiff(out.logits!.data as Float32Array, npy('disc-actnorm.logits.npy').data)).toBeLessThanOrEqual(1e-4);
  });
});
