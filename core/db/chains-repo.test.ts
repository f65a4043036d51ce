import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { splitMbox } from '../mail/mbox.js';
import { emptyParsedMessage } from '../mail/types.js';
import { importLetter } from '../sync/import-letter.js';
import { Journal } from './journal.js';

let dir: string;
let journal: Journal;
let n = 0;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-chains-'));
  journal = Journal.open(path.join(dir, `j${n++}.db`));
});
afterEach(() => {
  journal.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Spec {
  id: string;
  subject?: string;
  irt?: string;
  refs?: string[];
}

function raw(spec: Spec): Buffer {
  const lines = [
    'From: someone@example.com',
    'To: me@example.com',
    `Subject: ${spec.subject ?? `About ${spec.id}`}`,
    'Date: Tue, 05 Mar 2024 10:15:00 +0300',
    `Message-ID: <${spec.id}>`,
    ...(spec.irt ? [`In-Reply-To: <${spec.irt}>`] : []),
    ...(spec.refs?.length ? [`References: ${spec.refs.map((r) => `<${r}>`).join(' ')}`] : []),
    '',
    `Body of ${spec.id}`,
  ];
  return Buffer.from(lines.join('\r\n'));
}

function store(j: Journal, ...specs: Spec[]) {
  for (const spec of specs) importLetter(j, raw(spec));
}

/** Message-ID → [chain as a sorted list of Message-IDs, basis Message-ID]. */
function shape(j: Journal) {
  const chains = new Map<number, string[]>();
  const basis = new Map<string, string | null>();
  for (const r of j.interactions.iterateAll()) {
    const id = r.messageId as string;
    basis.set(id, r.basisMessageId);
    const list = chains.get(r.chainId as number) ?? [];
    list.push(id);
    chains.set(r.chainId as number, list);
  }
  const partition = [...chains.values()]
    .map((c) => c.sort())
    .sort((a, b) => (a[0] as string).localeCompare(b[0] as string));
  return { partition, basis: Object.fromEntries([...basis].sort()) };
}

// A forest of threads with gaps: some letters name ancestors that never arrive.
const FOREST: Spec[] = [
  { id: 'r1' },
  { id: 'r1.1', irt: 'r1', refs: ['r1'] },
  { id: 'r1.1.1', irt: 'r1.1', refs: ['r1', 'r1.1'] },
  { id: 'r1.2', refs: ['r1'] },
  { id: 'r1.1.1.1', irt: 'r1.1.1', refs: ['r1', 'r1.1', 'r1.1.1'] },
  { id: 'r2' },
  { id: 'r2.1', irt: 'missing', refs: ['r2', 'missing'] },
  { id: 'r2.1.1', irt: 'r2.1', refs: ['r2', 'missing', 'r2.1'] },
  { id: 'orphan', irt: 'nowhere' },
  { id: 'orphan.1', irt: 'orphan' },
  { id: 'x', refs: ['r2.1.1', 'r1.2'] },
  { id: 'split', irt: 'late', refs: ['r1', 'late'] },
  { id: 'late' },
];

describe('interaction chains', () => {
  it('puts a reply into its basis letter’s chain', () => {
    store(journal, { id: 'a' }, { id: 'b', irt: 'a', refs: ['a'] });
    const s = shape(journal);
    expect(s.partition).toEqual([['a', 'b']]);
    expect(s.basis).toEqual({ a: null, b: 'a' });
  });

  it('joins two chains when a letter’s parent arrives after it', () => {
    store(journal, { id: 'b', irt: 'a' });
    store(journal, { id: 'x' });
    expect(shape(journal).partition).toEqual([['b'], ['x']]);
    store(journal, { id: 'a' });
    expect(shape(journal)).toEqual({ partition: [['a', 'b'], ['x']], basis: { a: null, b: 'a', x: null } });
  });

  it('links to the nearest ancestor present, and slots a missing parent in between when it comes', () => {
    store(journal, { id: 'a' }, { id: 'c', irt: 'b', refs: ['a', 'b'] });
    expect(shape(journal).basis.c).toBe('a');
    store(journal, { id: 'b', irt: 'a', refs: ['a'] });
    expect(shape(journal)).toEqual({ partition: [['a', 'b', 'c']], basis: { a: null, b: 'a', c: 'b' } });
  });

  it('never joins letters by subject line alone', () => {
    store(
      journal,
      { id: 'inv1', subject: 'Invoice' },
      { id: 'inv1-re', subject: 'Re: Invoice', irt: 'inv1' },
      { id: 'inv2', subject: 'Invoice' },
      { id: 'inv2-re', subject: 'Re: Invoice', irt: 'inv2' },
    );
    expect(shape(journal).partition).toEqual([
      ['inv1', 'inv1-re'],
      ['inv2', 'inv2-re'],
    ]);
  });

  it('stores the same letter once, whichever copy comes first', () => {
    store(journal, { id: 'a' }, { id: 'a' }, { id: 'b', irt: 'a' }, { id: 'b', irt: 'a' });
    expect(journal.interactions.count()).toBe(2);
  });

  it('a chain’s subject is inherited by later letters and survives joins', () => {
    store(journal, { id: 'a' });
    const deal = journal.subjects.create('Поставка арматуры');
    const first = [...journal.interactions.iterateAll()][0];
    journal.subjects.setForInteraction(first?.id as number, deal.id);
    store(journal, { id: 'c', irt: 'b', refs: ['a', 'b'] }, { id: 'd', irt: 'zz' }, { id: 'zz', irt: 'b' });
    store(journal, { id: 'b', irt: 'a' });
    const subjects = [...journal.interactions.iterateAll()].map((r) => [r.messageId, r.subject?.name]);
    expect(subjects).toEqual([
      ['a', 'Поставка арматуры'],
      ['c', 'Поставка арматуры'],
      ['d', 'Поставка арматуры'],
      ['zz', 'Поставка арматуры'],
      ['b', 'Поставка арматуры'],
    ]);
    expect(journal.subjects.get(deal.id)?.interactions).toBe(5);
  });

  it('gives the same chains and bases for any arrival order (property)', () => {
    const specs = FOREST;
    const expected = (() => {
      store(journal, ...specs);
      return shape(journal);
    })();
    let run = 0;
    fc.assert(
      fc.property(fc.shuffledSubarray(specs, { minLength: specs.length, maxLength: specs.length }), (order) => {
        const j = Journal.open(path.join(dir, `perm-${run++}.db`));
        try {
          store(j, ...order);
          expect(shape(j)).toEqual(expected);
        } finally {
          j.close();
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('deleting from the journal', () => {
  const idOf = (j: Journal, messageId: string) =>
    [...j.interactions.iterateAll()].find((r) => r.messageId === messageId)?.id as number;

  it('leaves the chains and bases the remaining letters would have had without the deleted ones (property)', () => {
    let run = 0;
    fc.assert(
      fc.property(fc.subarray(FOREST), (deleted) => {
        const all = Journal.open(path.join(dir, `del-${run}.db`));
        const rest = Journal.open(path.join(dir, `rest-${run++}.db`));
        try {
          store(all, ...FOREST);
          expect(all.deletion.delete(deleted.map((d) => idOf(all, d.id)))).toBe(deleted.length);
          store(rest, ...FOREST.filter((f) => !deleted.includes(f)));
          expect(shape(all)).toEqual(shape(rest));
        } finally {
          all.close();
          rest.close();
        }
      }),
      { numRuns: 40 },
    );
  });

  it('a deleted letter leaves the list and the search, and does not come back with the next sync', () => {
    store(journal, { id: 'a', subject: 'Счёт на оплату арматуры' }, { id: 'b', irt: 'a' });
    const a = idOf(journal, 'a');
    journal.index.commit(
      journal.index.pending(10).map((task) => ({
        task,
        parsed: { ...emptyParsedMessage('2024-03-05T07:15:00.000Z'), text: 'арматура на складе' },
      })),
    );
    expect(journal.interactions.search('арматура').map((r) => r.id)).toContain(a);
    expect(journal.deletion.delete([a, 999_999])).toBe(1);
    expect(journal.interactions.get(a)).toBeUndefined();
    expect(journal.interactions.search('арматура').map((r) => r.id)).not.toContain(a);
    // The same letter found again (another folder's copy, a re-read folder) stays deleted.
    store(journal, { id: 'a', subject: 'Счёт на оплату арматуры' });
    expect([...journal.interactions.iterateAll()].map((r) => r.messageId)).toEqual(['b']);
    expect(journal.index.pendingCount()).toBe(0);
  });

  it('a call answering a deleted letter stays, in the chain’s subject, with no basis', () => {
    store(journal, { id: 'a' });
    const a = idOf(journal, 'a');
    const deal = journal.subjects.create('Поставка');
    journal.subjects.setForInteraction(a, deal.id);
    const call = journal.kinds.create({
      kind: 'call',
      direction: 'out',
      date: '2024-03-05T09:00:00.000Z',
      title: 'Звонок по счёту',
      basisId: a,
      details: {},
      now: new Date('2024-03-05T09:00:00Z'),
    });
    journal.deletion.delete([a]);
    const record = journal.interactions.get(call);
    expect(record?.basisMessageId ?? null).toBeNull();
    expect(record?.subject?.name).toBe('Поставка');
  });
});

const fedora = path.resolve(import.meta.dirname, '../../../shared/corpus/threads/fedora-devel-2010-01');
const hasCorpus = fs.existsSync(path.join(fedora, '2010-January.mbox'));

describe.skipIf(!hasCorpus)(
  `threading real list traffic${hasCorpus ? '' : ' (skipped: ../shared/corpus is not present)'}`,
  () => {
    it('matches the archive’s threads of fedora-devel, January 2010', () => {
      interface Expected {
        threads: Array<{ root_index: number; members: number[] }>;
        messages: Array<{
          index: number;
          message_id: string;
          expected_parent_index: number | null;
          in_reply_to: string[];
          references: string[];
        }>;
      }
      const expected = JSON.parse(fs.readFileSync(path.join(fedora, 'expected-threads.json'), 'utf8')) as Expected;
      const letters = [...splitMbox(fs.readFileSync(path.join(fedora, '2010-January.mbox')))];
      expect(letters).toHaveLength(292);
      for (const letter of letters) importLetter(journal, letter);
      const chainOf = new Map<string, number>();
      for (const r of journal.interactions.iterateAll()) chainOf.set(`<${r.messageId}>`, r.chainId as number);
      const threadOf = new Map<number, number>();
      for (const t of expected.threads) for (const m of t.members) threadOf.set(m, t.root_index);
      let linkedAsArchive = 0;
      let headerless = 0;
      for (const m of expected.messages) {
        if (m.expected_parent_index === null) continue;
        const parent = expected.messages[m.expected_parent_index];
        const named = [...m.in_reply_to, ...m.references].includes(parent?.message_id ?? '');
        const together = chainOf.get(m.message_id) === chainOf.get(parent?.message_id ?? '');
        if (together) linkedAsArchive++;
        else if (!named) headerless++;
        // Whenever the letter names its archive parent, it must be in that parent's chain.
        if (named) expect(together, `${m.index} with its parent ${m.expected_parent_index}`).toBe(true);
      }
      // Chains never mix two archive threads unless a header ties them.
      for (const a of expected.messages) {
        for (const b of expected.messages) {
          if (a.index >= b.index || threadOf.get(a.index) === threadOf.get(b.index)) continue;
          expect(chainOf.get(a.message_id) === chainOf.get(b.message_id), `${a.index} and ${b.index}`).toBe(false);
        }
      }
      expect(linkedAsArchive + headerless).toBe(232);
      expect(headerless).toBeLessThanOrEqual(5);
    });
  },
);
