// The model manager and Settings → Device in Debian's Chromium against the real web host and backend:
// the taming fixture checkpoints go through the real importer (by path and by drag-and-drop upload),
// an invalid file shows the importer's own message, delete asks first, and the CPU self-test passes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { serveTessera } from './web-host-fixture';
import type { ServedTessera } from './web-host-fixture';

test.use({ viewport: { width: 1440, height: 960 } });

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/taming');
let served: ServedTessera;
test.beforeAll(async () => {
  served = await serveTessera();
});
test.afterAll(async () => {
  await served?.stop();
});

const modelsFolder = () => path.join(served.userDataDir, 'library', 'models');

function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  return problems;
}

/** Rows of the library's models (the bundled starter models are listed too but are not counted). */
function libraryRows(page: Page) {
  return page.getByTestId('model-row').filter({ hasNot: page.locator('.origin-bundled') });
}

async function importByPath(page: Page, file: string, config?: string) {
  await page.getByLabel('Checkpoint file or bundle folder (path)').fill(file);
  await page.getByLabel('project.yaml (optional)').fill(config ?? '');
  await page.getByRole('button', { name: 'Import', exact: true }).click();
}

test('imports a fixture checkpoint by path and by drag-and-drop, and lists it with its details', async ({ page }) => {
  const problems = watchProblems(page);
  await page.goto(`${served.url}#/models`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Models');
  // The list has loaded: empty, or only the bundled starter models.
  await expect(page.getByText('No models yet.').or(page.getByTestId('model-row').first())).toBeVisible();
  await expect(libraryRows(page)).toHaveCount(0);

  await importByPath(page, path.join(FIXTURES, 'vqgan-f4-attn.ckpt'));
  await expect(page.getByText('Imported “vqgan-f4-attn”')).toBeVisible();
  const row = page.getByTestId('model-row').filter({ hasText: 'vqgan-f4-attn' });
  await expect(row).toContainText('VQGAN autoencoder');
  await expect(row).toContainText('Imported');
  expect(fs.existsSync(path.join(modelsFolder(), 'vqgan-f4-attn', 'manifest.json'))).toBe(true);
  const details = page.getByTestId('model-details');
  await expect(details).toContainText('vqgan-f4-attn.ckpt');
  await expect(details).toContainText(/[0-9a-f]{64}/);

  // Drop the transformer checkpoint and its project.yaml: the browser hands over bytes, uploaded in chunks.
  const files = ['cond-transformer-seg.ckpt', 'cond-transformer-seg.project.yaml'].map((name) => ({ name, base64: fs.readFileSync(path.join(FIXTURES, name)).toString('base64') }));
  const dataTransfer = await page.evaluateHandle((list) => {
    // runs in the page (this tsconfig has no DOM types)
    const g = globalThis as unknown as { DataTransfer: new () => { items: { add(file: unknown): void } }; File: new (parts: Uint8Array[], name: string) => unknown };
    const dt = new g.DataTransfer();
    for (const f of list) {
      const bin = atob(f.base64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      dt.items.add(new g.File([bytes], f.name));
    }
    return dt;
  }, files);
  await page.getByTestId('model-drop-zone').dispatchEvent('drop', { dataTransfer });
  await expect(page.getByText('Imported “cond-transformer-seg”')).toBeVisible();
  const seg = page.getByTestId('model-row').filter({ hasText: 'cond-transformer-seg' });
  await expect(seg).toContainText('Transformer · Semantic layout');
  await expect(page.getByTestId('model-details')).toContainText(/Palette · \d+ classes/);
  await expect(libraryRows(page)).toHaveCount(2);
  await page.screenshot({ path: 'test-results/models-list.png', fullPage: true });
  expect(problems).toEqual([]);
});

test('an invalid file shows the importer message and what would work', async ({ page }) => {
  await page.goto(`${served.url}#/models`);
  await importByPath(page, path.join(FIXTURES, 'legacy-format.ckpt'));
  const panel = page.getByTestId('import-error');
  await expect(panel).toContainText('Could not import legacy-format.ckpt');
  await expect(panel).toContainText('the legacy PyTorch serialization written by torch < 1.6');
  await expect(panel).toContainText('What works:');
  await expect(panel).toContainText('torch.save(torch.load("old.ckpt"), "new.ckpt")');
  await page.screenshot({ path: 'test-results/models-import-error.png', fullPage: true });

  await importByPath(page, path.join(FIXTURES, 'malicious.ckpt'));
  await expect(panel).toContainText('this file tries to run code when it is loaded');
  await expect(panel).toContainText('Nothing was executed');
  expect(fs.readdirSync(modelsFolder()).filter((n) => n.startsWith('.'))).toEqual([]);
});

test('renames and exports a model for taming training', async ({ page }) => {
  await page.goto(`${served.url}#/models`);
  await page.getByTestId('model-row').filter({ hasText: 'cond-transformer-seg' }).click();
  const details = page.getByTestId('model-details');
  await details.getByLabel('Display name').fill('Tiny landscapes');
  await details.getByRole('button', { name: 'Rename' }).click();
  await expect(details.getByRole('status')).toContainText('Renamed to “Tiny landscapes”.');
  await expect(page.getByTestId('model-row').filter({ hasText: 'Tiny landscapes' })).toHaveCount(1);
  const manifest = JSON.parse(fs.readFileSync(path.join(modelsFolder(), 'cond-transformer-seg', 'manifest.json'), 'utf8')) as { name: string };
  expect(manifest.name).toBe('Tiny landscapes');

  const out = path.join(served.userDataDir, 'taming-run');
  await details.getByLabel('Export for taming training to folder').fill(out);
  await details.getByRole('button', { name: 'Export' }).click();
  await expect(details.getByRole('status')).toContainText(`Wrote ${path.join(out, 'last.ckpt')}`);
  expect(fs.statSync(path.join(out, 'last.ckpt')).size).toBeGreaterThan(100_000);
  expect(fs.readFileSync(path.join(out, 'project.yaml'), 'utf8')).toContain('Net2NetTransformer');
});

test('deletes a model only after confirmation', async ({ page }) => {
  await page.goto(`${served.url}#/models`);
  const row = page.getByTestId('model-row').filter({ hasText: 'vqgan-f4-attn' });
  await row.click();
  await page.getByRole('button', { name: 'Delete model…' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('Delete “vqgan-f4-attn”?');
  await page.screenshot({ path: 'test-results/models-delete-confirm.png' });
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  expect(fs.existsSync(path.join(modelsFolder(), 'vqgan-f4-attn'))).toBe(true);

  await page.getByRole('button', { name: 'Delete model…' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(row).toHaveCount(0);
  await expect(libraryRows(page)).toHaveCount(1);
  expect(fs.existsSync(path.join(modelsFolder(), 'vqgan-f4-attn'))).toBe(false);
});

test('Settings shows cpu working in the Device section and saves the choice', async ({ page }) => {
  const problems = watchProblems(page);
  await page.goto(`${served.url}#/settings`);
  const cpu = page.getByTestId('device-cpu');
  await expect(cpu).toContainText('Works');
  await expect(cpu).toContainText(/\d+(\.\d)? ms/);
  const picker = page.getByLabel('Use');
  await expect(picker).toHaveValue('auto');
  await picker.selectOption('cpu');
  await expect(picker).toHaveValue('cpu');
  await expect(page.getByTestId('device-resolved')).toContainText('Generation and training use cpu.');
  const settingsFile = path.join(served.userDataDir, 'settings.json');
  const onDisk = JSON.parse(fs.readFileSync(settingsFile, 'utf8')) as { values: { device: { preferred: string } } };
  expect(onDisk.values.device.preferred).toBe('cpu');
  await page.reload();
  await expect(page.getByLabel('Use')).toHaveValue('cpu');
  await page.getByTestId('device-section').screenshot({ path: 'test-results/settings-device.png' });
  expect(problems).toEqual([]);
});
