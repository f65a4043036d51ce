import { simpleParser } from 'mailparser';
import type { OutgoingAttachment } from './compose.js';

/** The files of a letter being forwarded, taken from its raw source, so the forward carries them on. */
export async function attachmentsToForward(raw: Buffer): Promise<OutgoingAttachment[]> {
  const parsed = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true });
  return parsed.attachments
    .filter((a) => a.contentDisposition !== 'inline' || !a.related)
    .map((a) => ({ filename: a.filename ?? 'attachment', content: a.content, contentType: a.contentType }));
}
