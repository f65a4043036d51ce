/**
 * `npm run soak -- --minutes M [--seed N]`: for M minutes an IMAP and a POP3 account are synced (watching and
 * one-shot syncs in turn) and letters sent through proxies that cut, stall, slow, reset and garble the links at
 * random, while new letters keep arriving in a private Dovecot. Then the faults stop, the outbox is settled, one
 * clean sync runs, and the journal is compared with the servers. Prints the faults by kind and the letters, and
 * exits 1 on any lost, doubled or altered letter, any letter not delivered exactly once, a hang or a stuck
 * account. The same seed replays the same choices (timings on a busy machine still vary).
 */
import { parseArgs } from 'node:util';
import { dovecotAvailable } from '../support/dovecot.js';
import { formatReport, runSoak } from './run-soak.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '2' },
    seed: { type: 'string' },
  },
});
{
  const available = dovecotAvailable();
  if (!available.ok) {
    console.log(`soak skipped: ${available.reason}`);
  } else {
    const minutes = Number(values.minutes);
    if (!(minutes > 0)) throw new Error(`--minutes ${values.minutes}: a positive number is needed`);
    const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
    const report = await runSoak({ durationMs: minutes * 60_000, seed, log: (line) => console.log(line) });
    console.log(formatReport(report));
    process.exitCode = report.problems.length === 0 ? 0 : 1;
  }
}
