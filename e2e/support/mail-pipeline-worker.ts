// A worker thread that takes raw letters one at a time through the path synced mail takes: stored as the sync
// stores it (importLetter), indexed by the sync's Indexer and index workers, then opened as the reading pane opens
// it (JournalService.getMessage) and its files taken out as "save" takes them (getAttachment). It runs in a
// worker so the test can stop it: a letter that hangs any step, even in synchronous code, is caught by a timer
// in the test's thread, which terminates this worker and starts another.

import { JournalService } from '../../core/journal-service.js';
import { createIndexPool, type IndexPool } from '../../core/mail/index-pool.js';
import { FileSecretStore } from '../../core/secrets/file-secret-store.js';
import { importLetter } from '../../core/sync/import-letter.js';
import { Indexer } from '../../core/sync/indexer.js';
import { serveTasks } from '../../core/util/worker-task.js';

export interface PipelineInput {
  dbFile: string;
  raw: Uint8Array;
  /** A unique Message-ID given to the letter, so a mutant is not taken for the letter it was made from. */
  messageId?: string;
}

export interface PipelineResult {
  interactionId: number;
  /** False when the journal already held this letter (same Message-ID): it is the same interaction, not a loss. */
  created: boolean;
  parseError: string | null;
  /** The reading pane's notice, when it could not read the letter in full. */
  unreadable: string | null;
  viewText: string;
  attachments: number;
  savedNames: string[];
  ms: { store: number; index: number; render: number; attachments: number };
}

let open: { dbFile: string; service: JournalService; pool: IndexPool; indexer: Indexer } | null = null;
/** Message row → interaction, learnt while a letter waits for indexing, for the copies that come again later. */
const interactionOf = new Map<number, number>();

serveTasks<PipelineInput, PipelineResult>(async ({ dbFile, raw, messageId }) => {
  if (open?.dbFile !== dbFile) {
    if (open) {
      await open.pool.close();
      await open.service.close();
    }
    const service = new JournalService({ dbFile, secrets: FileSecretStore.besideJournal(dbFile) });
    const pool = createIndexPool(1);
    open = { dbFile, service, pool, indexer: new Indexer(service.journal, pool) };
    interactionOf.clear();
  }
  const { service, indexer } = open;
  const source = messageId
    ? Buffer.concat([Buffer.from(`Message-ID: <${messageId}>\r\n`), raw])
    : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  let t = performance.now();
  const lap = () => {
    const now = performance.now();
    const ms = now - t;
    t = now;
    return ms;
  };
  const stored = importLetter(service.journal, source);
  const store = lap();
  if (stored.created) {
    const [task] = service.journal.index.pending(1, stored.id - 1);
    if (task?.messageRow !== stored.id)
      throw new Error(`letter ${stored.id} was stored but is not queued for indexing`);
    interactionOf.set(stored.id, task.interactionId);
  }
  const interactionId = interactionOf.get(stored.id);
  if (interactionId === undefined) throw new Error(`no interaction for message ${stored.id}`);
  await indexer.drain();
  const index = lap();
  const view = await service.getMessage({ interactionId });
  const render = lap();
  const savedNames: string[] = [];
  // Each file is found by walking the letter again, so a letter of 300 files takes the first and last few.
  const count = view.interaction.attachments.length;
  for (const index of new Set([0, 1, 2, count - 1].filter((i) => i >= 0 && i < count))) {
    savedNames.push((await service.getAttachment({ interactionId, index })).fileName);
  }
  return {
    result: {
      interactionId,
      created: stored.created,
      parseError: view.interaction.parseError,
      unreadable: view.unreadable,
      viewText: view.text.slice(0, 300),
      attachments: view.interaction.attachments.length,
      savedNames,
      ms: { store, index, render, attachments: lap() },
    },
  };
});
