/**
 * Writes the committed example conditions in `examples/` (issue 9), deterministically:
 *  - landscape-layout.png: a 256×256 label map of a landscape scene (seed EXAMPLE_SEED, not a training scene)
 *    in the starter palette's colours (LANDSCAPE_CLASSES), for `tessera generate --model starter-landscapes`;
 *  - landscape-edges.png: the Canny edge map (white on black, EXAMPLE_CANNY thresholds) of the same scene's image;
 *  - figure-pose.json: one standing person in OpenPose COCO-18 JSON (canvas 256×256), for pose models.
 *
 * `npx tsx native-models/zoo/recipes/make-examples.ts [outDir]` (default: <repo>/examples)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { canny, rgbToGrey } from '../../training/data/canny';
import { generateLandscape, LANDSCAPE_CLASSES, sceneSeed } from './landscapes';

export const EXAMPLE_SEED = 2026;
export const EXAMPLE_SIZE = 256;
/** Lower thresholds than the fine-tuning default (0.05 / 0.10): procedural scenes have soft, low-contrast edges. */
export const EXAMPLE_CANNY = { low: 0.02, high: 0.05 } as const;

/** COCO-18 keypoints (x, y) of a person standing with the right arm raised, in a 256×256 frame. */
export const EXAMPLE_POSE: ReadonlyArray<readonly [number, number]> = [
  [128, 52], // 0 nose
  [128, 78], // 1 neck
  [104, 80], // 2 right shoulder
  [92, 54], // 3 right elbow
  [86, 28], // 4 right wrist
  [152, 80], // 5 left shoulder
  [162, 112], // 6 left elbow
  [168, 142], // 7 left wrist
  [114, 144], // 8 right hip
  [110, 188], // 9 right knee
  [106, 232], // 10 right ankle
  [142, 144], // 11 left hip
  [148, 188], // 12 left knee
  [154, 232], // 13 left ankle
  [122, 46], // 14 right eye
  [134, 46], // 15 left eye
  [114, 50], // 16 right ear
  [142, 50], // 17 left ear
];

export function exampleScene(): ReturnType<typeof generateLandscape> {
  return generateLandscape(sceneSeed(EXAMPLE_SEED, 0), EXAMPLE_SIZE, EXAMPLE_SIZE);
}

export async function writeExamples(outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const s = exampleScene();
  const n = s.width * s.height;
  const layout = new Uint8Array(n * 3); // [H, W, 3] palette colours
  for (let i = 0; i < n; i++) layout.set(LANDSCAPE_CLASSES[s.labels[i]!]!.color, i * 3);
  const edges = canny(rgbToGrey(s.rgb, s.width, s.height, 3), s.width, s.height, EXAMPLE_CANNY).edges;
  const edgeBytes = Uint8Array.from(edges, (e) => (e ? 255 : 0)); // [H, W] white on black
  const files = [join(outDir, 'landscape-layout.png'), join(outDir, 'landscape-edges.png'), join(outDir, 'figure-pose.json')];
  await sharp(Buffer.from(layout.buffer), { raw: { width: s.width, height: s.height, channels: 3 } }).png({ compressionLevel: 9 }).toFile(files[0]!);
  await sharp(Buffer.from(edgeBytes.buffer), { raw: { width: s.width, height: s.height, channels: 1 } }).png({ compressionLevel: 9 }).toFile(files[1]!);
  const pose = {
    version: 1.3, canvas_width: EXAMPLE_SIZE, canvas_height: EXAMPLE_SIZE,
    people: [{ pose_keypoints_2d: EXAMPLE_POSE.flatMap(([x, y]) => [x, y, 1]) }],
  };
  await writeFile(files[2]!, JSON.stringify(pose) + '\n');
  return files;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'examples'));
  writeExamples(out).then((f) => console.log(f.join('\n')), (e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  });
}
