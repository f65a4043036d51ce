// Seeds a Dovecot user's mail straight into Maildir++ files, without IMAP, so benchmarks can start from 10,000
// messages in about a second. Layout as Dovecot 2.3 writes it with `maildir:~/Maildir` and separator '/':
// INBOX is the Maildir root, folder 'A/B' is the directory `.A.B` with every level in modified UTF-7 (so '.'
// can't occur in a name), subscriptions live in `<root>/subscriptions`.
import {
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type { DovecotServer } from './dovecot.js';

export interface SeedMessage {
  raw: Buffer | string;
  /** IMAP flags such as '\\Seen'; anything without a backslash is a keyword. */
  flags?: string[];
  /** Becomes INTERNALDATE: Dovecot takes it from the file's mtime. */
  internalDate?: Date;
}

const isDirect = (code: number) => code >= 0x20 && code <= 0x7e;

/** IMAP modified UTF-7, RFC 3501 section 5.1.3. */
export function mutf7Encode(name: string): string {
  const out: string[] = [];
  for (let i = 0; i < name.length; ) {
    const code = name.charCodeAt(i);
    if (isDirect(code)) {
      out.push(code === 0x26 ? '&-' : name.charAt(i));
      i++;
      continue;
    }
    let end = i;
    while (end < name.length && !isDirect(name.charCodeAt(end))) end++;
    const utf16 = Buffer.alloc((end - i) * 2);
    for (let k = i; k < end; k++) utf16.writeUInt16BE(name.charCodeAt(k), (k - i) * 2);
    out.push('&', utf16.toString('base64').replace(/=+$/, '').replaceAll('/', ','), '-');
    i = end;
  }
  return out.join('');
}

export function mutf7Decode(name: string): string {
  return name.replace(/&([^-]*)-/g, (_, encoded: string) => {
    if (encoded === '') return '&';
    if (!/^[A-Za-z0-9+,]+$/.test(encoded)) throw new Error(`invalid modified UTF-7: ${name}`);
    const utf16 = Buffer.from(encoded.replaceAll(',', '/'), 'base64');
    let text = '';
    for (let k = 0; k + 1 < utf16.length; k += 2) text += String.fromCharCode(utf16.readUInt16BE(k));
    return text;
  });
}

function isInbox(folderPath: string): boolean {
  return folderPath.toUpperCase() === 'INBOX';
}

function levels(folderPath: string): string[] {
  const parts = folderPath.split('/');
  for (const part of parts) {
    if (part === '') throw new Error(`empty level in folder path ${JSON.stringify(folderPath)}`);
    // '.' separates levels on disk; Dovecot itself refuses such names with "Character not allowed"
    if (part.includes('.')) throw new Error(`'.' is not allowed in a Maildir++ folder name: ${folderPath}`);
  }
  return parts;
}

function folderDir(server: DovecotServer, user: string, folderPath: string): string {
  const root = server.mailRoot(user);
  return isInbox(folderPath) ? root : path.join(root, `.${levels(folderPath).map(mutf7Encode).join('.')}`);
}

type Owner = { uid: number; gid: number } | null;

/** Files we create as root must belong to the account Dovecot runs as, or it can't write its index next to them. */
function ownerFor(server: DovecotServer, user: string): Owner {
  if (process.getuid?.() !== 0) return null;
  const stat = statSync(server.mailRoot(user));
  return stat.uid === 0 ? null : { uid: stat.uid, gid: stat.gid };
}

function own(target: string, owner: Owner): void {
  if (owner) chownSync(target, owner.uid, owner.gid);
}

function ensureDir(dir: string, owner: Owner): void {
  if (existsSync(dir)) return;
  mkdirSync(dir);
  own(dir, owner);
}

function ensureFolder(dir: string, owner: Owner, isRoot: boolean): void {
  ensureDir(dir, owner);
  for (const sub of ['cur', 'new', 'tmp']) ensureDir(path.join(dir, sub), owner);
  const marker = path.join(dir, 'maildirfolder');
  if (!isRoot && !existsSync(marker)) {
    writeFileSync(marker, '');
    own(marker, owner);
  }
}

/** Writes through a temp file so Dovecot never reads a half-written file. */
function writeAtomically(file: string, content: string, owner: Owner): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, content);
  own(temp, owner);
  renameSync(temp, file);
}

/** Creates the folder and, unlike IMAP CREATE in Dovecot, its parents, so they are selectable rather than \Noselect. */
export function createFolder(
  server: DovecotServer,
  user: string,
  folderPath: string,
  opts: { subscribe?: boolean } = {},
): void {
  const owner = ownerFor(server, user);
  if (!isInbox(folderPath)) {
    const parts = levels(folderPath);
    for (let depth = 1; depth <= parts.length; depth++) {
      ensureFolder(folderDir(server, user, parts.slice(0, depth).join('/')), owner, false);
    }
  }
  if (opts.subscribe) {
    const current = readSubscriptions(server, user);
    if (!current.includes(folderPath)) setSubscriptions(server, user, [...current, folderPath]);
  }
}

const SUBSCRIPTIONS_HEADER = 'V\t2\n\n';

function readSubscriptions(server: DovecotServer, user: string): string[] {
  const file = path.join(server.mailRoot(user), 'subscriptions');
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8').split('\n');
  const body = lines[0]?.startsWith('V\t') ? lines.slice(2) : lines;
  return body.filter((line) => line !== '').map((line) => line.split('\t').map(mutf7Decode).join('/'));
}

/** Dovecot 2.3's subscriptions file: a version header, then one name per line with levels separated by a tab. */
export function setSubscriptions(server: DovecotServer, user: string, folderPaths: string[]): void {
  const names = folderPaths.map((folderPath) =>
    isInbox(folderPath) ? 'INBOX' : levels(folderPath).map(mutf7Encode).join('\t'),
  );
  const file = path.join(server.mailRoot(user), 'subscriptions');
  writeAtomically(file, SUBSCRIPTIONS_HEADER + names.map((name) => `${name}\n`).join(''), ownerFor(server, user));
}

const SYSTEM_FLAGS: Record<string, string> = {
  '\\draft': 'D',
  '\\flagged': 'F',
  '\\answered': 'R',
  '\\seen': 'S',
  '\\deleted': 'T',
};

/** Keywords are the letters a-z, numbered in the folder's dovecot-keywords file ("<index> <keyword>" lines). */
class KeywordTable {
  private readonly names: string[] = [];
  private dirty = false;

  constructor(private readonly file: string) {
    if (!existsSync(file)) return;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const match = /^(\d+) (.+)$/.exec(line);
      if (match) this.names[Number(match[1])] = match[2] as string;
    }
  }

  letter(keyword: string): string {
    let index = this.names.indexOf(keyword);
    if (index === -1) {
      index = this.names.length;
      if (index >= 26) throw new Error(`Maildir holds at most 26 keywords per folder, ${keyword} is one too many`);
      this.names.push(keyword);
      this.dirty = true;
    }
    return String.fromCharCode(0x61 + index);
  }

  save(owner: Owner): void {
    if (!this.dirty) return;
    writeAtomically(this.file, this.names.map((name, index) => `${index} ${name}\n`).join(''), owner);
    this.dirty = false;
  }
}

function infoFlags(flags: string[], keywords: KeywordTable): string {
  const letters = new Set<string>();
  for (const flag of flags) {
    if (flag.startsWith('\\')) {
      const letter = SYSTEM_FLAGS[flag.toLowerCase()];
      // \Recent is session state, not something a file can carry
      if (!letter) throw new Error(`unsupported system flag ${flag}`);
      letters.add(letter);
    } else {
      letters.add(keywords.letter(flag));
    }
  }
  // Maildir wants the info letters in ASCII order
  return [...letters].sort().join('');
}

/** Vsize (W=) is the size with every bare LF counted as CRLF, which is what IMAP reports and serves. */
function virtualSize(raw: Buffer): number {
  let size = raw.length;
  for (let at = raw.indexOf(0x0a); at !== -1; at = raw.indexOf(0x0a, at + 1)) {
    if (at === 0 || raw[at - 1] !== 0x0d) size++;
  }
  return size;
}

// Dovecot numbers new files by the time in their names (seconds, then the M<usecs> part), so a strictly increasing
// clock shared by every call keeps UIDs in seeding order.
let lastSeconds = 0;
let lastMicros = 0;
let sequence = 0;

function nextBaseName(): string {
  const now = Date.now();
  const seconds = Math.floor(now / 1000);
  const micros = (now % 1000) * 1000;
  if (seconds > lastSeconds || (seconds === lastSeconds && micros > lastMicros)) {
    lastSeconds = seconds;
    lastMicros = micros;
  } else if (++lastMicros === 1_000_000) {
    lastSeconds++;
    lastMicros = 0;
  }
  sequence++;
  return `${lastSeconds}.M${lastMicros}P${process.pid}Q${sequence}.interlog-seed`;
}

/** Creates the folder (and parents) when missing. CRLF and every other byte are stored exactly as given. */
export function seedMessages(server: DovecotServer, user: string, folderPath: string, messages: SeedMessage[]): void {
  const owner = ownerFor(server, user);
  if (!isInbox(folderPath)) createFolder(server, user, folderPath);
  const dir = folderDir(server, user, folderPath);
  ensureFolder(dir, owner, isInbox(folderPath));
  const keywords = new KeywordTable(path.join(dir, 'dovecot-keywords'));
  const infos = messages.map((message) => infoFlags(message.flags ?? [], keywords));
  // Before any file appears, so Dovecot never sees a keyword letter it can't resolve
  keywords.save(owner);
  messages.forEach((message, index) => {
    const raw = typeof message.raw === 'string' ? Buffer.from(message.raw, 'utf8') : message.raw;
    const base = `${nextBaseName()},S=${raw.length},W=${virtualSize(raw)}`;
    const temp = path.join(dir, 'tmp', base);
    writeFileSync(temp, raw);
    own(temp, owner);
    if (message.internalDate) utimesSync(temp, message.internalDate, message.internalDate);
    renameSync(temp, path.join(dir, 'cur', `${base}:2,${infos[index]}`));
  });
}
