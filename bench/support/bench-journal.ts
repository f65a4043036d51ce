/**
 * A journal of many interactions built in seconds: letters in and out, calls, SMS, meetings and planned ones, with
 * the flags of a working journal (most old items reviewed, some postponed, letters and SMS on control, some of them
 * overdue). Letters go through the same store path as synced mail; with `index` they are also read for text and
 * put in the full-text index, as the index workers would, so search has a realistic index to answer from.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeTransaction } from '../../core/db/database.js';
import { Journal } from '../../core/db/journal.js';
import type { OtherKind } from '../../core/db/kinds-repo.js';
import { walkMessage } from '../../core/mail/mime-walk.js';
import { importLetter } from '../../core/sync/import-letter.js';
import { type Language, makePeople, paragraphs, subject } from './business-text.js';
import { encodedWordB, isAscii } from './mime-encode.js';
import { Rng } from './prng.js';

export interface BenchJournalOptions {
  count: number;
  /** The time the journal is "now": the newest interaction is a minute before it. */
  now: Date;
  /** Read every letter for text and fill the full-text index (as the index workers do). */
  index?: boolean;
  /** Where the journal goes; a fresh temporary folder when omitted. */
  dir?: string;
}

export interface BenchJournal {
  journal: Journal;
  dir: string;
  file: string;
  /** Interaction ids marked reviewed, oldest first. */
  reviewed: number[];
  /** Seconds spent storing (and indexing) the interactions, and setting the flags. */
  buildSeconds: number;
  flagSeconds: number;
}

const ME = 'me@mycompany.ru';
const KINDS: OtherKind[] = ['call', 'sms', 'meeting', 'planned'];
const BATCH = 5000;

function header(value: string): string {
  return isAscii(value) ? value : encodedWordB(value);
}

export function buildBenchJournal(options: BenchJournalOptions): BenchJournal {
  const { count, now } = options;
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-bench-journal-'));
  const file = path.join(dir, 'journal.db');
  const journal = Journal.open(file);
  const rng = new Rng(20250601);
  const people = makePeople(rng, 500);
  const identities = new Set([ME]);

  function letter(i: number, date: Date): Buffer {
    const out = i % 3 === 0;
    const person = people[i % people.length] as (typeof people)[number];
    const language: Language = rng.chance(0.85) ? 'ru' : 'en';
    const contact = `${header(person.name)} <${person.email}>`;
    return Buffer.from(
      [
        `From: ${out ? ME : contact}`,
        `To: ${out ? contact : ME}`,
        `Subject: ${header(subject(rng, language))}`,
        `Date: ${date.toUTCString()}`,
        `Message-ID: <m${i}@bench>`,
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: 8bit',
        '',
        ...paragraphs(rng, language, 300),
      ].join('\r\n'),
    );
  }

  // One fdatasync per batch rather than per letter: the build is set-up, not what is measured.
  const flush = journal.blobs.flush.bind(journal.blobs);
  journal.blobs.flush = () => undefined;
  const started = performance.now();
  let indexedUpTo = 0;
  for (let start = 0; start < count; start += BATCH) {
    const sources = new Map<number, Buffer>();
    writeTransaction(journal.db, () => {
      for (let i = start; i < Math.min(count, start + BATCH); i++) {
        const date = new Date(now.getTime() - (count - i) * 60_000);
        // Two in three are letters, as in a mail-heavy journal; the rest are the other kinds.
        if (i % 3 !== 2) {
          const raw = letter(i, date);
          const stored = importLetter(journal, raw, { identities });
          if (options.index) sources.set(stored.id, raw);
          continue;
        }
        const kind = KINDS[i % 4] as OtherKind;
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
    if (options.index) {
      const tasks = journal.index.pending(BATCH, indexedUpTo);
      journal.index.commit(
        tasks.map((task) => ({ task, parsed: walkMessage(sources.get(task.messageRow) as Buffer, task.date) })),
      );
      indexedUpTo = tasks.at(-1)?.messageRow ?? indexedUpTo;
    }
  }
  const buildSeconds = (performance.now() - started) / 1000;

  const flagsStarted = performance.now();
  const all = journal.db
    .prepare<[], { id: number; kind: string; direction: string }>('SELECT id, kind, direction FROM interactions')
    .all();
  const reviewed = all.filter((_, i) => i < all.length * 0.8).map((r) => r.id);
  const postponed = all.filter((_, i) => i % 97 === 0).map((r) => r.id);
  const controlled = all.filter(
    (r, i) => r.direction === 'out' && (r.kind === 'email' || r.kind === 'sms') && i % 7 === 0,
  );
  journal.flags.markReviewed(reviewed, now);
  journal.flags.postponeReview(postponed, new Date(now.getTime() + 86_400_000));
  journal.flags.putOnControl(
    controlled.filter((_, i) => i % 2 === 0).map((r) => r.id),
    new Date(now.getTime() - 31 * 86_400_000),
  );
  journal.flags.putOnControl(
    controlled.filter((_, i) => i % 2 === 1).map((r) => r.id),
    new Date(now.getTime() + 30 * 86_400_000),
  );
  journal.db.pragma('optimize');
  const flagSeconds = (performance.now() - flagsStarted) / 1000;
  return { journal, dir, file, reviewed, buildSeconds, flagSeconds };
}
