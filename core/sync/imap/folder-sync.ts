import crypto from 'node:crypto';
import type { FetchMessageObject, ImapFlow } from 'imapflow';
import type { Journal } from '../../db/journal.js';
import type { BatchItem, FolderCursor, FolderState } from '../../db/sync-repo.js';
import { InterlogError } from '../../errors.js';
import { readListingHeaders } from '../../mail/header-block.js';
import { normalizeMessageId } from '../../mail/message-identity.js';
import type { Indexer } from '../indexer.js';
import type { SyncFolderResult, SyncProgress } from '../progress.js';

/** Letters above this size are streamed into the blob store instead of being held whole in memory. */
export const LARGE_MESSAGE = 8 * 1024 * 1024;
/** A commit is one transaction: large enough to amortise it, small enough to bound memory and lost work. */
const COMMIT_BYTES = 4 * 1024 * 1024;
const COMMIT_COUNT = 500;
const META_CHUNK = 5000;

export interface FolderSyncContext {
  journal: Journal;
  client: ImapFlow;
  /** Told after each commit, so bodies are indexed while the next letters download. */
  indexer: Indexer;
  accountId: number;
  accountName: string;
  identities: ReadonlySet<string>;
  onProgress?: (progress: SyncProgress) => void;
  signal?: AbortSignal;
}

interface Meta {
  uid: number;
  size: number;
  flags: string;
  internalDate?: string;
  messageId: string | null;
}

/**
 * Brings one folder up to date: new letters, copies expunged on the server, flag changes. Each batch of
 * letters commits together with the folder's cursor, so a run cut anywhere resumes where it stopped.
 */
export async function syncFolder(ctx: FolderSyncContext, folder: FolderState): Promise<SyncFolderResult> {
  const { client, journal } = ctx;
  const repo = journal.sync;
  const mailbox = await client.mailboxOpen(folder.path, { readOnly: true });
  const uidvalidity = mailbox.uidValidity.toString();
  let state = folder;
  if (state.uidvalidity !== null && state.uidvalidity !== uidvalidity) {
    repo.startNewUidValidity(state.id, uidvalidity);
    state = repo.folder(state.id);
  }
  const result: SyncFolderResult = { folder: folder.path, added: 0, seen: 0, gone: 0, flagsUpdated: 0 };
  const serverModseq = mailbox.highestModseq?.toString() ?? null;
  const present = repo.presentUids(state.id, uidvalidity);
  const unchanged =
    state.uidvalidity === uidvalidity && state.uidnext === mailbox.uidNext && mailbox.exists === present.length;

  let newUids: number[] = [];
  if (!unchanged) {
    const all = await listUids(client);
    const onServer = new Set(all);
    const gone = present.filter((uid) => !onServer.has(uid));
    repo.markGone(state.id, uidvalidity, gone);
    result.gone = gone.length;
    newUids = all.filter((uid) => uid > state.lastUid).sort((a, b) => a - b);
  }

  result.flagsUpdated = await syncFlags(ctx, state, uidvalidity, serverModseq);

  const finalCursor = { uidvalidity, uidnext: mailbox.uidNext, highestModseq: serverModseq };
  const lastNew = newUids[newUids.length - 1];
  if (lastNew === undefined) {
    commit(ctx, state.id, [], { ...finalCursor, lastUid: Math.max(state.lastUid, mailbox.uidNext - 1) });
    return result;
  }
  // Until the folder is read to its end, uidnext and modseq stay as they were: a resumed run must still look.
  const partialCursor = { uidvalidity, uidnext: state.uidnext, highestModseq: state.highestModseq };
  const cursorAt = (lastUid: number): FolderCursor => ({
    ...(lastUid === lastNew ? finalCursor : partialCursor),
    lastUid,
  });
  const sink = new CommitSink(ctx, state.id, cursorAt, (n) => {
    result.seen += n.seen;
    result.added += n.added;
    ctx.onProgress?.({ account: ctx.accountName, folder: folder.path, done: result.seen, total: newUids.length });
  });
  ctx.onProgress?.({ account: ctx.accountName, folder: folder.path, done: 0, total: newUids.length });
  try {
    for (let start = 0; start < newUids.length; start += META_CHUNK) {
      const asked = newUids.slice(start, start + META_CHUNK);
      const metas = await fetchMeta(client, asked);
      const answered = new Set(metas.map((m) => m.uid));
      await assertExpunged(
        ctx,
        asked.filter((uid) => !answered.has(uid)),
      );
      const known = journal.sync.knownMessages(metas.flatMap((m) => (m.messageId ? [m.messageId] : [])));
      for (const segment of segments(metas, known)) {
        ctx.signal?.throwIfAborted();
        if (segment.kind === 'large') await downloadLarge(ctx, segment.meta, sink);
        else await downloadSmall(ctx, segment.metas, known, sink);
      }
    }
  } finally {
    // Whatever arrived in order before a failure is kept: a link cut on letter 700 keeps letters 1 to 699.
    sink.flush();
  }
  return result;
}

/** Collects fetched letters in UID order and commits them, with the cursor, every few megabytes. */
class CommitSink {
  private items: BatchItem[] = [];
  private bytes = 0;
  private lastUid: number | null = null;

  constructor(
    private readonly ctx: FolderSyncContext,
    private readonly folderId: number,
    private readonly cursorAt: (lastUid: number) => FolderCursor,
    private readonly onCommit: (n: { seen: number; added: number }) => void,
  ) {}

  /** `uid` and every UID before it in this folder's list of new letters are settled. */
  add(item: BatchItem | null, uid: number, bytes: number): void {
    if (item) this.items.push(item);
    this.lastUid = uid;
    this.bytes += bytes;
    if (this.bytes >= COMMIT_BYTES || this.items.length >= COMMIT_COUNT) this.flush();
  }

  flush(): void {
    if (this.lastUid === null) return;
    const added = commit(this.ctx, this.folderId, this.items, this.cursorAt(this.lastUid));
    this.onCommit({ seen: this.items.length, added });
    this.items = [];
    this.bytes = 0;
    this.lastUid = null;
  }
}

function commit(ctx: FolderSyncContext, folderId: number, items: BatchItem[], cursor: FolderCursor): number {
  const added = ctx.journal.sync.commitBatch({
    folderId,
    accountId: ctx.accountId,
    identities: ctx.identities,
    items,
    cursor,
  });
  if (added > 0) ctx.indexer.kick();
  return added;
}

type Segment = { kind: 'small'; metas: Meta[] } | { kind: 'large'; meta: Meta };

/** Runs of ordinary letters fetched in one FETCH, broken where a large letter must be streamed on its own. */
function* segments(metas: Meta[], known: Map<string, number>): Generator<Segment> {
  let run: Meta[] = [];
  for (const meta of metas) {
    const isKnown = meta.messageId !== null && known.has(meta.messageId);
    if (!isKnown && meta.size > LARGE_MESSAGE) {
      if (run.length) yield { kind: 'small', metas: run };
      run = [];
      yield { kind: 'large', meta };
    } else run.push(meta);
  }
  if (run.length) yield { kind: 'small', metas: run };
}

async function downloadSmall(ctx: FolderSyncContext, metas: Meta[], known: Map<string, number>, sink: CommitSink) {
  const wanted: number[] = [];
  for (const meta of metas) if (!(meta.messageId && known.has(meta.messageId))) wanted.push(meta.uid);
  const arrived = new Map<number, FetchMessageObject>();
  const answered = new Set<number>();
  let next = 0;
  // Servers may answer out of UID order; letters are handed on strictly in order so the cursor stays honest.
  const settle = (upTo: number) => {
    while (next < metas.length && (metas[next] as Meta).uid <= upTo) {
      const meta = metas[next++] as Meta;
      const knownMessage = meta.messageId ? known.get(meta.messageId) : undefined;
      if (knownMessage !== undefined) {
        sink.add({ uid: meta.uid, flags: meta.flags, knownMessage }, meta.uid, 0);
        continue;
      }
      const msg = arrived.get(meta.uid);
      arrived.delete(meta.uid);
      // No answer for a UID means it was expunged between SEARCH and FETCH: the cursor moves past it.
      sink.add(msg?.source ? newItem(meta, msg.source) : null, meta.uid, msg?.source?.length ?? 0);
    }
  };
  if (wanted.length > 0) {
    let expected = 0;
    for await (const msg of ctx.client.fetch(compressRange(wanted), { uid: true, source: true }, { uid: true })) {
      if (msg.source) answered.add(msg.uid);
      arrived.set(msg.uid, msg);
      while (expected < wanted.length && arrived.has(wanted[expected] as number)) expected++;
      settle(expected > 0 ? (wanted[expected - 1] as number) : 0);
    }
    await assertExpunged(
      ctx,
      wanted.filter((uid) => !answered.has(uid)),
    );
  }
  settle(Number.POSITIVE_INFINITY);
}

/**
 * Every UID of the selected folder. The list decides which letters are new (the cursor moves past the last one)
 * and which copies are gone, so an answer that does not add up to the folder's EXISTS count (a number garbled or
 * left out on a flaky link, a failed SEARCH) fails the pass rather than skip letters or mark them gone.
 */
async function listUids(client: ImapFlow): Promise<number[]> {
  const all = await client.search({ all: true }, { uid: true });
  const mailbox = client.mailbox;
  const exists = mailbox ? mailbox.exists : Number.NaN;
  if (all && all.length === exists && all.every((uid) => Number.isInteger(uid) && uid > 0)) return all;
  throw new InterlogError(
    'connection-lost',
    `The list of letters in ${mailbox ? mailbox.path : 'the folder'} did not add up ` +
      `(${all ? all.length : 'no answer'} for ${exists} letters); it will be asked for again.`,
  );
}

/**
 * A FETCH that completes without some of the letters it asked for is taken to mean they were expunged meanwhile,
 * and the cursor moves past them. That is only true if the server says so: a garbled or truncated answer (a flaky
 * link, a server bug) leaves letters out too, and moving the cursor past those loses them for good. So the
 * missing UIDs are looked up; any still there fail the pass, which is retried on a fresh connection.
 */
async function assertExpunged(ctx: FolderSyncContext, uids: number[]): Promise<void> {
  if (uids.length === 0) return;
  const folder = ctx.client.mailbox ? ctx.client.mailbox.path : 'the folder';
  const still = await ctx.client.search({ uid: compressRange(uids) }, { uid: true });
  if (still && still.length === 0) return;
  throw new InterlogError(
    'connection-lost',
    `The server's answer left out ${still ? still.length : uids.length} letter(s) still in ${folder}; ` +
      'they will be asked for again.',
  );
}

function newItem(meta: Meta, source: Buffer): BatchItem {
  return {
    uid: meta.uid,
    flags: meta.flags,
    headers: readListingHeaders(source, meta.internalDate),
    source: { kind: 'buffer', data: source, sha256: crypto.createHash('sha256').update(source).digest('hex') },
  };
}

async function downloadLarge(ctx: FolderSyncContext, meta: Meta, sink: CommitSink) {
  sink.flush();
  const download = await ctx.client.download(String(meta.uid), undefined, { uid: true });
  if (!download.content) {
    sink.add(null, meta.uid, 0);
    return;
  }
  const stored = await ctx.journal.blobs.putStream(download.content);
  const item: BatchItem = {
    uid: meta.uid,
    flags: meta.flags,
    headers: readListingHeaders(stored.head, meta.internalDate),
    source: { kind: 'streamed', sha256: stored.sha256, size: stored.size, record: stored.record },
  };
  sink.add(item, meta.uid, stored.size);
  sink.flush();
}

async function fetchMeta(client: ImapFlow, uids: number[]): Promise<Meta[]> {
  const metas: Meta[] = [];
  const query = { uid: true, size: true, flags: true, internalDate: true, headers: ['message-id'] };
  for await (const msg of client.fetch(compressRange(uids), query, { uid: true })) metas.push(toMeta(msg));
  return metas.sort((a, b) => a.uid - b.uid);
}

function toMeta(msg: FetchMessageObject): Meta {
  const internal = msg.internalDate ? new Date(msg.internalDate) : null;
  const header = msg.headers?.toString('latin1') ?? '';
  return {
    uid: msg.uid,
    size: msg.size ?? 0,
    flags: flagString(msg.flags),
    ...(internal && !Number.isNaN(internal.getTime()) ? { internalDate: internal.toISOString() } : {}),
    messageId: normalizeMessageId(/^message-id:\s*(.*)$/im.exec(header.replace(/\r?\n[ \t]+/g, ' '))?.[1]),
  };
}

function flagString(flags: Set<string> | undefined): string {
  return flags ? [...flags].sort().join(' ') : '';
}

/** Flag changes since the last run: by MODSEQ where the server has CONDSTORE, else by reading all flags. */
async function syncFlags(
  ctx: FolderSyncContext,
  state: FolderState,
  uidvalidity: string,
  serverModseq: string | null,
): Promise<number> {
  if (state.lastUid === 0) return 0;
  const useModseq = serverModseq !== null && state.highestModseq !== null;
  if (useModseq && BigInt(serverModseq) <= BigInt(state.highestModseq as string)) return 0;
  const changes: Array<{ uid: number; flags: string }> = [];
  const options = useModseq ? { uid: true, changedSince: BigInt(state.highestModseq as string) } : { uid: true };
  for await (const msg of ctx.client.fetch(`1:${state.lastUid}`, { uid: true, flags: true }, options)) {
    changes.push({ uid: msg.uid, flags: flagString(msg.flags) });
  }
  ctx.journal.sync.updateFlags(state.id, uidvalidity, changes, serverModseq);
  return changes.length;
}

/** UID lists as IMAP sequence sets ("1:5,8,10:12"), so a request stays short whatever the count. */
export function compressRange(uids: readonly number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < uids.length) {
    const first = uids[i] as number;
    let last = first;
    while (i + 1 < uids.length && uids[i + 1] === last + 1) last = uids[++i] as number;
    parts.push(first === last ? String(first) : `${first}:${last}`);
    i++;
  }
  return parts.join(',');
}
