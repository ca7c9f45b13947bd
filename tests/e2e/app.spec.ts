// The UI in Debian's Chromium against the real web host: navigate, see app.info() from the backend,
// change the library folder, reload, see it persisted.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect as baseExpect, test } from '@playwright/test';
import { serveTessera } from './web-host-fixture';
import type { ServedTessera } from './web-host-fixture';

// CI machines are shared and slow: give UI assertions more than the default 5 s.
const expect = baseExpect.configure({ timeout: 15_000 });

let served: ServedTessera;
test.beforeAll(async () => {
  served = await serveTessera();
});
test.afterAll(async () => {
  await served?.stop();
});

const PAGES = [
  ['Studio', 'Studio'],
  ['Gallery', 'Gallery'],
  ['Fine-tune', 'Fine-tune'],
  ['Models', 'Models'],
  ['Settings', 'Settings'],
] as const;

test('navigates, shows app.info from the backend and persists the library folder', async ({ page }) => {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });

  await page.goto(served.url);
  await expect(page.getByRole('status').filter({ hasText: 'Connected' })).toBeVisible();
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const [link, heading] of PAGES) {
    await nav.getByRole('link', { name: link, exact: true }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(heading);
    await expect(nav.getByRole('link', { name: link, exact: true })).toHaveAttribute('aria-current', 'page');
    if (link === 'Studio') await page.screenshot({ path: 'test-results/e2e-studio.png' });
  }

  // app.info() rendered from the real backend (values only the server process can know).
  const info = page.getByTestId('app-info');
  await expect(info).toContainText('Tessera 0.1.0');
  await expect(info).toContainText('Web host (browser)');
  await expect(info).toContainText(process.versions.node);
  await expect(info).toContainText(served.userDataDir);
  await expect(info.locator('.chip', { hasText: /^cpu$/ })).toBeVisible();

  // Change a real setting through the API.
  const input = page.getByLabel('Library folder');
  await expect(input).toHaveValue(path.join(served.userDataDir, 'library'));
  const chosen = path.join(served.userDataDir, 'My Pictures', 'tessera-library');
  await input.fill(chosen);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Saved', { exact: true })).toBeVisible();
  expect(fs.statSync(chosen).isDirectory()).toBe(true);

  // A bad value is refused with the backend's message and changes nothing.
  await input.fill('relative/folder');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('alert')).toContainText('must be an absolute folder path');

  await page.reload();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Settings');
  await expect(page.getByLabel('Library folder')).toHaveValue(chosen);
  const onDisk = JSON.parse(fs.readFileSync(path.join(served.userDataDir, 'settings.json'), 'utf8')) as { values: { libraryFolder: string } };
  expect(onDisk.values.libraryFolder).toBe(chosen);
  await page.screenshot({ path: 'test-results/e2e-settings.png', fullPage: true });

  expect(problems).toEqual([]);
});

test('the UI refuses to load without the token', async ({ page }) => {
  const response = await page.goto(served.url.replace(/\?token=.*$/, ''));
  expect(response?.status()).toBe(401);
  await expect(page.locator('body')).toContainText('needs its access token');
});
