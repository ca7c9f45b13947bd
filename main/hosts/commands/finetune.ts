// `tessera finetune --model <bundle> --images <folder> --stage transformer|vqgan|both --steps N --out <bundle-dir>
//  [--batch B] [--lr LR] [--resume <run-dir>] [--every N] [--size PX] [--seed S] [--runs DIR]
//  [--lpips <folder>|<vgg16.pth,vgg.pth>] [--perceptual-weight W]`:
// fine-tunes a bundle on a folder of pictures through native-models/training/finetune.ts, with a progress
// line per step (redrawn in place on a terminal) and a final summary of held-out losses before/after.
// Ctrl+C stops after the current step and saves a checkpoint; `--resume <run-dir>` continues it.

import * as path from 'node:path';
import { CliError, integerOption } from '../cli-command';
import type { CliCommand, CliValues } from '../cli-command';
import { finetune } from '../../../native-models/training/finetune';
import type { FinetuneStage } from '../../../native-models/training/finetune';
import { formatProgress } from '../../../native-models/training/progress';

const STAGES: readonly FinetuneStage[] = ['transformer', 'vqgan', 'both'];

function positiveNumber(values: CliValues, name: string): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0) throw new CliError(`finetune: --${name} must be a positive number, got ${JSON.stringify(String(raw))}.`, 2);
  return v;
}

function requiredString(values: CliValues, name: string, what: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new CliError(`finetune: --${name} ${what} is required.`, 2);
  return v;
}

export const finetuneCommand: CliCommand = {
  name: 'finetune',
  summary: 'Fine-tune a model bundle on a folder of images (VQGAN, transformer or both), resumable',
  usage: '--model <bundle> --images <folder> --stage transformer|vqgan|both --steps N --out <bundle-dir> [--batch B] [--lr LR] [--every N] [--lpips <folder>] [--resume <run-dir>]',
  details: [
    '--model DIR     the base bundle (never modified; the result is a new bundle at --out)',
    '--images DIR    training pictures (PNG/JPEG/WebP, searched recursively; bad files are listed and skipped)',
    '--stage S       transformer (default), vqgan, or both (VQGAN first, then the transformer on its tokens)',
    '--steps N       optimizer steps per stage',
    '--batch B, --lr LR, --every N (checkpoint interval), --size PX (crop), --seed S',
    '--runs DIR      where run folders go (default: <user-data>/runs)',
    '--resume DIR    continue a stopped or interrupted run folder; its config decides every setting',
    '--lpips P       VQGAN stage: add the LPIPS perceptual loss; P = a folder holding torchvision\'s vgg16-397923af.pth',
    '                and LPIPS\'s vgg.pth, or the two files separated by a comma (without it: L1 + codebook only)',
    '--perceptual-weight W  weight of the LPIPS term (default 1, as in taming)',
  ],
  options: {
    model: { type: 'string' }, images: { type: 'string' }, stage: { type: 'string' }, steps: { type: 'string' },
    out: { type: 'string' }, batch: { type: 'string' }, lr: { type: 'string' }, every: { type: 'string' },
    size: { type: 'string' }, seed: { type: 'string' }, runs: { type: 'string' }, resume: { type: 'string' },
    lpips: { type: 'string' }, 'perceptual-weight': { type: 'string' },
  },
  async run({ values }, ctx) {
    const resume = typeof values.resume === 'string' ? path.resolve(values.resume) : undefined;
    const stage = (values.stage ?? 'transformer') as FinetuneStage;
    if (!STAGES.includes(stage)) throw new CliError(`finetune: --stage must be one of ${STAGES.join(', ')}, got ${JSON.stringify(String(values.stage))}.`, 2);
    // With --resume the run's own config supplies model, images, steps and out; they may be omitted.
    const model = resume ? String(values.model ?? '') : requiredString(values, 'model', '<bundle>');
    const images = resume ? String(values.images ?? '') : requiredString(values, 'images', '<folder>');
    const out = resume ? String(values.out ?? '') : requiredString(values, 'out', '<bundle-dir>');
    if (!resume && values.steps === undefined) throw new CliError('finetune: --steps N is required.', 2);
    const steps = integerOption(values, 'steps', 1, 10_000_000, 1);
    const batch = values.batch === undefined ? undefined : integerOption(values, 'batch', 1, 4096, 1);
    const every = values.every === undefined ? undefined : integerOption(values, 'every', 1, 10_000_000, 1);
    const size = values.size === undefined ? undefined : integerOption(values, 'size', 8, 4096, 64);
    const seed = values.seed === undefined ? undefined : integerOption(values, 'seed', 0, 2 ** 32 - 1, 0);
    const lr = positiveNumber(values, 'lr');
    const perceptualWeight = positiveNumber(values, 'perceptual-weight');
    const lpipsRaw = typeof values.lpips === 'string' ? values.lpips.split(',').map((p) => p.trim()).filter((p) => p !== '') : [];
    if (values.lpips !== undefined && lpipsRaw.length === 0) throw new CliError('finetune: --lpips needs a folder or comma-separated files.', 2);
    if (perceptualWeight !== undefined && lpipsRaw.length === 0) throw new CliError('finetune: --perceptual-weight needs --lpips.', 2);
    const lpips = lpipsRaw.length === 1 ? path.resolve(lpipsRaw[0]!) : lpipsRaw.length > 1 ? lpipsRaw.map((p) => path.resolve(p)) : undefined;
    const runsDir = path.resolve(typeof values.runs === 'string' ? values.runs : path.join(ctx.userDataDir, 'runs'));

    const controller = new AbortController();
    void ctx.stopRequested.then(() => controller.abort());
    const tty = process.stderr.isTTY === true;
    let drew = false;
    const result = await finetune({
      model: model && path.resolve(model), images: images && path.resolve(images), out: out && path.resolve(out),
      stage, steps, runsDir,
      ...(batch !== undefined ? { batch } : {}), ...(every !== undefined ? { every } : {}), ...(size !== undefined ? { size } : {}),
      ...(seed !== undefined ? { seed } : {}), ...(lr !== undefined ? { lr } : {}), ...(resume ? { resume } : {}),
      ...(lpips !== undefined ? { lpips } : {}), ...(perceptualWeight !== undefined ? { perceptualWeight } : {}),
      signal: controller.signal,
      onLog: (line) => { if (drew) { process.stderr.write('\n'); drew = false; } ctx.err(line); },
      onProgress: (s, p) => {
        const line = `${s} ${formatProgress(p)}`;
        if (tty) { process.stderr.write(`\r\x1b[2K${line}`); drew = true; } else ctx.err(line);
      },
    }).catch((e: unknown) => { throw new CliError(`finetune: ${(e as Error).message}`); });
    if (drew) process.stderr.write('\n');

    const d = result.dataset;
    ctx.out(`dataset: ${d.usable} usable of ${d.found} found (${d.skipped} skipped), ${d.train} train / ${d.heldOut} held out, mode ${d.mode}`);
    for (const s of result.stages) {
      const fmt = (v: number | null) => (v === null ? 'n/a' : v.toFixed(4));
      ctx.out(`${s.stage}: ${s.steps} steps${s.stopped ? ' (stopped)' : ''}; held-out ${s.metric} ${fmt(s.before)} -> ${fmt(s.after)}; run ${s.runDir}`);
    }
    if (result.bundleDir === null) {
      ctx.out(`stopped and saved; continue with: tessera finetune --resume ${result.stages.at(-1)?.runDir ?? '<run-dir>'}`);
      return 130;
    }
    ctx.out(`wrote ${result.bundleDir}`);
    return 0;
  },
};
