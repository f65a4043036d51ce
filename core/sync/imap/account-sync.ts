import type { ImapFlow } from 'imapflow';
import type { AccountRecord } from '../../db/accounts-repo.js';
import type { Journal } from '../../db/journal.js';
import { InterlogError } from '../../errors.js';
import { backoffDelay, sleep } from '../../util/backoff.js';
import type { Indexer } from '../indexer.js';
import type { SyncAccountResult, SyncFolderResult, SyncProgress } from '../progress.js';
import { endsWatch, syncWithRetries } from '../retry.js';
import { connectImap, imapError } from './connect.js';
import { discoverFolders } from './discover.js';
import { syncFolder } from './folder-sync.js';

export type SyncEvent =
  | { type: 'progress'; progress: SyncProgress }
  | { type: 'retry'; account: string; reason: string; delayMs: number; attempt: number }
  | { type: 'new-mail'; account: string; folder: string; added: number }
  | { type: 'indexed'; count: number }
  /** The account is current and waiting for the server to announce new mail. */
  | { type: 'watching'; account: string };

export interface ImapSyncOptions {
  journal: Journal;
  indexer: Indexer;
  account: AccountRecord;
  password: string;
  onEvent?: (event: SyncEvent) => void;
  signal?: AbortSignal;
  /** Transient failures (lost link, timeout) retried with backoff before the run gives up. */
  maxAttempts?: number;
  backoffBaseMs?: number;
}

/** One full pass over the account's folders on an open connection. */
async function syncAll(client: ImapFlow, o: ImapSyncOptions): Promise<SyncAccountResult> {
  const { journal, account } = o;
  const { all, selected } = await discoverFolders(client);
  journal.sync.markFoldersAbsent(
    account.id,
    all.map((f) => f.path),
  );
  const result: SyncAccountResult = { account: account.name, folders: [], added: 0 };
  for (const info of selected) {
    o.signal?.throwIfAborted();
    const state = journal.sync.upsertFolder(account.id, info.path, info.delimiter, info.specialUse ?? null);
    const folderResult = await syncFolder(context(client, o), state);
    result.folders.push(folderResult);
    result.added += folderResult.added;
  }
  return result;
}

function context(client: ImapFlow, o: ImapSyncOptions) {
  return {
    journal: o.journal,
    client,
    indexer: o.indexer,
    accountId: o.account.id,
    accountName: o.account.name,
    identities: new Set(o.account.identities.map((a) => a.toLowerCase())),
    onProgress: (progress: SyncProgress) => o.onEvent?.({ type: 'progress', progress }),
    ...(o.signal ? { signal: o.signal } : {}),
  };
}

/**
 * Syncs the account until every selected folder is current, retrying lost links with backoff (see retry.ts);
 * each retry resumes from the committed cursors.
 */
export function syncImapAccount(o: ImapSyncOptions): Promise<SyncAccountResult> {
  return syncWithRetries(o, (onEvent) => {
    const tracked: ImapSyncOptions = { ...o, onEvent };
    return withConnection(tracked, (client) => syncAll(client, tracked));
  });
}

async function withConnection<T>(o: ImapSyncOptions, work: (client: ImapFlow) => Promise<T>): Promise<T> {
  const client = await connectImap({ account: o.account, password: o.password });
  const onAbort = () => client.close();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await work(client);
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    await client.logout().catch(() => client.close());
  }
}

export interface WatchOptions extends ImapSyncOptions {
  /** How often folders other than INBOX are checked; INBOX itself is watched with IDLE. */
  pollIntervalMs?: number;
}

/**
 * Keeps the journal current until aborted: IDLE on INBOX brings a new letter in within seconds, the other
 * folders are polled. Network failures reconnect with backoff; a wrong password stops the watch with its error.
 */
export async function watchImapAccount(o: WatchOptions): Promise<void> {
  const pollMs = o.pollIntervalMs ?? 120_000;
  let failures = 0;
  while (!o.signal?.aborted) {
    try {
      await withConnection(o, async (client) => {
        announce(o, (await syncAll(client, o)).folders);
        failures = 0;
        o.journal.accounts.recordSyncResult(o.account.id, null);
        for (;;) {
          const reason = await waitForChange(client, pollMs, o);
          if (reason === 'closed') throw new InterlogError('connection-lost', 'The server closed the connection.');
          if (reason === 'aborted') return;
          if (reason === 'inbox') {
            const state = o.journal.sync.upsertFolder(o.account.id, 'INBOX', null, null);
            announce(o, [await syncFolder(context(client, o), o.journal.sync.folder(state.id))]);
          } else announce(o, (await syncAll(client, o)).folders);
        }
      });
    } catch (error) {
      if (o.signal?.aborted) return;
      const failure = imapError(error, o.account);
      o.journal.accounts.recordSyncResult(o.account.id, failure.message);
      if (endsWatch(failure)) throw failure;
      failures++;
      const delayMs = backoffDelay(failures, o.backoffBaseMs);
      o.onEvent?.({ type: 'retry', account: o.account.name, reason: failure.message, delayMs, attempt: failures });
      await sleep(delayMs, o.signal).catch(() => {});
    }
  }
}

/** Letters that arrived while watching, including any that came in between connections. */
function announce(o: ImapSyncOptions, folders: SyncFolderResult[]): void {
  for (const f of folders) {
    if (f.added > 0) o.onEvent?.({ type: 'new-mail', account: o.account.name, folder: f.folder, added: f.added });
  }
}

/** Selects INBOX and idles until a letter arrives there, the poll interval passes, the link drops or we stop. */
async function waitForChange(
  client: ImapFlow,
  pollMs: number,
  o: ImapSyncOptions,
): Promise<'inbox' | 'poll' | 'closed' | 'aborted'> {
  const { signal } = o;
  const inbox = await client.mailboxOpen('INBOX', { readOnly: true });
  const knownCount = inbox.exists;
  return new Promise((resolve) => {
    const finish = (reason: 'inbox' | 'poll' | 'closed' | 'aborted') => {
      clearTimeout(timer);
      client.off('exists', onExists);
      client.off('close', onClose);
      signal?.removeEventListener('abort', onAbort);
      resolve(reason);
    };
    const onExists = (event: { path: string; count: number }) => {
      if (event.path === 'INBOX' && event.count > knownCount) finish('inbox');
    };
    const onClose = () => finish('closed');
    const onAbort = () => finish('aborted');
    const timer = setTimeout(() => finish('poll'), pollMs);
    client.on('exists', onExists);
    client.on('close', onClose);
    signal?.addEventListener('abort', onAbort, { once: true });
    // IDLE ends by itself when the next command is sent; a failure here shows up as 'close'.
    client.idle().catch(() => {});
    o.onEvent?.({ type: 'watching', account: o.account.name });
  });
}
