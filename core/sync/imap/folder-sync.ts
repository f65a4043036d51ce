import crypto from 'node:crypto';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { FetchMessageObject, ImapFlow } from 'imapflow';
import type { Journal } from '../../db/journal.js';
import type { BatchItem, FolderState } from '../../db/sync-repo.js';
import type { DigestedMessage, DigestInput } from '../../mail/digest.js';
import { normalizeMessageId } from '../../mail/message-identity.js';
import type { WorkerPool } from '../../util/worker-pool.js';
import type { SyncFolderResult, SyncProgress } from '../progress.js';

/** Messages above this size are streamed to a file instead of being held whole in memory. */
export const LARGE_MESSAGE = 8 * 1024 * 1024;
/** A batch is one transaction: big enough to amortise the commit, small enough to bound memory. */
const BATCH_BYTES = 12 * 1024 * 1024;
const BATCH_COUNT = 400;
/** Batches fetched ahead of the one being committed. */
const AHEAD = 2;
const META_CHUNK = 2000;

export interface FolderSyncContext {
  journal: Journal;
  client: ImapFlow;
  pool: WorkerPool<DigestInput, DigestedMessage>;
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
  if (!unchanged && mailbox.exists > 0) {
    const all = (await client.search({ all: true }, { uid: true })) || [];
    const onServer = new Set(all);
    const gone = present.filter((uid) => !onServer.has(uid));
    repo.markGone(state.id, uidvalidity, gone);
    result.gone = gone.length;
    newUids = all.filter((uid) => uid > state.lastUid).sort((a, b) => a - b);
  } else if (mailbox.exists === 0 && present.length > 0) {
    repo.markGone(state.id, uidvalidity, present);
    result.gone = present.length;
  }

  result.flagsUpdated = await syncFlags(ctx, state, uidvalidity, serverModseq);

  const finalCursor = { uidvalidity, uidnext: mailbox.uidNext, highestModseq: serverModseq };
  if (newUids.length === 0) {
    repo.commitBatch({
      folderId: state.id,
      accountId: ctx.accountId,
      identities: ctx.identities,
      items: [],
      cursor: { ...finalCursor, lastUid: Math.max(state.lastUid, mailbox.uidNext - 1) },
    });
    return result;
  }

  const report = (done: number) =>
    ctx.onProgress?.({ account: ctx.accountName, folder: folder.path, done, total: newUids.length });
  report(0);

  // Keeps the cursor and modseq of a folder not fully read as they were, so a resumed run still rereads flags.
  const partialCursor = { uidvalidity, uidnext: state.uidnext, highestModseq: state.highestModseq };
  let committed = Promise.resolve();
  const inFlight: Promise<void>[] = [];
  let done = 0;
  try {
    for (let start = 0; start < newUids.length; start += META_CHUNK) {
      const slice = newUids.slice(start, start + META_CHUNK);
      const metas = await fetchMeta(client, slice);
      const known = repo.knownMessages(metas.flatMap((m) => (m.messageId ? [m.messageId] : [])));
      for (const batch of planBatches(metas)) {
        ctx.signal?.throwIfAborted();
        const fetched = await fetchBatch(ctx, batch, known);
        const lastUid = fetched.lastUid ?? state.lastUid;
        const isLast = fetched.error === undefined && lastUid === newUids[newUids.length - 1];
        const cursor = { ...(isLast ? finalCursor : partialCursor), lastUid };
        const commit = committed.then(async () => {
          const ready = await Promise.all(fetched.items);
          const added = repo.commitBatch({
            folderId: state.id,
            accountId: ctx.accountId,
            identities: ctx.identities,
            items: ready,
            cursor,
          });
          result.added += added;
          result.seen += ready.length;
          done += ready.length;
          report(done);
        });
        // Handled where it is awaited; this keeps a failed commit from being reported as unhandled meanwhile.
        commit.catch(() => {});
        committed = commit;
        inFlight.push(commit);
        if (fetched.error !== undefined) throw fetched.error;
        if (inFlight.length > AHEAD) await inFlight.shift();
      }
    }
  } catch (error) {
    // The batches already downloaded still commit: a link cut on batch 7 keeps batches 1 to 6.
    await Promise.allSettled(inFlight);
    throw error;
  }
  await committed;
  return result;
}

async function fetchMeta(client: ImapFlow, uids: number[]): Promise<Meta[]> {
  const metas: Meta[] = [];
  const range = compressRange(uids);
  for await (const msg of client.fetch(
    range,
    { uid: true, size: true, flags: true, internalDate: true, envelope: true },
    { uid: true },
  )) {
    metas.push(toMeta(msg));
  }
  return metas.sort((a, b) => a.uid - b.uid);
}

function toMeta(msg: FetchMessageObject): Meta {
  const internal = msg.internalDate ? new Date(msg.internalDate) : null;
  return {
    uid: msg.uid,
    size: msg.size ?? 0,
    flags: flagString(msg.flags),
    ...(internal && !Number.isNaN(internal.getTime()) ? { internalDate: internal.toISOString() } : {}),
    messageId: normalizeMessageId(msg.envelope?.messageId),
  };
}

function flagString(flags: Set<string> | undefined): string {
  return flags ? [...flags].sort().join(' ') : '';
}

/** Groups consecutive UIDs into batches bounded by bytes to download and by count. */
function* planBatches(metas: Meta[]): Generator<Meta[]> {
  let batch: Meta[] = [];
  let bytes = 0;
  for (const meta of metas) {
    batch.push(meta);
    bytes += meta.size;
    if (bytes >= BATCH_BYTES || batch.length >= BATCH_COUNT) {
      yield batch;
      batch = [];
      bytes = 0;
    }
  }
  if (batch.length > 0) yield batch;
}

interface FetchedBatch {
  items: Promise<BatchItem>[];
  /** The cursor may move to here: every UID of the batch up to it was received. */
  lastUid: number | null;
  /** Set when the link failed part-way; the received prefix is still worth committing. */
  error?: unknown;
}

/**
 * Downloads the batch's letters the journal does not hold yet and hands each to the digest pool as it arrives.
 * When the connection dies mid-batch, the letters received before the first missing one are kept.
 */
async function fetchBatch(ctx: FolderSyncContext, batch: Meta[], known: Map<string, number>): Promise<FetchedBatch> {
  const items = new Map<number, Promise<BatchItem>>();
  const small: number[] = [];
  const large: Meta[] = [];
  for (const meta of batch) {
    const knownMessage = meta.messageId ? known.get(meta.messageId) : undefined;
    if (knownMessage !== undefined)
      items.set(meta.uid, Promise.resolve({ uid: meta.uid, flags: meta.flags, knownMessage }));
    else if (meta.size > LARGE_MESSAGE) large.push(meta);
    else small.push(meta.uid);
  }
  const metaByUid = new Map(batch.map((m) => [m.uid, m]));
  // UIDs settled: received, or (after a complete FETCH) found expunged meanwhile.
  const settled = new Set<number>(items.keys());
  try {
    if (small.length > 0) {
      for await (const msg of ctx.client.fetch(compressRange(small), { uid: true, source: true }, { uid: true })) {
        const meta = metaByUid.get(msg.uid);
        if (!meta || !msg.source) continue;
        settled.add(msg.uid);
        const data = new Uint8Array(msg.source);
        const input: DigestInput = {
          kind: 'buffer',
          data,
          ...(meta.internalDate ? { internalDate: meta.internalDate } : {}),
        };
        items.set(msg.uid, digestItem(ctx, meta, input, [data.buffer as ArrayBuffer]));
      }
      // A letter expunged between SEARCH and FETCH does not come back; the cursor moves past it.
      for (const uid of small) settled.add(uid);
    }
    for (const meta of large) {
      const file = await downloadToFile(ctx, meta.uid);
      settled.add(meta.uid);
      if (!file) continue;
      const input: DigestInput = {
        kind: 'file',
        ...file,
        ...(meta.internalDate ? { internalDate: meta.internalDate } : {}),
      };
      items.set(
        meta.uid,
        digestItem(ctx, meta, input, []).then((item) => {
          ctx.journal.blobs.adoptFile(file.sha256, file.path);
          return item;
        }),
      );
    }
  } catch (error) {
    const prefix: Promise<BatchItem>[] = [];
    let lastUid: number | null = null;
    for (const meta of batch) {
      if (!settled.has(meta.uid)) break;
      const item = items.get(meta.uid);
      if (item) prefix.push(item);
      lastUid = meta.uid;
    }
    return { items: prefix, lastUid, error };
  }
  return { items: batch.flatMap((m) => items.get(m.uid) ?? []), lastUid: batch[batch.length - 1]?.uid ?? null };
}

function digestItem(
  ctx: FolderSyncContext,
  meta: Meta,
  input: DigestInput,
  transfer: ArrayBuffer[],
): Promise<BatchItem> {
  return ctx.pool.run(input, transfer).then((digested) => ({ uid: meta.uid, flags: meta.flags, digested }));
}

async function downloadToFile(
  ctx: FolderSyncContext,
  uid: number,
): Promise<{ path: string; sha256: string; size: number } | null> {
  const download = await ctx.client.download(String(uid), undefined, { uid: true });
  if (!download.content) return null;
  const path = ctx.journal.blobs.tempPath();
  const hash = crypto.createHash('sha256');
  let size = 0;
  download.content.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    size += chunk.length;
  });
  await pipeline(download.content, fs.createWriteStream(path));
  return { path, sha256: hash.digest('hex'), size };
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
