import crypto from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import { cleanSubject } from '../mail/subject-line.js';
import type { Address } from '../mail/types.js';

export interface OutgoingAttachment {
  filename: string;
  content: Buffer;
  contentType?: string;
}

/** The chain a new letter answers, so it threads on the client's side too (RFC 5322 3.6.4). */
export interface ReplyContext {
  messageId: string;
  references: readonly string[];
  subject: string;
  /** "Re: " for an answer, "Fwd: " for a forward. */
  mode: 'reply' | 'forward';
  /** The text quoted under the answer. */
  quote?: { author: string; date: string; text: string };
}

export interface OutgoingLetter {
  from: Address;
  replyTo?: Address | undefined;
  to: Address[];
  cc?: Address[];
  bcc?: Address[];
  subject: string;
  text: string;
  /** Sent as the HTML alternative when the account writes HTML letters; a text part is always present. */
  html?: string | undefined;
  attachments?: OutgoingAttachment[];
  reply?: ReplyContext | undefined;
  date?: Date;
  /** An iCalendar object (a meeting invitation) as a text/calendar alternative and an .ics attachment. */
  icalEvent?: { method: string; content: string; filename?: string } | undefined;
}

export interface ComposedLetter {
  raw: Buffer;
  messageId: string;
  envelope: { from: string; to: string[] };
}

/** A Message-ID made here: unique, and on the sender's own domain as RFC 5322 recommends. */
export function newMessageId(from: string): string {
  const domain = from.split('@')[1] || 'interlog.local';
  return `${Date.now().toString(36)}.${crypto.randomBytes(9).toString('base64url')}@${domain}`;
}

/** The subject of an answer or forward: one marker, not "Re: Re: Re:". */
export function replySubject(original: string, mode: 'reply' | 'forward'): string {
  return `${mode === 'reply' ? 'Re' : 'Fwd'}: ${cleanSubject(original)}`;
}

/** Builds the final MIME source of a letter; it is stored in the journal before it goes anywhere. */
export async function composeLetter(letter: OutgoingLetter): Promise<ComposedLetter> {
  const messageId = newMessageId(letter.from.address);
  const reply = letter.reply;
  const quoted = reply?.quote
    ? `\n\n${reply.quote.author}, ${reply.quote.date}:\n${reply.quote.text.replace(/^/gm, '> ')}`
    : '';
  const references = reply ? [...reply.references, reply.messageId] : [];
  const composer = new MailComposer({
    from: letter.from,
    ...(letter.replyTo ? { replyTo: letter.replyTo } : {}),
    to: letter.to,
    ...(letter.cc?.length ? { cc: letter.cc } : {}),
    ...(letter.bcc?.length ? { bcc: letter.bcc } : {}),
    subject: reply && !letter.subject ? replySubject(reply.subject, reply.mode) : letter.subject,
    text: letter.text + quoted,
    ...(letter.html ? { html: letter.html } : {}),
    messageId: `<${messageId}>`,
    date: letter.date ?? new Date(),
    ...(reply?.mode === 'reply' ? { inReplyTo: `<${reply.messageId}>` } : {}),
    ...(references.length ? { references: references.map((r) => `<${r}>`).join(' ') } : {}),
    attachments: (letter.attachments ?? []).map((a) => ({
      filename: a.filename,
      content: a.content,
      ...(a.contentType ? { contentType: a.contentType } : {}),
    })),
    headers: { 'X-Mailer': 'Interlog' },
    ...(letter.icalEvent ? { icalEvent: letter.icalEvent } : {}),
  });
  const raw = await composer.compile().build();
  // Bcc is in the envelope only; MailComposer keeps it out of the headers.
  const envelope = {
    from: letter.from.address,
    to: [...letter.to, ...(letter.cc ?? []), ...(letter.bcc ?? [])].map((a) => a.address),
  };
  return { raw, messageId, envelope };
}
