import { defineConfig } from '@playwright/test';

// Debian's Chromium (no browser download on these machines), with the flags tested in STACK.md.
export default defineConfig({
  testDir: 'e2e',
  // The *.test.ts files beside the specs are Vitest's; Playwright takes only the specs.
  testMatch: '*.spec.ts',
  // A folder of its own: Playwright empties it at every run, and test-results/ also keeps the screenshots.
  outputDir: 'test-results/playwright',
  workers: 1,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [['list'], ['./playwright.summary-reporter.ts']],
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    locale: 'en-GB',
    timezoneId: 'Europe/Moscow',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      timeout: 30_000,
    },
  },
});
