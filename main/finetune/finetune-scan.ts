/**
 * Fine-tune wizard back end, first part: the scan report as the UI shows it (counts, skipped files and why,
 * conditions present/missing per mode, a preview grid of training crops as small PNG data URLs), the three
 * presets with steps / estimated time / disk use, and the runs list with effective status.
 */
import sharp from 'sharp';
import { scanFolder } from '../../native-models/training/data/scan';
import type { TrainingDataMode, SkipReason } from '../../native-models/training/data/scan';
import { listRuns } from '../../native-models/training/run';
import type { RunStatus } from '../../native-models/training/run';

export interface FinetuneScanRequest {
  /** Folder of training images. */
  images: string;
  mode: TrainingDataMode;
  /** Crop size in pixels (images with a shorter side are skipped). Default 256. */
  size?: number;
  /** How many crop previews to return (default 12). */
  previews?: number;
  /** Preview side in pixels (default 64). */
  previewSize?: number;
}

export interface FinetuneScanSummary {
  root: string;
  found: number;
  usable: number;
  skipped: { relPath: string; reason: SkipReason; detail: string }[];
  /** For the requested mode: usable images that have / lack the condition. */
  conditions: { mode: TrainingDataMode; present: number; missing: string[] };
  /** Centre training crops of the first usable images, as `data:image/png;base64,…`. */
  previews: { relPath: string; dataUrl: string }[];
  elapsedMs: number;
}

export async function scanForFinetune(req: FinetuneScanRequest): Promise<FinetuneScanSummary> {
  const size = req.size ?? 256;
  const report = await scanFolder(req.images, { minSide: size });
  const side = req.previewSize ?? 64;
  const previews: { relPath: string; dataUrl: string }[] = [];
  for (const img of report.usable.slice(0, req.previews ?? 12)) {
    const short = Math.min(img.width, img.height);
    // Centre square crop of the shorter side (what the training crop covers at scale 1), shrunk for display.
    const png = await sharp(img.path)
      .extract({ left: Math.floor((img.width - short) / 2), top: Math.floor((img.height - short) / 2), width: short, height: short })
      .resize(side, side)
      .png()
      .toBuffer();
    previews.push({ relPath: img.relPath, dataUrl: `data:image/png;base64,${png.toString('base64')}` });
  }
  const cond = report.conditions[req.mode];
  return {
    root: report.root,
    found: report.found,
    usable: report.usable.length,
    skipped: report.skipped.map((s) => ({ relPath: s.relPath, reason: s.reason, detail: s.detail })),
    conditions: { mode: req.mode, present: cond.present, missing: cond.missing },
    previews,
    elapsedMs: report.elapsedMs,
  };
}

export type PresetName = 'quick' | 'balanced' | 'thorough';

export interface FinetunePreset {
  name: PresetName;
  steps: number;
  /** Estimated wall time on this device, seconds. */
  seconds: number;
  /** Estimated disk use: output bundle + kept checkpoints, bytes. */
  diskBytes: number;
}

export interface EstimateInput {
  /** Usable training images. */
  images: number;
  batch: number;
  /** Measured (or recorded) seconds per optimizer step on this device. */
  stepSeconds: number;
  /** Size of the base bundle's weights, bytes (the output bundle is a copy with updated weights). */
  bundleBytes: number;
  /** Checkpoints kept on disk by a run (each about one bundle with optimizer moments: 3×). Default 2. */
  keptCheckpoints?: number;
}

const EPOCHS: Record<PresetName, number> = { quick: 2, balanced: 8, thorough: 24 };
const MIN_STEPS: Record<PresetName, number> = { quick: 50, balanced: 200, thorough: 600 };

/** Presets scale with the dataset (epochs over it), with a floor so a tiny folder still trains meaningfully. */
export function estimatePresets(input: EstimateInput): FinetunePreset[] {
  if (!(input.stepSeconds > 0) || input.images < 1 || input.batch < 1) {
    throw new Error(`estimatePresets: need images ≥ 1, batch ≥ 1 and a positive step time (got ${input.images}, ${input.batch}, ${input.stepSeconds})`);
  }
  const perEpoch = Math.ceil(input.images / input.batch);
  const disk = input.bundleBytes * (1 + 3 * (input.keptCheckpoints ?? 2));
  return (['quick', 'balanced', 'thorough'] as const).map((name) => {
    const steps = Math.max(MIN_STEPS[name], perEpoch * EPOCHS[name]);
    return { name, steps, seconds: steps * input.stepSeconds, diskBytes: disk };
  });
}

export interface FinetuneRunRow {
  id: string;
  status: RunStatus;
  step: number;
  totalSteps: number | null;
  checkpointStep: number | null;
  resumable: boolean;
  updatedAt: string;
}

/** The runs registry as the dashboard lists it (newest first); interrupted runs (crash, restart) are resumable. */
export async function finetuneRuns(runsDir: string): Promise<FinetuneRunRow[]> {
  const runs = await listRuns(runsDir);
  return runs.map((r) => ({
    id: r.id,
    status: r.status,
    step: r.recorded.step,
    totalSteps: r.recorded.totalSteps,
    checkpointStep: r.checkpointStep,
    resumable: r.resumable,
    updatedAt: r.recorded.updatedAt,
  }));
}
