/**
 * TEST MODELS for generate(): the HashTokenModel as the "GPT" and a trivial codec as the "VQGANs" — every token
 * decodes to a flat colour cell, an image cell encodes to a token from its mean value, and the semantic
 * condition stage turns each cell's centre label into a token. Deterministic, tiny, and clearly not neural nets;
 * the real models are tested in gpt-token-model.test.ts once they exist.
 */
import type { ConditionStage, GeneratorModels } from '../../../native-models/sampling/generate';
import { HashTokenModel } from './hash-token-model';

export const TEST_VOCAB = 16;

export function testGenerator(kind: 'sos' | 'class' | 'semantic' | 'pose', opts: { factor?: number; window?: number; delayMs?: number } = {}): GeneratorModels & { gpt: HashTokenModel } {
  const factor = opts.factor ?? 4;
  const win = opts.window ?? 4;
  const cond: ConditionStage =
    kind === 'sos'
      ? { kind: 'sos', token: 0 }
      : kind === 'class'
        ? { kind: 'class', numClasses: 10 }
        : {
            kind: 'vq',
            mode: kind,
            channels: kind === 'semantic' ? 5 : 3,
            numClasses: kind === 'semantic' ? 5 : undefined,
            factor,
            async encode(input, height, width) {
              const c = input.length / (height * width);
              const h = height / factor;
              const w = width / factor;
              const out = new Int32Array(h * w);
              for (let i = 0; i < h; i++) {
                for (let j = 0; j < w; j++) {
                  const p = (i * factor + factor / 2) * width + j * factor + factor / 2;
                  let best = 0;
                  for (let ch = 1; ch < c; ch++) if (input[ch * height * width + p]! > input[best * height * width + p]!) best = ch;
                  out[i * w + j] = (best * 3 + (input[p]! > 0 ? 1 : 0)) % TEST_VOCAB;
                }
              }
              return out;
            },
          };
  const condLen = cond.kind === 'vq' ? win * win : 1;
  const gpt = new HashTokenModel({ vocabSize: TEST_VOCAB, blockSize: condLen + win * win - 1, withExtend: true, delayMs: opts.delayMs });
  return {
    gpt,
    window: { h: win, w: win },
    factor,
    condition: cond,
    neutralCode: async () => 7,
    async decode(tokens, batch, h, w) {
      const H = h * factor;
      const W = w * factor;
      const out = new Float32Array(batch * 3 * H * W);
      for (let b = 0; b < batch; b++) {
        for (let y = 0; y < H; y++) {
          for (let x = 0; x < W; x++) {
            const t = tokens[b * h * w + Math.floor(y / factor) * w + Math.floor(x / factor)]!;
            for (let c = 0; c < 3; c++) out[((b * 3 + c) * H + y) * W + x] = (((t * (c + 3)) % TEST_VOCAB) / (TEST_VOCAB - 1)) * 2 - 1;
          }
        }
      }
      return out;
    },
    async encodeImage(image, height, width) {
      const h = height / factor;
      const w = width / factor;
      const out = new Int32Array(h * w);
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < w; j++) {
          let s = 0;
          for (let y = 0; y < factor; y++) for (let x = 0; x < factor; x++) s += image[(i * factor + y) * width + j * factor + x]!;
          out[i * w + j] = Math.min(TEST_VOCAB - 1, Math.floor(((s / (factor * factor) + 1) / 2) * TEST_VOCAB));
        }
      }
      return out;
    },
  };
}
