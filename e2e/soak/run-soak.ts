// The soak: an IMAP and a POP3 account synced, and letters sent, through fault-injecting proxies while new letters
// keep arriving in Dovecot; then one clean sync and a comparison of the journal with the servers. See soak.ts.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import type { OutboxItem } from '../../core/db/outbox-repo.js';
import { JournalService } from '../../core/journal-service.js';
import { FileSecretStore } from '../../core/secrets/file-secret-store.js';
import type { SyncHandle } from '../../core/sync/sync-host.js';
import { letter } from '../fixtures/letters.js';
import { startSmtp, type TestSmtp } from '../fixtures/smtp.js';
import { type DovecotServer, startDovecot } from '../support/dovecot.js';
import { type Fault, type FaultKind, type FaultProxy, type Protocol, startFaultProxy } from '../support/fault-proxy.js';
import { createFolder, seedMessages } from '../support/maildir.js';
import { type Random, seededRandom } from '../support/prng.js';

export interface SoakOptions {
  /** How long faults are injected while mail flows; the clean sync and the checks come after. */
  durationMs: number;
  seed: number;
  log?: (line: string) => void;
}

export const FAULT_KINDS: readonly FaultKind[] = ['cut', 'stall', 'trickle', 'reset-mid-body', 'garble'];

export interface SoakReport {
  seed: number;
  faults: Record<Protocol, Record<FaultKind, { injected: number; survived: number }>>;
  /** Faults armed that found nothing to hit before they were withdrawn. */
  lapsed: number;
  /** Seconds from a fault to the next completed sync (IMAP, POP3) or accepted letter (SMTP): median and worst. */
  recoverySeconds: { median: number; max: number };
  arrived: { imap: number; pop3: number };
  /** Letters in the journal at the end: every arrival and every letter sent. */
  synced: number;
  sent: number;
  /** Letters the sender held as "may have been sent" and the soak, like a user, settled by asking the server. */
  heldUnknown: number;
  /** Letters whose copy to Sent failed (the outbox entry says so); the letter itself is in the journal. */
  sentCopyFailed: number;
  syncRuns: { oneShot: number; gaveUp: number; watches: number; watchStoppedByError: number };
  retries: number;
  problems: string[];
}

const PASSWORD = 'soak-secret';
const WORK = 'work@soak.test';
const SHOP = 'shop@soak.test';
/** A fault that found nothing to hit by then is withdrawn, so a quiet link does not hold the next one back. */
const LAPSE_MS = 3_000;
/** A sync, a watch or a send still running this long after the faults stopped is a hang. */
const HANG_MS = 90_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const sha256 = (data: Buffer) => crypto.createHash('sha256').update(data).digest('hex');

function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), ms);
    }),
  ]);
}

function faultFor(protocol: Protocol, kind: FaultKind, rng: Random): Fault {
  switch (kind) {
    case 'cut':
      // IMAP and POP3 carry letters server->client; SMTP only replies, a few hundred bytes per letter
      return { kind, afterBytes: protocol === 'smtp' ? rng.int(0, 700) : rng.int(0, 100_000) };
    case 'stall':
      // now and then past the accounts' 5 s timeout, which a stall at the greeting or the login runs into
      return { kind, ms: rng.chance(0.15) ? rng.int(6_000, 9_000) : rng.int(200, 3_000) };
    case 'trickle':
      return { kind, bytesPerSecond: rng.int(2_000, 40_000), ms: rng.int(500, 4_000) };
    case 'reset-mid-body':
      // An IMAP literal has a size, so the point is clamped into the letter; SMTP and POP3 bodies are open-ended.
      return { kind, afterBodyBytes: protocol === 'imap' ? rng.int(1, 60_000) : rng.int(1, 2_000) };
    case 'garble':
      return { kind, afterLineBytes: protocol === 'imap' ? rng.int(0, 2_000) : rng.int(0, 300) };
  }
}

interface Expected {
  sha256: string;
  account: 'imap' | 'pop3';
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => {});
  const rng = seededRandom(options.seed);
  const problems: string[] = [];
  const zero = () => Object.fromEntries(FAULT_KINDS.map((k) => [k, { injected: 0, survived: 0 }]));
  const report: SoakReport = {
    seed: options.seed,
    faults: { imap: zero(), pop3: zero(), smtp: zero() } as SoakReport['faults'],
    lapsed: 0,
    recoverySeconds: { median: 0, max: 0 },
    arrived: { imap: 0, pop3: 0 },
    synced: 0,
    sent: 0,
    heldUnknown: 0,
    sentCopyFailed: 0,
    syncRuns: { oneShot: 0, gaveUp: 0, watches: 0, watchStoppedByError: 0 },
    retries: 0,
    problems,
  };

  const dovecot = await startDovecot({
    users: [
      { user: WORK, password: PASSWORD },
      { user: SHOP, password: PASSWORD },
    ],
    pop3: true,
  });
  const smtp = await startSmtp({ [WORK]: PASSWORD });
  const proxies: Record<Protocol, FaultProxy> = {
    imap: await startFaultProxy(dovecot.imapPort, '127.0.0.1', { protocol: 'imap' }),
    pop3: await startFaultProxy(dovecot.pop3Port as number, '127.0.0.1', { protocol: 'pop3' }),
    smtp: await startFaultProxy(smtp.port, '127.0.0.1', { protocol: 'smtp' }),
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-soak-'));
  const db = path.join(dir, 'journal.db');
  const service = new JournalService({
    dbFile: db,
    secrets: FileSecretStore.besideJournal(db),
    tuning: { backoffBaseMs: 50, pollIntervalMs: 1_000 },
  });
  let accountPoll: NodeJS.Timeout | undefined;
  try {
    await service.addAccount({
      name: 'Work',
      email: WORK,
      protocol: 'imap',
      host: '127.0.0.1',
      port: proxies.imap.port,
      security: 'none',
      username: WORK,
      password: PASSWORD,
      timeoutMs: 5_000,
      smtp: { host: '127.0.0.1', port: proxies.smtp.port, security: 'none' },
      verify: false,
    });
    await service.addAccount({
      name: 'Shop',
      email: SHOP,
      protocol: 'pop3',
      host: '127.0.0.1',
      port: proxies.pop3.port,
      security: 'none',
      username: SHOP,
      password: PASSWORD,
      timeoutMs: 5_000,
      verify: false,
    });
    createFolder(dovecot, WORK, 'Sent');
    log(
      `soak: seed ${options.seed}, ${(options.durationMs / 60_000).toFixed(2)} min of faults; ` +
        `Dovecot IMAP ${dovecot.imapPort} via ${proxies.imap.port}, POP3 ${dovecot.pop3Port} via ${proxies.pop3.port}, ` +
        `SMTP ${smtp.port} via ${proxies.smtp.port}; journal ${db}`,
    );

    const expected = new Map<string, Expected>();
    let arrivals = 0;
    const arrive = (account: 'imap' | 'pop3', count: number) => {
      const batch = Array.from({ length: count }, () => {
        const n = arrivals++;
        const messageId = `in-${n}@clients.soak`;
        const answers = n > 0 && rng.chance(0.3) ? `in-${rng.int(0, n - 1)}@clients.soak` : undefined;
        const raw = letter({
          from: `Client ${n % 17} <client${n % 17}@clients.soak>`,
          to: account === 'imap' ? WORK : SHOP,
          subject: `Заявка ${n}`,
          messageId,
          ...(answers ? { inReplyTo: answers, references: [answers] } : {}),
          text: `Письмо ${n}. ${'Строка текста письма. '.repeat(rng.int(10, 600))}`,
          ...(rng.chance(0.15)
            ? {
                attachments: [
                  {
                    name: `scan-${n}.pdf`,
                    contentType: 'application/pdf',
                    content: crypto.randomBytes(rng.int(20, 300) * 1000),
                  },
                ],
              }
            : {}),
        });
        expected.set(messageId, { sha256: sha256(raw), account });
        return { raw };
      });
      seedMessages(dovecot, account === 'imap' ? WORK : SHOP, 'INBOX', batch);
      report.arrived[account] += count;
    };
    arrive('imap', 30);
    arrive('pop3', 15);

    const successes: Record<Protocol, number[]> = { imap: [], pop3: [], smtp: [] };
    service.onEvent((event) => {
      if (event.type === 'sent') successes.smtp.push(Date.now());
      if (event.type === 'retry') report.retries++;
    });
    const lastSync = new Map<string, string | null>();
    const watchAccounts = async () => {
      for (const a of await service.listAccounts()) {
        if (a.lastSyncAt !== lastSync.get(a.name) && a.lastError === null) {
          successes[a.protocol === 'imap' ? 'imap' : 'pop3'].push(Date.now());
        }
        lastSync.set(a.name, a.lastSyncAt);
      }
    };

    const hits: Array<{ protocol: Protocol; kind: FaultKind; at: number }> = [];
    const end = Date.now() + options.durationMs;
    const running = () => Date.now() < end;

    const injector = async () => {
      const pending = new Set<Protocol>();
      while (running()) {
        await sleep(rng.int(50, 400));
        const protocol = rng.pick<Protocol>(['imap', 'imap', 'imap', 'pop3', 'smtp', 'smtp']);
        if (pending.has(protocol)) continue;
        const kind = rng.pick(FAULT_KINDS);
        const proxy = proxies[protocol];
        pending.add(protocol);
        const lapse = setTimeout(() => proxy.disarm(), LAPSE_MS);
        const fault = faultFor(protocol, kind, rng);
        proxy.inject(fault).then((hit) => {
          clearTimeout(lapse);
          pending.delete(protocol);
          if (!hit) {
            report.lapsed++;
            return;
          }
          hits.push({ protocol, kind, at: Date.now() });
          if (process.env.SOAK_VERBOSE) log(`  ${new Date().toISOString()} ${protocol} ${JSON.stringify(fault)}`);
        });
      }
      for (const proxy of Object.values(proxies)) proxy.disarm();
    };

    const mail = async () => {
      while (running()) {
        await sleep(rng.int(150, 900));
        arrive(rng.chance(0.75) ? 'imap' : 'pop3', rng.int(1, 3));
      }
    };

    const outgoing = new Map<number, string>();
    const sender = async () => {
      while (running()) {
        await sleep(rng.int(300, 1_500));
        const n = outgoing.size;
        const item = await service.send({
          account: 'Work',
          to: [`client${n % 17}@clients.soak`],
          subject: `Ответ ${n}`,
          text: `Исходящее письмо ${n}.\n${'Текст ответа. '.repeat(rng.int(5, 400))}`,
          ...(rng.chance(0.2)
            ? {
                attachments: [
                  {
                    filename: `offer-${n}.pdf`,
                    contentBase64: crypto.randomBytes(rng.int(5, 120) * 1000).toString('base64'),
                  },
                ],
              }
            : {}),
        });
        outgoing.set(item.id, service.journal.interactions.get(item.interactionId)?.messageId ?? '');
        // Letters also leave from the watching worker; this is the app's "send now", which must not throw.
        const sending = await within(
          service.sendQueued({}).then(
            () => null,
            (error: Error) => error,
          ),
          HANG_MS,
        );
        if (sending === 'timeout') {
          problems.push(`"send now" did not finish within ${HANG_MS / 1000} s (hang)`);
          return;
        }
        if (sending) problems.push(`"send now" failed: ${sending.stack ?? sending.message}`);
      }
    };

    const syncer = async () => {
      while (running()) {
        if (rng.chance(0.5)) {
          report.syncRuns.watches++;
          const handle: SyncHandle = await service.watch();
          // A watch that fails ends before it is stopped: its error is taken as soon as it comes.
          const ended = handle.result.then(
            () => null,
            (error: Error) => error,
          );
          await Promise.race([ended, sleep(Math.min(end - Date.now(), rng.int(3_000, 10_000)))]);
          handle.stop();
          const outcome = await within(ended, HANG_MS);
          if (outcome === 'timeout') problems.push(`a watch did not stop within ${HANG_MS / 1000} s (hang)`);
          else if (outcome && outcome.message !== 'stopped') {
            // In the app that is an account no longer kept current until a restart.
            report.syncRuns.watchStoppedByError++;
            problems.push(`a watch stopped by itself: ${outcome.message}`);
          }
        } else {
          report.syncRuns.oneShot++;
          const outcome = await within(
            service.sync({}).then(
              () => null,
              (error: Error) => error,
            ),
            HANG_MS,
          );
          if (outcome === 'timeout') problems.push(`a sync did not finish within ${HANG_MS / 1000} s (hang)`);
          else if (outcome) {
            report.syncRuns.gaveUp++;
            log(`  sync gave up: ${outcome.message}`);
          }
        }
        if (problems.length > 0) return;
      }
    };

    const started = Date.now();
    const ticker = setInterval(() => {
      void watchAccounts();
      const t = Math.round((Date.now() - started) / 1000);
      if (t % 10 === 0) {
        log(
          `  t=${t}s arrived ${arrivals}, queued ${outgoing.size}, delivered ${smtp.received.length}, ` +
            `faults hit ${hits.length}, journal ${service.journal.interactions.count()}`,
        );
      }
    }, 1_000);
    accountPoll = setInterval(() => void watchAccounts(), 200);
    try {
      await Promise.all([injector(), mail(), sender(), syncer()]);
    } finally {
      clearInterval(ticker);
    }
    log(`faults stopped after ${Math.round((Date.now() - started) / 1000)} s; settling the outbox and syncing clean`);

    await settleOutbox(service, smtp, outgoing, report);
    const clean = await within(
      service.sync({}).then(
        () => null,
        (error: Error) => error,
      ),
      HANG_MS,
    );
    if (clean === 'timeout') problems.push('the clean sync did not finish (hang)');
    else if (clean) problems.push(`the clean sync failed: ${clean.message}`);
    await watchAccounts();
    clearInterval(accountPoll);

    recordSurvival(report, hits, successes);
    await check(service, dovecot, smtp, expected, outgoing, report);
    return report;
  } finally {
    clearInterval(accountPoll);
    await service.close();
    for (const proxy of Object.values(proxies)) await proxy.close();
    await smtp.close();
    await dovecot.stop();
    // SOAK_KEEP=1 leaves the journal for a post-mortem of a failed run
    if (process.env.SOAK_KEEP) log(`journal kept at ${db}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Sends whatever is left without faults, acting as the user where the outbox asks one: a letter held as "may have
 * been sent" is marked sent when the server has it and sent again when not, a failed one is retried.
 */
async function settleOutbox(
  service: JournalService,
  smtp: TestSmtp,
  outgoing: Map<number, string>,
  report: SoakReport,
) {
  const deadline = Date.now() + HANG_MS;
  const delivered = (messageId: string) => smtp.received.filter((r) => messageIdOf(r.raw) === messageId).length;
  const settled = new Set<number>();
  for (;;) {
    const drained = await within(service.sendQueued({}), HANG_MS);
    if (drained === 'timeout') {
      report.problems.push('sending did not finish after the faults stopped (hang)');
      return;
    }
    const items = await service.listOutbox({});
    for (const item of items) {
      if (item.status === 'unknown' && !settled.has(item.id)) {
        settled.add(item.id);
        report.heldUnknown++;
      }
      if (item.status === 'unknown') {
        const action = delivered(outgoing.get(item.id) ?? '') > 0 ? 'mark-sent' : 'retry';
        await service.outboxAction({ id: item.id, action });
      } else if (item.status === 'failed') await service.outboxAction({ id: item.id, action: 'retry' });
    }
    const open = items.filter((i: OutboxItem) => i.status !== 'sent');
    if (open.length === 0) return;
    if (Date.now() > deadline) {
      report.problems.push(
        `outbox not settled: ${open.map((i) => `#${i.id} ${i.status}${i.lastError ? ` (${i.lastError})` : ''}`).join('; ')}`,
      );
      return;
    }
    const next = Math.min(...open.map((i) => Date.parse(i.nextAttemptAt)));
    await sleep(Math.max(50, Math.min(2_000, next - Date.now())));
  }
}

function recordSurvival(
  report: SoakReport,
  hits: Array<{ protocol: Protocol; kind: FaultKind; at: number }>,
  successes: Record<Protocol, number[]>,
) {
  const recoveries: number[] = [];
  for (const hit of hits) {
    const entry = report.faults[hit.protocol][hit.kind];
    entry.injected++;
    const after = successes[hit.protocol].find((t) => t >= hit.at);
    if (after !== undefined) {
      entry.survived++;
      recoveries.push((after - hit.at) / 1000);
    }
  }
  recoveries.sort((a, b) => a - b);
  report.recoverySeconds = {
    median: recoveries[Math.floor(recoveries.length / 2)] ?? 0,
    max: recoveries[recoveries.length - 1] ?? 0,
  };
}

function messageIdOf(raw: Buffer): string | undefined {
  const head = raw.subarray(0, Math.max(0, raw.indexOf('\r\n\r\n'))).toString('latin1');
  return /^Message-ID:\s*<([^>]+)>/im.exec(head)?.[1];
}

async function serverFolder(dovecot: DovecotServer, folder: string): Promise<string[]> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: dovecot.imapPort,
    secure: false,
    doSTARTTLS: false,
    auth: { user: WORK, pass: PASSWORD },
    logger: false,
  });
  await client.connect();
  try {
    const box = await client.mailboxOpen(folder, { readOnly: true });
    const ids: string[] = [];
    if (box.exists === 0) return ids;
    for await (const m of client.fetch('1:*', { envelope: true }))
      ids.push((m.envelope?.messageId ?? '').replace(/^<|>$/g, ''));
    return ids;
  } finally {
    await client.logout().catch(() => client.close());
  }
}

function counts(ids: Iterable<string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const id of ids) out.set(id, (out.get(id) ?? 0) + 1);
  return out;
}

/** The journal against the servers: every letter exactly once, every sent letter delivered once, no stuck account. */
async function check(
  service: JournalService,
  dovecot: DovecotServer,
  smtp: TestSmtp,
  expected: Map<string, Expected>,
  outgoing: Map<number, string>,
  report: SoakReport,
) {
  const { problems } = report;
  const journal = [...service.iterateInteractions()].filter((r) => r.kind === 'email');
  const inJournal = counts(journal.map((r) => r.messageId ?? ''));
  const sentIds = new Set(outgoing.values());
  report.synced = journal.length;
  report.sent = sentIds.size;

  const missing = [...expected.keys(), ...sentIds].filter((id) => !inJournal.has(id));
  const doubled = [...inJournal].filter(([, n]) => n > 1).map(([id, n]) => `${id} ×${n}`);
  const strangers = [...inJournal.keys()].filter((id) => !expected.has(id) && !sentIds.has(id));
  const whose = (id: string) => `${id} (${expected.get(id)?.account ?? 'sent'})`;
  if (missing.length) problems.push(`lost (not in the journal): ${missing.map(whose).join(', ')}`);
  if (doubled.length) problems.push(`doubled in the journal: ${doubled.join(', ')}`);
  if (strangers.length) problems.push(`in the journal but never sent or delivered: ${strangers.join(', ')}`);
  const altered = journal.filter((r) => {
    const want = expected.get(r.messageId ?? '');
    return want && service.journal.interactions.sourceOf(r.id) !== want.sha256;
  });
  if (altered.length)
    problems.push(`stored with other bytes than the server's: ${altered.map((r) => r.messageId).join(', ')}`);

  const received = counts(smtp.received.map((r) => messageIdOf(r.raw) ?? '?'));
  const notDelivered = [...sentIds].filter((id) => !received.has(id));
  const deliveredTwice = [...received].filter(([id, n]) => sentIds.has(id) && n > 1).map(([id, n]) => `${id} ×${n}`);
  if (notDelivered.length) problems.push(`sent but never delivered: ${notDelivered.join(', ')}`);
  if (deliveredTwice.length) problems.push(`delivered more than once: ${deliveredTwice.join(', ')}`);

  const inbox = counts(await serverFolder(dovecot, 'INBOX'));
  const sentFolder = counts(await serverFolder(dovecot, 'Sent'));
  const imapArrivals = [...expected].filter(([, e]) => e.account === 'imap').map(([id]) => id);
  const notOnServer = imapArrivals.filter((id) => inbox.get(id) !== 1);
  if (notOnServer.length) problems.push(`the IMAP INBOX does not hold exactly once: ${notOnServer.join(', ')}`);
  const copiesTwice = [...sentFolder].filter(([, n]) => n > 1).map(([id]) => id);
  if (copiesTwice.length) problems.push(`copied to Sent more than once: ${copiesTwice.join(', ')}`);
  const outbox = await service.listOutbox({});
  report.sentCopyFailed = outbox.filter((o) => o.sentCopy === 'failed').length;
  const copyless = outbox.filter((o) => o.sentCopy === 'appended' && !sentFolder.has(outgoing.get(o.id) ?? ''));
  if (copyless.length)
    problems.push(`said to be copied to Sent but not there: ${copyless.map((o) => `#${o.id}`).join(', ')}`);

  const maildrop = ['cur', 'new'].reduce((n, d) => n + fs.readdirSync(path.join(dovecot.mailRoot(SHOP), d)).length, 0);
  if (maildrop > 0) problems.push(`${maildrop} letters left in the POP3 maildrop, which the account empties`);

  for (const account of await service.listAccounts()) {
    if (account.lastError) problems.push(`account ${account.name} is stuck: ${account.lastError}`);
  }
}

export function formatReport(r: SoakReport): string {
  const lines: string[] = [];
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  lines.push(`faults (seed ${r.seed})     injected  survived`);
  let injected = 0;
  let survived = 0;
  for (const protocol of ['imap', 'pop3', 'smtp'] as const) {
    for (const kind of FAULT_KINDS) {
      const f = r.faults[protocol][kind];
      injected += f.injected;
      survived += f.survived;
      lines.push(`  ${protocol.padEnd(5)} ${kind.padEnd(15)} ${pad(f.injected, 8)}  ${pad(f.survived, 8)}`);
    }
  }
  lines.push(
    `  total                 ${pad(injected, 8)}  ${pad(survived, 8)}   (${r.lapsed} more armed found nothing to hit)`,
  );
  lines.push(
    `recovery after a fault: median ${r.recoverySeconds.median.toFixed(1)} s, worst ${r.recoverySeconds.max.toFixed(1)} s; ` +
      `${r.retries} reconnections with backoff`,
  );
  lines.push(
    `syncs: ${r.syncRuns.oneShot} one-shot (${r.syncRuns.gaveUp} gave up and were run again), ` +
      `${r.syncRuns.watches} watches (${r.syncRuns.watchStoppedByError} stopped by an error)`,
  );
  lines.push(
    `letters: ${r.arrived.imap + r.arrived.pop3} arrived (IMAP ${r.arrived.imap}, POP3 ${r.arrived.pop3}), ` +
      `${r.sent} sent, ${r.synced} in the journal; ${r.heldUnknown} held as "may have been sent" and settled by the user, ` +
      `${r.sentCopyFailed} copies to Sent failed (shown on the outbox)`,
  );
  lines.push(r.problems.length === 0 ? 'soak: OK' : `soak: FAILED\n${r.problems.map((p) => `  - ${p}`).join('\n')}`);
  return lines.join('\n');
}
