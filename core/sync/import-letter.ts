import crypto from 'node:crypto';
import { writeTransaction } from '../db/database.js';
import type { Journal } from '../db/journal.js';
import { readListingHeaders } from '../mail/header-block.js';

/**
 * Stores one raw letter that did not come from a server folder (an .eml file, a test fixture): the same path as
 * synced mail, one transaction. Returns the message row and whether it was new.
 */
export function importLetter(
  journal: Journal,
  raw: Buffer,
  options: { accountId?: number | null; identities?: ReadonlySet<string>; internalDate?: string } = {},
): { id: number; created: boolean } {
  const headers = readListingHeaders(raw, options.internalDate);
  const sha256 = crypto.createHash('sha256').update(raw).digest('hex');
  return writeTransaction(journal.db, () => {
    const stored = journal.sync.storeLetter(options.accountId ?? null, options.identities ?? new Set(), {
      headers,
      source: { kind: 'buffer', data: raw, sha256 },
    });
    journal.blobs.flush();
    return stored;
  });
}
