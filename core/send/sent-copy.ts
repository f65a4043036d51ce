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
 * An IMAP connection that puts copies of sent letters in the account's Sent folder with APPEND, marked read, as
 * any mail client does. A copy has the letter's Message-ID, so the next sync recognises it as the same interaction.
 */
export class SentFolder {
  private constructor(
    private readonly client: ImapFlow,
    private readonly folder: string,
  ) {}

  static async open(account: AccountRecord, password: string): Promise<SentFolder> {
    const client = await connectImap({ account, password });
    const folder = await findSentFolder(client, account.sentFolder).catch(async (error: unknown) => {
      await client.logout().catch(() => client.close());
      throw error;
    });
    if (!folder) {
      await client.logout().catch(() => client.close());
      throw new Error('the server has no Sent folder; create one or name it in the account settings');
    }
    return new SentFolder(client, folder);
  }

  get usable(): boolean {
    return this.client.usable;
  }

  async append(raw: Buffer): Promise<void> {
    await this.client.append(this.folder, raw, ['\\Seen']);
  }

  async close(): Promise<void> {
    await this.client.logout().catch(() => this.client.close());
  }
}
