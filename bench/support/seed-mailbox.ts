import type { DovecotServer } from '../../e2e/support/dovecot.js';
import { createFolder, type SeedMessage, seedMessages } from '../../e2e/support/maildir.js';
import { generateMailbox } from './mailbox-gen.js';

export interface SeededMailbox {
  bytes: number;
  perFolder: Map<string, number>;
  /** Letters the journal should hold: a letter to oneself sits in INBOX and in Sent and is one interaction. */
  unique: number;
}

/**
 * Writes a generated business mailbox straight into the test Dovecot's Maildirs, 500 letters at a time, so a
 * mailbox of any size never sits in memory whole.
 */
export function seedGeneratedMailbox(
  server: DovecotServer,
  user: string,
  options: { count: number; seed: number; ownAddress: string },
): SeededMailbox {
  const pending = new Map<string, SeedMessage[]>();
  const perFolder = new Map<string, number>();
  const ids = new Set<string>();
  let withoutId = 0;
  let bytes = 0;
  const flush = (folder: string) => {
    const list = pending.get(folder);
    if (list?.length) seedMessages(server, user, folder, list);
    pending.set(folder, []);
  };
  for (const m of generateMailbox(options)) {
    if (!perFolder.has(m.folder)) {
      if (m.folder !== 'INBOX') createFolder(server, user, m.folder);
      perFolder.set(m.folder, 0);
      pending.set(m.folder, []);
    }
    perFolder.set(m.folder, (perFolder.get(m.folder) ?? 0) + 1);
    bytes += m.raw.length;
    if (m.messageId) ids.add(m.messageId);
    else withoutId++;
    const list = pending.get(m.folder) as SeedMessage[];
    list.push({ raw: m.raw, flags: m.flags, internalDate: m.internalDate });
    if (list.length >= 500) flush(m.folder);
  }
  for (const folder of pending.keys()) flush(folder);
  return { bytes, perFolder, unique: ids.size + withoutId };
}
