// Tools for killing a sync at chosen moments and for judging the journal it leaves: a seeded PRNG so a failing
// sequence of kills can be replayed, a trigger on the journal's pack files growing (bytes received from the
// server and not yet committed), a sync worker thread that can be terminated from outside, and a snapshot of
// everything a user sees of the journal, free of row ids and times that may legitimately differ between runs.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { Journal } from '../../core/db/journal.js';
import type { SyncRequest } from '../../core/sync/engine.js';
import type { WorkerMessage } from '../../core/sync/sync-host.js';
import { spawnWorker } from '../../core/util/spawn-worker.js';

export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

export function deferred(): Deferred {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Bytes in the journal's pack files: sources are appended there as they arrive, before the commit naming them. */
export function packBytes(dbFile: string): number {
  const dir = `${dbFile}.blobs`;
  if (!fs.existsSync(dir)) return 0;
  return fs.readdirSync(dir).reduce((n, name) => n + fs.statSync(`${dir}/${name}`).size, 0);
}

/**
 * Resolves once the packs have grown by `bytes` since the call: the sync is then in the middle of receiving
 * letters, whatever the machine's speed. Polls until then or until `signal` aborts.
 */
export function whenPacksGrow(dbFile: string, bytes: number, signal: AbortSignal): Promise<void> {
  const start = packBytes(dbFile);
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (signal.aborted) clearInterval(timer);
      else if (packBytes(dbFile) - start >= bytes) {
        clearInterval(timer);
        resolve();
      }
    }, 2);
  });
}

/** Letters listed but not yet read by the index workers. */
export function unindexedIn(dbFile: string): number {
  const journal = Journal.open(dbFile);
  try {
    return journal.index.pendingCount();
  } finally {
    journal.close();
  }
}

/**
 * Resolves once `count` more letters are indexed: the sync is then in its indexing phase, which follows (or
 * overlaps) the listing. Reads through a connection of its own while the sync writes, until `signal` aborts.
 */
export function whenIndexed(dbFile: string, count: number, signal: AbortSignal): Promise<void> {
  const journal = Journal.open(dbFile, { readonly: true });
  const start = journal.index.pendingCount();
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const done = !signal.aborted && start - journal.index.pendingCount() >= count;
      if (done || signal.aborted) {
        clearInterval(timer);
        journal.close();
      }
      if (done) resolve();
    }, 5);
  });
}

export type WorkerOutcome = 'killed' | 'done' | { failed: string };

/**
 * Runs one sync in the same worker thread the app uses (core/sync/sync-worker.ts), terminated from outside when
 * `killWhen` settles first: the thread and its index workers stop wherever they are, no `finally` runs.
 */
export async function syncInKillableWorker(request: SyncRequest, killWhen: Promise<unknown>): Promise<WorkerOutcome> {
  const worker: Worker = spawnWorker(new URL('../../core/sync/sync-worker.ts', import.meta.url), {
    workerData: request,
  });
  let outcome: WorkerOutcome | null = null;
  worker.on('message', (message: WorkerMessage) => {
    if (message.type === 'done') outcome = 'done';
    else if (message.type === 'failed') outcome = { failed: message.message };
  });
  worker.on('error', (error) => {
    outcome ??= { failed: error.message };
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  void killWhen.then(() => {
    if (outcome !== null) return;
    outcome = 'killed';
    void worker.terminate();
  });
  await exited;
  return outcome ?? { failed: 'the worker exited without a word' };
}

/** A letter as the user sees it, with links and chains named by Message-ID rather than by row id. */
export interface LetterView {
  messageId: string;
  kind: string;
  direction: string;
  date: string;
  title: string;
  preview: string;
  from: string | null;
  to: string[];
  folders: string[];
  goneFromServer: boolean;
  attachments: string[];
  parseError: boolean;
  basis: string | null;
  /** Every Message-ID of the letter's chain, sorted: the chain without its id. */
  chain: string;
  subject: string | null;
  reviewed: boolean;
  postponed: boolean;
  onControl: boolean;
  controlDue: string | null;
  controlClosed: boolean;
  /** The server's flags per folder ("INBOX: \\Seen"), and whether that copy is gone. */
  locations: string[];
}

export interface JournalSnapshot {
  letters: LetterView[];
  integrity: string;
  foreignKeyErrors: number;
  /** Letters listed but not yet read by the index workers. */
  unindexed: number;
  /** Letters whose stored source is missing or does not match its sha256. */
  badSources: string[];
  /** Accounts whose last sync ended in an error, with it: what a stuck account shows the user. */
  accountErrors: string[];
}

/** Just the Message-IDs present, for checks between kills (cheap: no source is read). */
export function messageIdsIn(dbFile: string): string[] {
  const journal = Journal.open(dbFile);
  try {
    return [...journal.interactions.iterateAll()].map((r) => r.messageId ?? `(none) ${r.title}`);
  } finally {
    journal.close();
  }
}

export function snapshot(dbFile: string): JournalSnapshot {
  const journal = Journal.open(dbFile);
  try {
    const records = [...journal.interactions.iterateAll()];
    const key = (r: (typeof records)[number]) => r.messageId ?? `(none) ${r.title}`;
    const chains = new Map<number, string[]>();
    for (const r of records) if (r.chainId !== null) chains.set(r.chainId, [...(chains.get(r.chainId) ?? []), key(r)]);
    const locations = new Map<string, string[]>();
    const sources = new Map<string, string>();
    for (const row of journal.db
      .prepare<[], { mid: string | null; key: string; path: string; flags: string; gone: number; sha: string }>(
        `SELECT m.message_id AS mid, m.message_key AS key, f.path, l.flags, l.gone_at IS NOT NULL AS gone,
                m.source_sha256 AS sha
           FROM messages m LEFT JOIN message_locations l ON l.message_id = m.id LEFT JOIN folders f ON f.id = l.folder_id`,
      )
      .all()) {
      const id = row.mid ?? row.key;
      sources.set(id, row.sha);
      if (row.path !== null) {
        locations.set(id, [...(locations.get(id) ?? []), `${row.path}: ${row.flags}${row.gone ? ' (gone)' : ''}`]);
      }
    }
    const badSources: string[] = [];
    for (const [id, sha] of sources) {
      try {
        if (crypto.createHash('sha256').update(journal.blobs.read(sha)).digest('hex') !== sha) badSources.push(id);
      } catch {
        badSources.push(id);
      }
    }
    const letters = records
      .map(
        (r): LetterView => ({
          messageId: key(r),
          kind: r.kind,
          direction: r.direction,
          date: r.date,
          title: r.title,
          preview: r.preview,
          from: r.from?.address ?? null,
          to: r.to.map((a) => a.address),
          folders: [...r.folders].sort(),
          goneFromServer: r.goneFromServer,
          attachments: r.attachments.map((a) => `${a.name} ${a.size} ${a.sha256}`),
          parseError: r.parseError !== null,
          basis: r.basisMessageId,
          chain: r.chainId === null ? '' : [...(chains.get(r.chainId) ?? [])].sort().join(' '),
          subject: r.subject?.name ?? null,
          reviewed: r.reviewed,
          postponed: r.reviewAfter !== null,
          onControl: r.onControl,
          controlDue: r.controlDue,
          controlClosed: r.controlClosedAt !== null,
          locations: [...(locations.get(key(r)) ?? [])].sort(),
        }),
      )
      .sort((a, b) => a.messageId.localeCompare(b.messageId));
    return {
      letters,
      integrity: String(journal.db.pragma('integrity_check', { simple: true })),
      foreignKeyErrors: (journal.db.pragma('foreign_key_check') as unknown[]).length,
      unindexed: journal.index.pendingCount(),
      badSources,
      accountErrors: journal.accounts.list().flatMap((a) => (a.lastError ? [`${a.name}: ${a.lastError}`] : [])),
    };
  } finally {
    journal.close();
  }
}
