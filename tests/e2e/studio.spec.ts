// The studio in Debian's Chromium through the real web host and backend, with a tiny random-weight
// semantic model (the Net2Net test fixture, imported into the library's models folder): paint a layout
// with the mouse, generate two variations with live progress, find them in the gallery, reload and
// find the sketch again, Reuse restores it; pose: add a person, drag a joint, hide one, export the
// OpenPose JSON; edges: import a photo and extract its edges with live threshold preview.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { PNG } from 'pngjs';
import { importTamingCheckpoint } from '../../native-models/formats/import-taming';
import { parseDocument } from '../../renderer/document/document';
import { serveTessera } from './web-host-fixture';
import type { ServedTessera } from './web-host-fixture';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/models');
const SHOTS = path.resolve(import.meta.dirname, '../../test-results/studio');
const CLASSES: [string, [number, number, number]][] = [
  ['sky', [120, 180, 255]], ['grass', [90, 170, 70]], ['sea', [40, 90, 200]], ['sand', [220, 200, 140]], ['tree', [30, 110, 50]],
  ['mountain', [130, 110, 100]], ['rock', [110, 110, 120]], ['river', [70, 140, 220]], ['cloud', [235, 235, 245]], ['road', [80, 80, 80]],
  ['house', [190, 90, 70]], ['flower', [230, 120, 180]], ['snow', [250, 250, 255]],
];
const color = (name: string) => CLASSES.find(([n]) => n === name)![1];
const id = (name: string) => CLASSES.findIndex(([n]) => n === name);

test.setTimeout(150_000); // a typical run takes 20 s; the margin is for loaded CI machines

let served: ServedTessera;
test.beforeAll(async () => {
  served = await serveTessera();
  const bundle = path.join(served.userDataDir, 'library', 'models', 'tiny-scenes');
  await importTamingCheckpoint(path.join(FIXTURES, 'net2net-seg.ckpt'), { out: bundle, config: path.join(FIXTURES, 'net2net-seg.project.yaml') });
  // Friendlier class names and colours for the 13 labels (the palette is display data in the manifest).
  const manifestPath = path.join(bundle, 'manifest.json');
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as { name: string; palette: { names: string[]; colors: number[][] } };
  manifest.name = 'tiny-scenes';
  manifest.palette = { names: CLASSES.map(([n]) => n), colors: CLASSES.map(([, c]) => c) };
  fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  fs.mkdirSync(SHOTS, { recursive: true });
});
test.afterAll(async () => {
  await served?.stop();
});

function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  return problems;
}

/** Maps document pixels to page coordinates from the canvas box and the zoom readout (the view fits the document centred). */
async function docToPage(page: Page) {
  const box = (await page.getByTestId('studio-canvas').locator('canvas').last().boundingBox())!;
  const zoom = Number((await page.locator('.zoom-readout').innerText()).replace('%', '')) / 100;
  const docSize = 256;
  const panX = (box.width - docSize * zoom) / 2;
  const panY = (box.height - docSize * zoom) / 2;
  return (x: number, y: number) => ({ x: box.x + panX + x * zoom, y: box.y + panY + y * zoom });
}

/** The colour the view shows at document pixel (x, y) (read back from fabric's lower canvas). */
async function shownColor(page: Page, x: number, y: number): Promise<number[]> {
  const at = await docToPage(page);
  const box = (await page.getByTestId('studio-canvas').locator('canvas').first().boundingBox())!;
  const p = at(x + 0.5, y + 0.5);
  type Canvas2d = { getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
  return page.getByTestId('studio-canvas').locator('canvas').first().evaluate((c, [px, py]) => [...(c as unknown as Canvas2d).getContext('2d').getImageData(px!, py!, 1, 1).data.slice(0, 3)], [Math.floor(p.x - box.x), Math.floor(p.y - box.y)]);
}

/** Labels at the given pixels in the autosaved document (null until the first autosave). */
async function autosavedLabels(page: Page, points: [number, number][]): Promise<number[] | null> {
  const text = await page.evaluate(() => (globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage.getItem('tessera.studio.autosave'));
  if (text === null) return null;
  const { doc } = parseDocument((JSON.parse(text) as { document: unknown }).document);
  return points.map(([x, y]) => doc.semantic.labels.data[y * doc.width + x]!);
}

async function chooseClass(page: Page, name: string) {
  const search = page.getByRole('searchbox', { name: 'Search classes' });
  await search.fill(name);
  const classes = page.getByRole('listbox', { name: 'Classes' });
  await expect(classes.getByRole('option')).toHaveCount(1);
  await search.fill('');
  await classes.getByRole('option', { name: new RegExp(`^${name}( eraser)?$`) }).click(); // focus leaves the search box, so tool keys work
  await expect(page.getByTestId('current-class')).toContainText(name);
}

test('semantic: paint, generate with progress, gallery, reload, reuse', async ({ page }) => {
  const problems = watchProblems(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(`${served.url}#/studio`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Studio');
  // First launch opens the example landscape layout for the bundled starter model; this test sketches for
  // the tiny fixture model on a blank canvas instead.
  await page.getByRole('combobox', { name: 'Model' }).selectOption({ label: 'tiny-scenes' });
  await expect(page.getByRole('combobox', { name: 'Model' })).toHaveValue(/tiny-scenes$/);
  await page.getByRole('button', { name: 'Clear', exact: true }).click();
  await expect(page.getByTestId('current-class')).toBeVisible();

  // Sky background by fill, a sea rectangle, a sand beach with the brush, a rock with the polygon.
  const at = await docToPage(page);
  await chooseClass(page, 'sky');
  await page.getByRole('button', { name: 'Fill' }).click();
  await page.mouse.click(at(10, 10).x, at(10, 10).y);
  await chooseClass(page, 'sea');
  await page.keyboard.press('r');
  await page.mouse.move(at(0, 150).x, at(0, 150).y);
  await page.mouse.down();
  await page.mouse.move(at(120, 200).x, at(120, 200).y, { steps: 4 });
  await page.mouse.move(at(255, 255).x, at(255, 255).y, { steps: 4 });
  await page.mouse.up();
  await chooseClass(page, 'sand');
  await page.keyboard.press('b');
  for (let i = 0; i < 3; i++) await page.keyboard.press(']');
  await page.mouse.move(at(20, 225).x, at(20, 225).y);
  await page.mouse.down();
  await page.mouse.move(at(230, 235).x, at(230, 235).y, { steps: 12 });
  await page.mouse.up();
  await chooseClass(page, 'rock');
  await page.keyboard.press('p');
  for (const [x, y] of [[150, 60], [210, 60], [180, 120]] as const) await page.mouse.click(at(x, y).x, at(x, y).y);
  await page.keyboard.press('Enter');

  // Undo / redo the polygon.
  await page.keyboard.press('Control+z');
  await expect.poll(() => shownColor(page, 180, 75)).toEqual(color('sky'));
  await page.keyboard.press('Control+Shift+z');
  await expect.poll(() => shownColor(page, 180, 75)).toEqual(color('rock'));

  // The view shows the labels exactly, and the autosaved document holds them.
  expect(await shownColor(page, 5, 5)).toEqual(color('sky'));
  expect(await shownColor(page, 100, 180)).toEqual(color('sea'));
  expect(await shownColor(page, 120, 230)).toEqual(color('sand'));
  await expect.poll(() => autosavedLabels(page, [[5, 5], [100, 180], [120, 230], [180, 75]])).toEqual([id('sky'), id('sea'), id('sand'), id('rock')]);
  await page.screenshot({ path: path.join(SHOTS, '1-semantic-sketch.png') });

  // Ctrl+wheel sizes the brush, the wheel zooms about the pointer, Ctrl+0 fits again.
  await page.keyboard.press('b');
  const size = Number((await page.getByTestId('brush-size').innerText()).replace('px', ''));
  await page.mouse.move(at(128, 128).x, at(128, 128).y);
  await page.keyboard.down('Control');
  await page.mouse.wheel(0, -100);
  await page.keyboard.up('Control');
  await expect(page.getByTestId('brush-size')).not.toHaveText(`${size}px`);
  const fitZoom = await page.locator('.zoom-readout').innerText();
  await page.mouse.wheel(0, -300);
  await expect(page.locator('.zoom-readout')).not.toHaveText(fitZoom);
  await page.keyboard.press('Control+0');
  await expect(page.locator('.zoom-readout')).toHaveText(fitZoom);

  // Generate 2 variations at 64×64 (8×8 tokens): watch progress, then both results with their seeds.
  await page.getByRole('combobox', { name: 'Output size' }).selectOption('64');
  await page.getByRole('spinbutton', { name: 'Variations' }).fill('2');
  await page.getByRole('button', { name: 'Lock seed' }).click();
  await expect(page.getByRole('button', { name: 'Lock seed' })).toHaveAttribute('aria-pressed', 'true');
  await page.getByRole('spinbutton', { name: 'Seed' }).fill('1234');
  // Record every progress text the page shows (the tiny model is fast; a poll could miss them all).
  await page.evaluate(() => {
    type Doc = { querySelector(s: string): { textContent: string | null } | null; body: unknown };
    type Observer = new (f: () => void) => { observe(target: unknown, options: object): void };
    const g = globalThis as unknown as { __progress: string[]; document: Doc; MutationObserver: Observer };
    const seen: string[] = [];
    g.__progress = seen;
    new g.MutationObserver(() => {
      const t = g.document.querySelector('[data-testid="progress"]')?.textContent;
      if (t && seen[seen.length - 1] !== t) seen.push(t);
    }).observe(g.document.body, { subtree: true, childList: true, characterData: true });
  });
  await page.keyboard.press('Control+Enter');
  await expect(page.getByTestId('result-status')).toHaveText(/Done in/, { timeout: 60_000 });
  const progress = await page.evaluate(() => (globalThis as unknown as { __progress: string[] }).__progress);
  expect(progress.some((t) => /^Token \d+ \/ 64$/.test(t))).toBe(true);
  await expect(page.getByTestId('result-image')).toHaveCount(2);
  await expect(page.getByTestId('result-image').nth(0)).toContainText('Seed 1234');
  await expect(page.getByTestId('result-image').nth(1)).toContainText('Seed 1235');
  await expect(page.getByTestId('result-image').first().locator('img')).toHaveAttribute('src', /^data:image\/png;base64,/);
  await page.screenshot({ path: path.join(SHOTS, '2-generated.png') });

  // Esc cancels a running generation within a token; nothing is saved (the gallery keeps its 2 images).
  await page.getByRole('combobox', { name: 'Output size' }).selectOption('256');
  await page.keyboard.press('Control+Enter');
  await expect(page.getByTestId('progress')).toHaveText(/^Token [1-9]\d* \/ 1024$/, { timeout: 60_000 });
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('result-status')).toHaveText(/^Cancelled at token \d+ \/ 1024/);

  // Completion (masked resampling) needs an unconditional or class model: with only a semantic model the
  // results offer no "Complete…", but the mode still takes an image and a painted mask.
  await expect(page.getByRole('button', { name: 'Complete…' })).toHaveCount(0);
  await page.getByRole('tab', { name: 'Completion' }).click();
  await expect(page.getByRole('combobox', { name: 'Model' })).toHaveValue('');
  const photo = new PNG({ width: 64, height: 64 });
  for (let i = 0; i < 64 * 64; i++) photo.data.set([20, 140, 90, 255], i * 4);
  await page.getByTestId('condition-image-input').setInputFiles({ name: 'result.png', mimeType: 'image/png', buffer: PNG.sync.write(photo) });
  await expect.poll(() => shownColor(page, 60, 60)).toEqual([20, 140, 90]);
  await page.getByRole('button', { name: 'Rectangle' }).click();
  await page.mouse.move(at(128, 0).x + 1, at(128, 0).y + 1);
  await page.mouse.down();
  await page.mouse.move(at(250, 250).x, at(250, 250).y, { steps: 5 });
  await page.mouse.up();
  await expect.poll(async () => (await shownColor(page, 200, 100))[0]).toBeGreaterThan(100); // red mask over the image
  expect(await shownColor(page, 60, 60)).toEqual([20, 140, 90]);
  await page.screenshot({ path: path.join(SHOTS, '2b-completion-mask.png') });
  await page.getByRole('tab', { name: 'Semantic' }).click();

  // Both results are in the gallery.
  await page.goto(`${served.url}#/gallery`);
  await expect(page.getByTestId('gallery-tile')).toHaveCount(2);
  await page.screenshot({ path: path.join(SHOTS, '3-gallery.png') });

  // Reload the studio: the sketch is still there.
  await page.goto(`${served.url}#/studio`);
  await page.reload();
  await expect(page.getByTestId('current-class')).toBeVisible();
  await expect.poll(() => shownColor(page, 100, 180)).toEqual(color('sea'));
  expect(await shownColor(page, 180, 75)).toEqual(color('rock'));

  // Clear it, then Reuse the result from the gallery: the sketch comes back.
  await page.getByRole('button', { name: 'Clear' }).click();
  await expect.poll(() => shownColor(page, 100, 180)).toEqual(color('sky'));
  await page.goto(`${served.url}#/gallery`);
  await page.getByTestId('gallery-tile').first().locator('button').first().click();
  await page.getByRole('button', { name: 'Reuse' }).click();
  await expect(page).toHaveURL(/#\/studio$/);
  await expect.poll(() => shownColor(page, 100, 180)).toEqual(color('sea'));
  await expect(page.getByTestId('studio-notice')).toContainText('from the gallery');
  await expect(page.getByRole('spinbutton', { name: 'Seed' })).toHaveValue(/^123[45]$/);
  await page.screenshot({ path: path.join(SHOTS, '4-reused.png') });

  // Space-drag pans the view: the rock moves with the drag.
  type Canvas2d = { getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
  const lower = page.getByTestId('studio-canvas').locator('canvas').first();
  const box = (await lower.boundingBox())!;
  const pixelAt = (p: { x: number; y: number }) => lower.evaluate((c, [x, y]) => [...(c as unknown as Canvas2d).getContext('2d').getImageData(x!, y!, 1, 1).data.slice(0, 3)], [Math.floor(p.x - box.x), Math.floor(p.y - box.y)]);
  const rock = (await docToPage(page))(180, 75);
  const target = { x: rock.x + 60, y: rock.y + 30 };
  expect(await pixelAt(target)).toEqual(color('sky'));
  await page.mouse.move(rock.x, rock.y);
  await page.keyboard.down('Space');
  await page.mouse.down();
  await page.mouse.move(target.x, target.y, { steps: 4 });
  await page.mouse.up();
  await page.keyboard.up('Space');
  expect(await pixelAt(target)).toEqual(color('rock'));
  await page.keyboard.press('Control+0');

  // Import a label-map PNG in palette colours: grass below, sky above; exact, no blending.
  const map = new PNG({ width: 64, height: 64 });
  for (let i = 0; i < 64 * 64; i++) map.data.set([...(i < 32 * 64 ? color('sky') : color('grass')), 255], i * 4);
  await page.getByTestId('label-map-input').setInputFiles({ name: 'layout.png', mimeType: 'image/png', buffer: PNG.sync.write(map) });
  await expect.poll(() => shownColor(page, 100, 200)).toEqual(color('grass'));
  expect(await shownColor(page, 100, 120)).toEqual(color('sky'));
  await expect(page.getByTestId('studio-notice')).toContainText('Imported layout.png');
  expect(problems).toEqual([]);
});

test('pose: add a person, drag a joint, hide one, export OpenPose JSON', async ({ page }) => {
  const problems = watchProblems(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(`${served.url}#/studio`);
  await page.getByRole('tab', { name: 'Pose' }).click();
  await page.getByRole('button', { name: 'Add person' }).click();
  const at = await docToPage(page);
  // Default person: 80% of 256 tall, centred; the neck is at (128, 128 + (0.24 − 0.5)·204.8).
  const neck = at(128, 128 + (0.24 - 0.5) * 204.8);
  await page.mouse.move(neck.x, neck.y);
  await page.mouse.down();
  await page.mouse.move(at(150, 70).x, at(150, 70).y, { steps: 6 });
  await page.mouse.move(at(160, 60).x, at(160, 60).y, { steps: 6 });
  await page.mouse.up();
  // Right-click the left wrist (0.68, 0.58 of the unit box) hides it.
  const wrist = at(128 + (0.68 - 0.5) * 204.8, 128 + (0.58 - 0.5) * 204.8);
  await page.mouse.click(wrist.x, wrist.y, { button: 'right' });
  await expect(page.getByRole('button', { name: /Person 1/ })).toContainText('17/18 joints');
  await page.screenshot({ path: path.join(SHOTS, '5-pose.png') });

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export' }).click();
  const file = await (await download).path();
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { canvas_width: number; people: { pose_keypoints_2d: number[] }[] };
  expect(json.canvas_width).toBe(256);
  const k = json.people[0]!.pose_keypoints_2d;
  expect(k).toHaveLength(54);
  expect(k[3]!).toBeCloseTo(160, -0.5);
  expect(k[4]!).toBeCloseTo(60, -0.5);
  expect(k[5]).toBe(1);
  expect(k.slice(7 * 3, 7 * 3 + 3)).toEqual([0, 0, 0]);
  // One drag = one undo step: undo puts the neck back.
  await page.keyboard.press('Control+z');
  await page.keyboard.press('Control+z');
  await expect(page.getByRole('button', { name: /Person 1/ })).toContainText('18/18 joints');
  expect(problems).toEqual([]);
});

test('edges: import a photo, extract edges with live thresholds, use them', async ({ page }) => {
  const problems = watchProblems(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(`${served.url}#/studio`);
  await page.getByRole('tab', { name: 'Edges' }).click();
  // A "photo": a bright disc on a dark ground, 320×320.
  const png = new PNG({ width: 320, height: 320 });
  for (let y = 0; y < 320; y++) {
    for (let x = 0; x < 320; x++) {
      const v = (x - 160) ** 2 + (y - 160) ** 2 < 90 ** 2 ? 220 : 30;
      png.data.set([v, v * 0.8, v * 0.6, 255], (y * 320 + x) * 4);
    }
  }
  await page.getByTestId('edge-photo-input').setInputFiles({ name: 'disc.png', mimeType: 'image/png', buffer: PNG.sync.write(png) });
  await expect(page.getByTestId('edge-preview')).toBeVisible();
  const caption = page.getByTestId('edge-extract').locator('figcaption').nth(1);
  await expect(caption).toHaveText(/\d+ edge px/);
  const before = Number((await caption.innerText()).split(' ')[0]);
  expect(before).toBeGreaterThan(200);
  // A high threshold above the edge strength finds nothing (the preview follows the slider).
  await page.getByRole('slider', { name: 'High threshold' }).fill('0.5');
  await page.getByRole('slider', { name: 'Low threshold' }).fill('0.5');
  await expect(caption).toHaveText(/^0 edge px/);
  await page.getByRole('slider', { name: 'Low threshold' }).fill('0.05');
  await page.getByRole('slider', { name: 'High threshold' }).fill('0.1');
  await expect(caption).toHaveText(new RegExp(`^${before} edge px`));
  await page.screenshot({ path: path.join(SHOTS, '6-edges-extract.png') });
  await page.getByRole('button', { name: 'Use these edges' }).click();
  // The disc's outline (radius 90 of 320 → 72 of 256) is white; its centre and the corner are black.
  await expect.poll(async () => {
    let white = 0;
    for (let dx = -3; dx <= 3; dx++) if ((await shownColor(page, 128 + 72 + dx, 128))[0] === 255) white++;
    return white;
  }).toBeGreaterThan(0);
  expect((await shownColor(page, 128, 128))[0]).toBeLessThan(255);
  await page.screenshot({ path: path.join(SHOTS, '7-edges.png') });
  expect(problems).toEqual([]);
});
