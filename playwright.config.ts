import { defineConfig } from '@playwright/test';

// The UI is tested in Debian's Chromium through the web host (no Electron binary can be had offline).
export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: '**/*.spec.ts',
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  timeout: 180_000,
  workers: 1,
  outputDir: 'test-results/playwright',
  use: {
    headless: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      chromiumSandbox: false,
      args: ['--disable-gpu', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-quic'],
    },
  },
});
