/**
 * Writes the committed contact sheet of the starter-figures data (`native-models/zoo/figures-data-sheet.png`):
 * 16 figures of dataset seed SHEET_SEED (not a training seed), each beside its pose condition as the generator
 * sees it (the OpenPose stickman of its `.pose.json`, sampling/pose-render.ts), 4 rows × 4 pairs of 128×128 tiles.
 *
 * `npx tsx recipes/make-figures-sheet.ts [out.png]`
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { renderPose } from '../native-models/sampling/pose-render';
import { generateFigure, loadPosePool, type FigurePosePool } from './figures';
import { sceneSeed } from './landscapes';

export const SHEET_SEED = 2026;
const TILE = 128;
const COLS = 4;
const ROWS = 4;

/** The sheet as RGB [ROWS·TILE, COLS·2·TILE, 3]. */
export function figuresSheet(pool: FigurePosePool): { rgb: Uint8Array; width: number; height: number } {
  const width = COLS * 2 * TILE, height = ROWS * TILE;
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < COLS * ROWS; i++) {
    const f = generateFigure(pool, sceneSeed(SHEET_SEED, i), TILE, TILE);
    const pose = renderPose([{ keypoints: f.keypoints }], TILE, TILE, { stickWidth: 2, radius: 2 });
    const gx = (i % COLS) * 2 * TILE, gy = Math.floor(i / COLS) * TILE;
    for (let y = 0; y < TILE; y++) {
      for (let x = 0; x < TILE; x++) {
        for (let c = 0; c < 3; c++) {
          rgb[((gy + y) * width + gx + x) * 3 + c] = f.rgb[(y * TILE + x) * 3 + c]!;
          rgb[((gy + y) * width + gx + TILE + x) * 3 + c] = pose[(y * TILE + x) * 3 + c]!;
        }
      }
    }
  }
  return { rgb, width, height };
}

async function main(): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const out = resolve(process.argv[2] ?? join(here, '..', 'native-models', 'zoo', 'figures-data-sheet.png'));
  const sheet = figuresSheet(await loadPosePool());
  // Palette PNG (256 colours, dithered) keeps the committed file small.
  const info = await sharp(Buffer.from(sheet.rgb.buffer), { raw: { width: sheet.width, height: sheet.height, channels: 3 } })
    .png({ palette: true, colours: 256, effort: 10 })
    .toFile(out);
  console.log(`wrote ${out} (${sheet.width}×${sheet.height}, ${(info.size / 1024).toFixed(0)} KiB)`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
