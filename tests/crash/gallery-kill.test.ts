// Crash safety of the gallery under kill -9 (issue 17): a child process keeps saving results into a real
// gallery (better-sqlite3 in WAL mode + PNG files) and is SIGKILLed at seeded random moments, 22 times.
// After every kill: SQLite's integrity_check is "ok", every row has its PNG, a PNG written without its row is
// adopted by the rescan from its own metadata (same seed, same record), and nothing else is left over.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { GalleryStore } from '../../main/gallery/gallery-store';
import { isAtomicTempFile } from '../../main/services/atomic-write';
import { readGenerationRecord } from '../../main/gallery/png-record';
import { FuzzRng } from '../fuzz/harness';

const WRITER = path.join(import.meta.dirname, 'gallery-writer.ts');
const KILLS = 22;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-kill-gallery-'));
const databasePath = path.join(root, 'user-data', 'gallery.sqlite');
const imagesDir = path.join(root, 'library', 'images');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Starts the writer, waits until it is open, lets it work `ms` milliseconds, then SIGKILLs it. */
async function runAndKill(seed: number, mode: 'random' | 'stall-after-png', ms: number): Promise<{ saved: string[]; removed: string[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, databasePath, imagesDir, String(seed), mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (stdout.includes('ready\n')) resolve();
      else if (child.exitCode !== null) reject(new Error(`the writer exited early: ${stderr}`));
      else setTimeout(check, 10);
    };
    check();
  });
  await new Promise((r) => setTimeout(r, ms));
  if (mode === 'stall-after-png') {
    // Wait until the stalled PNG is on disk (the writer is then parked before its row insert).
    for (let i = 0; i < 500 && !fs.readdirSync(imagesDir).some((f) => f.endsWith('.png') && !f.startsWith('.') && !rowFiles().has(f)); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  child.kill('SIGKILL');
  const { signal } = await exited;
  expect(signal, `the writer was not killed but exited on its own: ${stderr}`).toBe('SIGKILL');
  const lines = stdout.split('\n');
  const ids = (verb: string) => lines.filter((l) => l.startsWith(`${verb} `)).map((l) => l.slice(verb.length + 1));
  // a delete the user asked for may or may not have committed before the kill: it is not a save to keep
  return { saved: ids('saved'), removed: [...ids('removing'), ...ids('removed')] };
}

function rowFiles(): Set<string> {
  if (!fs.existsSync(databasePath)) return new Set();
  const db = new Database(databasePath, { readonly: true, fileMustExist: true });
  try {
    return new Set((db.prepare('SELECT file_name FROM images').all() as { file_name: string }[]).map((r) => r.file_name));
  } catch {
    return new Set(); // the table is not created yet
  } finally {
    db.close();
  }
}

const pngFiles = () => new Set(fs.readdirSync(imagesDir).filter((f) => f.endsWith('.png') && !f.startsWith('.')));

describe('gallery under kill -9', () => {
  it(`keeps SQLite intact and rows and PNGs in step across ${KILLS} kills at random moments`, async () => {
    const rng = new FuzzRng(1717);
    const acknowledged = new Set<string>();
    let orphansAdopted = 0;
    let interruptedDeletes = 0;
    for (let k = 0; k < KILLS; k++) {
      const mode = k === 3 || k === 11 ? 'stall-after-png' : 'random';
      const run = await runAndKill(k + 1, mode, rng.range(20, 400));
      for (const id of run.saved) acknowledged.add(id);
      for (const id of run.removed) acknowledged.delete(id);

      // 1. The database file is sound.
      const db = new Database(databasePath, { fileMustExist: true });
      expect(db.pragma('integrity_check', { simple: true }), `kill ${k}`).toBe('ok');
      db.close();

      // 2. Before any repair: a row without its PNG exists only for a delete that was under way (its file
      //    renamed to the trash name); PNGs without a row are results saved just before the kill.
      const rows = rowFiles();
      const pngs = pngFiles();
      const all = fs.readdirSync(imagesDir);
      for (const f of rows) {
        if (!pngs.has(f)) {
          expect(all.some((t) => t.startsWith(`.${f}.`) && t.endsWith('.tessera-deleting')), `kill ${k}: row ${f} has no PNG and no delete was under way`).toBe(true);
          interruptedDeletes++;
        }
      }
      const orphans = [...pngs].filter((f) => !rows.has(f));
      const orphanSeeds = new Map(orphans.map((f) => [f.replace(/\.png$/, ''), readGenerationRecord(fs.readFileSync(path.join(imagesDir, f)))!.seed]));

      // 3. Opening the gallery and rescanning (what the app does) adopts the orphans from their metadata and
      //    leaves rows and PNGs exactly in step, with no temp files behind.
      const store = await GalleryStore.open({ databasePath, imagesDir });
      const report = await store.rescan();
      expect(report.skipped, `kill ${k}`).toEqual([]);
      expect([...report.added].sort(), `kill ${k}`).toEqual([...orphanSeeds.keys()].sort());
      for (const [id, seed] of orphanSeeds) expect(store.get(id)?.record.seed).toBe(seed);
      orphansAdopted += orphans.length;
      store.close();
      expect([...rowFiles()].sort(), `kill ${k}`).toEqual([...pngFiles()].sort());
      // Nothing already saved is lost: every save the writer acknowledged (and did not delete) is there.
      const kept = rowFiles();
      expect([...acknowledged].filter((id) => !kept.has(`${id}.png`)), `kill ${k}: acknowledged saves lost`).toEqual([]);
      expect(fs.readdirSync(imagesDir).filter((f) => isAtomicTempFile(f) || f.endsWith('.tessera-deleting')), `kill ${k}: leftovers`).toEqual([]);
    }
    console.log(`gallery kill -9: ${KILLS} kills, ${acknowledged.size} acknowledged saves kept, ${pngFiles().size} images kept, ${orphansAdopted} orphan PNGs re-indexed, ${interruptedDeletes} interrupted deletes completed`);
    expect(orphansAdopted).toBeGreaterThanOrEqual(2);
  }, 240_000);
});
