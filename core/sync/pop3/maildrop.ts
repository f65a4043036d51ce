import crypto from 'node:crypto';
import { InterlogError } from '../../errors.js';
import { headerFields } from '../../mail/header-block.js';
import { Pop3Error } from './client.js';
import type { Pop3Session } from './connect.js';
import { Pipeline } from './pipeline.js';

/** One letter in the maildrop: its number in this session, its size and its lasting name. */
export interface MaildropEntry {
  number: number;
  size: number;
  /** The server's UIDL, or `hdr:` and a hash of the header when the server has no UIDL. */
  uidl: string;
}

/** Answers in flight at once where the server announces PIPELINING. */
export const PIPELINE_DEPTH = 32;

export function pipelineDepth(session: Pop3Session): number {
  return session.capabilities?.has('PIPELINING') ? PIPELINE_DEPTH : 1;
}

/** Lists the maildrop in message-number order (the order of arrival), each letter with its lasting name. */
export async function listMaildrop(session: Pop3Session): Promise<MaildropEntry[]> {
  const { connection, capabilities } = session;
  const sizes = parseScanList(await connection.collect('LIST'));
  if (sizes.size === 0) return [];
  let names: Map<number, string> | null = null;
  // A server that answers CAPA without UIDL is believed; one without CAPA is asked.
  if (!capabilities || capabilities.has('UIDL')) {
    names = await connection.collect('UIDL').then(parseUniqueIdList, (error: unknown) => {
      if (error instanceof Pop3Error) return null;
      throw error;
    });
  }
  names ??= await headerNames(session, [...sizes.keys()]);
  const entries: MaildropEntry[] = [];
  for (const [number, size] of sizes) {
    const uidl = names.get(number);
    if (uidl !== undefined) entries.push({ number, size, uidl });
  }
  return entries;
}

/** "n size" lines of LIST. */
function parseScanList(body: Buffer): Map<number, number> {
  const sizes = new Map<number, number>();
  for (const [number, size] of lines(body)) {
    if (number !== undefined && size !== undefined) sizes.set(Number(number), Number(size));
  }
  return new Map([...sizes].sort((a, b) => a[0] - b[0]));
}

/** "n uid" lines of UIDL; a uid is 1-70 printable characters (RFC 1939), kept exactly. */
function parseUniqueIdList(body: Buffer): Map<number, string> {
  const names = new Map<number, string>();
  for (const [number, uid] of lines(body)) if (number !== undefined && uid) names.set(Number(number), uid);
  return names;
}

function lines(body: Buffer): string[][] {
  return body
    .toString('latin1')
    .split(/\r?\n/)
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => /^\d+$/.test(fields[0] ?? ''));
}

/**
 * Names letters by their header (TOP n 0) on a server without UIDL. Fields a server may rewrite while a letter
 * waits (mbox status and length fields) are left out, so a letter keeps its name from one session to the next;
 * identical headers in one maildrop are told apart by their order.
 */
async function headerNames(session: Pop3Session, numbers: number[]): Promise<Map<number, string>> {
  const names = new Map<number, string>();
  const seen = new Map<string, number>();
  let at = 0;
  const pipeline = new Pipeline<Buffer>(pipelineDepth(session), Number.POSITIVE_INFINITY, (header) => {
    const key = headerKey(header);
    const count = (seen.get(key) ?? 0) + 1;
    seen.set(key, count);
    names.set(numbers[at++] as number, count === 1 ? key : `${key}#${count}`);
  });
  try {
    for (const number of numbers) await pipeline.add(() => session.connection.collect(`TOP ${number} 0`));
    await pipeline.drain();
  } catch (error) {
    if (!(error instanceof Pop3Error)) throw error;
    throw new InterlogError(
      'protocol',
      'The POP3 server offers neither UIDL nor TOP, so Interlog cannot tell which letters it already has. ' +
        'Use IMAP for this mailbox if the server has it.',
      error.message,
    );
  }
  return names;
}

const MUTABLE_FIELDS = new Set([
  'status',
  'x-status',
  'x-keywords',
  'x-uid',
  'x-uidl',
  'x-imap',
  'x-imapbase',
  'x-mozilla-status',
  'x-mozilla-status2',
  'content-length',
  'lines',
]);

export function headerKey(header: Buffer): string {
  const hash = crypto.createHash('sha256');
  for (const [name, values] of headerFields(header)) {
    if (!MUTABLE_FIELDS.has(name)) hash.update(`${name}:${values.join('\n')}\n`);
  }
  return `hdr:${hash.digest('hex')}`;
}
