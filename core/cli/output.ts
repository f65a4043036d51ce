import type { InteractionRecord } from '../db/interactions-repo.js';
import { formatAddress } from '../mail/addresses.js';

/** Writes to stdout honouring backpressure, so a long listing into a pipe stays small in memory. */
export function writeOut(text: string): Promise<void> | undefined {
  if (process.stdout.write(text)) return undefined;
  return new Promise((resolve) => process.stdout.once('drain', resolve));
}

/** One line per interaction, the way the lists show them: when, what, with whom, about what. */
export function interactionLine(r: InteractionRecord): string {
  const people = r.direction === 'out' ? r.to.map(formatAddress).join(', ') : r.from ? formatAddress(r.from) : '';
  // Calls, SMS and meetings keep their people as contacts, not addresses: the kind says what the line is.
  const party = people || r.party;
  const who = party
    ? `${r.kind === 'email' ? '' : `${r.kind} `}${r.direction === 'out' ? 'to' : 'from'} ${party}`
    : `${r.kind}, ${r.direction === 'out' ? 'outgoing' : 'incoming'}`;
  const subject = r.subject ? `  [${r.subject.name}]` : '';
  // The same words as the reading pane's notice (mail/display-message.ts), so a search for them finds both.
  const unreadable = r.parseError ? '  (could not be read; raw source kept)' : '';
  return `#${r.id}  ${r.date.slice(0, 16).replace('T', ' ')}  ${r.title || '(no subject)'}  ${who}${subject}${unreadable}`;
}

/** The export's JSON object for an interaction. */
export function exportLine(r: InteractionRecord) {
  return {
    id: r.id,
    kind: r.kind,
    direction: r.direction,
    date: r.date,
    title: r.title,
    messageId: r.messageId,
    folders: r.folders,
    from: r.from?.address ?? null,
    fromName: r.from?.name ?? null,
    to: r.to.map((a) => a.address),
    cc: r.cc.map((a) => a.address),
    attachments: r.attachments.map((a) => ({ name: a.name, size: a.size, sha256: a.sha256 })),
    goneFromServer: r.goneFromServer,
    chainId: r.chainId,
    basisMessageId: r.basisMessageId,
    subject: r.subject?.name ?? null,
    ...(r.parseError ? { parseError: r.parseError } : {}),
  };
}
