import fs from 'node:fs';
import path from 'node:path';
import type { JournalService } from '../journal-service.js';
import type { Values } from './journal-commands.js';
import { writeOut } from './output.js';
import { progressPrinter } from './progress-bar.js';
import { UsageError } from './usage-error.js';

/** Options of `send`, `outbox` and `identity`, for the CLI's argument parser. */
export const sendOptions = {
  smtp: { type: 'string' },
  'smtp-security': { type: 'string' },
  'smtp-user': { type: 'string' },
  'smtp-password-env': { type: 'string' },
  'pop-before-smtp': { type: 'boolean' },
  'smtp-secure-auth': { type: 'boolean' },
  'no-sent-copy': { type: 'boolean' },
  'sent-folder': { type: 'string' },
  'sender-name': { type: 'string' },
  to: { type: 'string', multiple: true },
  cc: { type: 'string', multiple: true },
  bcc: { type: 'string', multiple: true },
  subject: { type: 'string' },
  text: { type: 'string' },
  html: { type: 'string' },
  attach: { type: 'string', multiple: true },
  'reply-to-interaction': { type: 'string' },
  'forward-interaction': { type: 'string' },
  due: { type: 'string' },
  'from-address': { type: 'string' },
  'display-name': { type: 'string' },
  company: { type: 'boolean' },
  'reply-to': { type: 'string' },
  default: { type: 'boolean' },
  'for-subject': { type: 'string', multiple: true },
  queue: { type: 'boolean' },
} as const;

const list = (v: Values, key: string) =>
  Array.isArray(v[key])
    ? (v[key] as string[])
        .flatMap((x) => x.split(','))
        .map((x) => x.trim())
        .filter(Boolean)
    : [];

function readFile(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new UsageError(`cannot read the ${what} ${file}: ${(error as Error).message}`);
  }
}

/** The SMTP part of `account add`, or undefined when --smtp is not given. */
export function smtpSettings(v: Values) {
  if (typeof v.smtp !== 'string') return undefined;
  const server = /^(.+):(\d+)$/.exec(v.smtp);
  if (!server?.[1] || !server[2]) throw new UsageError('--smtp must be HOST:PORT');
  const security = v['smtp-security'] ?? (server[2] === '465' ? 'tls' : 'starttls');
  if (security !== 'tls' && security !== 'starttls' && security !== 'none') {
    throw new UsageError('--smtp-security must be tls, starttls or none');
  }
  const envName = v['smtp-password-env'];
  let password: string | undefined;
  if (typeof envName === 'string') {
    password = process.env[envName];
    if (!password) throw new UsageError(`the environment variable ${envName} is empty or not set`);
  }
  return {
    smtp: {
      host: server[1],
      port: Number(server[2]),
      security: security as 'tls' | 'starttls' | 'none',
      ...(typeof v['smtp-user'] === 'string' ? { username: v['smtp-user'] } : {}),
      ...(password ? { password } : {}),
      popBeforeSmtp: v['pop-before-smtp'] === true,
      securePasswordAuth: v['smtp-secure-auth'] === true,
    },
    copyToSent: v['no-sent-copy'] !== true,
    ...(typeof v['sent-folder'] === 'string' ? { sentFolder: v['sent-folder'] } : {}),
    ...(typeof v['sender-name'] === 'string' ? { senderName: v['sender-name'] } : {}),
  };
}

/** `interlog send`: composes, stores and queues the letter, then sends what is due (unless --queue). */
export async function sendCommand(service: JournalService, v: Values): Promise<number> {
  if (typeof v.account !== 'string') throw new UsageError('send needs --account');
  const text = typeof v.text === 'string' ? readFile(v.text, 'text file').toString('utf8') : '';
  const html = typeof v.html === 'string' ? readFile(v.html, 'HTML file').toString('utf8') : undefined;
  if (!text && !html) throw new UsageError('send needs --text FILE or --html FILE');
  const attachments = list(v, 'attach').map((file) => ({
    filename: path.basename(file),
    contentBase64: readFile(file, 'attachment').toString('base64'),
  }));
  const numberOf = (key: string) => {
    const value = v[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !/^\d+$/.test(value)) throw new UsageError(`--${key} must be an interaction id`);
    return Number(value);
  };
  const reply = numberOf('reply-to-interaction');
  const forward = numberOf('forward-interaction');
  const item = await service.send({
    account: v.account,
    ...(typeof v['from-address'] === 'string' ? { from: v['from-address'] } : {}),
    to: list(v, 'to'),
    cc: list(v, 'cc'),
    bcc: list(v, 'bcc'),
    subject: typeof v.subject === 'string' ? v.subject : '',
    text: text || (html ? html.replace(/<[^>]*>/g, ' ') : ''),
    ...(html ? { html } : {}),
    attachments,
    ...(reply ? { replyToInteraction: reply } : {}),
    ...(forward ? { forwardInteraction: forward } : {}),
    onControl: v['on-control'] === true || typeof v.due === 'string',
    ...(typeof v.due === 'string' ? { controlDue: v.due } : {}),
  });
  await writeOut(`Queued letter #${item.id} "${item.title}" (interaction #${item.interactionId}).\n`);
  if (v.queue) return 0;
  service.onEvent(progressPrinter());
  const { failed } = await service.sendQueued({});
  const after = (await service.listOutbox({})).find((o) => o.id === item.id);
  return failed > 0 || after?.status === 'failed' ? 1 : 0;
}

/** `interlog outbox [retry|cancel|mark-sent ID | send]` */
export async function outboxCommand(service: JournalService, args: string[]): Promise<number> {
  const [sub, id] = args;
  if (sub === 'send') {
    service.onEvent(progressPrinter());
    const { sent, failed } = await service.sendQueued({});
    await writeOut(`${sent} sent, ${failed} failed.\n`);
    return failed > 0 ? 1 : 0;
  }
  if (sub === 'retry' || sub === 'cancel' || sub === 'mark-sent') {
    if (!id || !/^\d+$/.test(id)) throw new UsageError(`outbox ${sub} needs the letter's number`);
    const item = await service.outboxAction({ id: Number(id), action: sub });
    await writeOut(`Letter #${item.id} is ${item.status}.\n`);
    return 0;
  }
  if (sub) throw new UsageError(`unknown outbox command "${sub}"`);
  for (const o of await service.listOutbox({})) {
    const copy = o.sentCopy === 'appended' ? ', copy in Sent' : o.sentCopy === 'failed' ? ', NOT copied to Sent' : '';
    const why = o.lastError && o.status !== 'sent' ? ` — ${o.lastError}` : '';
    await writeOut(
      `#${o.id}  ${o.status}${copy}  ${o.title}  to ${o.envelope.to.join(', ')}  (${o.attempts} attempts)${why}\n`,
    );
  }
  return 0;
}

/** `interlog identity add|list` */
export async function identityCommand(service: JournalService, args: string[], v: Values): Promise<number> {
  const [sub, address] = args;
  if (typeof v.account !== 'string') throw new UsageError('identity needs --account');
  if (sub === 'list') {
    for (const i of await service.listIdentities({ account: v.account })) {
      const flags = [
        i.kind,
        i.isDefault ? 'default' : '',
        i.replyTo ? `replies to ${i.replyTo}` : '',
        i.subjectIds.length ? `subjects ${i.subjectIds.join(',')}` : '',
      ]
        .filter(Boolean)
        .join(', ');
      await writeOut(`${i.displayName ? `${i.displayName} ` : ''}<${i.address}>  ${flags}\n`);
    }
    return 0;
  }
  if (sub !== 'add' || !address) throw new UsageError('identity add ADDRESS --account NAME [--company] ...');
  await service.addIdentity({
    account: v.account,
    address,
    kind: v.company ? 'company' : 'personal',
    isDefault: v.default === true,
    ...(typeof v['display-name'] === 'string' ? { displayName: v['display-name'] } : {}),
    ...(typeof v['reply-to'] === 'string' ? { replyTo: v['reply-to'] } : {}),
    subjectIds: list(v, 'for-subject').map(Number),
  });
  return 0;
}
