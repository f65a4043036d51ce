/**
 * `npm run bench:lists`: builds a journal of 100,000 interactions (letters in and out, calls, SMS, meetings,
 * planned ones; some reviewed, postponed, on control, overdue) with direct inserts through the repositories, then
 * times the list counts and the first page of each list. The target is under 50 ms for each.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeTransaction } from '../core/db/database.js';
import { Journal } from '../core/db/journal.js';
import type { OtherKind } from '../core/db/kinds-repo.js';
import { importLetter } from '../core/sync/import-letter.js';

const { values } = parseArgs({ options: { count: { type: 'string', default: '100000' } } });
const COUNT = Number(values.count);
const now = new Date('2025-06-01T12:00:00Z');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-bench-lists-'));
const journal = Journal.open(path.join(dir, 'journal.db'));

function letter(i: number): Buffer {
  const out = i % 3 === 0;
  const date = new Date(now.getTime() - (COUNT - i) * 60_000).toUTCString();
  return Buffer.from(
    [
      out ? 'From: me@mycompany.ru' : `From: client${i % 500}@client.example`,
      out ? `To: client${i % 500}@client.example` : 'To: me@mycompany.ru',
      `Subject: Order ${i}`,
      `Date: ${date}`,
      `Message-ID: <m${i}@bench>`,
      '',
      `Body ${i}`,
    ].join('\r\n'),
  );
}

// One fdatasync per batch rather than per letter: the build is set-up, not what is measured.
const flush = journal.blobs.flush.bind(journal.blobs);
journal.blobs.flush = () => undefined;
const started = performance.now();
const kinds: OtherKind[] = ['call', 'sms', 'meeting', 'planned'];
const BATCH = 5000;
for (let start = 0; start < COUNT; start += BATCH) {
  writeTransaction(journal.db, () => {
    for (let i = start; i < Math.min(COUNT, start + BATCH); i++) {
      const date = new Date(now.getTime() - (COUNT - i) * 60_000);
      // Two in three are letters, as in a mail-heavy journal; the rest are the other kinds.
      if (i % 3 !== 2) {
        importLetter(journal, letter(i), { identities: new Set(['me@mycompany.ru']) });
        continue;
      }
      const kind = kinds[i % 4] as OtherKind;
      journal.kinds.create({
        kind,
        direction: i % 2 ? 'in' : 'out',
        date: date.toISOString(),
        title: `${kind} ${i}`,
        phone: `+7900${String(i % 1000).padStart(7, '0')}`,
        details: {
          body: `notes ${i}`,
          startsAt: date.toISOString(),
          ...(kind === 'planned' ? { status: 'open' } : {}),
        },
        now: date,
      });
    }
    flush();
  });
}
const built = performance.now() - started;

// The flags, spread as in a working journal: most old items reviewed, some postponed, letters and SMS on control.
const ids = journal.db.prepare<[], { id: number; kind: string; direction: string }>(
  'SELECT id, kind, direction FROM interactions',
);
const all = ids.all();
const reviewed = all.filter((_, i) => i < all.length * 0.8).map((r) => r.id);
const postponed = all.filter((_, i) => i % 97 === 0).map((r) => r.id);
const controlled = all.filter(
  (r, i) => r.direction === 'out' && (r.kind === 'email' || r.kind === 'sms') && i % 7 === 0,
);
journal.flags.markReviewed(reviewed, now);
journal.flags.postponeReview(postponed, new Date(now.getTime() + 86_400_000));
journal.flags.putOnControl(
  controlled.filter((_, i) => i % 2 === 0).map((r) => r.id),
  new Date('2025-05-01'),
);
journal.flags.putOnControl(
  controlled.filter((_, i) => i % 2 === 1).map((r) => r.id),
  new Date('2025-07-01'),
);
journal.db.pragma('optimize');

function time<T>(label: string, work: () => T): T {
  work(); // warm the statement cache and the pages, as an open app would have them
  const runs: number[] = [];
  let result: T = work();
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    result = work();
    runs.push(performance.now() - t);
  }
  runs.sort((a, b) => a - b);
  const median = runs[5] ?? 0;
  const max = runs[runs.length - 1] ?? 0;
  const verdict = max < 50 ? 'ok' : 'SLOW';
  console.log(
    `${label.padEnd(34)} median ${median.toFixed(2).padStart(7)} ms   max ${max.toFixed(2).padStart(7)} ms   ${verdict}`,
  );
  return result;
}

console.log(`journal of ${journal.interactions.count()} interactions built in ${(built / 1000).toFixed(1)} s`);
const counts = time('all list counts', () => journal.flags.counts(now));
console.log(`  ${JSON.stringify(counts)}`);
const at = now.toISOString();
time('to review: first 100', () => journal.interactions.list({ limit: 100, review: 'to-review', now: at }));
time('postponed: first 100', () => journal.interactions.list({ limit: 100, review: 'postponed', now: at }));
time('on control: first 100', () => journal.interactions.list({ limit: 100, control: 'active', now: at }));
time('overdue control: first 100', () => journal.interactions.list({ limit: 100, control: 'overdue', now: at }));
time('calls: first 100', () => journal.interactions.list({ limit: 100, kind: 'call', now: at }));
time('due planned', () => journal.kinds.due(now).length);
time('bulk: review 1,000', () => journal.flags.markReviewed(reviewed.slice(0, 1000), now));

journal.close();
fs.rmSync(dir, { recursive: true, force: true });
