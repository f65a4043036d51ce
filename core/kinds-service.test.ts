import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseReply } from './calendar/ics.js';
import { InterlogError } from './errors.js';
import { JournalService } from './journal-service.js';
import { FileSecretStore } from './secrets/file-secret-store.js';
import { importLetter } from './sync/import-letter.js';

let dir: string;
let service: JournalService;
let clock: Date;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-kinds-'));
  const db = path.join(dir, 'journal.db');
  clock = new Date('2025-03-03T09:00:00Z');
  service = new JournalService({ dbFile: db, secrets: FileSecretStore.besideJournal(db), clock: () => clock });
});
afterEach(async () => {
  await service.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function incomingLetter(id: string, subject = 'Цена на арматуру'): number {
  const raw = Buffer.from(
    [
      'From: Ivan Petrov <ivan@client.example>',
      'To: me@mycompany.ru',
      `Subject: ${subject}`,
      'Date: Mon, 03 Mar 2025 08:00:00 +0000',
      `Message-ID: <${id}>`,
      '',
      'Сколько стоит арматура?',
    ].join('\r\n'),
  );
  importLetter(service.journal, raw);
  const row = service.journal.interactions.list({ limit: 1000 }).find((r) => r.messageId === id);
  return row?.id as number;
}

const failsWith = async (promise: Promise<unknown>, kind: string) => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InterlogError);
  expect((error as InterlogError).kind).toBe(kind);
  return (error as InterlogError).message;
};

describe('kinds', () => {
  it('logs a call in answer to a letter: same chain, contact by phone, found by search', async () => {
    const letter = incomingLetter('ask@client.example');
    const call = await service.logCall({
      direction: 'out',
      phone: '+7 (495) 123-45-67',
      contactName: 'Иван Петров',
      basisId: letter,
      durationSeconds: 185,
      result: 'договорились о скидке',
      notes: 'Перезвонить в пятницу',
    });
    expect(call.interaction).toMatchObject({
      kind: 'call',
      direction: 'out',
      basisId: letter,
      title: 'Call to Иван Петров',
      // The list's correspondent column: the contact, since a call has no addresses.
      party: 'Иван Петров',
    });
    expect(call.details).toMatchObject({
      phone: '+74951234567',
      durationSeconds: 185,
      result: 'договорились о скидке',
    });
    const chain = await service.chain({ interactionId: letter });
    expect(chain.map((i) => i.id)).toEqual([letter, call.interaction.id]);
    expect((await service.search({ text: 'скидке' })).map((r) => r.id)).toEqual([call.interaction.id]);
    // The same number later finds the same contact.
    const again = await service.logCall({ direction: 'in', phone: '+74951234567' });
    expect(again.interaction.title).toBe('Call from +74951234567');
    expect(again.interaction.party).toBe('Иван Петров');
    const contacts = await service.listContacts({ query: 'Иван' });
    expect(contacts.find((c) => c.phones.includes('+74951234567'))?.interactions).toBe(2);
  });

  it('logs an SMS by hand with no provider, and refuses to send one without a provider', async () => {
    const sms = await service.logSms({ direction: 'out', phone: '+79001234567', text: 'Счёт отправлен на почту' });
    expect(sms.details).toMatchObject({ status: 'logged', body: 'Счёт отправлен на почту' });
    // No contact name known: the number stands for the other side.
    expect(sms.interaction.party).toBe('+79001234567');
    expect((await service.search({ text: 'счёт' })).map((r) => r.id)).toContain(sms.interaction.id);
    const message = await failsWith(service.sendSms({ phone: '+79001234567', text: 'hi' }), 'not-configured');
    expect(message).toMatch(/No SMS provider/);
    expect(await service.countInteractions({ kind: 'sms' })).toBe(1);
  });

  it('records a meeting with participants and exports it as iCalendar', async () => {
    const meeting = await service.addMeeting({
      title: 'Переговоры, поставка',
      startsAt: '2025-03-05T10:00:00Z',
      place: 'Офис клиента; 3 этаж',
      participants: ['ivan@client.example', 'olga@client.example'],
      agenda: 'Цены, сроки',
    });
    expect(meeting.details?.participants.map((p) => [p.address, p.status])).toEqual([
      ['ivan@client.example', 'needs-action'],
      ['olga@client.example', 'needs-action'],
    ]);
    expect(meeting.details?.endsAt).toBe('2025-03-05T11:00:00.000Z');
    const ics = await service.exportCalendar({ interactionId: meeting.interaction.id });
    expect(ics).toContain('BEGIN:VEVENT');
    expect(ics).toContain('DTSTART:20250305T100000Z');
    expect(ics).toContain('LOCATION:Офис клиента\\; 3 этаж');
    expect(ics).toContain(`UID:${meeting.details?.icalUid}`);
    await service.planInteraction({ title: 'Позвонить Ивану', plannedKind: 'call', dueAt: '2025-03-04T09:00:00Z' });
    const all = await service.exportCalendar({});
    expect(all.match(/BEGIN:(VEVENT|VTODO)/g)).toEqual(['BEGIN:VTODO', 'BEGIN:VEVENT']);
  });

  it('reads an invitation reply', () => {
    const reply = [
      'BEGIN:VCALENDAR',
      'METHOD:REPLY',
      'BEGIN:VEVENT',
      'UID:abc@interlog',
      'ATTENDEE;CN="Ivan";PARTSTAT=ACCEPTED:mailto:ivan@client.example',
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
    expect(parseReply(reply)).toEqual([{ uid: 'abc@interlog', attendee: 'ivan@client.example', status: 'accepted' }]);
    expect(parseReply(reply.replace('METHOD:REPLY', 'METHOD:REQUEST'))).toEqual([]);
  });

  it('plans an interaction that comes due, and carries it out as a call', async () => {
    const plan = await service.planInteraction({
      title: 'Перезвонить по счёту',
      plannedKind: 'call',
      dueAt: '2025-03-03T12:00:00Z',
      phone: '+79001112233',
    });
    expect(await service.dueList({})).toEqual([]);
    expect((await service.lists({})).due).toBe(0);
    clock = new Date('2025-03-03T12:00:01Z');
    expect((await service.dueList({})).map((d) => d.interaction.id)).toEqual([plan.interaction.id]);
    expect((await service.lists({})).due).toBe(1);
    const call = await service.logCall({ direction: 'out', phone: '+79001112233', fromPlanned: plan.interaction.id });
    expect(call.interaction.basisId).toBe(plan.interaction.id);
    const done = await service.interactionDetails({ interactionId: plan.interaction.id });
    expect(done.details).toMatchObject({ status: 'done', doneBy: call.interaction.id });
    expect(done.interaction.reviewed).toBe(true);
    expect(await service.dueList({})).toEqual([]);
  });
});

describe('reviewed and on control', () => {
  it('marks, postpones (back when its time comes), unmarks; lists and counts follow', async () => {
    const letter = incomingLetter('a@client.example');
    const call = (await service.logCall({ direction: 'in', phone: '+79000000001' })).interaction.id;
    const sms = (await service.logSms({ direction: 'out', phone: '+79000000001', text: 'ok' })).interaction.id;
    expect(await service.lists({})).toMatchObject({ toReview: 2, postponed: 0 });

    expect(await service.review({ ids: [letter, sms] })).toEqual({ changed: [letter], skipped: [sms] });
    expect((await service.listInteractions({ review: 'to-review' })).map((r) => r.id)).toEqual([call]);

    await service.review({ ids: [call], until: '2025-03-03T15:00:00Z' });
    expect(await service.lists({})).toMatchObject({ toReview: 0, postponed: 1 });
    expect((await service.listInteractions({ review: 'postponed' }))[0]).toMatchObject({
      id: call,
      reviewed: false,
      reviewAfter: '2025-03-03T15:00:00.000Z',
    });
    clock = new Date('2025-03-03T15:00:00Z');
    expect(await service.lists({})).toMatchObject({ toReview: 1, postponed: 0 });
    expect((await service.listInteractions({ review: 'to-review' })).map((r) => r.id)).toEqual([call]);

    await service.review({ ids: [letter], undo: true });
    expect(await service.countInteractions({ review: 'to-review' })).toBe(2);
  });

  it('puts an SMS on control, closes it by hand, and counts overdue ones; an incoming SMS in answer fulfils it', async () => {
    const a = (await service.logSms({ direction: 'out', phone: '+79000000002', text: 'Оплатите счёт' })).interaction.id;
    const b = (await service.logSms({ direction: 'out', phone: '+79000000002', text: 'Жду ответ', onControl: true }))
      .interaction.id;
    const incoming = incomingLetter('b@client.example');
    expect(await service.control({ ids: [a, incoming], due: '2025-03-04' })).toEqual({
      changed: [a],
      skipped: [incoming],
    });
    expect(await service.lists({})).toMatchObject({ onControl: 2, overdue: 0 });
    clock = new Date('2025-03-05T00:00:00Z');
    expect(await service.lists({})).toMatchObject({ onControl: 2, overdue: 1 });
    expect((await service.listInteractions({ control: 'overdue' })).map((r) => r.id)).toEqual([a]);
    await service.control({ ids: [a], done: true });
    expect(await service.lists({})).toMatchObject({ onControl: 1, overdue: 0 });

    await service.logSms({ direction: 'in', phone: '+79000000002', text: 'Оплатили', basisId: b });
    expect(await service.lists({})).toMatchObject({ onControl: 0 });
    expect((await service.interactionDetails({ interactionId: b })).interaction.controlClosedAt).not.toBeNull();
  });
});

describe('settings', () => {
  it('switches kinds and flags off and on; the journal title follows', async () => {
    expect(await service.getSettings({})).toMatchObject({ journalTitle: 'Interactions', otherKinds: true });
    const off = await service.updateSettings({ otherKinds: false, reviewFlags: false });
    expect(off).toMatchObject({ journalTitle: 'E-mail', creatable: ['email'] });
    expect(await failsWith(service.logCall({ direction: 'in', phone: '+79000000003' }), 'disabled')).toMatch(
      /Calls, SMS/,
    );
    await failsWith(service.planInteraction({ title: 'x', plannedKind: 'call', dueAt: '2025-03-04' }), 'disabled');
    await failsWith(service.review({ ids: [1] }), 'disabled');
    await service.updateSettings({ otherKinds: true });
    expect((await service.getSettings({})).creatable).toEqual(['email', 'call', 'sms', 'meeting', 'planned']);
    expect((await service.logCall({ direction: 'in', phone: '+79000000003' })).interaction.kind).toBe('call');
    await service.updateSettings({ mailClient: false });
    expect((await service.getSettings({})).creatable).toEqual(['call', 'sms', 'meeting', 'planned']);
    await failsWith(service.send({ account: 'Work', to: ['a@b.example'], subject: 's', text: 't' }), 'disabled');
  });
});
