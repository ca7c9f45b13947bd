// Seeded random weights for the benchmark GPTs and the folder the PyTorch references read them from
// (index.json: config, tensor offsets/shapes and extra job data; weights.bin: every tensor, float32 little-endian).
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gptParameters, type GptConfig } from '../native-models/models/gpt';
import type { NamedTensor } from '../native-models/models/param-spec';
import { uniforms } from './timing';

/** Layer norms 1, biases ±0.02, positions 0.1, weights 1/√fan_in (activations stay O(1) through 24 layers). */
export function benchGptWeights(c: GptConfig, seed = 1): Map<string, NamedTensor> {
  const out = new Map<string, NamedTensor>();
  let k = seed;
  for (const p of gptParameters(c)) {
    if (p.buffer) continue;
    const n = p.shape.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    if (/(ln\d|ln_f)\.weight$/.test(p.name)) data = new Float32Array(n).fill(1);
    else if (p.name.endsWith('.bias')) data = uniforms(n, 0.02, k++);
    else if (p.name === 'pos_emb' || p.name === 'tok_emb.weight') data = uniforms(n, p.name === 'pos_emb' ? 0.1 : 0.5, k++);
    else data = uniforms(n, 1 / Math.sqrt(p.shape[p.shape.length - 1]!), k++);
    out.set(p.name, { shape: [...p.shape], data });
  }
  return out;
}

/** Writes `weights` and `extra` for a reference script (bench/reference/*_bench.py `load`). */
export function writeWeightFolder(dir: string, config: GptConfig, weights: Map<string, NamedTensor>, extra: Record<string, unknown>): void {
  const tensors: Record<string, [number, readonly number[]]> = {};
  const fd = openSync(join(dir, 'weights.bin'), 'w');
  try {
    let offset = 0;
    for (const [name, t] of weights) {
      tensors[name] = [offset, t.shape];
      offset += t.data.length;
      writeSync(fd, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    }
  } finally {
    closeSync(fd);
  }
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ config, tensors, ...extra }));
}
