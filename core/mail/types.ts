export interface Address {
  name: string;
  address: string;
}

export interface AttachmentInfo {
  /** IMAP-style part number inside the source, so the file can be re-extracted from the raw message. */
  part: string;
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  inline: boolean;
}

/** What the journal keeps of one message, derived from its raw source (which is kept too). */
export interface ParsedMessage {
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  subject: string;
  /** ISO 8601; the Date header, else the server's internal date, else the time of receipt. */
  date: string;
  from: Address | null;
  to: Address[];
  cc: Address[];
  bcc: Address[];
  replyTo: Address[];
  /** Plain text for reading and search (from the text part, else derived from HTML). */
  text: string;
  hasHtml: boolean;
  attachments: AttachmentInfo[];
  /** Set when the source could not be read fully; the raw source is still kept. */
  parseError: string | null;
}

/** A letter of which nothing could be read (yet): the starting point of every parse, and what a failed one keeps. */
export function emptyParsedMessage(date: string, parseError: string | null = null): ParsedMessage {
  return {
    messageId: null,
    inReplyTo: null,
    references: [],
    subject: '',
    date,
    from: null,
    to: [],
    cc: [],
    bcc: [],
    replyTo: [],
    text: '',
    hasHtml: false,
    attachments: [],
    parseError,
  };
}
