// `npx tsx bench/int8-sheet.ts [out.png]`: the int8 weight-only transformer beside fp32 on a shipped starter, through
// the real `tessera generate` (default out: bench/int8-sheet.png, the picture README and ENGINE.md show). Rows: seeds
// 1–3 of starter-landscapes on examples/landscape-layout.png at 256²; columns: layout | fp32 | int8. Prints, per
// seed, the share of z-tokens equal between the two and the mean absolute pixel difference. Sampling with top-k
// draws from the logits, so a small logit change flips some draws and the image continues from there differently:
// the pictures should look alike in kind (same layout, same palette), not be identical.
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { runCli } from '../main/hosts/cli';
import { readNpy } from '../native-models/sampling/npy';

const ROOT = path.join(import.meta.dirname, '..');
const LAYOUT = path.join(ROOT, 'examples', 'landscape-layout.png');
const SIZE = 256;

async function generate(dir: string, seed: number, weights: 'float32' | 'int8'): Promise<{ png: string; tokens: ArrayLike<number>; seconds: number }> {
  const png = path.join(dir, `${weights}-${seed}.png`);
  const err: string[] = [];
  const t = performance.now();
  const code = await runCli(['generate', '--model', 'starter-landscapes', '--cond', LAYOUT, '--seed', String(seed), '--weights', weights, '--format', 'npy', '--out', png],
    { io: { out: () => undefined, err: (l) => void err.push(l) }, stopRequested: new Promise(() => {}) });
  if (code !== 0) throw new Error(`tessera generate failed: ${err.join('\n')}`);
  return { png, tokens: readNpy(await fs.readFile(`${png}.tokens.npy`)).data as ArrayLike<number>, seconds: (performance.now() - t) / 1000 };
}

async function rgb(file: string): Promise<Buffer> {
  return sharp(file).resize(SIZE, SIZE, { kernel: 'nearest' }).removeAlpha().raw().toBuffer();
}

async function main(): Promise<void> {
  const out = path.resolve(process.argv[2] ?? path.join(ROOT, 'bench', 'int8-sheet.png'));
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-int8-sheet-'));
  const seeds = [1, 2, 3];
  const tiles: { input: Buffer; left: number; top: number }[] = [];
  const layout = await sharp(await rgb(LAYOUT), { raw: { width: SIZE, height: SIZE, channels: 3 } }).png().toBuffer();
  try {
    for (const [row, seed] of seeds.entries()) {
      const a = await generate(dir, seed, 'float32');
      const b = await generate(dir, seed, 'int8');
      let same = 0;
      for (let k = 0; k < a.tokens.length; k++) if (Number(a.tokens[k]) === Number(b.tokens[k])) same++;
      const [pa, pb] = [await rgb(a.png), await rgb(b.png)];
      let diff = 0;
      for (let k = 0; k < pa.length; k++) diff += Math.abs(pa[k]! - pb[k]!);
      console.log(`seed ${seed}: tokens equal ${same}/${a.tokens.length} (${((100 * same) / a.tokens.length).toFixed(1)} %), ` +
        `mean |Δpixel| ${(diff / pa.length).toFixed(1)} / 255; whole command fp32 ${a.seconds.toFixed(1)} s, int8 ${b.seconds.toFixed(1)} s`);
      tiles.push({ input: layout, left: 0, top: row * SIZE }, { input: await fs.readFile(a.png), left: SIZE, top: row * SIZE },
        { input: await fs.readFile(b.png), left: 2 * SIZE, top: row * SIZE });
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
  await sharp({ create: { width: 3 * SIZE, height: seeds.length * SIZE, channels: 3, background: '#000' } }).composite(tiles).png().toFile(out);
  console.log(`wrote ${out} (rows: seeds ${seeds.join(', ')}; columns: layout | fp32 | int8)`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
