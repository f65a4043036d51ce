import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JournalService } from './journal-service.js';
import { FileSecretStore } from './secrets/file-secret-store.js';

let dir: string;
let service: JournalService;
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-drafts-'));
  const dbFile = path.join(dir, 'journal.db');
  service = new JournalService({ dbFile, secrets: FileSecretStore.besideJournal(dbFile) });
  // Queued letters are not sent here: the outgoing server is never contacted.
  await service.addAccount({
    name: 'Work',
    email: 'me@here.example',
    protocol: 'imap',
    host: '127.0.0.1',
    port: 1,
    security: 'none',
    username: 'me',
    password: 'secret',
    verify: false,
    smtp: { host: '127.0.0.1', port: 1, security: 'none' },
  });
});
afterEach(async () => {
  await service.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('drafts', () => {
  it('keeps a half-written letter with its file, replaces it on the next save, and lists the latest first', async () => {
    const file = { filename: 'смета.xlsx', contentBase64: Buffer.from('cells').toString('base64') };
    const first = await service.saveDraft({ letter: { account: 'Work', to: 'ivan@client.example', text: 'Добрый' } });
    expect(first).toMatchObject({ title: '', to: ['ivan@client.example'] });
    const again = await service.saveDraft({
      id: first.id,
      letter: {
        account: 'Work',
        to: 'ivan@client.example, olga@client.example',
        subject: 'Смета',
        text: 'Добрый день',
        attachments: [file],
      },
    });
    expect(again.id).toBe(first.id);
    const other = await service.saveDraft({ letter: { subject: 'Ещё одно' } });
    expect((await service.listDrafts({})).map((d) => d.title)).toEqual(['Ещё одно', 'Смета']);
    const draft = await service.getDraft({ id: first.id });
    expect(draft.letter).toMatchObject({ subject: 'Смета', text: 'Добрый день', attachments: [file] });
    expect(draft.to).toEqual(['ivan@client.example', 'olga@client.example']);
    expect(await service.deleteDraft({ id: other.id })).toEqual({ deleted: true });
    expect(await service.deleteDraft({ id: other.id })).toEqual({ deleted: false });
    await expect(service.getDraft({ id: other.id })).rejects.toThrow(/no draft/);
  });

  it('sending the letter of a draft removes the draft with it, and a letter that cannot go keeps it', async () => {
    const draft = await service.saveDraft({ letter: { account: 'Work', to: 'ivan@client.example', subject: 'Счёт' } });
    // No recipient: refused before anything is stored, and the draft stays.
    await expect(
      service.send({ account: 'Work', to: [], subject: 'Счёт', text: 'x', draftId: draft.id }),
    ).rejects.toThrow(/recipient/);
    expect((await service.listDrafts({})).map((d) => d.id)).toEqual([draft.id]);
    const queued = await service.send({
      account: 'Work',
      to: ['ivan@client.example'],
      subject: 'Счёт',
      text: 'Высылаю счёт.',
      draftId: draft.id,
    });
    expect(queued.status).toBe('queued');
    expect(await service.listDrafts({})).toEqual([]);
    expect(await service.countInteractions({})).toBe(1);
  });
});
