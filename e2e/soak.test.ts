import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JournalService } from '../core/journal-service.js';
import { FileSecretStore } from '../core/secrets/file-secret-store.js';
import { letter } from './fixtures/letters.js';
import { type DovecotServer, dovecotAvailable, startDovecot } from './support/dovecot.js';
import { startFaultProxy } from './support/fault-proxy.js';
import { seedMessages } from './support/maildir.js';

const available = dovecotAvailable();
const skipNote = available.ok ? '' : ` (skipped: ${available.reason})`;
const PASSWORD = 'secret';
const USERS = ['garbled@soak.test'];

describe.skipIf(!available.ok)(`faults the soak found${skipNote}`, () => {
  let dovecot: DovecotServer;
  let dir: string;

  beforeAll(async () => {
    dovecot = await startDovecot({ users: USERS.map((user) => ({ user, password: PASSWORD })) });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-soak-test-'));
  });
  afterAll(async () => {
    await dovecot?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  function journal(name: string) {
    const db = path.join(dir, `${name}.db`);
    return new JournalService({
      dbFile: db,
      secrets: FileSecretStore.besideJournal(db),
      tuning: { backoffBaseMs: 20 },
    });
  }

  it('loses no letter when one line of a FETCH answer arrives garbled', async () => {
    const user = USERS[0] as string;
    const ids = Array.from({ length: 5 }, (_, i) => `garbled-${i}@client.example`);
    seedMessages(
      dovecot,
      user,
      'INBOX',
      ids.map((messageId, i) => ({
        raw: letter({
          from: 'client@client.example',
          to: user,
          subject: `Письмо ${i}`,
          messageId,
          text: 'x'.repeat(800),
        }),
      })),
    );
    const proxy = await startFaultProxy(dovecot.imapPort, '127.0.0.1', { protocol: 'imap' });
    const service = journal('garbled');
    try {
      await service.addAccount({
        name: 'Work',
        email: user,
        protocol: 'imap',
        host: '127.0.0.1',
        port: proxy.port,
        security: 'none',
        username: user,
        password: PASSWORD,
        verify: false,
      });
      // "* 1 FETCH (UID 1 BODY[] {…}": byte 4 is the F of FETCH; the client no longer knows the line for an answer.
      const hit = proxy.inject({ kind: 'garble', afterLineBytes: 4, afterCommand: /BODY\.PEEK\[\]/ });
      await service.sync({});
      expect(await hit).toBe(true);
      const synced = [...service.iterateInteractions()].map((r) => r.messageId).sort();
      expect(synced).toEqual([...ids].sort());
      expect((await service.listAccounts())[0]?.lastError).toBeNull();
    } finally {
      await service.close();
      await proxy.close();
    }
  });
});
