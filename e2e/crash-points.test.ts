// Crash safety, systematically (issue 9): a sync killed at many random moments of an initial and of an incremental
// run, over IMAP and over POP3 (leaving letters on the server, and deleting them), then run to its end, must leave
// the same journal as a run that was never interrupted: the same letters once each, the same chains, server flags,
// review and control marks and subjects; and a POP3 server cleaned exactly as the account says.
//
// Three ways to die: the `interlog sync` process killed with SIGKILL, the sync worker thread terminated inside a
// running process, and the app's own stop (the JournalService handle) at an arbitrary moment. The moments are
// drawn from a seeded PRNG (CRASH_SEED=n replays a run): times over the length of an uninterrupted run (scaled to
// the work left), points in the byte stream (the journal's packs grew by a random share of what is left to
// receive) or, once all is received, in the indexing, the line that says a folder is listed, for POP3 a random DELE.
//
// Run: npx vitest run e2e/crash-points.test.ts   (CRASH_SEED=n replays a run, CRASH_VERBOSE=1 lists every kill)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddAccountInput } from '../core/api.js';
import { JournalService } from '../core/journal-service.js';
import { FileSecretStore } from '../core/secrets/file-secret-store.js';
import { runCli } from './fixtures/cli.js';
import { letter } from './fixtures/letters.js';
import {
  deferred,
  type JournalSnapshot,
  messageIdsIn,
  shuffled,
  snapshot,
  syncInKillableWorker,
  unindexedIn,
  whenIndexed,
  whenPacksGrow,
} from './support/crash-kit.js';
import { type DovecotServer, dovecotAvailable, startDovecot } from './support/dovecot.js';
import { createFolder, type SeedMessage, seedMessages } from './support/maildir.js';
import { type CommandTap, commandTap, lettersOnServer, maildropFiles } from './support/pop3-observe.js';
import { seededRandom } from './support/prng.js';

const available = dovecotAvailable();
const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
const PASSWORD = 'secret';
const ME = 'me@crash.test';
const ACCOUNT = 'Mail';
const INITIAL = 120;
const LATER = 50;
const SENT_INITIAL = 25;
const SENT_LATER = 10;
const MB = 1024 * 1024;
/** Attachments that make letters of a few MB (killed mid-literal) and one above the 8 MB streaming limit. */
const LARGE: Record<number, number> = { 40: 2 * MB, 70: 6 * MB, 100: 2 * MB, 140: 3 * MB };

type Mode = 'imap' | 'pop3-leave' | 'pop3-delete';
const MODES: Mode[] = ['imap', 'pop3-leave', 'pop3-delete'];
const userOf = (mode: Mode, role: 'reference' | 'killed') => `${role}-${mode}@crash.test`;

const dateOf = (minutes: number) =>
  new Date(Date.parse('2024-03-05T07:00:00Z') + minutes * 60_000).toUTCString().replace('GMT', '+0000');

/** Order letters to and from clients: pairs that answer each other, own letters, scans, large archives. */
function order(i: number): SeedMessage & { messageId: string } {
  const own = i % 10 === 9;
  const client = `client${i % 37}@example.com`;
  const size = 1000 + ((i * 7919) % 12_000);
  const basis =
    i === INITIAL + 1
      ? 'reply-0@crash.test'
      : i > 0 && i % 3 === 0
        ? `order-${i - 1}@example.com`
        : i >= INITIAL && i % 13 === 0
          ? 'order-3@example.com'
          : undefined;
  const large = LARGE[i];
  const messageId = `order-${i}@example.com`;
  return {
    messageId,
    raw: letter({
      from: own ? ME : `Client ${i % 37} <${client}>`,
      to: own ? client : ME,
      subject: `${i % 7 === 0 ? 'Счёт' : 'Заказ'} ${i}`,
      messageId,
      date: dateOf(i),
      ...(basis ? { inReplyTo: basis, references: [basis] } : {}),
      text: `${i % 19 === 0 ? 'срочно! ' : ''}${`Текст письма ${i}\n.строка с точкой\n`.repeat(Math.ceil(size / 40))}`,
      ...(i % 40 === 0 || large
        ? {
            attachments: [
              {
                name: large ? `archive-${i}.zip` : `scan-${i}.pdf`,
                contentType: large ? 'application/zip' : 'application/pdf',
                content: Buffer.alloc(large ?? 30_000 + i, i % 251),
              },
            ],
          }
        : {}),
    }),
    flags: [...(i % 4 === 0 ? ['\\Seen'] : []), ...(i % 11 === 0 ? ['\\Flagged'] : [])],
  };
}

/** Own answers in Sent, each to an order letter, half a minute after it. */
function reply(k: number): SeedMessage & { messageId: string } {
  const basis = `order-${4 * k + 1}@example.com`;
  const messageId = `reply-${k}@crash.test`;
  return {
    messageId,
    raw: letter({
      from: ME,
      to: `client${(4 * k + 1) % 37}@example.com`,
      subject: `Re: Заказ ${4 * k + 1}`,
      messageId,
      date: new Date(Date.parse(dateOf(4 * k + 1)) + 30_000).toUTCString().replace('GMT', '+0000'),
      inReplyTo: basis,
      references: [basis],
      text: 'Принято',
    }),
    flags: ['\\Seen'],
  };
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, k) => from + k);

/** What each server folder receives, per phase: POP3 has only its maildrop (INBOX). */
function delivery(mode: Mode, phase: 'initial' | 'incremental') {
  const letters = phase === 'initial' ? range(0, INITIAL).map(order) : range(INITIAL, LATER).map(order);
  const replies =
    mode !== 'imap'
      ? []
      : phase === 'initial'
        ? range(0, SENT_INITIAL).map(reply)
        : range(SENT_INITIAL, SENT_LATER).map(reply);
  return { INBOX: letters, Sent: replies };
}

interface CrashPoint {
  killer: 'cli' | 'worker' | 'stop';
  moment: /** A share of the time an uninterrupted run took for the work still left (see `crashAt`). */
    | { kind: 'time'; share: number }
    | { kind: 'bytes'; share: number }
    | { kind: 'line'; nth: number }
    /** Just before the DELE of this share of the letters on the server. */
    | { kind: 'dele'; share: number };
}

const describePoint = ({ killer, moment: m }: CrashPoint) =>
  `${killer} ${
    m.kind === 'time'
      ? `at ${Math.round(m.share * 100)}% of the time left`
      : m.kind === 'bytes'
        ? `at ${Math.round(m.share * 100)}% of the bytes left`
        : m.kind === 'line'
          ? `at progress line ${m.nth}`
          : `before the DELE of ${Math.round(m.share * 100)}% of the letters`
  }`;

/**
 * Moments in time and in the byte stream, in random order: each is drawn over what is still left to do when its
 * run starts, so it lands mid-run however far the earlier kills got. For IMAP the moment INBOX is listed comes
 * first (Sent and the indexing are then left); for POP3 the moment the maildrop is listed comes last, and for a
 * deleting account a random DELE before it.
 */
function crashPoints(random: () => number, mode: Mode): CrashPoint[] {
  const time = (killer: CrashPoint['killer']): CrashPoint => ({ killer, moment: { kind: 'time', share: random() } });
  const bytes = (killer: CrashPoint['killer']): CrashPoint => ({
    killer,
    moment: { kind: 'bytes', share: 0.05 + 0.9 * random() },
  });
  const listed: CrashPoint = { killer: 'cli', moment: { kind: 'line', nth: 1 } };
  const mixed = shuffled(
    [
      time('cli'),
      time('cli'),
      time('stop'),
      bytes('cli'),
      bytes('cli'),
      bytes('cli'),
      bytes('worker'),
      bytes('worker'),
    ],
    random,
  );
  if (mode === 'imap') return [listed, ...mixed];
  return [
    ...mixed,
    ...(mode === 'pop3-delete'
      ? [{ killer: 'cli', moment: { kind: 'dele', share: random() } } satisfies CrashPoint]
      : []),
    listed,
  ];
}

interface ScenarioResult {
  scenario: string;
  points: number;
  landed: number;
  passed: boolean;
}
const summary: ScenarioResult[] = [];

describe.skipIf(!available.ok)(`crash points${available.ok ? '' : ` (skipped: ${available.reason})`}`, () => {
  let server: DovecotServer;
  let dir: string;
  /** For POP3 the killed accounts talk through a tap, which can kill the CLI just before a given DELE. */
  const taps = new Map<Mode, CommandTap>();
  const tapTrigger: { dele: { nth: number; seen: number; fire: () => void } | null } = { dele: null };
  const references = new Map<string, { snapshot: JournalSnapshot; ms: number }>();
  const random = seededRandom(SEED);

  const dbOf = (user: string) => path.join(dir, `${user}.db`);
  /** How long `interlog` takes to start and open a journal, before any sync work. */
  let cliStartupMs = 0;

  beforeAll(async () => {
    console.log(`crash points: seed ${SEED} (CRASH_SEED=${SEED} replays these kill points)`);
    server = await startDovecot({
      users: MODES.flatMap((m) => [userOf(m, 'reference'), userOf(m, 'killed')]).map((user) => ({
        user,
        password: PASSWORD,
      })),
      pop3: true,
    });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-crash-'));
    for (let i = 0; i < 2; i++) {
      const started = performance.now();
      expect((await runCli(['--db', path.join(dir, 'startup.db'), 'account', 'list'])).code).toBe(0);
      cliStartupMs = Math.round(performance.now() - started);
    }
    for (const mode of MODES) {
      if (mode === 'imap') continue;
      taps.set(
        mode,
        await commandTap(server.pop3Port as number, (line) => {
          const dele = tapTrigger.dele;
          if (!dele || !line.startsWith('DELE ') || ++dele.seen < dele.nth) return false;
          tapTrigger.dele = null;
          dele.fire();
          return true;
        }),
      );
    }
  }, 120_000);

  afterAll(async () => {
    for (const tap of taps.values()) await tap.close();
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    console.log(
      [
        `crash points summary (seed ${SEED}):`,
        ...summary.map(
          (s) =>
            `  ${s.scenario.padEnd(24)} ${String(s.points).padStart(2)} crash points, ${String(s.landed).padStart(2)} landed mid-run, ${s.passed ? 'final journal identical to the uninterrupted run' : 'FAILED'}`,
        ),
        `  total: ${summary.reduce((n, s) => n + s.points, 0)} crash points, ${summary.reduce((n, s) => n + s.landed, 0)} landed; ${summary.every((s) => s.passed) && summary.length === MODES.length * 2 ? 'all passed' : 'NOT all passed'}`,
      ].join('\n'),
    );
  });

  function seed(mode: Mode, phase: 'initial' | 'incremental') {
    for (const role of ['reference', 'killed'] as const) {
      const user = userOf(mode, role);
      if (mode === 'imap') createFolder(server, user, 'Sent');
      for (const [folder, messages] of Object.entries(delivery(mode, phase))) {
        if (messages.length) seedMessages(server, user, folder, messages);
      }
    }
  }

  /** A journal with the account, two subjects and the rules that route letters to them (run at indexing). */
  async function prepareJournal(mode: Mode, role: 'reference' | 'killed') {
    const user = userOf(mode, role);
    const tap = taps.get(mode);
    const service = new JournalService({ dbFile: dbOf(user), secrets: FileSecretStore.besideJournal(dbOf(user)) });
    try {
      const account: AddAccountInput = {
        name: ACCOUNT,
        email: ME,
        protocol: mode === 'imap' ? 'imap' : 'pop3',
        host: '127.0.0.1',
        port: mode === 'imap' ? server.imapPort : role === 'killed' && tap ? tap.port : (server.pop3Port as number),
        security: 'none',
        username: user,
        password: PASSWORD,
        verify: false,
        leaveOnServer: mode === 'pop3-leave',
      };
      await service.addAccount(account);
      const supplies = await service.createSubject({ name: 'Поставки' });
      const bills = await service.createSubject({ name: 'Бухгалтерия' });
      await service.addRule({
        name: 'supplier',
        conditions: { from: ['client5@example.com'] },
        actions: { setSubject: supplies.id, markReviewed: true },
      });
      await service.addRule({
        name: 'bills',
        conditions: { subjectContains: ['Счёт'] },
        actions: { setSubject: bills.id },
      });
      await service.addRule({
        name: 'urgent',
        conditions: { bodyContains: ['срочно'] },
        actions: { markReviewed: true },
      });
    } finally {
      await service.close();
    }
  }

  /** Between the runs the user gives a chain a subject, puts own letters on control and reviews two letters. */
  async function userActs(mode: Mode, role: 'reference' | 'killed') {
    const db = dbOf(userOf(mode, role));
    const service = new JournalService({ dbFile: db, secrets: FileSecretStore.besideJournal(db) });
    try {
      const ids = new Map([...service.iterateInteractions()].map((r) => [r.messageId, r.id]));
      const id = (messageId: string) => ids.get(messageId) as number;
      const site = await service.createSubject({ name: 'Стройка' });
      await service.setSubject({ interactionId: id('order-2@example.com'), subjectId: site.id });
      const controlled = ['order-119@example.com', 'order-109@example.com', 'reply-0@crash.test'].filter((m) =>
        ids.has(m),
      );
      expect((await service.control({ ids: controlled.map(id) })).changed).toHaveLength(controlled.length);
      await service.review({ ids: [id('order-1@example.com'), id('order-4@example.com')] });
    } finally {
      await service.close();
    }
  }

  /** Another client changes the server between the runs: flags over IMAP, letters deleted from the maildrop. */
  async function serverChanges(mode: Mode) {
    for (const role of ['reference', 'killed'] as const) {
      const user = userOf(mode, role);
      if (mode === 'pop3-leave') {
        for (const file of maildropFiles(server, user)) {
          const head = fs.readFileSync(file, 'latin1').slice(0, 2000);
          if (/Message-ID: <order-(7|8)@example\.com>/.test(head)) fs.unlinkSync(file);
        }
        continue;
      }
      if (mode !== 'imap') continue;
      const client = new ImapFlow({
        host: '127.0.0.1',
        port: server.imapPort,
        secure: false,
        auth: { user, pass: PASSWORD },
        logger: false,
        tls: { rejectUnauthorized: false },
      });
      await client.connect();
      try {
        // Both users were seeded in the same order, so the same UIDs name the same letters.
        await client.mailboxOpen('INBOX');
        await client.messageFlagsAdd('1:30', ['\\Seen'], { uid: true });
        await client.messageFlagsRemove('31:60', ['\\Seen'], { uid: true });
        await client.messageFlagsAdd('100:110', ['$Important'], { uid: true });
        await client.messageDelete('8', { uid: true });
        await client.mailboxOpen('Sent');
        await client.messageFlagsAdd('1:5', ['\\Flagged'], { uid: true });
        await client.messageDelete('4', { uid: true });
      } finally {
        await client.logout();
      }
    }
  }

  /** Message-IDs of the letters still in the user's maildrop (for POP3). */
  function onServer(user: string): Set<string> {
    return new Set(
      maildropFiles(server, user).map(
        (file) => /Message-ID: <([^>]+)>/.exec(fs.readFileSync(file, 'latin1').slice(0, 2000))?.[1] ?? file,
      ),
    );
  }

  async function referenceRun(mode: Mode, phase: 'initial' | 'incremental') {
    const db = dbOf(userOf(mode, 'reference'));
    const started = performance.now();
    let listedMs = 0;
    const run = await runCli(['--db', db, 'sync'], {
      onStderr: () => {
        listedMs = Math.round(performance.now() - started);
      },
    });
    const ms = Math.round(performance.now() - started);
    if (process.env.CRASH_VERBOSE)
      console.log(`${mode} ${phase} reference: ${ms} ms, last progress line at ${listedMs} ms`);
    expect(run.stderr).not.toMatch(/interlog:/);
    expect(run.code).toBe(0);
    references.set(`${mode} ${phase}`, { snapshot: snapshot(db), ms });
  }

  /** Kills one run at the point; returns whether the kill came before the run ended by itself. */
  /**
   * Kills one run at the point. Returns whether the kill came before the run ended by itself, and the point as
   * it was resolved. A moment in time is the CLI's start-up plus a draw over the rest of the reference run,
   * scaled by the share of the phase's bytes still to receive (at least a tenth, for the indexing left). A point
   * in the byte stream with nothing left to receive becomes a point in the indexing (a share of the letters left
   * to index), or a moment in time when nothing is left at all.
   */
  async function crashAt(
    mode: Mode,
    point: CrashPoint,
    work: { expected: Map<string, number>; phaseBytes: number; referenceMs: number },
  ): Promise<{ landed: boolean; description: string }> {
    const { expected } = work;
    const user = userOf(mode, 'killed');
    const db = dbOf(user);
    const present = new Set(messageIdsIn(db));
    const left = [...expected].reduce((n, [id, size]) => (present.has(id) ? n : n + size), 0);
    const trigger = deferred();
    const cancel = new AbortController();
    const m = point.moment;
    let onStderr: ((text: string) => void) | undefined;
    /** The point as it was resolved for this run. */
    let description = describePoint(point);
    const unindexed = left === 0 && m.kind === 'bytes' ? unindexedIn(db) : 0;
    if (m.kind === 'time' || (m.kind === 'bytes' && left === 0 && unindexed === 0)) {
      // The CLI first starts up (start-up is measured alone); the rest of the run scales with what is left.
      const startup = point.killer === 'cli' ? cliStartupMs : 0;
      const share = Math.min(1, Math.max(0.1, left / work.phaseBytes));
      const ms = Math.round(startup + m.share * Math.max(0, work.referenceMs - cliStartupMs) * share);
      description = `${point.killer} at ${ms} ms${m.kind === 'bytes' ? ' (nothing left to receive or index)' : ''}`;
      const timer = setTimeout(trigger.resolve, ms);
      cancel.signal.addEventListener('abort', () => clearTimeout(timer));
    } else if (m.kind === 'bytes' && left === 0) {
      const count = Math.max(1, Math.ceil(m.share * unindexed));
      description = `${point.killer} after ${count} of ${unindexed} letters left to index (nothing left to receive)`;
      void whenIndexed(db, count, cancel.signal).then(trigger.resolve);
    } else if (m.kind === 'bytes') {
      void whenPacksGrow(db, Math.max(1, Math.floor(m.share * left)), cancel.signal).then(trigger.resolve);
    } else if (m.kind === 'line') {
      // Without a terminal the CLI prints a folder's line when the folder is listed to its end ("INBOX: 180/180").
      onStderr = (text) => {
        if ((text.match(/^\S+: (\d+)\/\1$/gm) ?? []).length >= m.nth) trigger.resolve();
      };
    } else {
      const nth = 1 + Math.floor(m.share * onServer(user).size);
      tapTrigger.dele = { nth, seen: 0, fire: trigger.resolve };
    }
    let landed: boolean;
    try {
      if (point.killer === 'cli') {
        const run = await runCli(['--db', db, 'sync'], {
          killWhen: trigger.promise,
          ...(onStderr ? { onStderr } : {}),
        });
        landed = run.signal === 'SIGKILL';
        if (!landed) {
          expect(run.stderr).not.toMatch(/interlog:/);
          expect(run.code).toBe(0);
        }
      } else if (point.killer === 'worker') {
        const outcome = await syncInKillableWorker(
          { dbFile: db, accounts: [{ name: ACCOUNT, password: PASSWORD }], watch: false },
          trigger.promise,
        );
        expect(outcome === 'killed' || outcome === 'done', JSON.stringify(outcome)).toBe(true);
        landed = outcome === 'killed';
      } else {
        const service = new JournalService({ dbFile: db, secrets: FileSecretStore.besideJournal(db) });
        let watching = false;
        service.onEvent((e) => {
          if (e.type === 'watching') watching = true;
        });
        try {
          const handle = await service.watch(ACCOUNT);
          // After the sync the handle watches for new mail: stop it then too, or the test would wait for ever.
          const stopped = new Promise<void>((resolve) => {
            const poll = setInterval(() => {
              if (watching) {
                clearInterval(poll);
                resolve();
              }
            }, 5);
            cancel.signal.addEventListener('abort', () => clearInterval(poll));
          });
          await Promise.race([trigger.promise, stopped]);
          landed = !watching;
          handle.stop();
          await handle.result.catch((error: Error) => expect(error.message).toMatch(/stopped/));
        } finally {
          await service.close();
        }
      }
    } finally {
      cancel.abort();
      tapTrigger.dele = null;
    }
    // Whatever the moment: nothing doubled, and (POP3) nothing gone from the server that the journal lacks.
    const after = messageIdsIn(db);
    expect(new Set(after).size, `${description}: a letter is doubled`).toBe(after.length);
    if (mode !== 'imap') {
      const kept = new Set(after);
      const stillThere = onServer(user);
      const lost = [...expected.keys()].filter((id) => !stillThere.has(id) && !kept.has(id));
      expect(lost, `${description}: deleted from the server before the journal had it`).toEqual([]);
    }
    return { landed, description };
  }

  async function crashScenario(mode: Mode, phase: 'initial' | 'incremental') {
    const scenario = `${mode} ${phase}`;
    const reference = references.get(scenario);
    if (!reference) throw new Error(`no reference run for ${scenario}`);
    const expected = new Map<string, number>();
    for (const p of ['initial', 'incremental'] as const) {
      for (const letters of Object.values(delivery(mode, p)))
        for (const l of letters) expected.set(l.messageId, l.raw.length);
      if (p === phase) break;
    }
    const phaseBytes = Object.values(delivery(mode, phase))
      .flat()
      .reduce((n, l) => n + l.raw.length, 0);
    const points = crashPoints(random, mode);
    const result: ScenarioResult = { scenario, points: points.length, landed: 0, passed: false };
    summary.push(result);
    const log: string[] = [];
    for (const point of points) {
      const started = performance.now();
      const { landed, description } = await crashAt(mode, point, {
        expected,
        phaseBytes,
        referenceMs: reference.ms,
      });
      if (landed) result.landed++;
      log.push(
        `${description}${landed ? '' : ' (the run ended first)'}, ${Math.round(performance.now() - started)} ms`,
      );
    }
    if (process.env.CRASH_VERBOSE)
      console.log(
        `${scenario} (reference ${reference.ms} ms, CLI start-up ${cliStartupMs} ms):\n  ${log.join('\n  ')}`,
      );
    const user = userOf(mode, 'killed');
    const final = await runCli(['--db', dbOf(user), 'sync']);
    expect(final.stderr).not.toMatch(/interlog:/);
    expect(final.code).toBe(0);
    const after = snapshot(dbOf(user));
    expect(after.integrity).toBe('ok');
    expect(after.foreignKeyErrors).toBe(0);
    expect(after.unindexed).toBe(0);
    expect(after.badSources).toEqual([]);
    expect(after.accountErrors).toEqual([]);
    expect(after.letters.map((l) => l.messageId)).toEqual(reference.snapshot.letters.map((l) => l.messageId));
    expect(after.letters, `after: ${log.join('; ')}`).toEqual(reference.snapshot.letters);
    if (mode === 'pop3-delete') expect(lettersOnServer(server, user)).toBe(0);
    if (mode !== 'imap') expect(onServer(user)).toEqual(onServer(userOf(mode, 'reference')));
    // Most kills must have come mid-run, or the test proves little.
    expect(result.landed).toBeGreaterThanOrEqual(Math.ceil(points.length / 2));
    result.passed = true;
  }

  for (const mode of MODES) {
    describe(mode, () => {
      it('initial sync: killed at random points, then finished, equals the uninterrupted run', async () => {
        await Promise.all([prepareJournal(mode, 'reference'), prepareJournal(mode, 'killed')]);
        seed(mode, 'initial');
        await referenceRun(mode, 'initial');
        const reference = references.get(`${mode} initial`)?.snapshot;
        expect(reference?.letters).toHaveLength(INITIAL + (mode === 'imap' ? SENT_INITIAL : 0));
        expect(reference?.unindexed).toBe(0);
        await crashScenario(mode, 'initial');
      }, 300_000);

      it('incremental sync (new letters, flags, deletions, user marks): killed at random points, then finished', async () => {
        await Promise.all([userActs(mode, 'reference'), userActs(mode, 'killed')]);
        await serverChanges(mode);
        seed(mode, 'incremental');
        await referenceRun(mode, 'incremental');
        const reference = references.get(`${mode} incremental`)?.snapshot.letters ?? [];
        expect(reference).toHaveLength(INITIAL + LATER + (mode === 'imap' ? SENT_INITIAL + SENT_LATER : 0));
        // The run did what a user expects of it, so the comparison below compares something.
        const byId = new Map(reference.map((l) => [l.messageId, l]));
        expect(byId.get('order-130@example.com')?.subject).toBe('Стройка');
        expect(byId.get('order-119@example.com')?.controlClosed).toBe(true);
        expect(byId.get('order-109@example.com')?.controlClosed).toBe(false);
        expect(byId.get('order-5@example.com')?.subject).toBe('Поставки');
        if (mode === 'imap') expect(byId.get('reply-0@crash.test')?.controlClosed).toBe(true);
        if (mode !== 'pop3-delete') expect(byId.get('order-7@example.com')?.goneFromServer).toBe(true);
        await crashScenario(mode, 'incremental');
      }, 300_000);
    });
  }
});
