import type { ImapFlow } from 'imapflow';
import type { AccountRecord } from '../db/accounts-repo.js';
import { normalizeFolderName } from '../mail/folder-policy.js';
import { connectImap } from '../sync/imap/connect.js';

const SENT_NAMES = new Set([
  'sent',
  'sent items',
  'sent messages',
  'sent mail',
  'отправленные',
  'исходящие',
  '[gmail]/sent mail',
]);

/** The folder copies of sent letters go to: the account's setting, else the server's \Sent, else a folder named so. */
export async function findSentFolder(client: ImapFlow, configured: string | null): Promise<string | null> {
  const folders = await client.list();
  if (configured) return folders.some((f) => f.path === configured) ? configured : null;
  const flagged = folders.find((f) => f.specialUse === '\\Sent' && f.specialUseSource !== 'name');
  if (flagged) return flagged.path;
  return folders.find((f) => SENT_NAMES.has(normalizeFolderName(f.path)))?.path ?? null;
}

/**
 * Puts a copy of a sent letter in the account's Sent folder with IMAP APPEND, marked read, as any mail client
 * does. The copy has the letter's Message-ID, so the next sync recognises it as the same interaction.
 */
export async function appendToSent(account: AccountRecord, password: string, raw: Buffer): Promise<string> {
  const client = await connectImap({ account, password });
  try {
    const folder = await findSentFolder(client, account.sentFolder);
    if (!folder) throw new Error('the server has no Sent folder; create one or name it in the account settings');
    await client.append(folder, raw, ['\\Seen']);
    return folder;
  } finally {
    await client.logout().catch(() => client.close());
  }
}
