import type { ImapFlow } from 'imapflow';
import { type FolderInfo, foldersToSync } from '../../mail/folder-policy.js';

/** Lists the server's folders (with subscription and SPECIAL-USE) and picks the ones the journal reads. */
export async function discoverFolders(client: ImapFlow): Promise<{ all: FolderInfo[]; selected: FolderInfo[] }> {
  const listed = await client.list();
  const all: FolderInfo[] = listed.map((f) => ({
    path: f.path,
    name: f.name,
    delimiter: f.delimiter || null,
    flags: f.flags,
    // A special use guessed by imapflow from the name is our own table's business, not the server's word.
    specialUse: f.specialUseSource === 'name' ? undefined : f.specialUse,
    subscribed: f.subscribed,
  }));
  const selected = foldersToSync(all);
  // INBOX first (what a user waits for), then the rest in a stable order so any resumed run does the same work.
  selected.sort((a, b) => rank(a) - rank(b) || a.path.localeCompare(b.path));
  return { all, selected };
}

function rank(f: FolderInfo): number {
  if (f.path.toUpperCase() === 'INBOX') return 0;
  return f.specialUse === '\\Sent' ? 1 : 2;
}
