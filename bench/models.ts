// `npm run bench -- models [--iters N] [--warmup N] [--threads 2] [--size S] [--gpt LxD] [--compare-weights]`: Tessera's taming models
// against PyTorch with the same random weights in the same run (PyTorch via bench/reference/models_bench.py):
//   vqgan  taming's ImageNet f16 VQGAN config (ch 128, ch_mult 1,1,2,2,4, 2 res blocks, attention at 16, 1024 codes;
//          72.1M parameters), encode + decode of one S×S image (default 256)
//   gpt    minGPT full-sequence logits of 511 tokens; the real S-FLCKR/ImageNet transformer is 24 layers × 1024, the
//          default here is scaled down to 8 layers × 512 (16 heads ÷ 2 = 8, vocab 1024, block 512) for 2 cores.
// Tessera also reports its KV-cache step (one token after a 256-token prefill) and the window program (logits of one
// position of 511 tokens), which the sampler uses. Times are medians; ratio = Tessera / PyTorch (target ≤ 0.9).
// Default weights handling (models/load.ts): VQGAN baked in as initializers, GPT fed as inputs; --compare-weights
// also times both models with all weights baked and with all weights fed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSafetensors } from '../native-models/formats/safetensors';
import { gptParameters, type GptConfig } from '../native-models/models/gpt';
import { GptModel, VqganModel, type ModelOptions } from '../native-models/models/load';
import type { NamedTensor, ParamSpec } from '../native-models/models/param-spec';
import { vqganParameters, type VqganConfig } from '../native-models/models/vqgan';
import { releaseSessions } from '../native-models/runtime/session';
import { flag, medianMs, normals } from './timing';

const PYTHON = '/usr/bin/python3';
const medianOf = async (fn: () => Promise<unknown>, iters: number, warmup: number): Promise<number> => (await medianMs(fn, iters, warmup)).ms;
const REFERENCE = join(import.meta.dirname, 'reference', 'models_bench.py');

/** Random weights with sane activations: norms ~1, biases small, weights ~1/sqrt(fan_in), codebooks N(0, 1). */
function randomWeights(specs: readonly ParamSpec[], seed: number): Map<string, NamedTensor> {
  const out = new Map<string, NamedTensor>();
  specs.forEach((s, k) => {
    if (s.buffer) return;
    const n = s.shape.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    if (/(norm\d?|norm_out|ln\d|ln_f)\.weight$/.test(s.name)) data = normals(n, 0.05, seed + k).map((v) => v + 1);
    else if (s.name.endsWith('.bias')) data = normals(n, 0.02, seed + k);
    else if (/embed|emb/.test(s.name)) data = normals(n, s.name.startsWith('quantize') ? 1 : 0.02, seed + k);
    else data = normals(n, 1 / Math.sqrt(n / s.shape[0]!), seed + k);
    out.set(s.name, { shape: [...s.shape], data });
  });
  return out;
}

const toBytes = (a: Float32Array | BigInt64Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

interface Reference {
  torch: string;
  results: { workload: string; threads: number; ms: number }[];
  indices: number[];
  logits_abs_sum: number;
}

function runReference(dir: string, threads: number[], iters: number, warmup: number): { ref: Reference | null; note: string } {
  if (!existsSync(PYTHON)) return { ref: null, note: `PyTorch reference skipped: ${PYTHON} not found` };
  const r = spawnSync(PYTHON, [REFERENCE, '--dir', dir, '--threads', threads.join(','), '--iters', String(iters), '--warmup', String(warmup)],
    { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) return { ref: null, note: `PyTorch reference skipped: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}` };
  const ref = JSON.parse(r.stdout) as Reference;
  return { ref, note: `PyTorch ${ref.torch}` };
}

export async function runModelsBench(args: string[]): Promise<void> {
  const iters = Number(flag(args, 'iters', '3'));
  const warmup = Number(flag(args, 'warmup', '1'));
  const threads = flag(args, 'threads', '2').split(',').map(Number);
  const variants: (boolean | undefined)[] = args.includes('--compare-weights') ? [undefined, true, false] : [undefined];
  const size = Number(flag(args, 'size', '256'));
  const [layers, width] = flag(args, 'gpt', '8x512').split('x').map(Number) as [number, number];
  const vq: VqganConfig = {
    ch: 128, chMult: [1, 1, 2, 2, 4], numResBlocks: 2, attnResolutions: [16], resolution: 256, zChannels: 256,
    inChannels: 3, outCh: 3, embedDim: 256, nEmbed: 1024, resampWithConv: true, quantizer: 'vq2',
  };
  const gptCfg: GptConfig = { vocabSize: 1024, blockSize: 512, nLayer: layers, nHead: Math.max(1, width / 64), nEmbd: width };
  const T = 511;
  console.log(`models bench: median of ${iters} after ${warmup} warm-up; threads ${threads.join(', ')}`);
  console.log(`  vqgan  taming ImageNet f16 config (72.1M params), encode + decode of [1, 3, ${size}, ${size}]`);
  console.log(`  gpt    minGPT ${layers} layers × ${width} (${gptCfg.nHead} heads, vocab 1024, block 512; the real one is 24 × 1024), logits of [1, ${T}]`);

  const vqWeights = randomWeights(vqganParameters(vq), 1000);
  const gptWeights = randomWeights(gptParameters(gptCfg), 5000);
  const image = normals(3 * size * size, 0.5, 7).map((v) => Math.max(-1, Math.min(1, v)));
  const tokens = Int32Array.from(normals(T, 1, 11), (v) => Math.floor(Math.abs(v) * 1e4) % 1024);

  // the PyTorch reference gets the same weights and inputs
  const dir = mkdtempSync(join(tmpdir(), 'tessera-models-bench-'));
  let reference: { ref: Reference | null; note: string };
  try {
    const st = (w: Map<string, NamedTensor>) => [...w].map(([name, t]) => ({ name, dtype: 'float32' as const, shape: t.shape, data: toBytes(t.data) }));
    await writeSafetensors(join(dir, 'vqgan.safetensors'), st(vqWeights));
    await writeSafetensors(join(dir, 'gpt.safetensors'), st(gptWeights));
    writeFileSync(join(dir, 'image.f32'), toBytes(image));
    writeFileSync(join(dir, 'tokens.i64'), toBytes(BigInt64Array.from(tokens, (v) => BigInt(v))));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({
      vqgan: { ch: vq.ch, ch_mult: vq.chMult, num_res_blocks: vq.numResBlocks, attn_resolutions: vq.attnResolutions,
        resolution: vq.resolution, z_channels: vq.zChannels, in_channels: 3, out_ch: 3, embed_dim: vq.embedDim, n_embed: vq.nEmbed },
      gpt: { vocab_size: gptCfg.vocabSize, block_size: gptCfg.blockSize, n_layer: gptCfg.nLayer, n_head: gptCfg.nHead, n_embd: gptCfg.nEmbd },
      image_shape: [1, 3, size, size], tokens_shape: [1, T],
    }));
    reference = runReference(dir, threads, iters, warmup);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const { ref, note } = reference;
  console.log(note);

  const rows: string[] = [];
  const fmt = (v: number | undefined, w: number, d = 1): string => (v === undefined || Number.isNaN(v) ? '-' : v.toFixed(d)).padStart(w);
  for (const n of threads) {
    const runtime = { intraOpThreads: n, interOpThreads: 1 };
    for (const bake of variants) {
      const opts: ModelOptions = { runtime, bakeWeights: bake };
      const model = new VqganModel(vq, vqWeights, opts);
      const seen: { indices?: Int32Array; logits?: Float32Array } = {};
      const vqMs = await medianOf(async () => {
        const enc = await model.encode(image, 1, size, size);
        seen.indices = enc.indices;
        await model.decode(enc.indices, 1, enc.height, enc.width);
      }, iters, warmup);
      const gpt = new GptModel(gptCfg, gptWeights, opts);
      const gptMs = await medianOf(async () => { seen.logits = await gpt.logits(tokens, 1, T); }, iters, warmup);
      const tVq = ref?.results.find((r) => r.workload === 'vqgan' && r.threads === n)?.ms;
      const tGpt = ref?.results.find((r) => r.workload === 'gpt' && r.threads === n)?.ms;
      let extra = '';
      if (bake === undefined) {
        const windowMs = await medianOf(() => gpt.logitsAt(tokens, 1, T, T - 1), iters, warmup);
        const { cache } = await gpt.prefill(tokens.subarray(0, 256), 1, 256);
        let k = 256;
        const stepMs = await medianOf(async () => { await gpt.step(cache, Int32Array.of(tokens[k]!)); k++; }, Math.min(iters * 5, 200), warmup);
        extra = `   window ${windowMs.toFixed(1)} ms, KV step ${stepMs.toFixed(2)} ms/token`;
        if (ref && seen.indices && seen.logits) {
          const r = ref;
          const sameCodes = seen.indices.every((v, i) => v === r.indices[i]);
          let abs = 0;
          for (const v of seen.logits) abs += Math.abs(v);
          extra += `   (same codes as PyTorch: ${sameCodes}; Σ|logits| rel. diff ${(Math.abs(abs - r.logits_abs_sum) / r.logits_abs_sum).toExponential(1)})`;
        }
      }
      rows.push(`${String(n).padStart(3)}  ${bake === undefined ? 'default' : bake ? 'baked  ' : 'inputs '}  ${fmt(vqMs, 10)} ${fmt(tVq, 10)} ${fmt(tVq && vqMs / tVq, 6, 2)}   ` +
        `${fmt(gptMs, 9)} ${fmt(tGpt, 9)} ${fmt(tGpt && gptMs / tGpt, 6, 2)}${extra}`);
      console.log(rows[rows.length - 1]);
      await releaseSessions();
    }
  }
  console.log(`\nthr  weights   ${'vqgan ms'.padStart(10)} ${'torch ms'.padStart(10)} ${'ratio'.padStart(6)}   ${'gpt ms'.padStart(9)} ${'torch ms'.padStart(9)} ${'ratio'.padStart(6)}`);
  console.log(rows.join('\n'));
  console.log('(ratio = Tessera / PyTorch, target ≤ 0.9; default = VQGAN weights baked in as initializers, GPT weights fed as inputs)');
}
