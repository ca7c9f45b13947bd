// `tessera encode --model <bundle> [--stage first|cond] <input> --out <indices.npy|json>`: image (or label map,
// or raw NCHW float tensor) → VQGAN code indices [B, h, w] in raster order.
import { CliError } from '../cli-command';
import type { CliCommand } from '../cli-command';
import { loadModel, pickStage, readEncoderInput, writeIndices } from './model-io';

export const encodeCommand: CliCommand = {
  name: 'encode',
  summary: 'Encode an image (or condition map) into VQGAN code indices',
  usage: '--model <bundle> [--stage first|cond] <input.png|jpg|npy> --out <indices.npy|json>',
  details: [
    '--model DIR     a Tessera bundle folder (tessera import writes one) or a zoo model name',
    '--stage S       first (the image VQGAN, default) or cond (the condition VQGAN of a transformer bundle)',
    'Input: a PNG/JPEG image (scaled x/127.5 - 1); for a segmentation stage an 8-bit label PNG, a palette-colour',
    'PNG or an integer .npy label map [H,W] / [B,H,W]; or a raw float .npy tensor NCHW.',
    'Output: int64 .npy [B, h, w] or JSON {"shape": [B, h, w], "indices": [...]}.',
  ],
  options: { model: { type: 'string' }, stage: { type: 'string' }, out: { type: 'string' } },
  allowPositionals: true,
  async run({ values, positionals }, ctx) {
    if (typeof values.model !== 'string') throw new CliError('encode: --model <bundle> is required.', 2);
    if (typeof values.out !== 'string') throw new CliError('encode: --out <indices.npy|json> is required.', 2);
    if (positionals.length !== 1) throw new CliError('encode: give exactly one input file; see tessera encode --help.', 2);
    const bundle = await loadModel(values.model);
    const stage = pickStage(bundle, typeof values.stage === 'string' ? values.stage : 'first');
    const x = await readEncoderInput(positionals[0]!, stage);
    const started = Date.now();
    const enc = await stage.model.encode(x.data, x.batch, x.height, x.width).catch((e: Error) => { throw new CliError(e.message); });
    await writeIndices(values.out, enc.indices, x.batch, enc.height, enc.width);
    ctx.out(`encoded ${x.batch}×${x.height}×${x.width} with the ${stage.what} → indices [${x.batch}, ${enc.height}, ${enc.width}] ` +
      `in ${((Date.now() - started) / 1000).toFixed(2)} s: ${values.out}`);
    return 0;
  },
};
