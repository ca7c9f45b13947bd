// First launch (issue 9): a fresh user folder, nothing imported. The studio opens with the bundled
// starter-landscapes model selected and the example layout loaded, and Generate produces an image with
// no further step — the shipped starter bundle through the real web host, worker and onnxruntime.
import { expect, test } from '@playwright/test';
import { PNG } from 'pngjs';
import { serveTessera } from './web-host-fixture';
import type { ServedTessera } from './web-host-fixture';

test.setTimeout(150_000); // a 256×256 generation takes ~4 s here; the margin is for loaded CI machines

let served: ServedTessera;
test.beforeAll(async () => { served = await serveTessera(); });
test.afterAll(async () => { await served?.stop(); });

test('first launch: starter-landscapes and the example layout are ready, Generate works', async ({ page }) => {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`); });

  await page.goto(`${served.url}#/studio`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Studio');
  const model = page.getByRole('combobox', { name: 'Model' });
  await expect(model).toHaveValue(/starter-landscapes$/);
  await expect(model.locator('option:checked')).toHaveText(/starter-landscapes/);
  // 256² is a sliding-window size for the starter: the window stride is the model's own (4 × 4) until one is picked.
  const stride = page.getByRole('combobox', { name: 'Window stride' });
  await expect(stride.locator('option:checked')).toHaveText('the model’s (4×4)');
  await expect(stride.locator('option')).toHaveText(['the model’s (4×4)', '1×1 (taming’s rule, slowest)', '2×2', '4×4']);

  // Generate with what first launch offers (the example layout, the default size), nothing changed.
  await page.keyboard.press('Control+Enter');
  await expect(page.getByTestId('result-status')).toHaveText(/Done in/, { timeout: 120_000 });
  const img = page.getByTestId('result-image').first().locator('img');
  await expect(img).toHaveAttribute('src', /^data:image\/png;base64,/);
  // A real picture, not a flat colour: the decoded image has varied pixels.
  const src = (await img.getAttribute('src'))!;
  const png = PNG.sync.read(Buffer.from(src.slice(src.indexOf(',') + 1), 'base64'));
  let lo = 255, hi = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    const g = (png.data[i]! + png.data[i + 1]! + png.data[i + 2]!) / 3;
    lo = Math.min(lo, g);
    hi = Math.max(hi, g);
  }
  const spread = { w: png.width, range: hi - lo };
  expect(spread.w).toBeGreaterThanOrEqual(64);
  expect(spread.range).toBeGreaterThan(30);
  expect(problems).toEqual([]);
});

test('pose out of the box: the bundled starter-figures is picked at its own size and a default person generates', async ({ page }) => {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`); });

  await page.goto(`${served.url}#/studio`);
  await page.getByRole('tab', { name: 'Pose' }).click();
  await page.getByRole('button', { name: 'Add person' }).click();
  const model = page.getByRole('combobox', { name: 'Model' });
  await expect(model).toHaveValue(/starter-figures$/);
  // The manifest's outputSize (128×128 whole figures) replaces the studio's 256 default.
  await expect(page.getByRole('combobox', { name: 'Output size' })).toHaveValue('128');
  await page.keyboard.press('Control+Enter');
  await expect(page.getByTestId('result-status')).toHaveText(/Done in/, { timeout: 120_000 });
  const src = (await page.getByTestId('result-image').first().locator('img').getAttribute('src'))!;
  const png = PNG.sync.read(Buffer.from(src.slice(src.indexOf(',') + 1), 'base64'));
  expect([png.width, png.height]).toEqual([128, 128]);
  expect(problems).toEqual([]);
});
