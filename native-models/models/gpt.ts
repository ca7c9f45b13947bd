/**
 * taming's minGPT (taming.md §2.1): configuration and parameter list (state_dict keys of `GPT`, without the
 * `transformer.` prefix a Net2Net checkpoint adds).
 */
import { affine, linear, type ParamSpec } from './param-spec';

export interface GptConfig {
  vocabSize: number;
  blockSize: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
}

export function validateGptConfig(c: GptConfig): void {
  for (const k of ['vocabSize', 'blockSize', 'nLayer', 'nHead', 'nEmbd'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new Error(`Invalid GPT config: ${k}=${c[k]} must be a positive integer.`);
  }
  if (c.nEmbd % c.nHead !== 0) {
    throw new Error(`Invalid GPT config: n_embd=${c.nEmbd} is not divisible by n_head=${c.nHead}; check --n-head.`);
  }
}

/** Parameters in taming's order; `attn.mask` is listed as a buffer (regenerated, never loaded). */
export function gptParameters(c: GptConfig): ParamSpec[] {
  validateGptConfig(c);
  const d = c.nEmbd;
  const out: ParamSpec[] = [{ name: 'pos_emb', shape: [1, c.blockSize, d] }, { name: 'tok_emb.weight', shape: [c.vocabSize, d] }];
  for (let i = 0; i < c.nLayer; i++) {
    const p = `blocks.${i}`;
    out.push(...affine(`${p}.ln1`, d), ...affine(`${p}.ln2`, d),
      { name: `${p}.attn.mask`, shape: [1, 1, c.blockSize, c.blockSize], buffer: true },
      ...linear(`${p}.attn.key`, d, d), ...linear(`${p}.attn.query`, d, d), ...linear(`${p}.attn.value`, d, d),
      ...linear(`${p}.attn.proj`, d, d), ...linear(`${p}.mlp.0`, 4 * d, d), ...linear(`${p}.mlp.2`, d, 4 * d));
  }
  out.push(...affine('ln_f', d), ...linear('head', c.vocabSize, d, false));
  return out;
}
