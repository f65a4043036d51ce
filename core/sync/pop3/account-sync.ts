import crypto from 'node:crypto';
import type { AccountRecord } from '../../db/accounts-repo.js';
import type { Journal } from '../../db/journal.js';
import { MAILDROP_FOLDER, type Pop3Letter, Pop3Repo } from '../../db/pop3-repo.js';
import { readListingHeaders } from '../../mail/header-block.js';
import { sleep } from '../../util/backoff.js';
import type { SyncEvent } from '../imap/account-sync.js';
import { LARGE_MESSAGE } from '../imap/folder-sync.js';
import type { Indexer } from '../indexer.js';
import type { SyncAccountResult, SyncFolderResult } from '../progress.js';
import { endsWatch, syncWithRetries } from '../retry.js';
import { Pop3Error } from './client.js';
import { connectPop3, type Pop3Session, pop3Error } from './connect.js';
import { listMaildrop, type MaildropEntry, pipelineDepth } from './maildrop.js';
import { Pipeline } from './pipeline.js';
import { deletionDue } from './retention.js';

/** A commit is one transaction: large enough to amortise it, small enough to bound memory and lost work. */
const COMMIT_BYTES = 8 * 1024 * 1024;
const COMMIT_COUNT = 500;
/** Letters requested ahead of the one being stored, at most this many bytes of them. */
const WINDOW_BYTES = 4 * 1024 * 1024;

export interface Pop3SyncOptions {
  journal: Journal;
  /** Told when a session ends; see `syncPop3Account` for why not after each commit. */
  indexer: Pick<Indexer, 'kick'>;
  account: AccountRecord;
  password: string;
  onEvent?: (event: SyncEvent) => void;
  signal?: AbortSignal;
  maxAttempts?: number;
  backoffBaseMs?: number;
  /** The clock of the N-days rule (first receipt and deletion); tests move it. */
  now?: () => Date;
}

/**
 * Receives every new letter of the maildrop and cleans the server as the account says. The letters and their
 * UIDLs commit together before any DELE is sent, and POP3 deletes only on a successful QUIT, so a run killed or
 * cut anywhere loses nothing (an uncommitted letter is still on the server) and doubles nothing (a committed
 * letter is known by its UIDL and only deleted on the next run).
 *
 * Unlike an IMAP folder, bodies are indexed only once the session is over: a POP3 server locks the maildrop for
 * the whole session (RFC 1939, section 4), so other clients of the mailbox wait for it, and index workers running
 * meanwhile would take the CPU and the journal's write lock from it (measured on two cores: twice as long).
 */
export function syncPop3Account(o: Pop3SyncOptions): Promise<SyncAccountResult> {
  return syncWithRetries(o, async (onEvent) => {
    const session = await connectPop3(o);
    const onAbort = () => session.connection.destroy();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const folder = await receive(session, { ...o, onEvent });
      return { account: o.account.name, folders: [folder], added: folder.added };
    } catch (error) {
      throw pop3Error(error, o.account);
    } finally {
      o.signal?.removeEventListener('abort', onAbort);
      session.connection.destroy();
      o.indexer.kick();
    }
  });
}

export interface Pop3WatchOptions extends Pop3SyncOptions {
  pollIntervalMs?: number;
}

/**
 * POP3 has no IDLE: the maildrop is checked every poll interval until aborted. A run that fails on the network
 * is tried again at the next poll (its error stays on the account until then); a wrong password stops the watch.
 */
export async function watchPop3Account(o: Pop3WatchOptions): Promise<void> {
  const pollMs = o.pollIntervalMs ?? 120_000;
  while (!o.signal?.aborted) {
    o.onEvent?.({ type: 'watching', account: o.account.name });
    await sleep(pollMs, o.signal).catch(() => {});
    if (o.signal?.aborted) return;
    try {
      const result = await syncPop3Account(o);
      if (result.added > 0) {
        o.onEvent?.({ type: 'new-mail', account: o.account.name, folder: MAILDROP_FOLDER, added: result.added });
      }
    } catch (error) {
      if (o.signal?.aborted) return;
      if (endsWatch(pop3Error(error, o.account))) throw error;
    }
  }
}

async function receive(session: Pop3Session, o: Pop3SyncOptions): Promise<SyncFolderResult> {
  const { journal, account } = o;
  const clock = o.now ?? (() => new Date());
  const repo = new Pop3Repo(journal.db, journal.sync, journal.blobs);
  const folderId = repo.maildrop(account.id);
  const result: SyncFolderResult = { folder: MAILDROP_FOLDER, added: 0, seen: 0, gone: 0, flagsUpdated: 0 };

  const maildrop = await listMaildrop(session);
  const known = repo.known(account.id, folderId);
  const listed = new Set(maildrop.map((e) => e.uidl));
  const vanished: number[] = [];
  const back: number[] = [];
  for (const [uidl, letter] of known) {
    if (!listed.has(uidl) && letter.goneAt === null) vanished.push(letter.id);
    else if (listed.has(uidl) && letter.goneAt !== null) back.push(letter.id);
  }
  // Deleted by an earlier run whose QUIT was cut before its answer, or by another client.
  repo.setGone(folderId, vanished, clock().toISOString());
  repo.setGone(folderId, back, null);
  result.gone = vanished.length;

  const fresh = maildrop.filter((e) => !known.has(e.uidl));
  const progress = (done: number) =>
    o.onEvent?.({
      type: 'progress',
      progress: { account: account.name, folder: MAILDROP_FOLDER, done, total: fresh.length },
    });
  progress(0);
  const sink = new CommitSink((items) => {
    const added = repo.commit({
      accountId: account.id,
      folderId,
      identities: new Set(account.identities.map((a) => a.toLowerCase())),
      items,
      receivedAt: clock().toISOString(),
    });
    result.seen += items.length;
    result.added += added;
    progress(result.seen);
  });
  try {
    await download(session, fresh, sink, o);
  } finally {
    // Whatever arrived before a failure is kept: a link cut on letter 700 keeps letters 1 to 699.
    sink.flush();
  }

  const stored = repo.known(account.id, folderId);
  const now = clock();
  const due = maildrop.filter((e) => {
    const letter = stored.get(e.uidl);
    return letter !== undefined && deletionDue(account, letter.firstSeenAt, now);
  });
  const deleted = await markDeleted(session, due);
  // Only now does the server delete; if QUIT fails, nothing was deleted and the next run sends DELE again.
  await session.connection.quit();
  repo.setGone(
    folderId,
    deleted.map((e) => stored.get(e.uidl)?.id as number),
    now.toISOString(),
  );
  result.gone += deleted.length;
  return result;
}

/** Collects received letters in maildrop order and commits them every few megabytes. */
class CommitSink {
  private items: Pop3Letter[] = [];
  private bytes = 0;

  constructor(private readonly commit: (items: Pop3Letter[]) => void) {}

  add(item: Pop3Letter, bytes: number): void {
    this.items.push(item);
    this.bytes += bytes;
    if (this.bytes >= COMMIT_BYTES || this.items.length >= COMMIT_COUNT) this.flush();
  }

  flush(): void {
    if (this.items.length === 0) return;
    const items = this.items;
    this.items = [];
    this.bytes = 0;
    this.commit(items);
  }
}

type Retrieved = { entry: MaildropEntry; source: Buffer | null };

async function download(session: Pop3Session, entries: MaildropEntry[], sink: CommitSink, o: Pop3SyncOptions) {
  const { connection } = session;
  const pipeline = new Pipeline<Retrieved>(pipelineDepth(session), WINDOW_BYTES, ({ entry, source }) => {
    if (source) sink.add(letter(entry.uidl, source), source.length);
  });
  for (const entry of entries) {
    o.signal?.throwIfAborted();
    if (entry.size > LARGE_MESSAGE) {
      await pipeline.drain();
      await downloadLarge(session, entry, sink, o.journal);
      continue;
    }
    await pipeline.add(
      () =>
        connection.collect(`RETR ${entry.number}`).then(
          (source) => ({ entry, source }),
          (error: unknown) => ({ entry, source: refused(error) }),
        ),
      entry.size,
    );
  }
  await pipeline.drain();
}

/** A letter the server will not hand out (-ERR to RETR) is left for the next run, neither stored nor deleted. */
function refused(error: unknown): null {
  if (error instanceof Pop3Error) return null;
  throw error;
}

function letter(uidl: string, source: Buffer): Pop3Letter {
  return {
    uidl,
    headers: readListingHeaders(source),
    source: { kind: 'buffer', data: source, sha256: crypto.createHash('sha256').update(source).digest('hex') },
  };
}

/** A letter above the stream limit goes straight into the pack, never held whole, and commits on its own. */
async function downloadLarge(session: Pop3Session, entry: MaildropEntry, sink: CommitSink, journal: Journal) {
  sink.flush();
  let stored: Awaited<ReturnType<Journal['blobs']['putStream']>>;
  try {
    stored = await journal.blobs.putStream(session.connection.stream(`RETR ${entry.number}`));
  } catch (error) {
    refused(error);
    return;
  }
  sink.add(
    {
      uidl: entry.uidl,
      headers: readListingHeaders(stored.head),
      source: { kind: 'streamed', sha256: stored.sha256, size: stored.size, record: stored.record },
    },
    stored.size,
  );
  sink.flush();
}

/** DELE for each letter; returns those the server accepted (a -ERR leaves that letter for the next run). */
async function markDeleted(session: Pop3Session, due: MaildropEntry[]): Promise<MaildropEntry[]> {
  const accepted: MaildropEntry[] = [];
  const pipeline = new Pipeline<MaildropEntry | null>(pipelineDepth(session), Number.POSITIVE_INFINITY, (entry) => {
    if (entry) accepted.push(entry);
  });
  for (const entry of due) {
    await pipeline.add(() =>
      session.connection.command(`DELE ${entry.number}`).then(
        () => entry,
        (error: unknown) => refused(error),
      ),
    );
  }
  await pipeline.drain();
  return accepted;
}
