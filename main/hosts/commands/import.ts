// `tessera import <ckpt> [--config project.yaml] [--n-head N] --out <bundle-dir>`: a taming-transformers
// checkpoint -> a Tessera model bundle (manifest.json + weights.safetensors). No Python involved.

import * as path from 'node:path';
import { CliError, integerOption } from '../cli-command';
import type { CliCommand, CliContext } from '../cli-command';
import { importTamingCheckpoint } from '../../../native-models/formats/import-taming';
import { CheckpointFormatError } from '../../../native-models/formats/torch-checkpoint';
import { ImportError } from '../../../native-models/formats/import-taming';
import { BundleError } from '../../../native-models/formats/bundle';

/** Print a possibly multi-line format error in full (the CLI shows only the first line of thrown errors). */
export function reportFormatError(e: unknown, ctx: CliContext): number | null {
  if (e instanceof ImportError || e instanceof CheckpointFormatError || e instanceof BundleError) {
    const [first, ...rest] = e.message.split('\n');
    ctx.err(`tessera: ${first}`);
    for (const line of rest) ctx.err(line);
    return 1;
  }
  return null;
}

function describeBytes(n: number): string {
  return n >= 1 << 30 ? `${(n / 2 ** 30).toFixed(2)} GiB` : n >= 1 << 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}

export const importCommand: CliCommand = {
  name: 'import',
  summary: 'Import a taming-transformers checkpoint (.ckpt/.pth) as a Tessera model bundle',
  usage: '<ckpt> [--config project.yaml] [--n-head N] [--cond-key KEY] [--resolution N] [--name NAME] --out <bundle-dir> [--json]',
  details: [
    '--config FILE   the checkpoint\'s project.yaml (gives n_head, the condition key, the resolution)',
    '--n-head N      attention heads of the transformer, when there is no project.yaml',
    '--cond-key KEY  condition when there is no project.yaml: segmentation, depth, edge, pose, class_label,',
    '                coord, image or unconditional (default: inferred where the weights tell)',
    '--resolution N  VQGAN training resolution when there is no project.yaml (default 256; places attention)',
    '--out DIR       bundle folder to write (created)',
    'Only the weights are read (optimizer states, loss.* and attention masks are skipped); the pickle is',
    'read by a data-only reader that never executes code.',
  ],
  options: {
    config: { type: 'string' },
    'n-head': { type: 'string' },
    'cond-key': { type: 'string' },
    name: { type: 'string' },
    resolution: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
  },
  allowPositionals: true,
  async run({ values, positionals }, ctx) {
    if (positionals.length !== 1) throw new CliError('import: give exactly one checkpoint file; see tessera import --help.', 2);
    if (typeof values.out !== 'string') throw new CliError('import: --out <bundle-dir> is required.', 2);
    const nHead = values['n-head'] === undefined ? undefined : integerOption(values, 'n-head', 1, 4096, 1);
    const resolution = values.resolution === undefined ? undefined : integerOption(values, 'resolution', 1, 65536, 256);
    const started = Date.now();
    try {
      const r = await importTamingCheckpoint(path.resolve(positionals[0]!), {
        out: path.resolve(values.out),
        ...(typeof values.config === 'string' ? { config: path.resolve(values.config) } : {}),
        ...(nHead !== undefined ? { nHead } : {}),
        ...(resolution !== undefined ? { resolution } : {}),
        ...(typeof values['cond-key'] === 'string' ? { condKey: values['cond-key'] } : {}),
        ...(typeof values.name === 'string' ? { name: values.name } : {}),
      });
      if (values.json) {
        ctx.out(JSON.stringify({ dir: r.dir, manifest: r.manifest, skipped: r.skipped.length, notes: r.notes }, null, 2));
        return 0;
      }
      const m = r.manifest;
      const what =
        m.kind === 'vqgan'
          ? `VQGAN (${m.vqgan?.quantizer === 'gumbel' ? 'Gumbel' : 'VQ'}, f${2 ** ((m.vqgan?.ch_mult.length ?? 1) - 1)}, ${m.vqgan?.n_embed} codes)`
          : `transformer (${m.transformer?.n_layer} layers × ${m.transformer?.n_embd}, condition ${m.condition?.mode})`;
      ctx.out(`imported ${what}: ${m.weights.tensors} tensors, ${describeBytes(m.weights.bytes)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      ctx.out(`bundle: ${r.dir}`);
      ctx.out(`sha256: ${m.weights.sha256}`);
      if (r.skipped.length) {
        const reasons = new Map<string, number>();
        for (const s of r.skipped) reasons.set(s.reason, (reasons.get(s.reason) ?? 0) + 1);
        ctx.out(`skipped: ${[...reasons].map(([why, n]) => `${n} × ${why}`).join('; ')}`);
      }
      for (const note of r.notes) ctx.out(`note: ${note}`);
      return 0;
    } catch (e) {
      const code = reportFormatError(e, ctx);
      if (code !== null) return code;
      throw e;
    }
  },
};
