/**
 * Which server folders the journal reads (seed 004): every folder, outgoing ones included, except drafts,
 * deleted and spam. SPECIAL-USE flags decide first; names decide for servers that send none, so the table of
 * names below must only hold names that mean drafts, trash or spam in every mail client that uses them.
 */
export type SkipReason = 'drafts' | 'trash' | 'junk';

export interface FolderInfo {
  path: string;
  /** The last path segment as the user sees it. */
  name: string;
  delimiter: string | null;
  flags: ReadonlySet<string>;
  specialUse?: string | undefined;
  subscribed: boolean;
}

const SPECIAL_USE_SKIPS: Record<string, SkipReason> = {
  '\\drafts': 'drafts',
  '\\trash': 'trash',
  '\\junk': 'junk',
};

const NAME_SKIPS: ReadonlyArray<readonly [SkipReason, readonly string[]]> = [
  ['drafts', ['drafts', 'draft', 'черновики', 'черновик', 'entwürfe', 'brouillons', 'borradores', 'bozze']],
  [
    'trash',
    [
      'trash',
      'deleted items',
      'deleted messages',
      'deleted',
      'bin',
      'удаленные',
      'удаленные письма',
      'удаленные элементы',
      'корзина',
      'papierkorb',
      'corbeille',
      'papelera',
      'cestino',
    ],
  ],
  [
    'junk',
    [
      'spam',
      'junk',
      'junk e-mail',
      'junk email',
      'bulk mail',
      'спам',
      'нежелательная почта',
      'spamverdacht',
      'courrier indésirable',
    ],
  ],
];

const NAME_INDEX = new Map<string, SkipReason>(NAME_SKIPS.flatMap(([reason, names]) => names.map((n) => [n, reason])));

/** Case, "ё" and stray spaces do not make a different folder name. */
export function normalizeFolderName(name: string): string {
  return name.normalize('NFC').toLowerCase().replace(/ё/g, 'е').replace(/\s+/g, ' ').trim();
}

/** Why a folder is not read, or null when it is. A folder inside a skipped one is skipped with it. */
export function skipReason(folder: FolderInfo, all: readonly FolderInfo[] = []): SkipReason | null {
  if (folder.path.toUpperCase() === 'INBOX') return null;
  const own = reasonOf(folder);
  if (own) return own;
  if (!folder.delimiter) return null;
  for (const other of all) {
    if (other === folder || !folder.path.startsWith(other.path + folder.delimiter)) continue;
    const parent = reasonOf(other);
    if (parent) return parent;
  }
  return null;
}

function reasonOf(folder: FolderInfo): SkipReason | null {
  const special = folder.specialUse ?? [...folder.flags].find((f) => SPECIAL_USE_SKIPS[f.toLowerCase()]);
  if (special) {
    const reason = SPECIAL_USE_SKIPS[special.toLowerCase()];
    if (reason) return reason;
    return null; // \Sent, \Archive, \All, \Flagged: flagged for another use, so the name does not matter
  }
  return NAME_INDEX.get(normalizeFolderName(folder.name)) ?? null;
}

/**
 * The folders to read: the subscribed ones when the server has any subscribed folder, else all of them
 * (some servers subscribe nothing and their own web mail ignores subscriptions); never a skipped or
 * unselectable folder; INBOX always.
 */
export function foldersToSync(all: readonly FolderInfo[]): FolderInfo[] {
  const anySubscribed = all.some((f) => f.subscribed && f.path.toUpperCase() !== 'INBOX');
  return all.filter((f) => {
    if (f.path.toUpperCase() === 'INBOX') return true;
    if ([...f.flags].some((flag) => /^\\(noselect|nonexistent)$/i.test(flag))) return false;
    if (anySubscribed && !f.subscribed) return false;
    return skipReason(f, all) === null;
  });
}
