import { beforeAll, describe, expect, it } from 'vitest';
import { grad } from '../../../native-models/graph/autodiff';
import { Graph, type Tensor } from '../../../native-models/graph/graph';
import { discriminatorForward, discriminatorParameters, type DiscriminatorConfig } from '../../../native-models/models/discriminator';
import { vqganParameters, type VqganConfig } from '../../../native-models/models/vqgan';
import { compile, type Program } from '../../../native-models/runtime/program';
import { TrainRng } from '../../../native-models/training/rng';
import { buildVqganDiscriminatorStep, buildVqganGeneratorStep, discFactorAt } from '../../../native-models/training/vqgan-loss';

const cfg: VqganConfig = {
  ch: 32, chMult: [1, 2], numResBlocks: 1, attnResolutions: [], resolution: 16, zChannels: 8, inChannels: 3,
  outCh: 3, embedDim: 8, nEmbed: 16, resampWithConv: true, quantizer: 'vq2',
};
const disc: DiscriminatorConfig = { inChannels: 3, ndf: 8, nLayers: 2, norm: 'batchnorm' };
const B = 2, S = 16;

const w: Record<string, Float32Array> = {};
let x: Float32Array;
beforeAll(() => {
  const rng = new TrainRng(7);
  for (const p of [...vqganParameters(cfg), ...discriminatorParameters(disc).map((q) => ({ ...q, name: `loss.discriminator.${q.name}` }))]) {
    if (p.buffer) continue;
    const n = p.shape.reduce((a, b) => a * b, 1);
    const one = /(norm\d?|norm_out|main\.\d+)\.weight$/.test(p.name) && p.shape.length === 1;
    w[p.name] = Float32Array.from({ length: n }, () => (one ? 1 : /\.bias$/.test(p.name) ? 0 : rng.nextNormal() * 0.15));
  }
  x = Float32Array.from({ length: B * 3 * S * S }, () => rng.nextFloat() * 2 - 1);
});

function feedsFor(p: Program, extra: Record<string, Float32Array>): Record<string, Float32Array> {
  const f: Record<string, Float32Array> = {};
  for (const io of p.inputs) f[io.name] = extra[io.name] ?? w[io.name]!;
  return f;
}
const scalar = (v: number) => new Float32Array([v]);
const num = (r: Record<string, { data: ArrayLike<number | bigint> }>, k: string) => Number(r[k]!.data[0]);

describe('VQGAN generator step', () => {
  it('composes nll + λ·disc_factor·g + codebook·q with λ from the last layer’s gradient norms', async () => {
    const st = buildVqganGeneratorStep(cfg, disc, B, S, { discWeight: 0.8 });
    expect(st.aeParams.some((p) => p.name.startsWith('loss.'))).toBe(false);
    expect(st.discParams.every((p) => p.name.startsWith('loss.discriminator.'))).toBe(true);
    const prog = await compile(st.graph, { loss: st.loss, nll: st.nll, q: st.qLoss, g: st.gLoss!, lambda: st.lambda!, xrec: st.xrec }, { intraOpThreads: 1 });
    const on = await prog.run(feedsFor(prog, { x, disc_factor: scalar(1) }));
    const off = await prog.run(feedsFor(prog, { x, disc_factor: scalar(0) }));
    const [nll, q, g, lambda] = ['nll', 'q', 'g', 'lambda'].map((k) => num(on, k)) as [number, number, number, number];
    expect(num(off, 'loss')).toBeCloseTo(nll + q, 5);
    expect(num(on, 'loss')).toBeCloseTo(nll + lambda * g + q, 5);
    // nll is the mean L1 between x and the reconstruction.
    const xrec = on.xrec!.data as Float32Array;
    let l1 = 0;
    for (let i = 0; i < x.length; i++) l1 += Math.abs(x[i]! - xrec[i]!);
    expect(nll).toBeCloseTo(l1 / x.length, 5);
    // λ from separately computed gradients of nll and g with respect to decoder.conv_out.weight.
    const ref = buildVqganGeneratorStep(cfg, disc, B, S);
    const last = ref.aeParams.find((p) => p.name === 'decoder.conv_out.weight')!;
    const [gn] = grad(ref.nll, [last]);
    const [gg] = grad(ref.gLoss!, [last]);
    const refProg = await compile(ref.graph, { gn: gn!, gg: gg! }, { intraOpThreads: 1 });
    const r = await refProg.run(feedsFor(refProg, { x, disc_factor: scalar(1) }));
    const norm = (a: ArrayLike<number | bigint>) => Math.sqrt(Array.from(a, Number).reduce((s, v) => s + v * v, 0));
    const expected = Math.min(1e4, norm(r.gn!.data) / (norm(r.gg!.data) + 1e-4)) * 0.8;
    expect(lambda).toBeGreaterThan(0);
    expect(lambda).toBeCloseTo(expected, 4);
  });

  it('trains the autoencoder: gradients match finite differences before disc_start, and the GAN term adds to them after', async () => {
    const st = buildVqganGeneratorStep(cfg, disc, B, S);
    const probe = st.aeParams.find((p) => p.name === 'decoder.conv_in.weight')!;
    const [gp] = grad(st.loss, [probe]);
    const prog = await compile(st.graph, { loss: st.loss, gp: gp! }, { intraOpThreads: 1 });
    const base = await prog.run(feedsFor(prog, { x, disc_factor: scalar(0) }));
    const withGan = await prog.run(feedsFor(prog, { x, disc_factor: scalar(1) }));
    const g0 = base.gp!.data as Float32Array;
    const g1 = withGan.gp!.data as Float32Array;
    expect(g1.some((v, i) => Math.abs(v - g0[i]!) > 1e-7)).toBe(true);
    const h = 1e-2;
    for (const i of [3, 100]) {
      const wp = Float32Array.from(w[probe.name]!); wp[i]! += h;
      const wm = Float32Array.from(w[probe.name]!); wm[i]! -= h;
      const lp = num(await prog.run(feedsFor(prog, { x, disc_factor: scalar(0), [probe.name]: wp })), 'loss');
      const lm = num(await prog.run(feedsFor(prog, { x, disc_factor: scalar(0), [probe.name]: wm })), 'loss');
      expect(g0[i]).toBeCloseTo((lp - lm) / (2 * h), 2);
    }
    expect([discFactorAt(9, 10), discFactorAt(10, 10), discFactorAt(11, 10, 0.5)]).toEqual([0, 1, 0.5]);
  });

  it('the objective (one discriminator backward) has the gradients of the loss', async () => {
    const st = buildVqganGeneratorStep(cfg, disc, B, S);
    const probes = ['decoder.conv_in.weight', 'decoder.conv_out.weight', 'encoder.conv_in.weight'].map((n) => st.aeParams.find((p) => p.name === n)!);
    const fromLoss = grad(st.loss, probes);
    const fromObjective = grad(st.objective, probes);
    const outs: Record<string, Tensor> = {};
    for (let i = 0; i < probes.length; i++) { outs[`l${i}`] = fromLoss[i]!; outs[`o${i}`] = fromObjective[i]!; }
    const prog = await compile(st.graph, outs, { intraOpThreads: 1 });
    const r = await prog.run(feedsFor(prog, { x, disc_factor: scalar(1) }));
    for (let i = 0; i < probes.length; i++) {
      const a = r[`l${i}`]!.data as Float32Array, b = r[`o${i}`]!.data as Float32Array;
      let diff = 0, ref = 0;
      for (let k = 0; k < a.length; k++) { diff += (a[k]! - b[k]!) ** 2; ref += a[k]! ** 2; }
      expect(Math.sqrt(diff / ref), probes[i]!.name).toBeLessThan(1e-5);
    }
    expect(buildVqganGeneratorStep(cfg, null, B, S).objective).toBeDefined();
  });

  it('leaves the adversarial terms out without a discriminator', () => {
    const st = buildVqganGeneratorStep(cfg, null, B, S);
    expect([st.gLoss, st.lambda, st.discParams.length]).toEqual([null, null, 0]);
  });
});

describe('VQGAN discriminator step', () => {
  it('is the hinge loss on D(x) and D(x̂), scaled by disc_factor, with batch statistics of both passes', async () => {
    const st = buildVqganDiscriminatorStep(disc, B, S);
    expect(st.batchStats.map((s) => s.name)).toEqual(['loss.discriminator.main.3', 'loss.discriminator.main.6', 'loss.discriminator.main.3', 'loss.discriminator.main.6']);
    const prog = await compile(st.graph, { d: st.dLoss }, { intraOpThreads: 1 });
    const xrec = Float32Array.from(x, (v) => v * 0.5);
    const d1 = num(await prog.run(feedsFor(prog, { x, xrec, disc_factor: scalar(1) })), 'd');
    const d0 = num(await prog.run(feedsFor(prog, { x, xrec, disc_factor: scalar(0) })), 'd');
    const g = new Graph();
    const inp = g.input('x', 'float32', [B, 3, S, S]);
    const logitsProg = await compile(g, { l: discriminatorForward(g.scope('loss.discriminator'), inp, disc, { training: true }).logits }, { intraOpThreads: 1 });
    const lr = Array.from((await logitsProg.run(feedsFor(logitsProg, { x }))).l!.data as Float32Array);
    const lf = Array.from((await logitsProg.run(feedsFor(logitsProg, { x: xrec }))).l!.data as Float32Array);
    expect(lr.length).toBe(B * 2 * 2);
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    const hinge = 0.5 * (mean(lr.map((v) => Math.max(0, 1 - v))) + mean(lf.map((v) => Math.max(0, 1 + v))));
    expect(d1).toBeCloseTo(hinge, 5);
    expect(d0).toBe(0);
  });

  it('updates BatchNorm running statistics like PyTorch (momentum 0.1, unbiased variance, real then fake pass)', async () => {
    const st = buildVqganDiscriminatorStep(disc, B, S);
    expect(Object.keys(st.bufferUpdates).sort()).toEqual([
      'loss.discriminator.main.3.running_mean', 'loss.discriminator.main.3.running_var',
      'loss.discriminator.main.6.running_mean', 'loss.discriminator.main.6.running_var',
    ]);
    expect(st.params.map((p) => p.name)).not.toContain('loss.discriminator.main.3.running_mean');
    const outs = Object.fromEntries(Object.entries(st.bufferUpdates).map(([k, t]) => [`new:${k}`, t]));
    st.batchStats.forEach((b, i) => { outs[`mean${i}`] = b.mean; outs[`var${i}`] = b.variance; });
    const prog = await compile(st.graph, outs, { intraOpThreads: 1 });
    const rm0 = Float32Array.from({ length: 16 }, (_, i) => 0.01 * i); // main.3 has 16 channels
    const rv0 = Float32Array.from({ length: 16 }, (_, i) => 1 + 0.01 * i);
    const xrec = Float32Array.from(x, (v) => -v);
    const r = await prog.run(feedsFor(prog, {
      x, xrec, disc_factor: scalar(1),
      'loss.discriminator.main.3.running_mean': rm0, 'loss.discriminator.main.3.running_var': rv0,
      'loss.discriminator.main.6.running_mean': new Float32Array(32), 'loss.discriminator.main.6.running_var': new Float32Array(32).fill(1),
    }));
    const n = B * 4 * 4; // main.3 follows the second stride-2 conv: 16 -> 8 -> 4
    const mr = r.mean0!.data as Float32Array, vr = r.var0!.data as Float32Array;
    const mf = r.mean2!.data as Float32Array, vf = r.var2!.data as Float32Array;
    const newMean = r['new:loss.discriminator.main.3.running_mean']!.data as Float32Array;
    const newVar = r['new:loss.discriminator.main.3.running_var']!.data as Float32Array;
    for (const c of [0, 5, 15]) {
      const m1 = 0.9 * rm0[c]! + 0.1 * mr[c]!;
      const v1 = 0.9 * rv0[c]! + 0.1 * vr[c]! * (n / (n - 1));
      expect(newMean[c]).toBeCloseTo(0.9 * m1 + 0.1 * mf[c]!, 5);
      expect(newVar[c]).toBeCloseTo(0.9 * v1 + 0.1 * vf[c]! * (n / (n - 1)), 5);
    }
  });
});
