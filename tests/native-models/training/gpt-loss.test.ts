import { describe, expect, it } from 'vitest';
import { grad } from '../../../native-models/graph/autodiff';
import { Graph } from '../../../native-models/graph/graph';
import { gptLogits, gptParameters, type GptConfig } from '../../../native-models/models/gpt';
import { compile } from '../../../native-models/runtime/program';
import { buildGptLoss, gptDecays, gptLossFeeds } from '../../../native-models/training/gpt-loss';
import { TrainRng } from '../../../native-models/training/rng';
import { corruptTokens } from '../../../native-models/training/schedule';

const cfg: GptConfig = { vocabSize: 16, blockSize: 12, nLayer: 1, nHead: 2, nEmbd: 16 };
const B = 2, C = 3, Z = 8;

function weights(seed: number): Record<string, Float32Array> {
  const rng = new TrainRng(seed);
  const out: Record<string, Float32Array> = {};
  for (const p of gptParameters(cfg)) {
    if (p.buffer) continue;
    const n = p.shape.reduce((a, b) => a * b, 1);
    const ln = /ln(1|2|_f)\.weight$/.test(p.name);
    out[p.name] = Float32Array.from({ length: n }, () => (ln ? 1 : rng.nextNormal() * 0.3));
  }
  return out;
}

describe('GPT training loss', () => {
  it('is the cross-entropy of the z positions predicted from cat(c, z̃)[:, :-1], targets clean', async () => {
    const rng = new TrainRng(3);
    const c = Int32Array.from({ length: B * C }, () => rng.nextInt(16));
    const z = Int32Array.from({ length: B * Z }, () => rng.nextInt(16));
    const zIn = corruptTokens(z, 0.5, 16, rng);
    const feeds = gptLossFeeds(c, zIn, z, B, C, Z, 16);
    const w = weights(1);
    const lossGraph = buildGptLoss(cfg, B, C, Z);
    expect(lossGraph.params.map((p) => p.name)).not.toContain('blocks.0.attn.mask');
    const lossProgram = await compile(lossGraph.graph, { loss: lossGraph.loss }, { intraOpThreads: 1 });
    const loss = (await lossProgram.run({ ...w, ...feeds })).loss!.data[0] as number;

    // Reference: the plain logits program and cross-entropy computed here.
    const g = new Graph();
    const tokens = g.input('input', 'int64', [B, C + Z - 1]);
    const logitsProgram = await compile(g, { logits: gptLogits(g.scope(), tokens, cfg) }, { intraOpThreads: 1 });
    const logits = (await logitsProgram.run({ ...w, input: feeds.input })).logits!.data as Float32Array; // [B, T, V]
    let sum = 0;
    const T = C + Z - 1;
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < Z; k++) {
        const row = logits.subarray((b * T + C - 1 + k) * 16, (b * T + C + k) * 16);
        const m = Math.max(...row);
        const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
        sum += lse - row[z[b * Z + k]!]!;
      }
    }
    expect(loss).toBeCloseTo(sum / (B * Z), 4);
    // Input positions hold c then the corrupted z; the last z̃ is not fed.
    expect(Number(feeds.input[C])).toBe(zIn[0]);
    expect(feeds.input.length).toBe(B * (C + Z - 1));
    expect(Array.from(feeds.target, Number)).toEqual(Array.from(z));
  });

  it('has gradients that agree with finite differences', async () => {
    const rng = new TrainRng(4);
    const c = Int32Array.from({ length: B * C }, () => rng.nextInt(16));
    const z = Int32Array.from({ length: B * Z }, () => rng.nextInt(16));
    const feeds = gptLossFeeds(c, z, z, B, C, Z, 16);
    const w = weights(2);
    const lg = buildGptLoss(cfg, B, C, Z);
    const probe = lg.params.find((p) => p.name === 'blocks.0.mlp.0.weight')!;
    const [gw] = grad(lg.loss, [probe]);
    const program = await compile(lg.graph, { loss: lg.loss, g: gw! }, { intraOpThreads: 1 });
    const base = await program.run({ ...w, ...feeds });
    const gdata = base.g!.data as Float32Array;
    const h = 1e-2;
    for (const i of [0, 17, 300]) {
      const plus = { ...w, [probe.name]: Float32Array.from(w[probe.name]!) };
      plus[probe.name]![i]! += h;
      const minus = { ...w, [probe.name]: Float32Array.from(w[probe.name]!) };
      minus[probe.name]![i]! -= h;
      const lp = (await program.run({ ...plus, ...feeds })).loss!.data[0] as number;
      const lm = (await program.run({ ...minus, ...feeds })).loss!.data[0] as number;
      expect(gdata[i]).toBeCloseTo((lp - lm) / (2 * h), 2);
    }
  });

  it('decays Linear weights only', () => {
    const names = gptParameters(cfg).filter((p) => !p.buffer).map((p) => p.name);
    expect(names.filter(gptDecays)).toEqual([
      'blocks.0.attn.key.weight', 'blocks.0.attn.query.weight', 'blocks.0.attn.value.weight', 'blocks.0.attn.proj.weight',
      'blocks.0.mlp.0.weight', 'blocks.0.mlp.2.weight', 'head.weight',
    ]);
  });

  it('checks the block size and token ranges', () => {
    expect(() => buildGptLoss(cfg, 1, 6, 8)).toThrow(/block_size ≥ 13/);
    expect(() => gptLossFeeds(new Int32Array(3), new Int32Array(8), Int32Array.from({ length: 8 }, () => 16), 1, 3, 8, 16)).toThrow(/outside 0..15/);
  });
});
