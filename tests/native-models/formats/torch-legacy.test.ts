// Legacy (torch < 1.6, magic-number) checkpoints, written by torch 1.13 with _use_new_zipfile_serialization=False
// (tests/fixtures/lpips/make_lpips.py): same tensors as the zip-format twins; truncation is reported.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openTorchCheckpoint } from '../../../native-models/formats/torch-checkpoint';
import { openLegacyTorchCheckpoint } from '../../../native-models/formats/torch-legacy';

const DIR = join(__dirname, '../../fixtures/lpips');
const tmp: string[] = [];
afterAll(async () => { for (const d of tmp) await rm(d, { recursive: true, force: true }); });

describe('openLegacyTorchCheckpoint', () => {
  it('reads every tensor of a legacy state_dict byte-identical to the zip-format copy', async () => {
    for (const file of ['vgg16-narrow.pth', 'vgg-lin.pth']) {
      const legacy = await openLegacyTorchCheckpoint(join(DIR, 'legacy', file), { skip: () => null });
      const zip = await openTorchCheckpoint(join(DIR, file), { skip: () => null });
      try {
        expect([...legacy.tensors.keys()]).toEqual([...zip.tensors.keys()]);
        expect(legacy.tensors.size).toBe(file === 'vgg-lin.pth' ? 5 : 28);
        for (const [name, t] of legacy.tensors) {
          const z = zip.tensors.get(name)!;
          expect([t.dtype, t.shape]).toEqual([z.dtype, z.shape]);
          expect((await t.read()).equals(await z.read()), name).toBe(true);
        }
      } finally {
        await legacy.close();
        await zip.close();
      }
    }
  });

  it('says when the file is cut short, and is not used by openTorchCheckpoint (model imports still refuse it)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'legacy-'));
    tmp.push(dir);
    const bytes = await readFile(join(DIR, 'legacy', 'vgg16-narrow.pth'));
    await writeFile(join(dir, 'cut.pth'), bytes.subarray(0, bytes.length - 100));
    await expect(openLegacyTorchCheckpoint(join(dir, 'cut.pth'))).rejects.toMatchObject({ code: 'truncated' });
    await writeFile(join(dir, 'head.pth'), bytes.subarray(0, 300));
    await expect(openLegacyTorchCheckpoint(join(dir, 'head.pth'))).rejects.toMatchObject({ code: 'truncated' });
    await expect(openTorchCheckpoint(join(DIR, 'legacy', 'vgg-lin.pth'))).rejects.toMatchObject({ code: 'legacy-format' });
  });
});
