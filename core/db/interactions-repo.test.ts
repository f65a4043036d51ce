import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyParsedMessage } from '../mail/types.js';
import { importLetter } from '../sync/import-letter.js';
import { Journal } from './journal.js';

let dir: string;
let journal: Journal;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-interactions-'));
  journal = Journal.open(path.join(dir, 'journal.db'));
});
afterEach(() => {
  journal.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function letter(id: string, date: string, subject: string): Buffer {
  return Buffer.from(
    [`From: client@stroy.example`, `Subject: ${subject}`, `Date: ${date}`, `Message-ID: <${id}>`, '', subject].join(
      '\r\n',
    ),
  );
}

describe('full-text search', () => {
  it('finds every word as a prefix and lists the newest letters first, whatever order they arrived in', () => {
    importLetter(journal, letter('b', 'Wed, 06 Mar 2024 10:00:00 +0000', 'Поставка арматуры, счёт'));
    importLetter(journal, letter('c', 'Thu, 07 Mar 2024 10:00:00 +0000', 'Поставки бетона'));
    importLetter(journal, letter('a', 'Tue, 05 Mar 2024 10:00:00 +0000', 'Поставка арматуры'));
    importLetter(journal, letter('d', 'Fri, 08 Mar 2024 10:00:00 +0000', 'Акт сверки'));
    journal.index.commit(
      journal.index.pending(10).map((task) => ({ task, parsed: emptyParsedMessage('2024-03-05T10:00:00.000Z') })),
    );
    const found = (text: string, limit?: number) => journal.interactions.search(text, limit).map((r) => r.messageId);
    expect(found('поставк')).toEqual(['c', 'b', 'a']);
    expect(found('поставка арматур')).toEqual(['b', 'a']);
    expect(found('поставк', 2)).toEqual(['c', 'b']);
    expect(found('нет такого')).toEqual([]);
    // Within what the list is narrowed to: the same filter as the list's.
    const within = (filter: Parameters<typeof journal.interactions.search>[2]) =>
      journal.interactions.search('поставк', 50, filter).map((r) => r.messageId);
    expect(within({ before: '2024-03-07T00:00:00.000Z' })).toEqual(['b', 'a']);
    expect(within({ since: '2024-03-06T00:00:00.000Z' })).toEqual(['c', 'b']);
    expect(within({ direction: 'out' })).toEqual([]);
  });
});

describe('the list sorted by a column', () => {
  function from(id: string, sender: string, subject: string, to = 'me@here.example'): Buffer {
    return Buffer.from(
      [
        `From: ${sender}`,
        `To: ${to}`,
        `Subject: ${subject}`,
        'Date: Tue, 05 Mar 2024 10:00:00 +0000',
        `Message-ID: <${id}>`,
        '',
        subject,
      ].join('\r\n'),
    );
  }

  it('by correspondent, without case and with "ё" as "е"; by title without "Re:"; either way round', () => {
    const identities = new Set(['me@here.example']);
    importLetter(journal, from('yakov', 'Яков <yakov@x.example>', 'в'), { identities });
    importLetter(journal, from('ivan', 'иван <ivan@x.example>', 'Б'), { identities });
    importLetter(journal, from('yolkin', 'Ёлкин <yolkin@x.example>', 'а'), { identities });
    importLetter(journal, from('anna', 'Anna <anna@x.example>', 'Re: Fwd: Г'), { identities });
    importLetter(journal, from('zed', 'zed@x.example', 'д'), { identities });
    // One's own letter is listed under its recipient.
    importLetter(journal, from('mine', 'me@here.example', 'е', 'Борис <boris@x.example>'), { identities });
    // No sender and no subject at all: last, whichever way the column is sorted.
    importLetter(journal, Buffer.from('Date: Mon, 04 Mar 2024 10:00:00 +0000\r\nMessage-ID: <bare>\r\n\r\nhi'), {
      identities,
    });
    const order = (o: Parameters<typeof journal.interactions.list>[0]['order']) =>
      journal.interactions.list({ limit: 10, order: o }).map((r) => r.messageId);
    expect(order('correspondent')).toEqual(['anna', 'zed', 'mine', 'yolkin', 'ivan', 'yakov', 'bare']);
    expect(order('correspondent-desc')).toEqual(['yakov', 'ivan', 'yolkin', 'mine', 'zed', 'anna', 'bare']);
    expect(order('title')).toEqual(['yolkin', 'ivan', 'yakov', 'anna', 'zed', 'mine', 'bare']);
    expect(order('title-desc')).toEqual(['mine', 'zed', 'anna', 'yakov', 'ivan', 'yolkin', 'bare']);
    // A letter arriving since is in the next sorted page (the sorted ids are kept only until the journal changes).
    importLetter(journal, from('aaron', 'Aaron <aaron@x.example>', 'ж'), { identities });
    expect(order('correspondent').slice(0, 2)).toEqual(['aaron', 'anna']);
    // A page further down continues the same order.
    expect(journal.interactions.list({ limit: 2, offset: 3, order: 'correspondent' }).map((r) => r.messageId)).toEqual([
      'mine',
      'yolkin',
    ]);
  });
});
