import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JournalService } from '../core/journal-service.js';
import { parseMessage } from '../core/mail/parse.js';
import { FileSecretStore } from '../core/secrets/file-secret-store.js';
import { importLetter } from '../core/sync/import-letter.js';
import { startSmtp, type TestSmtp } from './fixtures/smtp.js';

const ME = 'anna@mycompany.ru';
let smtp: TestSmtp;
let dir: string;
let service: JournalService;

beforeAll(async () => {
  smtp = await startSmtp({ [ME]: 'secret' });
});
afterAll(() => smtp.close());
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-meeting-'));
  const db = path.join(dir, 'journal.db');
  service = new JournalService({ dbFile: db, secrets: FileSecretStore.besideJournal(db) });
  await service.addAccount({
    name: 'Work',
    email: ME,
    protocol: 'imap',
    host: '127.0.0.1',
    port: 1,
    security: 'none',
    username: ME,
    password: 'secret',
    smtp: { host: '127.0.0.1', port: smtp.port, security: 'none' },
    copyToSent: false,
    verify: false,
  });
});
afterEach(async () => {
  await service.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Reads letters' bodies as the index workers do, so the post-index step sees their calendar parts. */
async function indexAll(): Promise<void> {
  for (const task of service.journal.index.pending(100)) {
    const sha = service.journal.interactions.sourceOf(task.interactionId) as string;
    service.journal.index.commit([{ task, parsed: await parseMessage(service.journal.blobs.read(sha)) }]);
  }
}

function reply(from: string, uid: string, partstat: string, inReplyTo: string): Buffer {
  const ics = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Client//EN',
    'METHOD:REPLY',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20250304T100000Z',
    `ATTENDEE;PARTSTAT=${partstat}:mailto:${from}`,
    'END:VEVENT',
    'END:VCALENDAR',
  ].join('\r\n');
  return Buffer.from(
    [
      `From: ${from}`,
      `To: ${ME}`,
      `Subject: ${partstat === 'ACCEPTED' ? 'Accepted' : 'Declined'}: Переговоры`,
      'Date: Tue, 04 Mar 2025 10:00:00 +0000',
      `Message-ID: <reply-${from}>`,
      `In-Reply-To: <${inReplyTo}>`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/alternative; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'See you there.',
      '--b',
      'Content-Type: text/calendar; charset=utf-8; method=REPLY',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from(ics).toString('base64'),
      '--b--',
      '',
    ].join('\r\n'),
  );
}

describe('meeting invitations', () => {
  it('sends an iCalendar REQUEST through the outbox; replies by mail update the participants', async () => {
    const meeting = await service.addMeeting({
      title: 'Переговоры',
      startsAt: '2025-03-05T10:00:00Z',
      endsAt: '2025-03-05T11:30:00Z',
      place: 'Офис',
      participants: ['ivan@client.example', 'olga@client.example'],
      invite: { account: 'Work' },
    });
    expect(await service.sendQueued({})).toMatchObject({ sent: 1, failed: 0 });
    const sent = smtp.received.at(-1);
    expect(sent?.to.sort()).toEqual(['ivan@client.example', 'olga@client.example']);
    const raw = sent?.raw.toString('utf8') ?? '';
    expect(raw).toMatch(/Content-Type: text\/calendar; charset=utf-8; method=REQUEST/i);
    const parsed = await parseMessage(sent?.raw as Buffer);
    const uid = meeting.details?.icalUid as string;
    const chain = await service.chain({ interactionId: meeting.interaction.id });
    const invitation = chain.find((i) => i.kind === 'email');
    expect(invitation?.messageId).toBe(parsed.messageId);

    importLetter(service.journal, reply('ivan@client.example', uid, 'ACCEPTED', parsed.messageId as string));
    importLetter(service.journal, reply('olga@client.example', uid, 'DECLINED', parsed.messageId as string));
    await indexAll();
    expect(await service.applyMeetingReplies({})).toBe(2);
    const after = await service.interactionDetails({ interactionId: meeting.interaction.id });
    expect(after.details?.participants.map((p) => [p.address, p.status])).toEqual([
      ['ivan@client.example', 'accepted'],
      ['olga@client.example', 'declined'],
    ]);
    // Each reply is applied once, and the replies are in the meeting's chain.
    expect(await service.applyMeetingReplies({})).toBe(0);
    expect((await service.chain({ interactionId: meeting.interaction.id })).length).toBe(4);
  });
});
