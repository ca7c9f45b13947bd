/**
 * A few synthetic training pictures for timing real fine-tune steps (estimate): `side`² pictures of coloured
 * blocks with `<stem>.seg.png` label maps of the same blocks (semantic models) and, for pose models, a standing
 * figure in a `<stem>.pose.json`. Only the step time is measured on them; what they show does not matter, so they
 * are made here from a seed (no recipe code in the app).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { TrainingDataMode as DataMode } from '../../native-models/training/data/scan';

/** 8×8 blocks of labels 0..3, each label with a fixed colour, varied per picture by `seed`. */
function blockPicture(side: number, seed: number): { rgb: PNG; labels: PNG } {
  const rgb = new PNG({ width: side, height: side });
  const labels = new PNG({ width: side, height: side });
  const colors = [[70, 130, 200], [40, 140, 60], [200, 180, 120], [120, 110, 100]] as const;
  const cell = Math.max(1, Math.floor(side / 8));
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const label = (Math.floor(x / cell) * 7 + Math.floor(y / cell) * 3 + seed) % colors.length;
      const [r, g, b] = colors[label] ?? colors[0];
      const o = (y * side + x) * 4;
      rgb.data.set([r, g, b, 255], o);
      labels.data.set([label, label, label, 255], o);
    }
  }
  return { rgb, labels };
}

/** COCO-18 keypoints of a standing figure, as fractions of the picture. */
const STANDING: readonly [number, number][] = [
  [0.5, 0.15], [0.5, 0.25], [0.4, 0.25], [0.35, 0.4], [0.33, 0.55], [0.6, 0.25], [0.65, 0.4], [0.67, 0.55], [0.45, 0.55],
  [0.45, 0.72], [0.45, 0.9], [0.55, 0.55], [0.55, 0.72], [0.55, 0.9], [0.48, 0.13], [0.52, 0.13], [0.46, 0.14], [0.54, 0.14],
];

export async function writeEstimateImages(dir: string, count: number, side: number, dataMode: DataMode): Promise<void> {
  await mkdir(dir, { recursive: true });
  const pose = JSON.stringify({ people: [{ pose_keypoints_2d: STANDING.flatMap(([x, y]) => [x * side, y * side, 1]) }] });
  for (let i = 0; i < count; i++) {
    const stem = join(dir, `scene-${String(i).padStart(6, '0')}`);
    const { rgb, labels } = blockPicture(side, i);
    await writeFile(`${stem}.png`, PNG.sync.write(rgb, { colorType: 2 }));
    if (dataMode === 'semantic') await writeFile(`${stem}.seg.png`, PNG.sync.write(labels, { colorType: 0 }));
    if (dataMode === 'pose') await writeFile(`${stem}.pose.json`, pose);
  }
}
