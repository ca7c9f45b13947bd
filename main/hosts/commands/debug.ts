// `tessera debug logits --model <bundle> --tokens <tokens.npy> --out <logits.npy>`: the GPT's logits for a full
// token sequence (c-tokens then z-tokens, one shared table), float32 [B, T, V].
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { readNpy, writeNpyFloat32 } from '../../../native-models/sampling/npy';
import { writeFileAtomic } from '../../services/atomic-write';
import { CliError } from '../cli-command';
import type { CliCommand } from '../cli-command';
import { loadModel } from './model-io';

export const debugCommand: CliCommand = {
  name: 'debug',
  summary: 'Developer tools: `debug logits` writes the GPT logits of a token sequence as .npy',
  usage: 'logits --model <bundle> --tokens <tokens.npy> --out <logits.npy>',
  details: [
    'logits          GPT logits of a full token sequence (c-tokens then z-tokens, no offset), float32 [B, T, V]',
    '--tokens FILE   integer .npy [B, T] or [T]',
  ],
  options: { model: { type: 'string' }, tokens: { type: 'string' }, out: { type: 'string' } },
  allowPositionals: true,
  async run({ values, positionals }, ctx) {
    if (positionals[0] !== 'logits' || positionals.length !== 1) throw new CliError('debug: the only tool is `debug logits`; see tessera debug --help.', 2);
    if (typeof values.model !== 'string' || typeof values.tokens !== 'string' || typeof values.out !== 'string') {
      throw new CliError('debug logits: --model, --tokens and --out are required.', 2);
    }
    if (path.extname(values.out).toLowerCase() !== '.npy') throw new CliError('debug logits: --out must be a .npy file.', 2);
    const bundle = await loadModel(values.model);
    if (bundle.kind !== 'cond-transformer') throw new CliError(`${bundle.manifest.name} is a VQGAN bundle; debug logits needs a transformer bundle.`, 2);
    let arr: ReturnType<typeof readNpy>;
    try {
      arr = readNpy(await fs.readFile(values.tokens));
    } catch (e) {
      throw new CliError(`${values.tokens}: ${(e as Error).message}`);
    }
    if (!/^[<>|=]?[iu]/.test(arr.dtype)) throw new CliError(`${values.tokens} holds ${arr.dtype}; tokens must be integers.`);
    const shape = arr.shape.length === 1 ? [1, arr.shape[0]!] : arr.shape;
    if (shape.length !== 2) throw new CliError(`${values.tokens}: tokens must be [B, T] or [T], got [${arr.shape.join(', ')}].`);
    const [batch, length] = shape as [number, number];
    const started = Date.now();
    const logits = await bundle.gpt.logits(arr.data, batch, length).catch((e: Error) => { throw new CliError(e.message); });
    await writeFileAtomic(values.out, writeNpyFloat32([batch, length, bundle.gpt.vocabSize], logits));
    ctx.out(`logits [${batch}, ${length}, ${bundle.gpt.vocabSize}] in ${((Date.now() - started) / 1000).toFixed(2)} s: ${values.out}`);
    return 0;
  },
};
