/**
 * The transformer's training objective (taming/models/cond_transformer.py, Net2NetTransformer.forward + shared_step):
 *   cz = cat(c, z̃) with z̃ the pkeep-corrupted z (schedule.ts `corruptTokens`); logits = GPT(cz[:, :-1]);
 *   the logits at positions len(c)−1 … len(c)+len(z)−2 predict the *clean* z; loss = mean cross-entropy.
 * c- and z-tokens share one embedding table with no offset (models/cond-stages.ts `transformerInput`).
 *
 * `buildGptLoss` returns the graph with its feeds (`input` [B, Tc+Tz−1] int64, `target` [B, Tz] int64), the
 * scalar loss and the parameters it reads, ready for gradients (graph/autodiff `grad`) and an optimizer update.
 * `gptDecays` selects the parameters AdamW decays: Linear weights only — not biases, LayerNorm, the token
 * embedding or pos_emb (taming's configure_optimizers); `head.weight` is a Linear weight and decays.
 */
import { Graph, type Tensor } from '../graph/graph';
import { gptLogits, validateGptConfig, type GptConfig } from '../models/gpt';
import { transformerInput, zLogitRange } from '../models/cond-stages';
import { crossEntropy } from '../nn/losses';

export interface GptLossGraph {
  graph: Graph;
  /** [B, Tc + Tz − 1] int64 */
  input: Tensor;
  /** [B, Tz] int64 */
  target: Tensor;
  /** [] mean cross-entropy over the z positions */
  loss: Tensor;
  /** Parameters the loss reads, by state_dict key (without the `transformer.` prefix). */
  params: Tensor[];
}

export function buildGptLoss(cfg: GptConfig, batch: number, cLen: number, zLen: number): GptLossGraph {
  validateGptConfig(cfg);
  if (cLen < 1) throw new Error(`buildGptLoss: at least one c-token is needed (an SOS token for unconditional models), got ${cLen}.`);
  if (cLen + zLen - 1 > cfg.blockSize) {
    throw new Error(`buildGptLoss: ${cLen} c-tokens + ${zLen} z-tokens need block_size ≥ ${cLen + zLen - 1}, the model has ${cfg.blockSize}.`);
  }
  const g = new Graph();
  const input = g.input('input', 'int64', [batch, cLen + zLen - 1]); // [B, T]
  const target = g.input('target', 'int64', [batch, zLen]); // [B, Tz]
  const logits = gptLogits(g.scope(), input, cfg); // [B, T, V]
  const { start, count } = zLogitRange(cLen, zLen);
  const zLogits = logits.slice([start], [start + count], [1]); // [B, Tz, V]
  const loss = crossEntropy(zLogits, target); // []
  return { graph: g, input, target, loss, params: [...g.params] };
}

/** Feeds for one batch: c [B, Tc], the (corrupted) input z̃ [B, Tz] and the clean target z [B, Tz]. */
export function gptLossFeeds(
  c: Int32Array, zInput: Int32Array, zTarget: Int32Array, batch: number, cLen: number, zLen: number, vocabSize: number,
): { input: BigInt64Array; target: BigInt64Array } {
  if (zTarget.length !== batch * zLen) throw new Error(`gptLossFeeds: target must be [${batch}, ${zLen}], got ${zTarget.length} values.`);
  const input = transformerInput(c, cLen, zInput, zLen, batch, vocabSize); // [B, Tc+Tz-1]
  const target = new BigInt64Array(zTarget.length); // [B, Tz]
  for (let i = 0; i < zTarget.length; i++) {
    const v = zTarget[i]!;
    if (v < 0 || v >= vocabSize) throw new Error(`gptLossFeeds: target token ${v} is outside 0..${vocabSize - 1}.`);
    target[i] = BigInt(v);
  }
  return { input: BigInt64Array.from(input, (v) => BigInt(v)), target };
}

/** AdamW weight-decay selection: true for Linear weights (attn key/query/value/proj, mlp.0, mlp.2, head). */
export function gptDecays(name: string): boolean {
  return /^blocks\.\d+\.(attn\.(key|query|value|proj)|mlp\.[02])\.weight$/.test(name) || name === 'head.weight';
}
