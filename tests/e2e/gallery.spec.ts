// The gallery in Debian's Chromium against the real web host and the real backend: PNGs written by
// png-record (the same code the generator uses) land in the library folder, Rescan indexes them from
// their own metadata, then search, filters, star, notes, export and delete work through the API.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { readGenerationRecord, writePngFileSync } from '../../main/gallery/png-record';
import type { RgbImage } from '../../main/gallery/png-record';
import type { ConditionMode, GenerationRecord } from '../../preload/generation-record';
import { createDocument, serializeDocument, classesUsed } from '../../renderer/document/document';
import { fillRect } from '../../renderer/editor/raster/shapes';
import { serveTessera } from './web-host-fixture';
import type { ServedTessera } from './web-host-fixture';

test.use({ viewport: { width: 1440, height: 960 } });

let served: ServedTessera;
test.beforeAll(async () => {
  served = await serveTessera();
});
test.afterAll(async () => {
  await served?.stop();
});

/** A small picture: horizontal bands of colour with a little texture. */
function bands(width: number, height: number, stops: [number, [number, number, number]][]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const band = stops.find(([until]) => y < until * height)?.[1] ?? stops[stops.length - 1]![1];
    for (let x = 0; x < width; x++) {
      const n = ((x * 7 + y * 13) % 17) - 8;
      for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, band[c]! + n));
    }
  }
  return { width, height, channels: 3, data };
}

function record(mode: ConditionMode, modelId: string, modelName: string, seed: number, createdAt: string, extra: Partial<GenerationRecord> = {}): GenerationRecord {
  return {
    format: 'tessera.generation', version: 1, appVersion: '0.1.0', createdAt,
    model: { id: modelId, name: modelName, sha256: `${modelId.length.toString(16)}f00d`.padEnd(64, 'e') },
    mode, seed, sampler: { temperature: 1.0, topK: 100, topP: null, greedy: false },
    size: { width: 128, height: 128 }, executionProvider: 'cpu', device: 'CPU',
    timings: { totalMs: 4200, encodeMs: 40, sampleMs: 4000, decodeMs: 160 }, condition: null, ...extra,
  };
}

function seedLibrary(imagesDir: string): void {
  const palette = [{ id: 105, name: 'sea', color: [40, 90, 200] as [number, number, number] }, { id: 148, name: 'sand', color: [220, 200, 140] as [number, number, number] }, { id: 156, name: 'sky-other', color: [120, 180, 255] as [number, number, number] }];
  const doc = createDocument({ width: 128, height: 128, palette, background: 156 });
  fillRect(doc.semantic.labels, { x: 0, y: 60 }, { x: 127, y: 95 }, 105);
  fillRect(doc.semantic.labels, { x: 0, y: 96 }, { x: 127, y: 127 }, 148);
  writePngFileSync(path.join(imagesDir, 'beach.png'), bands(128, 128, [[0.47, [130, 180, 240]], [0.75, [30, 80, 170]], [1, [215, 195, 140]]]),
    record('semantic', 'sflckr-tiny', 'S-FLCKR tiny', 11, '2026-11-20T09:00:00Z', { classesUsed: classesUsed(doc), condition: serializeDocument(doc) }));
  writePngFileSync(path.join(imagesDir, 'meadow.png'), bands(128, 128, [[0.4, [170, 200, 235]], [1, [70, 140, 60]]]),
    record('semantic', 'sflckr-tiny', 'S-FLCKR tiny', 22, '2026-11-21T09:00:00Z', { classesUsed: ['grass', 'sky-other'] }));
  writePngFileSync(path.join(imagesDir, 'dancer.png'), bands(128, 128, [[0.6, [60, 40, 90]], [1, [120, 70, 110]]]),
    record('pose', 'deepfashion-pose', 'DeepFashion pose', 33, '2026-11-22T09:00:00Z'));
}

async function tiles(page: Page) {
  return page.getByTestId('gallery-tile');
}

test('seeded PNGs are indexed, searched, filtered, starred, annotated, exported and deleted', async ({ page }) => {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });

  await page.goto(`${served.url}#/gallery`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Gallery');
  await expect(page.getByTestId('gallery-count')).toHaveText('0 images');
  await expect(page.getByText('No images yet')).toBeVisible();

  // Files appear in the library behind the app's back; Rescan adopts them from their own metadata.
  const imagesDir = path.join(served.userDataDir, 'library', 'images');
  fs.mkdirSync(imagesDir, { recursive: true });
  seedLibrary(imagesDir);
  await page.getByRole('button', { name: 'Rescan' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Rescan: 3 added' })).toBeVisible();
  await expect(page.getByTestId('gallery-count')).toHaveText('3 images');
  await expect(await tiles(page)).toHaveCount(3);
  // Newest first; thumbnails are data: URLs from the API, never file://.
  await expect((await tiles(page)).first()).toHaveAttribute('data-id', 'dancer');
  const firstThumb = (await tiles(page)).first().locator('img');
  await expect(firstThumb).toHaveAttribute('src', /^data:image\/png;base64,/);
  await page.screenshot({ path: 'test-results/gallery-grid.png', fullPage: true });

  // Search by class name used, then by model; filter by mode.
  const search = page.getByLabel('Search the gallery');
  await search.fill('sand');
  await expect(await tiles(page)).toHaveCount(1);
  await expect((await tiles(page)).first()).toHaveAttribute('data-id', 'beach');
  await search.fill('deepfashion');
  await expect(await tiles(page)).toHaveCount(1);
  await search.fill('');
  await page.getByLabel('Mode filter').selectOption('semantic');
  await expect(await tiles(page)).toHaveCount(2);
  await page.getByLabel('Mode filter').selectOption('');
  await page.getByLabel('Sort order').selectOption('seed:asc');
  await expect((await tiles(page)).first()).toHaveAttribute('data-id', 'beach');

  // Star the meadow from its tile, then filter to starred.
  await page.getByRole('button', { name: 'Star S-FLCKR tiny, seed 22' }).click();
  await expect(page.getByRole('button', { name: 'Unstar S-FLCKR tiny, seed 22' })).toBeVisible();
  await page.getByLabel('Starred only').check();
  await expect(await tiles(page)).toHaveCount(1);
  await page.getByLabel('Starred only').uncheck();

  // Details panel with every parameter; notes are searchable.
  await page.getByRole('button', { name: 'S-FLCKR tiny, seed 11, Semantic', exact: true }).click();
  const details = page.getByTestId('gallery-details');
  await expect(details).toBeVisible();
  const params = page.getByTestId('gallery-params');
  for (const text of ['Semantic', 'S-FLCKR tiny (sflckr-tiny)', '11', 'Temperature 1', '100', '128 × 128', 'cpu · CPU', 'sand', 'sea', '0.1.0']) {
    await expect(params).toContainText(text);
  }
  await expect(details.locator('img.gallery-preview')).toHaveAttribute('src', /^data:image\/png;base64,/);
  // The condition is drawn from the stored document: sky / sea / sand bands in palette colours.
  const condition = details.getByRole('img', { name: 'Condition (semantic)' });
  await expect(condition).toBeVisible();
  type Canvas2d = { getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
  const pixels = await condition.evaluate((el) => {
    const c = (el as unknown as Canvas2d).getContext('2d');
    return [10, 70, 110].map((y) => [...c.getImageData(5, y, 1, 1).data.slice(0, 3)]);
  });
  expect(pixels).toEqual([[120, 180, 255], [40, 90, 200], [220, 200, 140]]);
  await page.screenshot({ path: 'test-results/gallery-details.png' });
  await details.getByLabel('Notes').fill('golden hour, keep the horizon');
  await details.getByRole('button', { name: 'Save notes' }).click();
  await expect(details.getByText('Notes saved')).toBeVisible();
  await search.fill('horizon');
  await expect(await tiles(page)).toHaveCount(1);
  await search.fill('');
  await expect(await tiles(page)).toHaveCount(3);

  // Reuse hands the document and settings to the studio, which takes them (once) and loads them.
  await details.getByRole('button', { name: 'Reuse' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Studio');
  await expect(page.getByTestId('studio-notice')).toContainText('Loaded the sketch and settings of beach from the gallery');
  type Storage = { sessionStorage: { getItem(key: string): string | null } };
  expect(await page.evaluate(() => (globalThis as unknown as Storage).sessionStorage.getItem('tessera.reuse'))).toBeNull();
  await page.goBack();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Gallery');
  await page.getByRole('button', { name: 'S-FLCKR tiny, seed 11, Semantic', exact: true }).click();
  await expect(details).toBeVisible();

  // Export without metadata: a real download whose PNG carries no record.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    details.getByRole('button', { name: 'Export without metadata' }).click(),
  ]);
  const exported = await download.path();
  expect(download.suggestedFilename()).toBe('beach-clean.png');
  expect(readGenerationRecord(fs.readFileSync(exported))).toBeNull();

  // Delete with confirmation: the file leaves the disk.
  const beachFile = path.join(imagesDir, 'beach.png');
  expect(fs.existsSync(beachFile)).toBe(true);
  await details.getByRole('button', { name: 'Delete…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete this image?' });
  await expect(dialog).toBeVisible();
  await page.screenshot({ path: 'test-results/gallery-delete-confirm.png' });
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  expect(fs.existsSync(beachFile)).toBe(true);
  await page.keyboard.press('Delete'); // the keyboard path to the same confirmation
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Deleted beach.png' })).toBeVisible();
  await expect(await tiles(page)).toHaveCount(2);
  expect(fs.existsSync(beachFile)).toBe(false);

  // A reload shows the same state from the database.
  await page.reload();
  await expect(page.getByTestId('gallery-count')).toHaveText('2 images');
  await expect(page.getByRole('button', { name: 'Unstar S-FLCKR tiny, seed 22' })).toBeVisible();
  await page.screenshot({ path: 'test-results/gallery-after-delete.png', fullPage: true });

  expect(problems).toEqual([]);
});
