/**
 * `npm run bench:chains`: links a generated 10,000-letter business mailbox into chains, once in arrival order and
 * once shuffled (every reply before its parent becomes an out-of-order arrival), and prints the time spent linking,
 * letters/s, how many re-links happened and how many interactions each had to look at, and whether both orders
 * gave the same chains.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Journal } from '../core/db/journal.js';
import { importLetter } from '../core/sync/import-letter.js';
import { generateMailbox } from './support/mailbox-gen.js';
import { fmt } from './support/measure.js';

const { values } = parseArgs({ options: { count: { type: 'string', default: '10000' } } });
const COUNT = Number(values.count);

function shuffle<T>(list: T[], seed: number): T[] {
  const out = [...list];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function run(label: string, letters: Buffer[], dir: string) {
  const journal = Journal.open(path.join(dir, `${label}.db`));
  const chains = journal.chains;
  let linkMs = 0;
  const link = chains.linkLetter.bind(chains);
  chains.linkLetter = (...args) => {
    const t = performance.now();
    link(...args);
    linkMs += performance.now() - t;
  };
  const start = performance.now();
  for (const raw of letters) importLetter(journal, raw);
  const totalMs = performance.now() - start;
  const partition = new Map<number, string[]>();
  for (const r of journal.interactions.iterateAll()) {
    const list = partition.get(r.chainId as number) ?? [];
    list.push(r.messageId ?? `${r.title} ${r.date}`);
    partition.set(r.chainId as number, list);
  }
  const shape = [...partition.values()].map((c) => c.sort().join(' ')).sort();
  const s = chains.stats;
  console.log(
    `${label}: ${letters.length} letters, linking ${fmt(linkMs, 0)} ms (${fmt(letters.length / (linkMs / 1000), 0)} letters/s), ` +
      `store+link ${fmt(totalMs / 1000, 2)} s; ${shape.length} chains; ${s.recomputes} re-links touched ${s.touched} ` +
      `interactions in all, at most ${s.maxTouched} at once`,
  );
  journal.close();
  return { shape, linkMs };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-bench-chains-'));
try {
  const letters = [...generateMailbox({ count: COUNT, seed: 2026, ownAddress: 'owner@bench.test' })].map((m) => m.raw);
  const ordered = run('arrival order', letters, dir);
  const shuffled = run('shuffled', shuffle(letters, 7), dir);
  console.log(`same chains in both orders: ${ordered.shape.join('\n') === shuffled.shape.join('\n') ? 'yes' : 'NO'}`);
  console.log(
    `chain linking of ${COUNT} letters: ${fmt(Math.max(ordered.linkMs, shuffled.linkMs) / 1000, 2)} s at most (target < 2 s)`,
  );
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
