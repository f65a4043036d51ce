import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { createDispatcher } from '../core/host/dispatch.js';
import { type HttpHost, startHttpHost } from '../core/host/http-host.js';
import { JournalService } from '../core/journal-service.js';
import { FileSecretStore } from '../core/secrets/file-secret-store.js';
import { localNetwork, startDns, type TestDns } from './fixtures/dns-server.js';
import { startSmtp, type TestSmtp } from './fixtures/smtp.js';
import { type DovecotServer, dovecotAvailable, startDovecot } from './support/dovecot.js';

const available = dovecotAvailable();
const PASSWORD = 'wizard-spa-secret';
const SPA_USER = 'spa@wizard.test';
const AUTO_USER = 'ann@fallback.test';
const RENDERER = path.resolve(import.meta.dirname, '..', 'dist', 'renderer');
const SCREENS = path.resolve(import.meta.dirname, '..', 'test-results', 'screens');

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test.describe('the account wizard: secure password authentication and the servers tried', () => {
  test.skip(!available.ok, `needs a Dovecot (${available.ok ? '' : available.reason})`);
  test.skip(!fs.existsSync(path.join(RENDERER, 'index.html')), 'needs the renderer built: run `npx vite build`');
  test.describe.configure({ mode: 'serial' });

  let dovecot: DovecotServer;
  let smtp: TestSmtp;
  let dns: TestDns;
  let service: JournalService;
  let host: HttpHost;
  let dir: string;
  let refusing: number;

  test.beforeAll(async () => {
    fs.mkdirSync(SCREENS, { recursive: true });
    const users = [SPA_USER, AUTO_USER];
    dovecot = await startDovecot({ users: users.map((user) => ({ user, password: PASSWORD })), pop3: true });
    smtp = await startSmtp(Object.fromEntries(users.map((u) => [u, PASSWORD])));
    refusing = await closedPort();
    // fallback.test names a closed port first, then Dovecot; its submission server is closed too.
    dns = await startDns({
      '_imaps._tcp.fallback.test': {
        SRV: [
          { target: '127.0.0.1', port: refusing, priority: 0 },
          { target: '127.0.0.1', port: dovecot.imapsPort, priority: 10 },
        ],
      },
      '_submissions._tcp.fallback.test': { SRV: [{ target: '127.0.0.1', port: refusing }] },
    });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-e2e-wizard-'));
    const dbFile = path.join(dir, 'journal.db');
    service = new JournalService({
      dbFile,
      secrets: FileSecretStore.besideJournal(dbFile),
      setup: { network: localNetwork({ dnsPort: dns.port }), ispdbUrl: null },
    });
    host = await startHttpHost({ dispatcher: createDispatcher(service), staticDir: RENDERER });
  });

  test.afterAll(async () => {
    await host?.close();
    await service?.close();
    await smtp?.close();
    await dns?.close();
    await dovecot?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function startWizard(page: Page, email: string) {
    await page.goto(host.url);
    await page.getByRole('button', { name: 'Add account' }).click();
    const wizard = page.getByRole('dialog', { name: 'Add account' });
    await wizard.getByRole('textbox', { name: 'E-mail address' }).fill(email);
    await wizard.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await wizard.getByRole('button', { name: 'Next' }).click();
    return wizard;
  }
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENS, `${name}.png`) });

  test('secure password authentication: POP3 and SMTP by CRAM-MD5, and the hint says IMAP cannot', async ({ page }) => {
    const wizard = await startWizard(page, SPA_USER);
    await wizard.getByRole('button', { name: 'Set up manually' }).click();

    // Step 1, outgoing: on the plain port, where a PLAIN login would show the password on the wire.
    const spa = wizard.getByRole('checkbox', { name: 'Secure password authentication' });
    await spa.check();
    await expect(spa).toHaveAccessibleDescription(/the password itself is never sent/);
    await wizard.getByRole('textbox', { name: 'Server' }).fill('127.0.0.1');
    await wizard.getByRole('combobox', { name: 'Secure connection' }).selectOption('none');
    await wizard.getByRole('spinbutton', { name: 'Port' }).fill(String(smtp.port));
    await wizard.getByRole('button', { name: 'Next' }).click();

    // Step 2, incoming: the hint tells that IMAP cannot, so POP3 it is.
    await expect(spa).toHaveAccessibleDescription(/IMAP: not possible/);
    await spa.check();
    await wizard.getByRole('textbox', { name: 'Server' }).fill('127.0.0.1');
    await wizard.getByRole('combobox', { name: 'Protocol' }).selectOption('pop3');
    await expect(wizard.getByRole('spinbutton', { name: 'Port' })).toHaveValue('995');
    await wizard.getByRole('spinbutton', { name: 'Port' }).fill(String(dovecot.pop3sPort));
    await shot(page, '30-wizard-secure-password-auth');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByRole('textbox', { name: 'Account name' }).fill('Spa');
    await wizard.getByRole('checkbox', { name: 'Trust a self-signed server certificate' }).check();
    await wizard.getByRole('button', { name: 'Check and save' }).click();

    await expect(wizard.getByRole('status')).toHaveText('The account is checked and saved.');
    expect(smtp.logins.filter((l) => l.user === SPA_USER).map((l) => l.method)).toEqual(['CRAM-MD5']);
    expect(dovecot.log()).toMatch(/pop3-login: Info: Login: user=<spa@wizard\.test>, method=CRAM-MD5/);
    expect(dovecot.log()).not.toMatch(/user=<spa@wizard\.test>, method=PLAIN/);
  });

  test('automatic setup shows the detected server it gave up on before the next one', async ({ page }) => {
    const wizard = await startWizard(page, AUTO_USER);
    await wizard.getByRole('button', { name: 'Check and save' }).click();
    await expect(wizard.getByRole('status')).toHaveText('The account was not saved: the check failed.');
    // The closed port gave way to Dovecot, whose self-signed certificate is then refused (no one trusted it).
    const incoming = wizard.locator('[data-step="incoming"]');
    await expect(incoming.locator('.check-tried')).toContainText(`imap://127.0.0.1:${refusing} (tls)`);
    await expect(incoming.locator('.check-tried')).toContainText('Nothing answers');
    await expect(incoming.locator('.check-head')).toContainText(`imap://127.0.0.1:${dovecot.imapsPort} (tls)`);
    await expect(incoming.locator('.advice')).toContainText('certificate is not trusted');
    await expect(wizard.locator('[data-step="outgoing"] .advice')).toContainText(`Nothing answers on port ${refusing}`);
    await shot(page, '31-wizard-servers-tried');
  });
});
