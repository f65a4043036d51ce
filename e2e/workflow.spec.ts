import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { simpleParser } from 'mailparser';
import { createDispatcher } from '../core/host/dispatch.js';
import { type HttpHost, startHttpHost } from '../core/host/http-host.js';
import { JournalService } from '../core/journal-service.js';
import { cleanSubject } from '../core/mail/subject-line.js';
import { FileSecretStore } from '../core/secrets/file-secret-store.js';
import { localNetwork, startDns, type TestDns } from './fixtures/dns-server.js';
import { letter } from './fixtures/letters.js';
import { startSmtp, type TestSmtp } from './fixtures/smtp.js';
import { type DovecotServer, dovecotAvailable, startDovecot } from './support/dovecot.js';
import { seedMessages } from './support/maildir.js';

const available = dovecotAvailable();
const USER = 'anna@interlog.test';
const PASSWORD = 'Пароль-e2e';
const NEWCOMER = 'olga@wizard.test';
const NEWCOMER_PASSWORD = 'olga-secret';
const RENDERER = path.resolve(import.meta.dirname, '..', 'dist', 'renderer');
const SCREENS = path.resolve(import.meta.dirname, '..', 'test-results', 'screens');
const ORDER = 'Поставка арматуры';
const SUBJECT = 'Арматура для склада';

/** A chain of three (their request, our answer from Sent, their answer to it) and two letters on their own. */
function seed(server: DovecotServer) {
  const ivan = '"Иван Петров" <ivan@client.example>';
  seedMessages(server, USER, 'INBOX', [
    {
      raw: letter({
        from: ivan,
        to: USER,
        subject: ORDER,
        messageId: 'order-1@client.example',
        date: 'Mon, 04 Mar 2024 09:00:00 +0300',
        text: 'Нужна арматура А500С, 12 тонн.',
      }),
    },
    {
      raw: letter({
        from: ivan,
        to: USER,
        subject: `Re: Re: ${ORDER}`,
        messageId: 'order-3@client.example',
        inReplyTo: 'order-2@interlog.test',
        references: ['order-1@client.example', 'order-2@interlog.test'],
        date: 'Wed, 06 Mar 2024 10:00:00 +0300',
        text: 'Цена устраивает, ждём счёт.',
      }),
    },
    {
      raw: letter({
        from: 'buh@partner.example',
        to: USER,
        subject: 'Акт сверки',
        messageId: 'act@partner.example',
        date: 'Thu, 07 Mar 2024 11:00:00 +0300',
        text: 'Акт сверки за квартал.',
      }),
    },
    {
      raw: letter({
        from: 'Shop <news@shop.example>',
        to: USER,
        subject: 'Прайс-лист',
        messageId: 'price@shop.example',
        date: 'Fri, 08 Mar 2024 12:00:00 +0300',
        text: 'Новый прайс-лист.',
      }),
    },
  ]);
  seedMessages(server, USER, 'Sent', [
    {
      raw: letter({
        from: `Anna <${USER}>`,
        to: ivan,
        subject: `Re: ${ORDER}`,
        messageId: 'order-2@interlog.test',
        inReplyTo: 'order-1@client.example',
        references: ['order-1@client.example'],
        date: 'Tue, 05 Mar 2024 10:00:00 +0300',
        text: 'Можем поставить по 61 000 за тонну.',
      }),
    },
  ]);
}

test.describe('working with the journal: lists, commands, compose, the account wizard', () => {
  test.skip(!available.ok, `needs a Dovecot to sync from (${available.ok ? '' : available.reason})`);
  test.skip(!fs.existsSync(path.join(RENDERER, 'index.html')), 'needs the renderer built: run `npx vite build`');
  test.describe.configure({ mode: 'serial' });

  let server: DovecotServer;
  let smtp: TestSmtp;
  let dns: TestDns;
  let service: JournalService;
  let host: HttpHost;
  let dir: string;

  test.beforeAll(async () => {
    fs.mkdirSync(SCREENS, { recursive: true });
    server = await startDovecot({
      users: [
        { user: USER, password: PASSWORD },
        { user: NEWCOMER, password: NEWCOMER_PASSWORD },
      ],
    });
    smtp = await startSmtp({ [USER]: PASSWORD, [NEWCOMER]: NEWCOMER_PASSWORD });
    // An empty zone and no open ports: detection finds nothing, quickly, and never leaves this machine.
    dns = await startDns();
    seed(server);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-e2e-workflow-'));
    const dbFile = path.join(dir, 'journal.db');
    service = new JournalService({
      dbFile,
      secrets: FileSecretStore.besideJournal(dbFile),
      setup: { network: localNetwork({ dnsPort: dns.port }), ispdbUrl: null },
    });
    await service.addAccount({
      name: 'Work',
      email: USER,
      protocol: 'imap',
      host: '127.0.0.1',
      port: server.imapPort,
      security: 'starttls',
      username: USER,
      password: PASSWORD,
      acceptSelfSigned: true,
      smtp: { host: '127.0.0.1', port: smtp.port, security: 'none' },
      senderName: 'Anna',
      copyToSent: false,
    });
    await service.sync({});
    host = await startHttpHost({ dispatcher: createDispatcher(service), staticDir: RENDERER });
  });

  test.afterAll(async () => {
    await host?.close();
    await service?.close();
    await smtp?.close();
    await dns?.close();
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function open(page: Page) {
    await page.goto(host.url);
    await expect(page.getByRole('listbox', { name: 'Interactions' })).toBeVisible();
  }

  const rows = (page: Page) => page.locator('.vlist').getByRole('option');
  const row = (page: Page, title: string) =>
    rows(page).filter({ has: page.locator('.title').getByText(title, { exact: true }) });
  const badge = (page: Page, list: string) => page.locator(`[data-list="${list}"] .badge`);
  const command = (page: Page, name: string) =>
    page.getByRole('toolbar', { name: 'Commands' }).getByRole('button', { name, exact: true });
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENS, `${name}.png`) });

  test('the counts follow marking reviewed, postponing and unmarking, and filter the list', async ({ page }) => {
    await open(page);
    await expect(page.getByRole('heading', { name: 'Interactions' })).toBeVisible();
    await expect(page.locator('.count')).toHaveText('5 interactions');
    // Four incoming letters wait for review; our own letter in Sent does not.
    await expect(badge(page, 'toReview')).toHaveText('4');
    await expect(badge(page, 'postponed')).toHaveText('0');

    await page.locator('[data-list="toReview"]').click();
    await expect(page.locator('.count')).toHaveText('4 interactions');
    await expect(page.locator('[data-chip="list"]')).toContainText('To review');
    await expect(row(page, `Re: ${ORDER}`)).toHaveCount(0);

    // Two ticked rows marked at once from the toolbar.
    await row(page, 'Прайс-лист').getByRole('checkbox').check();
    await row(page, 'Акт сверки').getByRole('checkbox').check();
    await expect(page.locator('.checked-count')).toContainText('2 ticked');
    await shot(page, '10-to-review-ticked');
    await command(page, 'Reviewed').click();
    await expect(badge(page, 'toReview')).toHaveText('2');
    await expect(page.locator('.count')).toHaveText('2 interactions');
    await expect(row(page, 'Прайс-лист')).toHaveCount(0);

    // The keyboard: M marks the selected letter reviewed.
    await row(page, ORDER).click();
    await page.keyboard.press('m');
    await expect(badge(page, 'toReview')).toHaveText('1');
    await expect(page.locator('.letter-head')).toContainText('Reviewed');

    // The context menu: postpone the last one to tomorrow.
    await row(page, `Re: Re: ${ORDER}`).click({ button: 'right' });
    await page
      .getByRole('menu', { name: 'Commands' })
      .getByRole('menuitem', { name: /Postpone review/ })
      .click();
    await page.getByRole('dialog', { name: 'Postpone review' }).getByRole('button', { name: 'OK' }).click();
    await expect(badge(page, 'toReview')).toHaveText('0');
    await expect(badge(page, 'postponed')).toHaveText('1');
    await expect(page.getByText('Nothing here.')).toBeVisible();

    await page.locator('[data-list="postponed"]').click();
    await expect(page.locator('.count')).toHaveText('1 interaction');
    await shot(page, '11-postponed');

    // Unmarking brings a letter back to review; the plain journal shows everything again.
    await page.locator('.vlist').getByRole('option').first().click();
    await command(page, 'Unmark reviewed').click();
    await expect(badge(page, 'postponed')).toHaveText('0');
    await expect(badge(page, 'toReview')).toHaveText('1');
    await page.getByRole('button', { name: 'Interactions', exact: true }).click();
    await expect(page.locator('.count')).toHaveText('5 interactions');
  });

  test('a subject set on one letter shows on every letter of its chain', async ({ page }) => {
    await open(page);
    await row(page, ORDER).click();
    await expect(page.locator('.chain')).toContainText('Chain: 3 interactions');
    await command(page, 'Set subject').click();
    const dialog = page.getByRole('dialog', { name: 'Set subject' });
    await dialog.getByRole('textbox', { name: 'Subject' }).fill(SUBJECT);
    await shot(page, '12-set-subject');
    await dialog.getByRole('button', { name: 'Create subject' }).click();
    await expect(dialog).toHaveCount(0);

    for (const title of [ORDER, `Re: ${ORDER}`, `Re: Re: ${ORDER}`]) {
      await expect(row(page, title).locator('.subject')).toHaveText(SUBJECT);
    }
    await expect(row(page, 'Акт сверки').locator('.subject')).toHaveText('');
    await expect(page.locator('.chain .chain-subject')).toHaveText([SUBJECT, SUBJECT, SUBJECT]);
    await expect(page.locator('.letter-head .subject-link')).toHaveText(SUBJECT);

    // The subject view: the side panel lists it with its three interactions, and opening it shows them.
    const inPanel = page.getByRole('list', { name: 'Subjects' }).getByRole('button', { name: new RegExp(SUBJECT) });
    await expect(inPanel).toContainText('3');
    await inPanel.click();
    await expect(page.locator('[data-chip="subject"]')).toContainText(`Subject: ${SUBJECT}`);
    await expect(page.locator('.count')).toHaveText('3 interactions');
    await shot(page, '13-subject-view');

    // The contact view, opened from the sender of the letter being read.
    await row(page, ORDER).click();
    await page
      .locator('.letter-head')
      .getByRole('button', { name: /ivan@client\.example/ })
      .click();
    await expect(page.locator('[data-chip="contact"]')).toContainText('Иван Петров');
    await expect(page.locator('[data-chip="subject"]')).toHaveCount(0);
    await expect(page.locator('.count')).toHaveText('3 interactions');
  });

  test('a reply written in the app reaches the SMTP server threaded, and joins the chain', async ({ page }) => {
    await open(page);
    const before = smtp.received.length;
    await row(page, `Re: Re: ${ORDER}`).click();
    await command(page, 'Reply').click();
    const compose = page.getByRole('dialog', { name: 'Reply' });
    await expect(compose.getByRole('textbox', { name: 'To' })).toHaveValue('ivan@client.example');
    await expect(compose.getByRole('textbox', { name: 'Subject line' })).toHaveValue(`Re: ${ORDER}`);
    await expect(compose.getByRole('combobox', { name: 'From' })).toHaveValue(USER);
    await compose.getByRole('textbox', { name: 'Text' }).fill('Счёт во вложении. Оплата до пятницы.');
    await compose.getByLabel('Attach files…').setInputFiles({
      name: 'Счёт №7.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from('%PDF-1.4 invoice 7'),
    });
    await expect(compose.getByRole('list', { name: 'Attachments' })).toContainText('Счёт №7.pdf');
    await compose.getByRole('checkbox', { name: 'On control: wait for an answer' }).check();
    // Escape does not throw the letter away unasked; "Keep writing" goes back to it as it was.
    await page.keyboard.press('Escape');
    const question = compose.getByRole('alert');
    await expect(question).toContainText(
      'Discard this letter? What you wrote is not kept unless you save it as a draft.',
    );
    await question.getByRole('button', { name: 'Keep writing' }).click();
    await expect(question).toHaveCount(0);
    await expect(compose.getByRole('textbox', { name: 'Text' })).toHaveValue('Счёт во вложении. Оплата до пятницы.');
    await shot(page, '14-compose-reply');
    await compose.getByRole('button', { name: 'Send' }).click();

    await expect(page.getByRole('status').filter({ hasText: 'letter sent' })).toHaveText('1 letter sent.');
    expect(smtp.received.length).toBe(before + 1);
    const got = smtp.received[before];
    expect(got?.to).toEqual(['ivan@client.example']);
    const parsed = await simpleParser(got?.raw as Buffer);
    expect(parsed.inReplyTo).toBe('<order-3@client.example>');
    expect(parsed.references).toEqual([
      '<order-1@client.example>',
      '<order-2@interlog.test>',
      '<order-3@client.example>',
    ]);
    expect(parsed.subject).toBe(`Re: ${ORDER}`);
    expect(parsed.text).toContain('Счёт во вложении.');
    expect(parsed.attachments.map((a) => a.filename)).toEqual(['Счёт №7.pdf']);

    // In the journal: the chain of the letter answered now has four, the reply inherits the subject, on control.
    await expect(page.locator('.chain')).toContainText('Chain: 4 interactions');
    // The same chain as a conversation: what each said, oldest first, the reply just sent last.
    const chain = page.getByRole('navigation', { name: 'Chain: 4 interactions' });
    await chain.getByRole('button', { name: 'Conversation' }).click();
    await expect(chain.locator('.chain-said')).toHaveCount(4);
    await expect(chain.locator('li').last()).toHaveClass('mine');
    await expect(chain.locator('.chain-said').last()).toContainText('Счёт во вложении. Оплата до пятницы.');
    await shot(page, '15a-chain-conversation');
    await chain.getByRole('button', { name: 'Tree' }).click();
    await expect(chain.locator('.chain-said')).toHaveCount(0);
    await expect(badge(page, 'onControl')).toHaveText('1');
    const reply = rows(page).first();
    await expect(reply.locator('.title')).toHaveText(`Re: ${ORDER}`);
    await expect(reply.locator('.subject')).toHaveText(SUBJECT);
    await expect(reply.locator('.control [role="img"]')).toHaveAttribute('aria-label', 'On control');
    await shot(page, '15-reply-in-chain');

    await page.locator('[data-list="outbox"]').click();
    const outbox = page.getByRole('dialog', { name: 'Outbox' });
    await expect(outbox.locator('tr[data-status="sent"]')).toContainText(`Re: ${ORDER}`);
    await shot(page, '16-outbox');
    await page.keyboard.press('Escape');
    await expect(outbox).toHaveCount(0);

    // An untouched reply closes at once; one with something in it only after "Discard".
    await command(page, 'Reply').click();
    const second = page.getByRole('dialog', { name: 'Reply' });
    await second.getByRole('button', { name: 'Cancel' }).click();
    await expect(second).toHaveCount(0);
    await command(page, 'Reply').click();
    // A file dragged in from the desktop is attached like a picked one (and makes the letter worth asking about).
    const files = await page.evaluateHandle(`(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['%PDF-1.4 act'], 'Акт сверки.pdf', { type: 'application/pdf' }));
      return transfer;
    })()`);
    const form = second.locator('.compose');
    await form.dispatchEvent('dragover', { dataTransfer: files });
    await expect(form).toHaveClass(/dropping/);
    await form.dispatchEvent('drop', { dataTransfer: files });
    await expect(form).not.toHaveClass(/dropping/);
    await expect(second.getByRole('list', { name: 'Attachments' })).toContainText('Акт сверки.pdf');
    await second.getByRole('button', { name: 'Cancel' }).click();
    await second.getByRole('alert').getByRole('button', { name: 'Discard' }).click();
    await expect(second).toHaveCount(0);
    expect(smtp.received.length).toBe(before + 1);
  });

  test('a letter saved as a draft comes back from Drafts, and goes out once, taking the draft with it', async ({
    page,
  }) => {
    await open(page);
    const before = smtp.received.length;
    await page.getByRole('button', { name: 'Create ▾' }).click();
    await page.getByRole('menuitem', { name: 'Letter' }).click();
    const compose = page.getByRole('dialog', { name: 'New letter' });
    await compose.getByRole('textbox', { name: 'To' }).fill('olga@client.example');
    await compose.getByRole('textbox', { name: 'Subject line' }).fill('Коммерческое предложение');
    await compose.getByRole('textbox', { name: 'Text' }).fill('Направляем предложение.');
    await compose.getByLabel('Attach files…').setInputFiles({
      name: 'КП.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from('%PDF-1.4 offer'),
    });
    await compose.getByRole('button', { name: 'Save draft' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'The draft is saved.' })).toBeVisible();
    // Nothing new to save until the letter changes again; closing asks nothing.
    await expect(compose.getByRole('button', { name: 'Save draft' })).toBeDisabled();
    await page.keyboard.press('Escape');
    await expect(compose).toHaveCount(0);
    await expect(badge(page, 'drafts')).toHaveText('1');

    // After a restart of the window, the draft is where it was left.
    await open(page);
    await page.locator('[data-list="drafts"]').click();
    const drafts = page.getByRole('dialog', { name: 'Drafts' });
    await expect(drafts.locator('tr')).toHaveCount(1);
    await expect(drafts.locator('tr').first()).toContainText('Коммерческое предложение');
    await expect(drafts.locator('tr').first()).toContainText('olga@client.example');
    await drafts.getByRole('button', { name: 'Open' }).click();
    const again = page.getByRole('dialog', { name: 'New letter' });
    await expect(again.getByRole('textbox', { name: 'Text' })).toHaveValue('Направляем предложение.');
    await expect(again.getByRole('list', { name: 'Attachments' })).toContainText('КП.pdf');
    await again.getByRole('textbox', { name: 'Text' }).fill('Направляем предложение. Цены до конца месяца.');
    // Changed since it was saved: Escape asks, and "Save draft" is one of the answers.
    await page.keyboard.press('Escape');
    await again.getByRole('alert').getByRole('button', { name: 'Save draft' }).click();
    await expect(again).toHaveCount(0);
    await expect(badge(page, 'drafts')).toHaveText('1');
    await shot(page, '16b-draft-saved');

    await page.locator('[data-list="drafts"]').click();
    await drafts.getByRole('button', { name: 'Open' }).click();
    await expect(again.getByRole('textbox', { name: 'Text' })).toHaveValue(
      'Направляем предложение. Цены до конца месяца.',
    );
    await again.getByRole('button', { name: 'Send' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'letter sent' })).toBeVisible();
    await expect(badge(page, 'drafts')).toHaveCount(0);
    expect(smtp.received.length).toBe(before + 1);
    const sent = await simpleParser(smtp.received[before]?.raw as Buffer);
    expect(sent.subject).toBe('Коммерческое предложение');
    expect(sent.text).toContain('Цены до конца месяца.');
    expect(sent.attachments.map((a) => a.filename)).toEqual(['КП.pdf']);
    await page.locator('[data-list="drafts"]').click();
    await expect(drafts).toContainText('No drafts.');
    await drafts.getByRole('button', { name: 'Close' }).last().click();
  });

  test('the wizard saves an account only after the check passes, and shows the server’s refusal', async ({ page }) => {
    await open(page);
    await page.getByRole('button', { name: 'Add account' }).click();
    const wizard = page.getByRole('dialog', { name: 'Add account' });
    await wizard.getByRole('textbox', { name: 'E-mail address' }).fill(NEWCOMER);
    await wizard.getByLabel('Password', { exact: true }).fill('not-the-password');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await expect(wizard.getByRole('alert')).toContainText('could not be found');
    await shot(page, '17-wizard-not-detected');

    // The three steps, pre-filled with the usual names for the domain; pointed at the local servers here.
    await wizard.getByRole('button', { name: 'Set up manually' }).click();
    await expect(wizard.getByRole('textbox', { name: 'Server' })).toHaveValue('smtp.wizard.test');
    await expect(wizard.getByRole('textbox', { name: 'User name' })).toHaveValue(NEWCOMER);
    await wizard.getByRole('textbox', { name: 'Server' }).fill('127.0.0.1');
    await wizard.getByRole('combobox', { name: 'Secure connection' }).selectOption('none');
    await expect(wizard.getByRole('spinbutton', { name: 'Port' })).toHaveValue('587');
    await wizard.getByRole('spinbutton', { name: 'Port' }).fill(String(smtp.port));
    await wizard.getByRole('button', { name: 'Next' }).click();
    await expect(wizard.getByRole('textbox', { name: 'Server' })).toHaveValue('imap.wizard.test');
    await wizard.getByRole('textbox', { name: 'Server' }).fill('127.0.0.1');
    await wizard.getByRole('combobox', { name: 'Secure connection' }).selectOption('starttls');
    await expect(wizard.getByRole('spinbutton', { name: 'Port' })).toHaveValue('143');
    await wizard.getByRole('spinbutton', { name: 'Port' }).fill(String(server.imapPort));
    await shot(page, '18-wizard-incoming');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByRole('textbox', { name: 'Account name' }).fill('Olga');
    await wizard.getByRole('checkbox', { name: 'Trust a self-signed server certificate' }).check();
    await wizard.getByRole('button', { name: 'Check and save' }).click();

    // Refused: the server's own words, and nothing saved.
    await expect(wizard.getByRole('status')).toHaveText('The account was not saved: the check failed.');
    await expect(wizard.locator('[data-step="outgoing"] .server-said')).toContainText(
      'Authentication credentials invalid',
    );
    await shot(page, '19-wizard-refused');
    expect((await service.listAccounts()).map((a) => a.name)).toEqual(['Work']);
    await expect(page.locator('[data-account="Olga"]')).toHaveCount(0);

    // Back to the last step, the right password, and the check passes: only now is the account saved.
    await wizard.getByRole('button', { name: 'Back' }).click();
    await wizard.getByLabel('Account password').fill(NEWCOMER_PASSWORD);
    await wizard.getByRole('button', { name: 'Check and save' }).click();
    await expect(wizard.getByRole('status')).toHaveText('The account is checked and saved.');
    await expect(wizard.locator('[data-step="outgoing"]')).toHaveClass('ok');
    await expect(wizard.locator('[data-step="incoming"]')).toHaveClass('ok');
    await shot(page, '20-wizard-saved');
    expect(smtp.received.some((r) => r.user === NEWCOMER && r.to.includes(NEWCOMER))).toBe(true);
    await wizard.getByRole('button', { name: 'Done' }).click();
    await expect(page.locator('[data-account="Olga"]')).toContainText(NEWCOMER);
    expect((await service.listAccounts()).map((a) => a.name).sort()).toEqual(['Olga', 'Work']);
  });

  test('the organizer settings switch the title and the Create menu', async ({ page }) => {
    await open(page);
    await page.getByRole('button', { name: 'Create ▾' }).click();
    await expect(page.getByRole('menu', { name: 'Create' }).getByRole('menuitem')).toHaveText([
      'Letter',
      'Call',
      'SMS',
      'Meeting',
      'Planned interaction',
    ]);
    await page.getByRole('menuitem', { name: 'Call' }).click();
    const call = page.getByRole('dialog', { name: 'Call' });
    await call.getByRole('textbox', { name: 'Phone' }).fill('+7 912 345-67-89');
    await call.getByRole('textbox', { name: 'Title' }).fill('Обсудили скидку');
    await call.getByRole('button', { name: 'Save' }).click();
    // The new call is selected and read, and sits in the list with its kind.
    await expect(page.locator('.letter-title')).toContainText('Обсудили скидку');
    await expect(row(page, 'Обсудили скидку').getByRole('img', { name: 'Call' })).toBeVisible();

    await page.getByRole('button', { name: 'Settings' }).click();
    const settings = page.getByRole('dialog', { name: 'Settings' });
    const otherKinds = settings.getByRole('checkbox', { name: 'Calls, SMS, meetings and planned interactions' });
    await otherKinds.click();
    await expect(otherKinds).not.toBeChecked();
    await settings.locator('.modal-actions').getByRole('button', { name: 'Close' }).click();
    await expect(page.getByRole('heading', { name: 'E-mail' })).toBeVisible();
    await page.getByRole('button', { name: 'Create ▾' }).click();
    await expect(page.getByRole('menu', { name: 'Create' }).getByRole('menuitem')).toHaveText(['Letter']);
    await page.getByRole('menuitem', { name: 'Letter' }).click();
    await expect(page.getByRole('dialog', { name: 'New letter' })).toBeVisible();
    await shot(page, '21-email-only');
    await page.getByRole('dialog', { name: 'New letter' }).getByRole('button', { name: 'Cancel' }).click();
  });

  test('the colours follow the system, or the setting, which the journal keeps', async ({ page }) => {
    const background = () => page.evaluate('getComputedStyle(document.documentElement).backgroundColor');
    await open(page);
    // This browser reports a light system.
    expect(await background()).toBe('rgb(244, 246, 248)');
    await page.getByRole('button', { name: 'Settings' }).click();
    const settings = page.getByRole('dialog', { name: 'Settings' });
    await settings.getByRole('combobox', { name: 'Colours' }).selectOption('dark');
    await expect.poll(background).toBe('rgb(21, 25, 29)');
    await shot(page, '21b-dark-settings');
    await open(page);
    await expect.poll(background).toBe('rgb(21, 25, 29)');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.getByRole('button', { name: 'Settings' }).click();
    await settings.getByRole('combobox', { name: 'Colours' }).selectOption('light');
    await expect.poll(background).toBe('rgb(244, 246, 248)');
    await settings.getByRole('combobox', { name: 'Colours' }).selectOption('system');
    await expect.poll(background).toBe('rgb(21, 25, 29)');
  });

  test('the list narrows by period and direction, and the filters clear one by one', async ({ page }) => {
    await open(page);
    const bar = page.locator('.filter-bar');
    await bar.getByLabel('From').fill('2024-03-05');
    await bar.getByLabel('To').fill('2024-03-07');
    await expect(page.locator('.count')).toHaveText('3 interactions');
    await expect(row(page, 'Акт сверки')).toHaveCount(1);
    await expect(row(page, ORDER)).toHaveCount(0);
    await bar.getByLabel('Direction').selectOption('out');
    await expect(page.locator('.count')).toHaveText('1 interaction');
    await expect(rows(page)).toHaveCount(1);
    await shot(page, '22-filters');
    await bar.getByLabel('Direction').selectOption('');
    await bar.getByLabel('From').fill('');
    await bar.getByLabel('To').fill('');
    await expect(row(page, ORDER)).toHaveCount(1);
  });

  test('the Correspondent and Title headers sort the list either way round, and a search keeps that order', async ({
    page,
  }) => {
    await open(page);
    const column = (name: string) => rows(page).locator(`.${name}`).allTextContents();
    // How a person would file them: without case, "ё" as "е".
    const fold = (v: string) => v.trim().toLocaleLowerCase().replaceAll('ё', 'е');
    // Titles file without their "Re:" and "Fwd:", beside the letters they answer.
    const inOrder = (values: string[], descending: boolean, key = fold) => {
      const keys = values.map(key);
      const sorted = [...keys].sort();
      if (descending) sorted.reverse();
      return keys.length > 2 && keys.join('\n') === sorted.join('\n');
    };
    const header = (name: RegExp) => page.locator('.cells.header').getByRole('button', { name });

    await header(/^Correspondent/).click();
    await expect(header(/^Correspondent/)).toHaveText('Correspondent ▲');
    await expect.poll(async () => inOrder(await column('correspondent'), false)).toBe(true);
    await header(/^Correspondent/).click();
    await expect(header(/^Correspondent/)).toHaveText('Correspondent ▼');
    await expect.poll(async () => inOrder(await column('correspondent'), true)).toBe(true);
    await header(/^Title/).click();
    await expect(header(/^Date/)).toHaveText('Date');
    const byTitle = (v: string) => fold(cleanSubject(v));
    await expect.poll(async () => inOrder(await column('title'), false, byTitle)).toBe(true);
    await shot(page, '22b-sorted-by-title');
    // A search answers in the same order.
    await page.getByRole('searchbox', { name: 'Full-text search' }).fill('арматур');
    await expect(page.locator('.count')).toHaveText(/found/);
    await expect.poll(async () => inOrder(await column('title'), false, byTitle)).toBe(true);
    await page.getByRole('searchbox', { name: 'Full-text search' }).fill('');
    await header(/^Date/).click();
    await expect(header(/^Date/)).toHaveText('Date ▼');
  });

  test('a letter deleted from the journal asks first, leaves the list and stays gone after a sync', async ({
    page,
  }) => {
    await open(page);
    await row(page, 'Акт сверки').click();
    await page.keyboard.press('Delete');
    const dialog = page.getByRole('dialog', { name: 'Delete 1 interaction from the journal?' });
    await expect(dialog).toContainText('Letters stay on the mail server');
    await shot(page, '23-delete-confirm');
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect(dialog).toHaveCount(0);
    await expect(row(page, 'Акт сверки')).toHaveCount(0);
    await expect(page.getByText('1 interaction deleted from the journal.')).toBeVisible();
    await service.sync({});
    await page.reload();
    await expect(page.getByRole('listbox', { name: 'Interactions' })).toBeVisible();
    await expect(row(page, ORDER)).toHaveCount(1);
    await expect(row(page, 'Акт сверки')).toHaveCount(0);
  });
});
