import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import type { HttpHost } from '../core/host/http-host.js';
import type { JournalService } from '../core/journal-service.js';
import { letter } from './fixtures/letters.js';
import { servedJournal } from './fixtures/served-journal.js';
import { type DovecotServer, dovecotAvailable, startDovecot } from './support/dovecot.js';
import { seedMessages } from './support/maildir.js';

const available = dovecotAvailable();
const USER = 'vera@account.test';
const PASSWORD = 'account-spec-secret';
const RENDERER = path.resolve(import.meta.dirname, '..', 'dist', 'renderer');
const SCREENS = path.resolve(import.meta.dirname, '..', 'test-results', 'screens');
const LETTERS = 4;

test.describe("an account's card: editing and removing", () => {
  test.skip(!available.ok, `needs a Dovecot (${available.ok ? '' : available.reason})`);
  test.skip(!fs.existsSync(path.join(RENDERER, 'index.html')), 'needs the renderer built: run `npx vite build`');
  test.describe.configure({ mode: 'serial' });

  let server: DovecotServer;
  let service: JournalService;
  let host: HttpHost;
  let dir: string;

  test.beforeAll(async () => {
    fs.mkdirSync(SCREENS, { recursive: true });
    server = await startDovecot({ users: [{ user: USER, password: PASSWORD }] });
    seedMessages(
      server,
      USER,
      'INBOX',
      Array.from({ length: LETTERS }, (_, i) => ({
        raw: letter({
          from: `Supplier ${i} <supplier${i}@example.com>`,
          to: USER,
          subject: `Delivery ${i}`,
          messageId: `delivery-${i}@example.com`,
          text: `Delivery note ${i}`,
        }),
      })),
    );
    ({ dir, service, host } = await servedJournal({
      server,
      user: USER,
      password: PASSWORD,
      prefix: 'interlog-e2e-account-',
      staticDir: RENDERER,
    }));
  });

  test.afterAll(async () => {
    await host?.close();
    await service?.close();
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a wrong new password is refused with the server’s words and nothing is saved; other settings save', async ({
    page,
  }) => {
    await page.goto(host.url);
    await page.getByRole('button', { name: 'Edit account Work' }).click();
    const card = page.getByRole('dialog', { name: 'Account "Work"' });
    await expect(card.getByLabel('Server', { exact: true }).first()).toHaveValue('127.0.0.1');
    await expect(card.getByLabel('User name')).toHaveValue(USER);
    await expect(card.getByLabel('New password')).toHaveValue('');

    await card.getByLabel('New password').fill('not-the-password');
    await card.getByRole('button', { name: 'Save' }).click();
    await expect(card.getByRole('alert')).toContainText('refused the user name or password');
    await expect(card).toBeVisible();
    await page.screenshot({ path: path.join(SCREENS, 'account-wrong-password.png') });
    // The saved account still signs in with the old password.
    expect((await service.sync({}))[0]?.account).toBe('Work');

    await card.getByLabel('New password').fill('');
    // Seed 004's three tabs; the one with the password opens first.
    await expect(card.getByRole('tab', { name: 'Receiving letters' })).toHaveAttribute('aria-selected', 'true');
    await card.getByRole('tab', { name: 'Sending letters' }).click();
    await expect(card.getByRole('tabpanel', { name: 'Sending letters' })).toContainText('only receives letters');
    await card.getByRole('tab', { name: 'Other settings' }).click();
    await card.getByLabel('Account name').fill('Office');
    await card.getByLabel('Server timeout').fill('45');
    await expect(card.getByRole('button', { name: 'Check account' })).toBeDisabled();
    await expect(card.getByRole('checkbox', { name: /The system account/ })).toBeDisabled();
    await card.getByRole('button', { name: 'Save' }).click();
    await expect(card).toBeHidden();
    await expect(page.getByRole('status').filter({ hasText: 'Account "Office" is saved.' })).toBeVisible();
    await expect(page.locator('[data-account="Office"]')).toBeVisible();
    const [saved] = await service.listAccounts();
    expect(saved).toMatchObject({ name: 'Office', timeoutMs: 45_000, lastError: null });

    // "Check account" on the saved settings: the sign-in passes, and there is no outgoing server to test.
    await page.getByRole('button', { name: 'Edit account Office' }).click();
    const again = page.getByRole('dialog', { name: 'Account "Office"' });
    await again.getByRole('tab', { name: 'Other settings' }).click();
    await again.getByRole('button', { name: 'Check account' }).click();
    await expect(again.locator('[data-step="incoming"]')).toHaveClass('ok');
    await expect(again.locator('[data-step="outgoing"]')).toHaveClass('skipped');
    await expect(again.locator('[data-step="outgoing"]')).toContainText('no outgoing server');
    await page.screenshot({ path: path.join(SCREENS, 'account-check.png') });
    await again.getByRole('button', { name: 'Cancel' }).click();
    await expect(again).toBeHidden();
  });

  test('removing asks first, keeps every letter in the list and empties the accounts panel', async ({ page }) => {
    await page.goto(host.url);
    await expect(page.locator('.vlist').getByRole('option').filter({ hasText: 'Delivery' })).toHaveCount(LETTERS);
    await page.getByRole('button', { name: 'Edit account Office' }).click();
    await page.getByRole('button', { name: 'Remove account…' }).click();
    const confirm = page.getByRole('dialog', { name: 'Remove account "Office"?' });
    await expect(confirm).toContainText('Its letters stay in the journal');
    await confirm.getByRole('button', { name: 'Remove account' }).click();
    await expect(confirm).toBeHidden();
    await expect(
      page.getByRole('status').filter({ hasText: `its ${LETTERS} interactions stay in the journal` }),
    ).toBeVisible();
    await expect(page.getByText('No accounts yet: add one.')).toBeVisible();
    await expect(page.locator('.vlist').getByRole('option').filter({ hasText: 'Delivery' })).toHaveCount(LETTERS);
    await page.screenshot({ path: path.join(SCREENS, 'account-removed.png') });
    expect(await service.listAccounts()).toEqual([]);
  });
});
