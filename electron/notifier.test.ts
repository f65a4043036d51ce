import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccountSummary, JournalEvent } from '../core/api.js';
import { JournalService } from '../core/journal-service.js';
import { FileSecretStore } from '../core/secrets/file-secret-store.js';
import { importLetter } from '../core/sync/import-letter.js';
import { changesAccounts, DueReminders, loadNotified, MailNotifier, pickLanguage, saveNotified } from './notifier.js';

// A real journal: the records the notifier reads are the ones the app's service really returns.
let dir: string;
let service: JournalService;
let clock: Date;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-notifier-'));
  const db = path.join(dir, 'journal.db');
  clock = new Date('2025-03-03T09:00:00Z');
  service = new JournalService({ dbFile: db, secrets: FileSecretStore.besideJournal(db), clock: () => clock });
});
afterEach(async () => {
  await service.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function addAccount(name: string, email: string): Promise<AccountSummary> {
  return service.addAccount({
    name,
    email,
    protocol: 'imap',
    host: '127.0.0.1',
    port: 1,
    security: 'none',
    username: email,
    password: 'secret',
    verify: false,
  });
}

let letterCount = 0;
/** A letter as the sync stores it: `from` is the sender, `me` the account's address (mine when I am the sender). */
function letter(account: AccountSummary, from: string, subject: string, minute: number): number {
  letterCount++;
  const raw = Buffer.from(
    [
      `From: ${from}`,
      `To: ${account.email}`,
      `Subject: ${subject}`,
      `Date: Mon, 03 Mar 2025 09:${String(minute).padStart(2, '0')}:00 +0000`,
      `Message-ID: <n${letterCount}@test>`,
      '',
      'text',
    ].join('\r\n'),
  );
  return importLetter(service.journal, raw, { accountId: account.id, identities: new Set([account.email]) }).id;
}

const newest = () => service.listInteractions({ kind: 'email', limit: 200, order: 'newest' });
const newMail = (account: string, added = 1): JournalEvent => ({ type: 'new-mail', account, folder: 'INBOX', added });
const watching = (account: string): JournalEvent => ({ type: 'watching', account });

describe('new mail', () => {
  it('sums a burst of letters into one notification with the newest letter, in Russian', async () => {
    const work = await addAccount('work', 'me@work.example');
    for (let i = 0; i < 50; i++) letter(work, 'Old Sender <old@example.com>', `Old ${i}`, 0);
    const mail = new MailNotifier({ quietMs: 3000, maxWaitMs: 30_000 });
    expect(mail.event(watching('work'), 0)).toEqual({ type: 'absorb', account: 'work' });
    mail.absorb(work.id, await newest());

    letter(work, 'Анна Смирнова <anna@client.example>', 'Счёт на оплату', 10);
    expect(mail.event(newMail('work'), 1000)).toEqual({ type: 'burst' });
    letter(work, 'Ольга <olga@client.example>', 'Договор', 11);
    letter(work, 'Иван Петров <ivan@client.example>', 'Re: Поставка арматуры на объект в Химках, счёт и накладные', 12);
    mail.event(newMail('work', 2), 2500);
    // Still arriving: the burst is not over 3 s after its first letter, only 3 s after its last.
    expect(mail.takeBurst(4000)).toBeNull();
    expect(mail.checkAt()).toBe(5500);
    const accounts = mail.takeBurst(5500);
    expect(accounts).toEqual(new Set(['work']));

    const notice = mail.summarise(new Set([work.id]), await newest(), 'ru');
    expect(notice?.title).toBe('3 новых письма');
    expect(notice?.body).toBe('Иван Петров: Re: Поставка арматуры на объект в Химках, счёт и накладные');
    const ivan = (await newest()).find((r) => r.from?.address === 'ivan@client.example');
    expect(notice?.interactionId).toBe(ivan?.id);
    // The same letters are not announced twice.
    expect(mail.summarise(new Set([work.id]), await newest(), 'ru')).toBeNull();
    expect(mail.checkAt()).toBeNull();
  });

  it('says nothing during the first full sync of a new account, however many letters it brings', async () => {
    const work = await addAccount('work', 'me@work.example');
    const mail = new MailNotifier();
    mail.restart();
    for (let i = 0; i < 30; i++) letter(work, 'Someone <s@example.com>', `Archive ${i}`, i);
    // Letters announced before the account watches are its catch-up, not new mail.
    expect(mail.event(newMail('work', 30), 0)).toBeNull();
    expect(mail.checkAt()).toBeNull();
    mail.absorb(work.id, await newest());
    expect(mail.summarise(new Set([work.id]), await newest(), 'en')).toBeNull();

    // Not even if a burst of another kind is summed up before the account ever watched.
    const home = await addAccount('home', 'me@home.example');
    letter(home, 'Mum <mum@example.com>', 'Dinner', 40);
    expect(mail.summarise(new Set([home.id]), await newest(), 'en')).toBeNull();
  });

  it('counts only incoming letters of the burst accounts, in English, one letter singular', async () => {
    const work = await addAccount('work', 'me@work.example');
    const home = await addAccount('home', 'me@home.example');
    const mail = new MailNotifier({ quietMs: 10, maxWaitMs: 100 });
    mail.event(watching('work'), 0);
    mail.event(watching('home'), 0);
    mail.absorb(work.id, await newest());
    mail.absorb(home.id, await newest());

    // My own reply, found in Sent, is not new mail; home's letter is not part of work's burst.
    letter(work, 'Me <me@work.example>', 'Re: Contract', 1);
    letter(work, 'Ivan Petrov <ivan@client.example>', 'Contract', 2);
    letter(home, 'Mum <mum@example.com>', 'Dinner', 3);
    mail.event(newMail('work', 2), 0);
    const ids = (names: Set<string> | null) =>
      new Set([...(names ?? [])].map((name) => (name === 'work' ? work.id : home.id)));
    const notice = mail.summarise(ids(mail.takeBurst(10)), await newest(), 'en');
    expect(notice).toMatchObject({ title: 'New letter', body: 'Ivan Petrov: Contract' });

    mail.event(newMail('home'), 20);
    // A long catch-up is summed up at its time limit even though letters keep coming.
    for (let t = 30; t < 120; t += 5) mail.event(newMail('home'), t);
    expect(mail.checkAt()).toBe(120);
    const later = mail.summarise(ids(mail.takeBurst(120)), await newest(), 'en');
    expect(later).toMatchObject({ title: 'New letter', body: 'Mum: Dinner' });
  });

  it('a letter with no sender name or subject still reads', async () => {
    const work = await addAccount('work', 'me@work.example');
    const mail = new MailNotifier();
    mail.event(watching('work'), 0);
    mail.absorb(work.id, await newest());
    for (let i = 0; i < 21; i++) letter(work, 'robot@example.com', '', i);
    const ru = mail.summarise(new Set([work.id]), await newest(), 'ru');
    expect(ru).toMatchObject({ title: '21 новое письмо', body: 'robot@example.com: (без темы)' });
  });
});

describe('due planned interactions', () => {
  it('announces each once, across a restart, and again when moved to a new time', async () => {
    const file = path.join(dir, 'reminders.json');
    const call = await service.planInteraction({
      title: 'Позвонить Ивану',
      plannedKind: 'call',
      dueAt: '2025-03-03T10:00:00Z',
      contactName: 'Иван Петров',
      phone: '+79000000001',
    });
    const reminders = new DueReminders(loadNotified(file));
    expect(reminders.check(await service.dueList({}), 'ru')).toEqual({ notices: [], changed: false });

    clock = new Date('2025-03-03T10:00:30Z');
    const first = reminders.check(await service.dueList({}), 'ru');
    expect(first.changed).toBe(true);
    expect(first.notices).toHaveLength(1);
    expect(first.notices[0]).toMatchObject({ title: 'Пора: Позвонить Ивану', interactionId: call.interaction.id });
    expect(first.notices[0]?.body).toMatch(/^Звонок с Иван Петров срок /);
    saveNotified(file, reminders.keys());

    clock = new Date('2025-03-03T10:01:30Z');
    expect(reminders.check(await service.dueList({}), 'ru').notices).toEqual([]);
    // The app restarts: the file remembers.
    const again = new DueReminders(loadNotified(file));
    expect(again.check(await service.dueList({}), 'en')).toEqual({ notices: [], changed: false });

    // Moved to later, then due again: a new reminder. Done: it is forgotten, and the file shrinks.
    await service.completePlanned({ id: call.interaction.id });
    expect(again.check(await service.dueList({}), 'en')).toEqual({ notices: [], changed: true });
    expect(again.keys()).toEqual([]);
    const meeting = await service.planInteraction({
      title: 'Meet the supplier',
      plannedKind: 'meeting',
      dueAt: '2025-03-03T10:00:00Z',
    });
    const shown = again.check(await service.dueList({}), 'en').notices;
    expect(shown).toMatchObject([{ title: 'Time for: Meet the supplier', interactionId: meeting.interaction.id }]);
    expect(shown[0]?.body).toMatch(/^Meeting due /);
  });

  it('many due at once come as one notification', async () => {
    for (let i = 1; i <= 5; i++) {
      await service.planInteraction({ title: `Task ${i}`, plannedKind: 'email', dueAt: `2025-03-03T0${i}:00:00Z` });
    }
    const notices = new DueReminders().check(await service.dueList({}), 'en').notices;
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({
      title: '5 planned interactions are due',
      body: 'Task 1; Task 2; Task 3 …and 2 more',
    });
    const ru = new DueReminders().check(await service.dueList({}), 'ru').notices;
    expect(ru[0]?.title).toBe('Наступил срок 5 запланированных дел');
  });

  it('a missing or damaged file means nothing was announced yet', () => {
    const file = path.join(dir, 'reminders.json');
    expect(loadNotified(file)).toEqual([]);
    fs.writeFileSync(file, '{"notified": [1, "7@2025"');
    expect(loadNotified(file)).toEqual([]);
    saveNotified(file, ['7@2025-03-03T10:00:00.000Z']);
    expect(loadNotified(file)).toEqual(['7@2025-03-03T10:00:00.000Z']);
  });
});

describe('wiring decisions', () => {
  it('speaks the first preferred language it knows', () => {
    expect(pickLanguage(['de-DE', 'ru-RU', 'en-US'])).toBe('ru');
    expect(pickLanguage(['en-GB'])).toBe('en');
    expect(pickLanguage(['fr'])).toBe('en');
  });

  it('restarts the watch when an account was added, saved by the wizard, edited or removed; not when that failed', () => {
    expect(changesAccounts('addAccount', { ok: true, value: {} })).toBe(true);
    expect(changesAccounts('editAccount', { ok: true, value: {} })).toBe(true);
    expect(changesAccounts('removeAccount', { ok: true, value: { removed: 'Work', lettersKept: 3 } })).toBe(true);
    expect(changesAccounts('editAccount', { ok: false, error: { kind: 'auth', message: 'x' } })).toBe(false);
    expect(changesAccounts('setupAccount', { ok: true, value: { saved: true } })).toBe(true);
    expect(changesAccounts('setupAccount', { ok: true, value: { saved: false } })).toBe(false);
    expect(changesAccounts('addAccount', { ok: false, error: { kind: 'invalid-input', message: 'x' } })).toBe(false);
    expect(changesAccounts('listAccounts', { ok: true, value: [] })).toBe(false);
  });
});
