// The fine-tune wizard and dashboard in Debian's Chromium against the real web host, the real fine-tune
// worker and the tiny base bundle: the scan report lists the corrupt file with its reason, a short job
// starts from the wizard, draws its loss curve and a sample, stops and saves, resumes after a page reload
// (the runs list comes from the backend), finishes with its held-out results, and its new model shows on
// the Models page as fine-tuned.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { writeLandscapeDataset } from '../../recipes/landscapes';
import { writeTinyBaseBundle } from '../native-models/training/fixtures/tiny-bundle';
import { serveTessera } from './web-host-fixture';
import type { ServedTessera } from './web-host-fixture';

test.use({ viewport: { width: 1440, height: 960 } });

let served: ServedTessera;
let base: string;
let images: string;
let scratch: string;

test.beforeAll(async () => {
  served = await serveTessera();
  base = await writeTinyBaseBundle(path.join(served.userDataDir, 'library', 'models'));
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-e2e-ft-images-'));
  images = path.join(scratch, 'pictures');
  await writeLandscapeDataset({ outDir: images, count: 12, seed: 3, width: 64, height: 64 });
  // A PNG whose signature is right and whose data is garbage: listed as skipped, never fatal.
  fs.writeFileSync(path.join(images, 'corrupt.png'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('not really a png')]));
});

test.afterAll(async () => {
  await served?.stop();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  return problems;
}

test('wizard → scan report → start → live loss and sample → stop → resume after reload → finished model on the Models page', async ({ page }) => {
  test.setTimeout(150_000);
  const problems = watchProblems(page);
  await page.goto(`${served.url}#/finetune`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Fine-tune');
  await expect(page.getByText('No runs yet.')).toBeVisible();

  // Base model (only bundles that can be fine-tuned are offered) and folder; a relative path is refused inline.
  const modelSelect = page.getByLabel('Base model');
  await expect(modelSelect.locator('option', { hasText: 'tiny-base' })).toHaveCount(1);
  await modelSelect.selectOption(base);
  await page.getByLabel('Folder of pictures (full path)').fill('pictures');
  await page.getByRole('button', { name: 'Scan', exact: true }).click();
  await expect(page.getByText('Enter the full path of the folder')).toBeVisible();
  await page.getByLabel('Folder of pictures (full path)').fill(images);
  await page.getByRole('button', { name: 'Scan', exact: true }).click();

  const report = page.getByTestId('scan-report');
  await expect(report.getByTestId('scan-counts')).toContainText('12 usable for training');
  const skipped = report.getByTestId('scan-skipped');
  await skipped.locator('summary').click();
  const corruptRow = skipped.locator('tr', { hasText: 'corrupt.png' });
  await expect(corruptRow).toBeVisible();
  await expect(corruptRow.locator('td').nth(1)).not.toBeEmpty();
  await expect(report.getByText('Unconditional model')).toBeVisible();
  await expect(report.getByRole('img', { name: /Training crop of scene-/ }).first()).toBeVisible();

  // Presets come from real timed steps on this device.
  await expect(page.getByTestId('preset-quick')).toContainText('steps', { timeout: 60_000 });
  await expect(page.getByTestId('estimate-provider')).toHaveText('cpu');
  await page.getByTestId('preset-quick').click();

  // Advanced: a short job with a preview every 30 steps; a bad value is refused inline first.
  await page.getByText('Advanced', { exact: true }).click();
  await page.getByLabel('Steps', { exact: true }).fill('0');
  await expect(page.getByText('Steps must be from 1 to 1,000,000.').first()).toBeVisible();
  await expect(page.getByRole('button', { name: 'Start fine-tuning' })).toBeDisabled();
  await page.getByLabel('Steps', { exact: true }).fill('600');
  await page.getByLabel('Batch size').fill('2');
  await page.getByLabel('Save every N steps').fill('30');
  await page.getByLabel('New model name').fill('tiny tuned');
  await page.getByRole('button', { name: 'Start fine-tuning' }).click();

  // The dashboard: live step counter and loss curve; stop and save as soon as the curve has points.
  const dashboard = page.getByTestId('finetune-dashboard');
  await expect(dashboard.getByRole('heading', { name: 'tiny tuned' })).toBeVisible();
  await expect(dashboard.getByTestId('dashboard-status')).toHaveText('running');
  const lossPath = dashboard.getByTestId('loss-chart').locator('path[data-loss="nll"]');
  await expect.poll(async () => Number(await lossPath.getAttribute('data-points')), { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
  expect(await lossPath.getAttribute('d')).toMatch(/^M[\d.]+ [\d.]+( L[\d.]+ [\d.]+)+$/);
  await expect(dashboard.getByTestId('step-counter')).toContainText(/step [1-9]\d* \/ 600/);
  await dashboard.getByRole('button', { name: 'Stop and save' }).click();
  await expect(dashboard.getByTestId('dashboard-status')).toHaveText('stopped', { timeout: 60_000 });
  const stoppedAt = Number((await dashboard.getByTestId('step-counter').textContent())?.match(/step (\d+)/)?.[1]);
  expect(stoppedAt).toBeGreaterThan(0);
  expect(stoppedAt).toBeLessThan(600);
  const row = page.getByTestId('run-row').filter({ hasText: 'tiny tuned' });
  await expect(row.getByTestId('run-status')).toHaveText('stopped');
  await page.screenshot({ path: 'test-results/finetune-stopped.png', fullPage: true });

  // After a reload the runs list comes from the backend; resume from there.
  await page.reload();
  await page.getByTestId('run-row').filter({ hasText: 'tiny tuned' }).click();
  await expect(dashboard.getByTestId('dashboard-status')).toHaveText('stopped');
  await expect(dashboard.getByTestId('loss-chart').locator('path[data-loss="nll"]')).toHaveAttribute('d', /L/);
  await expect(dashboard.getByTestId('step-counter')).toHaveText(`step ${stoppedAt} / 600`);
  await dashboard.getByRole('button', { name: /^Resume/ }).click();
  await expect(dashboard.getByTestId('dashboard-status')).toHaveText(/running|finished/);
  // Samples every 30 steps (fixed seed) arrive while it runs (or with the history once it has finished).
  await expect(dashboard.getByTestId('sample-preview').first()).toBeVisible({ timeout: 60_000 });
  await expect(dashboard.getByTestId('sample-preview').first().locator('img')).toHaveAttribute('src', /^data:image\/png;base64,/);
  await expect(dashboard.getByTestId('dashboard-status')).toHaveText('finished', { timeout: 90_000 });
  await expect(dashboard.getByTestId('step-counter')).toHaveText('step 600 / 600');
  await expect(dashboard.getByTestId('results-table')).toContainText('NLL');
  await expect(page.getByTestId('run-row').filter({ hasText: 'tiny tuned' }).getByTestId('run-status')).toHaveText('finished');
  // Log scale redraws the same points.
  await dashboard.getByLabel('Log scale').check();
  await expect(dashboard.getByTestId('loss-chart').locator('path[data-loss="nll"]')).toHaveAttribute('d', /^M[\d.]+ [\d.]+( L[\d.]+ [\d.]+)+$/);
  await page.screenshot({ path: 'test-results/finetune-finished.png', fullPage: true });

  // Base vs tuned on the same seed.
  await dashboard.getByRole('button', { name: 'Compare base vs tuned' }).click();
  const compare = dashboard.getByTestId('compare-result');
  await expect(compare.locator('img')).toHaveCount(2, { timeout: 60_000 });

  // The new model is on the Models page, as fine-tuned, opened with its details shown.
  await dashboard.getByTestId('open-model').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Models');
  expect(new URL(page.url()).hash).toMatch(/^#\/models\?select=/);
  const modelRow = page.getByTestId('model-row').filter({ hasText: 'tiny tuned' });
  await expect(modelRow).toContainText('Fine-tuned');
  await expect(modelRow).toHaveAttribute('aria-selected', 'true');
  const details = page.getByTestId('model-details');
  await expect(details.getByRole('heading', { level: 2 })).toHaveText('tiny tuned');
  await expect(details.locator('.info-row', { hasText: 'Origin' }).locator('dd')).toHaveText('Fine-tuned');
  await expect(details.locator('.info-row', { hasText: 'Source' }).locator('dd')).toHaveText('fine-tuned from tiny-base');
  // The test-written base is no fine-tune, whatever its tool string says.
  await expect(page.getByTestId('model-row').filter({ hasText: 'tiny-base' })).toContainText('Imported');
  expect(problems).toEqual([]);
});

test('an API error is shown verbatim in the wizard', async ({ page }) => {
  await page.goto(`${served.url}#/finetune`);
  await page.getByLabel('Base model').selectOption(base);
  const missing = path.join(scratch, 'no-such-folder');
  await page.getByLabel('Folder of pictures (full path)').fill(missing);
  await page.getByRole('button', { name: 'Scan', exact: true }).click();
  await expect(page.getByTestId('scan-error')).toContainText(`The images folder ${missing} does not exist`);
});
