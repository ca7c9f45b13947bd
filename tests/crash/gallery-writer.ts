// A process that keeps saving generation results into a real gallery (SQLite + PNGs) until it is
// killed: `node --import tsx tests/crash/gallery-writer.ts <db> <imagesDir> <seed> <mode>`.
// mode "random": between the PNG write and the row insert it pauses 0-15 ms (so some kills land there);
// mode "stall-after-png": it stops for good after the first PNG write (the kill always leaves an orphan).
// It also stars, annotates and removes earlier entries. Prints `ready` once open, `saved <id>` per save, `removing <id>` before and `removed <id>` after each delete.
import { GalleryStore } from '../../main/gallery/gallery-store';
import { FuzzRng } from '../fuzz/harness';
import { makeImage, makeRecord } from '../main/gallery/helpers';

const [databasePath, imagesDir, seedText, mode] = process.argv.slice(2);
const rng = new FuzzRng(Number(seedText));
const pause = new Int32Array(new SharedArrayBuffer(4));
const sleepSync = (ms: number) => Atomics.wait(pause, 0, 0, ms);

const store = await GalleryStore.open({
  databasePath: databasePath!,
  imagesDir: imagesDir!,
  faults: { afterPngWrite: () => sleepSync(mode === 'stall-after-png' ? 60_000 : rng.int(16)) },
});
process.stdout.write('ready\n');
for (let i = 0; ; i++) {
  const seed = Number(seedText) * 1000 + i;
  const item = await store.addImage(makeImage(seed, 24, 16), makeRecord({ seed, createdAt: new Date(Date.UTC(2026, 0, 1) + seed * 1000 + rng.int(999)).toISOString() }));
  process.stdout.write(`saved ${item.id}\n`);
  const existing = store.query({}).items;
  const other = existing[rng.int(existing.length)];
  if (other && i % 3 === 1) store.setStar(other.id, !other.starred);
  if (other && i % 4 === 2) store.setNotes(other.id, `note ${i} `.repeat(1 + rng.int(50)));
  if (other && i % 5 === 4) {
    // said before the delete: a kill between its commit and the `removed` line must not read as a lost save
    process.stdout.write(`removing ${other.id}\n`);
    if (store.remove(other.id)) process.stdout.write(`removed ${other.id}\n`);
  }
}
