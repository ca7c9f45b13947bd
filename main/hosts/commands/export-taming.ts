// `tessera export-taming --model <bundle> --out <dir>`: a bundle -> last.ckpt (torch.load-able, PL-style
// {state_dict, global_step}) + project.yaml, to continue training with taming-transformers elsewhere.

import * as path from 'node:path';
import { CliError } from '../cli-command';
import type { CliCommand } from '../cli-command';
import { exportTamingCheckpoint } from '../../../native-models/formats/export-taming';
import { reportFormatError } from './import';

export const exportTamingCommand: CliCommand = {
  name: 'export-taming',
  summary: 'Export a model bundle as a taming-transformers checkpoint + project.yaml (for PyTorch training)',
  usage: '--model <bundle-dir> --out <dir>',
  details: [
    '--model DIR  the bundle to export (its weights\' sha256 is verified first)',
    '--out DIR    writes DIR/last.ckpt and DIR/project.yaml; import the trained result back with tessera import',
  ],
  options: { model: { type: 'string' }, out: { type: 'string' } },
  async run({ values }, ctx) {
    if (typeof values.model !== 'string') throw new CliError('export-taming: --model <bundle-dir> is required.', 2);
    if (typeof values.out !== 'string') throw new CliError('export-taming: --out <dir> is required.', 2);
    try {
      const r = await exportTamingCheckpoint(path.resolve(values.model), path.resolve(values.out));
      ctx.out(`wrote ${r.checkpoint} (${r.tensors} tensors, ${r.bytes} bytes)`);
      ctx.out(`wrote ${r.config}`);
      return 0;
    } catch (e) {
      const code = reportFormatError(e, ctx);
      if (code !== null) return code;
      throw e;
    }
  },
};
