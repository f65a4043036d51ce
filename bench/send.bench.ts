/**
 * `npm run bench:send`: queues 1,000 letters (some with attachments) in a fresh journal and drains them to a local
 * SMTP server (the smtp-server package, in this process) with a copy of each appended to Sent in a private
 * Dovecot; prints letters/s for queueing and for sending, and checks every letter arrived once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ImapFlow } from 'imapflow';
import { JournalService } from '../core/journal-service.js';
import { FileSecretStore } from '../core/secrets/file-secret-store.js';
import { startSmtp } from '../e2e/fixtures/smtp.js';
import { dovecotAvailable, startDovecot } from '../e2e/support/dovecot.js';
import { createFolder } from '../e2e/support/maildir.js';
import { fmt, timed } from './support/measure.js';

const { values } = parseArgs({ options: { count: { type: 'string', default: '1000' } } });
const COUNT = Number(values.count);
const USER = 'sales@bench.test';
const PASSWORD = 'bench';

const available = dovecotAvailable();
if (!available.ok) {
  console.log(`bench:send skipped: ${available.reason}`);
} else {
  const dovecot = await startDovecot({ users: [{ user: USER, password: PASSWORD }] });
  createFolder(dovecot, USER, 'Sent');
  const smtp = await startSmtp({ [USER]: PASSWORD });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-bench-send-'));
  const db = path.join(dir, 'journal.db');
  const service = new JournalService({ dbFile: db, secrets: FileSecretStore.besideJournal(db) });
  try {
    await service.addAccount({
      name: 'Sales',
      email: USER,
      protocol: 'imap',
      host: '127.0.0.1',
      port: dovecot.imapPort,
      security: 'none',
      username: USER,
      password: PASSWORD,
      smtp: { host: '127.0.0.1', port: smtp.port, security: 'none' },
      verify: false,
    });
    const attachment = Buffer.alloc(60_000, 7).toString('base64');
    const queue = await timed(async () => {
      for (let i = 0; i < COUNT; i++) {
        await service.send({
          account: 'Sales',
          to: [`client${i % 50}@customer.example`],
          subject: `Счёт №${i}`,
          text: `Добрый день! Направляем счёт №${i} на оплату.\n`.repeat(20),
          attachments: i % 10 === 0 ? [{ filename: `Счёт ${i}.pdf`, contentBase64: attachment }] : [],
        });
      }
    });
    const drain = await timed(() => service.sendQueued({}));
    const client = new ImapFlow({
      host: '127.0.0.1',
      port: dovecot.imapPort,
      secure: false,
      doSTARTTLS: false,
      auth: { user: USER, pass: PASSWORD },
      logger: false,
    });
    await client.connect();
    const sentCopies = (await client.mailboxOpen('Sent')).exists;
    await client.logout();
    const ids = new Set(smtp.received.map((r) => /^Message-ID: (.*)$/im.exec(r.raw.toString('latin1'))?.[1]));
    console.log(
      `queued ${COUNT} letters in ${fmt(queue.ms / 1000, 2)} s (${fmt(COUNT / (queue.ms / 1000), 0)} letters/s)`,
    );
    console.log(
      `sent ${drain.value.sent} (failed ${drain.value.failed}) with copies in Sent in ${fmt(drain.ms / 1000, 2)} s: ` +
        `${fmt(drain.value.sent / (drain.ms / 1000), 0)} letters/s`,
    );
    console.log(
      `server received ${smtp.received.length} letters, ${ids.size} distinct; Sent holds ${sentCopies} copies`,
    );
  } finally {
    await service.close();
    await smtp.close();
    await dovecot.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
