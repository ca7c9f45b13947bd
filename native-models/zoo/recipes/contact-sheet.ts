/**
 * The committed contact sheets of the starter models (native-models/zoo/*-sheet.png): rows of equal square RGB
 * cells on a white background, written as a small palette PNG.
 */
import sharp from 'sharp';

/** Cells are [cell, cell, 3] uint8 RGB; every row has the same number of cells. */
export async function writeContactSheet(path: string, rows: readonly (readonly Uint8Array[])[], cell: number, o: { gap?: number; colours?: number } = {}): Promise<void> {
  const gap = o.gap ?? 4;
  const cols = rows[0]?.length ?? 0;
  if (!rows.length || !cols) throw new Error('writeContactSheet: no cells to write.');
  const W = cols * cell + (cols + 1) * gap, H = rows.length * cell + (rows.length + 1) * gap;
  const sheet = new Uint8Array(W * H * 3).fill(255); // [H, W, 3]
  rows.forEach((row, r) => {
    if (row.length !== cols) throw new Error(`writeContactSheet: row ${r} has ${row.length} cells, row 0 has ${cols}.`);
    row.forEach((img, c) => {
      if (img.length !== cell * cell * 3) throw new Error(`writeContactSheet: cell (${r}, ${c}) is not ${cell}×${cell} RGB.`);
      for (let y = 0; y < cell; y++) sheet.set(img.subarray(y * cell * 3, (y + 1) * cell * 3), ((r * (cell + gap) + gap + y) * W + c * (cell + gap) + gap) * 3);
    });
  });
  await sharp(Buffer.from(sheet.buffer), { raw: { width: W, height: H, channels: 3 } }).png({ palette: true, colours: o.colours ?? 256, compressionLevel: 9 }).toFile(path);
}
