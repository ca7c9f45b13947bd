// `tessera decode --model <bundle> [--stage first|cond] <indices.npy|json> --out <image.png|npy>`: code indices
// → image (PNG clamped to [-1, 1], or the raw float NCHW decoder output as .npy).
import { CliError } from '../cli-command';
import type { CliCommand } from '../cli-command';
import { loadModel, pickStage, readIndices, writeImages } from './model-io';

export const decodeCommand: CliCommand = {
  name: 'decode',
  summary: 'Decode VQGAN code indices into an image',
  usage: '--model <bundle> [--stage first|cond] <indices.npy|json> --out <image.png|npy>',
  details: [
    '--model DIR     a Tessera bundle folder or a zoo model name',
    '--stage S       first (default) or cond',
    'Input: int64 .npy [B, h, w] (or [h, w]) or JSON {"shape": [...], "indices": [...]} / a nested array.',
    'Output: .png (clamped to [-1, 1], (x+1)*127.5; B > 1 writes <stem>-1.png, ...) or raw float32 .npy NCHW.',
  ],
  options: { model: { type: 'string' }, stage: { type: 'string' }, out: { type: 'string' } },
  allowPositionals: true,
  async run({ values, positionals }, ctx) {
    if (typeof values.model !== 'string') throw new CliError('decode: --model <bundle> is required.', 2);
    if (typeof values.out !== 'string') throw new CliError('decode: --out <image.png|npy> is required.', 2);
    if (positionals.length !== 1) throw new CliError('decode: give exactly one indices file; see tessera decode --help.', 2);
    const bundle = await loadModel(values.model);
    const stage = pickStage(bundle, typeof values.stage === 'string' ? values.stage : 'first');
    const { indices, batch, h, w } = await readIndices(positionals[0]!);
    const started = Date.now();
    const images = await stage.model.decode(indices, batch, h, w).catch((e: Error) => { throw new CliError(e.message); });
    const f = stage.model.factor;
    const paths = await writeImages(values.out, images, batch, stage.model.config.outCh, h * f, w * f);
    ctx.out(`decoded [${batch}, ${h}, ${w}] with the ${stage.what} → ${batch}×${stage.model.config.outCh}×${h * f}×${w * f} ` +
      `in ${((Date.now() - started) / 1000).toFixed(2)} s: ${paths.join(', ')}`);
    return 0;
  },
};
