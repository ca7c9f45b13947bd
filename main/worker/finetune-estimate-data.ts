/**
 * A few synthetic training pictures for timing real fine-tune steps (estimate): procedural landscapes at the
 * base's crop size, with `<stem>.seg.png` label maps (semantic) and, for pose models, a standing figure in a
 * `<stem>.pose.json`. Only the step time is measured on them; the data itself does not matter.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeLandscapeDataset } from '../../native-models/zoo/recipes/landscapes';
import { planForBundle } from '../services/finetune/finetune-plan';

export async function writeEstimateImages(model: string, dir: string, count: number): Promise<void> {
  const plan = await planForBundle(model);
  const side = plan.cropSize;
  await writeLandscapeDataset({ outDir: dir, count, seed: 1, width: side, height: side });
  if (plan.dataMode !== 'pose') return;
  // COCO-18 keypoints of a standing figure, in pixels of the image.
  const unit: [number, number][] = [
    [0.5, 0.15], [0.5, 0.25], [0.4, 0.25], [0.35, 0.4], [0.33, 0.55], [0.6, 0.25], [0.65, 0.4], [0.67, 0.55], [0.45, 0.55],
    [0.45, 0.72], [0.45, 0.9], [0.55, 0.55], [0.55, 0.72], [0.55, 0.9], [0.48, 0.13], [0.52, 0.13], [0.46, 0.14], [0.54, 0.14],
  ];
  const json = JSON.stringify({ people: [{ pose_keypoints_2d: unit.flatMap(([x, y]) => [x * side, y * side, 1]) }] });
  for (let i = 0; i < count; i++) await writeFile(join(dir, `scene-${String(i).padStart(6, '0')}.pose.json`), json);
}
