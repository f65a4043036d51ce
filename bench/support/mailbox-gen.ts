// A deterministic generator of a realistic business mailbox for benchmarks and sync tests: Russian and English
// correspondence in the charsets and transfer encodings real Russian mail uses, threads with proper
// Message-ID/In-Reply-To/References chains, own letters in Sent, attachments with the size distribution of a
// real mailbox (median about 10 KB, a long tail, a few messages of several MB). Messages are produced one at a
// time, so 10,000 of them (about 323 MB) never sit in memory together.
import {
  ATTACHMENT_KINDS,
  type AttachmentKind,
  attachmentStem,
  greeting,
  isForeign,
  type Language,
  makePeople,
  subject as makeSubject,
  type Person,
  paragraphs,
  quoteHeader,
  signature,
} from './business-text.js';
import {
  base64Lines,
  type Charset,
  encodedWordB,
  encodedWordQ,
  encodeText,
  isAscii,
  MessageBuffer,
  quotedPrintable,
  rfc2231Parameter,
} from './mime-encode.js';
import { Rng } from './prng.js';

export interface GenOptions {
  count: number;
  seed?: number;
  ownAddress: string;
  /** Default: count * 32,300 (about 323 MB for 10,000 messages). */
  targetTotalBytes?: number;
}

export interface GeneratedMessage {
  raw: Buffer;
  folder: 'INBOX' | 'Sent' | string;
  /** As in the header, angle brackets included; '' for the few letters that have no Message-ID. */
  messageId: string;
  /** The In-Reply-To header, when the letter has one. */
  inReplyTo?: string;
  /** The References header split into ids; empty when the letter has none. */
  references: string[];
  flags: string[];
  internalDate: Date;
}

const BYTES_PER_MESSAGE = 32_300;
const SPAN_START = Date.UTC(2023, 0, 2, 6, 0, 0);
const SPAN_MS = 2 * 365 * 24 * 3600 * 1000;
const THREAD_SHARE = 0.6;
const HUGE_SHARE = 0.003;
const SELF_SENT_SHARE = 0.002;
const NO_MESSAGE_ID_SHARE = 0.002;
const ATTACHMENT_SHARE = 0.2;
const REFERENCES_KEPT = 10;
const BASE64_GROWTH = (4 / 3) * (78 / 76);
const RANDOM_POOL_BYTES = 1 << 22;

type Encoding = 'base64' | 'quoted-printable' | '8bit';

interface Mailer {
  header: string;
  replyPrefix: string;
  /** Prefixes stack ('RE: Re: ...') instead of replacing the one already there. */
  stacks: boolean;
  html: number;
  messageId(rng: Rng, domain: string, time: number): string;
}

const MAILERS = {
  outlook: {
    header: 'X-Mailer: Microsoft Outlook 16.0',
    replyPrefix: 'RE: ',
    stacks: true,
    html: 1,
    messageId: (rng, domain) => `<${rng.hex(12)}$${rng.hex(8)}$${rng.hex(8)}$@${domain}>`,
  },
  thunderbird: {
    header: 'User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:115.0) Gecko/20100101 Thunderbird/115.6.0',
    replyPrefix: 'Re: ',
    stacks: false,
    html: 0.3,
    messageId: (rng, domain) => `<${rng.hex(8)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(12)}@${domain}>`,
  },
  theBat: {
    header: 'X-Mailer: The Bat! (v9.4.5) Professional',
    replyPrefix: 'Re: ',
    stacks: false,
    html: 0,
    messageId: (rng, domain, time) => `<${rng.int(100_000, 999_999_999)}.${compactDate(time)}@${domain}>`,
  },
  lotus: {
    header: 'X-Mailer: Lotus Notes Release 9.0.1FP10 SHF68 May 10, 2018',
    replyPrefix: 'Ответ: ',
    stacks: true,
    html: 0,
    messageId: (rng, domain) => `<OF${rng.hex(8).toUpperCase()}.${rng.hex(8).toUpperCase()}-ON${rng.hex(8)}@${domain}>`,
  },
  webmail: {
    header: 'X-Mailer: Yandex.Mail',
    replyPrefix: 'Re: ',
    stacks: false,
    html: 1,
    messageId: (rng, _domain, time) => `<${Math.floor(time / 1000)}${rng.int(100_000, 999_999)}@mail.yandex.ru>`,
  },
  iphone: {
    header: 'X-Mailer: iPhone Mail (20G75)',
    replyPrefix: 'Re: ',
    stacks: false,
    html: 0,
    messageId: (rng, domain) =>
      `<${rng.hex(8).toUpperCase()}-${rng.hex(4).toUpperCase()}-${rng.hex(12).toUpperCase()}@${domain}>`,
  },
} satisfies Record<string, Mailer>;

/** How a person writes: fixed per person, as a mail client's settings are. */
interface Style {
  language: Language;
  charset: Charset;
  encoding: Encoding;
  mailer: Mailer;
}

const RUSSIAN_STYLES: ReadonlyArray<readonly [Omit<Style, 'language'>, number]> = [
  [{ charset: 'utf-8', encoding: 'base64', mailer: MAILERS.webmail }, 0.18],
  [{ charset: 'utf-8', encoding: 'base64', mailer: MAILERS.outlook }, 0.12],
  [{ charset: 'utf-8', encoding: 'quoted-printable', mailer: MAILERS.thunderbird }, 0.12],
  [{ charset: 'utf-8', encoding: 'quoted-printable', mailer: MAILERS.iphone }, 0.06],
  [{ charset: 'utf-8', encoding: 'quoted-printable', mailer: MAILERS.outlook }, 0.07],
  [{ charset: 'koi8-r', encoding: '8bit', mailer: MAILERS.theBat }, 0.08],
  [{ charset: 'koi8-r', encoding: 'quoted-printable', mailer: MAILERS.lotus }, 0.07],
  [{ charset: 'windows-1251', encoding: '8bit', mailer: MAILERS.theBat }, 0.15],
  [{ charset: 'windows-1251', encoding: 'quoted-printable', mailer: MAILERS.outlook }, 0.15],
];

function compactDate(time: number): string {
  return new Date(time).toISOString().replace(/\D/g, '').slice(0, 14);
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad2 = (n: number) => String(n).padStart(2, '0');

/** RFC 5322 date in the writer's own time zone. */
function rfc5322Date(time: number, utcOffset: number): string {
  const local = new Date(time + utcOffset * 60_000);
  const sign = utcOffset < 0 ? '-' : '+';
  const zone = `${sign}${pad2(Math.floor(Math.abs(utcOffset) / 60))}${pad2(Math.abs(utcOffset) % 60)}`;
  return (
    `${DAYS[local.getUTCDay()]}, ${local.getUTCDate()} ${MONTHS[local.getUTCMonth()]} ${local.getUTCFullYear()} ` +
    `${pad2(local.getUTCHours())}:${pad2(local.getUTCMinutes())}:${pad2(local.getUTCSeconds())} ${zone}`
  );
}

function headerText(text: string, style: Style): string {
  if (isAscii(text)) return text;
  return style.charset === 'koi8-r' ? encodedWordQ(text, style.charset) : encodedWordB(text, style.charset);
}

function address(person: Person, style: Style): string {
  const name = isAscii(person.name) ? `"${person.name.replaceAll('"', '')}"` : headerText(person.name, style);
  return `${name} <${person.email}>`;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines;
}

const htmlEscape = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

// What Outlook puts in front of every HTML letter; it is a good part of why real HTML mail is heavy.
const OUTLOOK_STYLE = [
  '<style><!--',
  '@font-face {font-family:"Cambria Math"; panose-1:2 4 5 3 5 4 6 3 2 4;}',
  '@font-face {font-family:Calibri; panose-1:2 15 5 2 2 2 4 3 2 4;}',
  'p.MsoNormal, li.MsoNormal, div.MsoNormal {margin:0cm; font-size:11.0pt; font-family:"Calibri",sans-serif;}',
  'a:link, span.MsoHyperlink {mso-style-priority:99; color:#0563C1; text-decoration:underline;}',
  'span.EmailStyle17 {mso-style-type:personal-compose; font-family:"Calibri",sans-serif; color:windowtext;}',
  '.MsoChpDefault {mso-style-type:export-only; font-family:"Calibri",sans-serif;}',
  '@page WordSection1 {size:612.0pt 792.0pt; margin:2.0cm 42.5pt 2.0cm 3.0cm;}',
  'div.WordSection1 {page:WordSection1;}',
  '--></style>',
];

interface Letter {
  from: Person;
  to: Person[];
  cc: Person[];
  subject: string;
  style: Style;
  time: number;
  messageId: string;
  inReplyTo?: string;
  references: string[];
  /** Received/Delivered-To headers as the recipient's server adds them. */
  delivered: boolean;
  body: string[];
  quote?: { header: string; lines: string[] };
  attachments: Attachment[];
}

interface Attachment {
  kind: AttachmentKind;
  name: string;
  /** How the non-ASCII file name is written: both forms are common and clients must read both. */
  nameStyle: 'plain' | 'rfc2231' | 'encoded-word';
  size: number;
}

/** Renders a letter to bytes. One instance per mailbox, holding the bits that have to stay unique or shared. */
class Composer {
  private boundaries = 0;
  private readonly pool: Buffer;

  constructor(
    private readonly rng: Rng,
    private readonly own: Person,
  ) {
    // Attachments are slices of one pseudo-random pool: generating hundreds of MB byte by byte would dominate.
    this.pool = rng.fill(Buffer.allocUnsafe(RANDOM_POOL_BYTES));
  }

  compose(letter: Letter): Buffer {
    const out = new MessageBuffer();
    if (letter.delivered) this.deliveryHeaders(out, letter);
    if (letter.messageId !== '') out.line(`Message-ID: ${letter.messageId}`);
    out.line(`Date: ${rfc5322Date(letter.time, letter.from.utcOffset)}`);
    out.line(`From: ${address(letter.from, letter.style)}`);
    out.line(`To: ${letter.to.map((person) => address(person, letter.style)).join(',\r\n ')}`);
    if (letter.cc.length > 0)
      out.line(`Cc: ${letter.cc.map((person) => address(person, letter.style)).join(',\r\n ')}`);
    out.line(`Subject: ${headerText(letter.subject, letter.style)}`);
    if (letter.inReplyTo) out.line(`In-Reply-To: ${letter.inReplyTo}`);
    if (letter.references.length > 0) out.line(`References: ${letter.references.join('\r\n ')}`);
    out.line(letter.style.mailer.header);
    out.line('MIME-Version: 1.0');
    const html = this.rng.chance(letter.style.mailer.html);
    if (letter.attachments.length === 0) {
      this.body(out, letter, html);
      return out.toBuffer();
    }
    const boundary = this.boundary();
    out.line(`Content-Type: multipart/mixed;\r\n boundary="${boundary}"`).line();
    out.line('This is a multi-part message in MIME format.').line();
    out.line(`--${boundary}`);
    this.body(out, letter, html);
    for (const attachment of letter.attachments) {
      out.line(`--${boundary}`);
      this.attachment(out, attachment);
    }
    out.line(`--${boundary}--`);
    return out.toBuffer();
  }

  private boundary(): string {
    this.boundaries++;
    return `----=_NextPart_${String(this.boundaries).padStart(3, '0')}_${this.rng.hex(4)}_${this.rng.hex(8)}`;
  }

  private deliveryHeaders(out: MessageBuffer, letter: Letter): void {
    const senderDomain = letter.from.email.split('@')[1] as string;
    const ownDomain = this.own.email.split('@')[1] as string;
    const ip = () => `${this.rng.int(5, 212)}.${this.rng.int(0, 255)}.${this.rng.int(0, 255)}.${this.rng.int(1, 254)}`;
    const relayIp = ip();
    const received = rfc5322Date(letter.time + this.rng.int(2, 90) * 1000, 180);
    out.line(`Return-Path: <${letter.from.email}>`);
    out.line(`Delivered-To: ${this.own.email}`);
    out.line(
      `Received: from mx.${senderDomain} (mx.${senderDomain} [${relayIp}])\r\n` +
        `\tby mx.${ownDomain} (Postfix) with ESMTPS id ${this.rng.hex(10).toUpperCase()}\r\n` +
        `\tfor <${this.own.email}>; ${received}`,
    );
    out.line(
      `Received: from [192.168.${this.rng.int(0, 9)}.${this.rng.int(2, 250)}] (unknown [${ip()}])\r\n` +
        `\tby mx.${senderDomain} with ESMTPSA id ${this.rng.hex(12)}; ${rfc5322Date(letter.time, letter.from.utcOffset)}`,
    );
    if (this.rng.chance(0.4)) {
      const signatureB64 = this.rng.fill(Buffer.allocUnsafe(256)).toString('base64');
      out.line(
        `DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=${senderDomain}; s=mail;\r\n` +
          `\tt=${Math.floor(letter.time / 1000)}; bh=${this.rng.fill(Buffer.allocUnsafe(32)).toString('base64')};\r\n` +
          '\th=From:To:Subject:Date:Message-ID;\r\n' +
          `\tb=${signatureB64.match(/.{1,70}/g)?.join('\r\n\t ')}`,
      );
    }
  }

  private body(out: MessageBuffer, letter: Letter, html: boolean): void {
    if (!html) {
      this.textPart(out, letter, 'plain', this.plainText(letter));
      return;
    }
    const boundary = this.boundary();
    out.line(`Content-Type: multipart/alternative;\r\n boundary="${boundary}"`).line();
    out.line(`--${boundary}`);
    this.textPart(out, letter, 'plain', this.plainText(letter));
    out.line(`--${boundary}`);
    this.textPart(out, letter, 'html', this.htmlText(letter));
    out.line(`--${boundary}--`).line();
  }

  private plainText(letter: Letter): string[] {
    const lines = [...letter.body];
    if (letter.quote) lines.push('', letter.quote.header, ...letter.quote.lines.map((line) => `> ${line}`));
    return lines;
  }

  private htmlText(letter: Letter): string[] {
    const paragraph = (text: string) => `<p class=MsoNormal>${text === '' ? '&nbsp;' : htmlEscape(text)}</p>`;
    const lines = [
      '<html><head>',
      `<meta http-equiv="Content-Type" content="text/html; charset=${letter.style.charset}">`,
      ...(letter.style.mailer === MAILERS.outlook ? OUTLOOK_STYLE : []),
      '</head><body lang=RU link="#0563C1" vlink="#954F72"><div class=WordSection1>',
      ...letter.body.map(paragraph),
    ];
    if (letter.quote) {
      lines.push(
        '<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">',
        paragraph(letter.quote.header),
        '<blockquote style="border:none;border-left:solid #CCCCCC 1.0pt;padding:0cm 0cm 0cm 6.0pt">',
        ...letter.quote.lines.map(paragraph),
        '</blockquote></div>',
      );
    }
    lines.push('</div></body></html>');
    return lines;
  }

  private textPart(out: MessageBuffer, letter: Letter, subtype: 'plain' | 'html', lines: string[]): void {
    const { charset, encoding } = letter.style;
    out.line(`Content-Type: text/${subtype}; charset="${charset}"`);
    out.line(`Content-Transfer-Encoding: ${encoding}`).line();
    // Quoted-printable wraps with soft breaks itself; the others need short hard lines (8bit must stay under 998).
    const laidOut = encoding === 'quoted-printable' ? lines : lines.flatMap((line) => wrap(line, 76));
    const bytes = encodeText(`${laidOut.join('\r\n')}\r\n`, charset);
    if (encoding === 'base64') out.bytes(base64Lines(bytes));
    else if (encoding === 'quoted-printable') out.bytes(quotedPrintable(bytes));
    else out.bytes(bytes);
  }

  private attachment(out: MessageBuffer, attachment: Attachment): void {
    const { kind, name, nameStyle } = attachment;
    if (nameStyle === 'rfc2231') {
      out.line(`Content-Type: ${kind.contentType};\r\n ${rfc2231Parameter('name', name)}`);
      out.line(`Content-Disposition: attachment;\r\n ${rfc2231Parameter('filename', name)}`);
    } else {
      const quoted = nameStyle === 'encoded-word' ? encodedWordB(name) : name;
      out.line(`Content-Type: ${kind.contentType};\r\n name="${quoted}"`);
      out.line(`Content-Disposition: attachment;\r\n filename="${quoted}"`);
    }
    out.line('Content-Transfer-Encoding: base64').line();
    out.bytes(base64Lines(this.fileBytes(kind, attachment.size)));
  }

  private fileBytes(kind: AttachmentKind, size: number): Buffer {
    const file = Buffer.allocUnsafe(Math.max(size, kind.magic.length));
    let at = kind.magic.copy(file, 0);
    let from = this.rng.int(0, this.pool.length - 1);
    while (at < file.length) {
      const copied = this.pool.copy(file, at, from, Math.min(this.pool.length, from + file.length - at));
      at += copied;
      from = 0;
    }
    return file;
  }
}

/** Steers attachment sizes so the mailbox total lands near its target whatever the dice did so far. */
class SizeBudget {
  private produced = 0;
  private textBytes = 0;
  private messages = 0;
  // Expected encoded bytes of one regular attachment before scaling, and of one huge one.
  private static readonly REGULAR = 80_000 * BASE64_GROWTH;
  private static readonly HUGE = 3_800_000 * BASE64_GROWTH;

  constructor(
    private readonly target: number,
    private readonly count: number,
    private hugeLeft: number,
  ) {}

  /** Factor for the raw attachment sizes of the next message. */
  scale(): number {
    const left = this.count - this.messages;
    const regularLeft = Math.max(0, left - this.hugeLeft);
    // a prior of 9 KB per letter without attachments until enough letters have been seen
    const textPerMessage = (this.textBytes + 9_000 * 20) / (this.messages + 20);
    const expected = regularLeft * ATTACHMENT_SHARE * SizeBudget.REGULAR + this.hugeLeft * SizeBudget.HUGE;
    if (expected <= 0) return 1;
    const room = this.target - this.produced - left * textPerMessage;
    return Math.min(4, Math.max(0.2, room / expected));
  }

  record(total: number, attachmentBytes: number, huge: boolean): void {
    this.produced += total;
    this.textBytes += total - attachmentBytes;
    this.messages++;
    if (huge) this.hugeLeft--;
  }
}

interface ThreadPlan {
  units: number[];
  parent: number[];
  outgoing: boolean[];
}

interface Plan {
  threads: ThreadPlan[];
  /** Thread of each unit, -1 for a letter on its own. */
  threadOf: Int32Array;
  indexInThread: Int32Array;
  selfSent: Uint8Array;
  noMessageId: Uint8Array;
  huge: Uint8Array;
  outgoingSingle: Uint8Array;
  /** Incoming thread letters that get an own reply: they carry \Answered. */
  answered: Set<string>;
}

function threadLength(rng: Rng): number {
  const lengths: Array<[number, number]> = [];
  for (let length = 2; length <= 15; length++) lengths.push([length, length ** -1.3]);
  return rng.weighted(lengths);
}

function pickUnits(rng: Rng, free: Uint8Array, wanted: number): number[] {
  const candidates: number[] = [];
  for (let unit = 0; unit < free.length; unit++) if (free[unit]) candidates.push(unit);
  return rng.shuffle(candidates).slice(0, wanted);
}

/**
 * Lays the mailbox out before any letter is written: which unit (a letter, or a self-sent pair) belongs to which
 * thread, who writes each thread letter and to which earlier one it replies. Only small arrays, no content.
 */
function plan(rng: Rng, count: number): Plan {
  const selfSentCount = count >= 50 ? Math.max(1, Math.round(count * SELF_SENT_SHARE)) : 0;
  const units = count - selfSentCount;
  const free = new Uint8Array(units).fill(1);
  const selfSent = new Uint8Array(units);
  const noMessageId = new Uint8Array(units);
  for (const unit of pickUnits(rng, free, selfSentCount)) {
    selfSent[unit] = 1;
    free[unit] = 0;
  }
  const noIdCount = count >= 50 ? Math.max(1, Math.round(count * NO_MESSAGE_ID_SHARE)) : 0;
  for (const unit of pickUnits(rng, free, noIdCount)) {
    noMessageId[unit] = 1;
    free[unit] = 0;
  }

  const lengths: number[] = [];
  for (let remaining = Math.round(count * THREAD_SHARE); remaining >= 2; ) {
    let length = Math.min(threadLength(rng), remaining);
    if (remaining - length === 1) length = length < 15 ? length + 1 : length - 1;
    lengths.push(length);
    remaining -= length;
  }
  lengths.sort((a, b) => b - a);

  const threadOf = new Int32Array(units).fill(-1);
  const indexInThread = new Int32Array(units);
  const threads: ThreadPlan[] = [];
  const answered = new Set<string>();
  // A conversation spans a few weeks of the two years: about length * count / 200 units around its start.
  const stretch = Math.max(3, units / 200);
  for (const length of lengths) {
    let window = Math.min(units, Math.ceil(length * stretch));
    let chosen: number[] = [];
    while (chosen.length < length) {
      const start = rng.int(0, units - window);
      const candidates: number[] = [];
      for (let unit = start; unit < start + window; unit++) if (free[unit]) candidates.push(unit);
      if (candidates.length >= length) chosen = rng.shuffle(candidates).slice(0, length);
      else if (window === units) break;
      else window = Math.min(units, window * 2);
    }
    if (chosen.length < length) continue;
    chosen.sort((a, b) => a - b);
    const thread: ThreadPlan = { units: chosen, parent: [], outgoing: [] };
    chosen.forEach((unit, index) => {
      free[unit] = 0;
      threadOf[unit] = threads.length;
      indexInThread[unit] = index;
      const parent = index === 0 ? -1 : rng.chance(0.85) ? index - 1 : rng.int(0, index - 1);
      const parentOutgoing = parent >= 0 && thread.outgoing[parent] === true;
      const outgoing = index === 0 ? rng.chance(0.12) : rng.chance(parentOutgoing ? 0.05 : 0.26);
      thread.parent.push(parent);
      thread.outgoing.push(outgoing);
      if (outgoing && parent >= 0 && !parentOutgoing) answered.add(`${threads.length}:${parent}`);
    });
    threads.push(thread);
  }

  const huge = new Uint8Array(units);
  const notSelfSent = new Uint8Array(units).map((_, unit) => (selfSent[unit] ? 0 : 1));
  for (const unit of pickUnits(rng, notSelfSent, Math.round(count * HUGE_SHARE))) huge[unit] = 1;
  const outgoingSingle = new Uint8Array(units).map((_, unit) =>
    threadOf[unit] === -1 && !selfSent[unit] && !noMessageId[unit] && rng.chance(0.06) ? 1 : 0,
  );
  return { threads, threadOf, indexInThread, selfSent, noMessageId, huge, outgoingSingle, answered };
}

interface ThreadState {
  subject: string;
  language: Language;
  counterpart: Person;
  ids: string[];
  /** Ids from the thread root down to each letter's parent, whatever its own headers show. */
  ancestry: string[][];
  senders: Person[];
  subjects: string[];
}

function replySubject(parentSubject: string, base: string, mailer: Mailer): string {
  if (parentSubject.startsWith(mailer.replyPrefix)) return parentSubject;
  return mailer.stacks ? `${mailer.replyPrefix}${parentSubject}` : `${mailer.replyPrefix}${base}`;
}

export function* generateMailbox(opts: GenOptions): Generator<GeneratedMessage> {
  const { count, ownAddress } = opts;
  if (!Number.isInteger(count) || count < 0) throw new Error(`generateMailbox: bad count ${count}`);
  const rng = new Rng(opts.seed ?? 1);
  const ownDomain = ownAddress.split('@')[1] ?? 'localhost';
  const own: Person = {
    name: 'Андрей Соколов',
    email: ownAddress,
    title: 'коммерческий директор',
    company: { name: 'ООО "Интерлог"', domain: ownDomain },
    phone: '+7 (495) 640-12-34',
    utcOffset: 180,
  };
  const ownStyle: Style = {
    language: 'ru',
    charset: 'utf-8',
    encoding: 'quoted-printable',
    mailer: MAILERS.thunderbird,
  };
  const people = makePeople(rng, Math.max(20, Math.min(300, Math.ceil(count / 30))));
  const styles = new Map<Person, Style>(
    people.map((person) => {
      const language: Language = isForeign(person) ? 'en' : 'ru';
      const base =
        language === 'en'
          ? {
              charset: 'utf-8' as const,
              encoding: rng.pick(['quoted-printable', 'base64'] as const),
              mailer: MAILERS.outlook,
            }
          : rng.weighted(RUSSIAN_STYLES);
      return [person, { language, ...base }];
    }),
  );
  // Everyone writes with their own client; the own letters follow the language of whoever they answer.
  const styleOf = (person: Person, language?: Language): Style =>
    styles.get(person) ?? { ...ownStyle, language: language ?? ownStyle.language };

  const layout = plan(rng, count);
  const composer = new Composer(rng, own);
  const budget = new SizeBudget(
    opts.targetTotalBytes ?? count * BYTES_PER_MESSAGE,
    count,
    layout.huge.reduce((sum, flag) => sum + flag, 0),
  );
  const threads = new Map<number, ThreadState>();
  const units = layout.threadOf.length;
  let serial = 0;

  const messageIdFor = (style: Style, from: Person, time: number) => {
    serial++;
    const id = style.mailer.messageId(rng, from.email.split('@')[1] as string, time);
    // the serial makes collisions impossible whatever the mailer's format draws
    return id.replace('@', `.${serial.toString(36)}@`);
  };

  const attachmentsFor = (unit: number, style: Style): Attachment[] => {
    const scale = budget.scale();
    const sizes: number[] = [];
    if (layout.huge[unit]) {
      sizes.push(Math.round(rng.int(2_200_000, 5_400_000) * Math.min(1.6, Math.max(0.6, scale))));
    } else if (rng.chance(ATTACHMENT_SHARE)) {
      const files = rng.weighted([
        [1, 0.7],
        [2, 0.2],
        [3, 0.1],
      ] as const);
      const total = Math.min(1_500_000, Math.max(2_000, rng.lognormal(34_000, 1.3))) * scale;
      for (let i = 0; i < files; i++) sizes.push(Math.max(1_000, Math.round(total / files)));
    }
    return sizes.map((size) => {
      const kind = rng.pick(ATTACHMENT_KINDS);
      const cyrillic = style.language === 'ru' && rng.chance(0.6);
      const nameStyle = cyrillic ? (rng.chance(0.5) ? 'rfc2231' : 'encoded-word') : 'plain';
      return { kind, name: `${attachmentStem(rng, cyrillic)}.${kind.extension}`, nameStyle, size };
    });
  };

  const bodyFor = (from: Person, to: Person, style: Style) => {
    const chars = Math.min(40_000, Math.max(150, rng.lognormal(600, 0.9)));
    return [
      greeting(rng, style.language, to),
      '',
      ...paragraphs(rng, style.language, chars),
      '',
      ...signature(style.language, from),
    ];
  };

  const finish = (letter: Letter, unit: number, folder: string, flags: string[]): GeneratedMessage => {
    const raw = composer.compose(letter);
    const attachmentBytes = letter.attachments.reduce((sum, file) => sum + file.size * BASE64_GROWTH, 0);
    budget.record(raw.length, attachmentBytes, layout.huge[unit] === 1);
    const delay = letter.delivered ? rng.int(5, 600) * 1000 : 1000;
    return {
      raw,
      folder,
      messageId: letter.messageId,
      ...(letter.inReplyTo ? { inReplyTo: letter.inReplyTo } : {}),
      references: letter.references,
      flags,
      internalDate: new Date(Math.floor((letter.time + delay) / 1000) * 1000),
    };
  };

  const incomingFlags = (unit: number, answered: boolean) => {
    const recent = unit > units * 0.98;
    const flags: string[] = [];
    if (rng.chance(recent ? 0.4 : 0.93)) flags.push('\\Seen');
    if (answered) flags.push('\\Answered');
    if (rng.chance(0.03)) flags.push('\\Flagged');
    return flags;
  };

  const colleagues = (of: Person) => people.filter((p) => p !== of && p.company === of.company).slice(0, 2);

  for (let unit = 0; unit < units; unit++) {
    const time = SPAN_START + Math.floor((SPAN_MS * (unit + rng.float())) / units);
    const threadIndex = layout.threadOf[unit] as number;

    if (layout.selfSent[unit]) {
      // A note to self: the Sent copy and the delivered copy share one Message-ID.
      const letter: Letter = {
        from: own,
        to: [own],
        cc: [],
        subject: rng.pick(['Напоминание', 'Для себя: контакты', 'Черновик письма клиенту', 'note to self']),
        style: ownStyle,
        time,
        messageId: messageIdFor(ownStyle, own, time),
        references: [],
        delivered: false,
        body: bodyFor(own, own, ownStyle),
        attachments: attachmentsFor(unit, ownStyle),
      };
      yield finish(letter, unit, 'Sent', ['\\Seen']);
      yield finish({ ...letter, delivered: true }, unit, 'INBOX', ['\\Seen']);
      continue;
    }

    if (threadIndex === -1) {
      const correspondent = rng.pick(people);
      const outgoing = layout.outgoingSingle[unit] === 1;
      const from = outgoing ? own : correspondent;
      const style = styleOf(from, styleOf(correspondent).language);
      const letter: Letter = {
        from,
        to: [outgoing ? correspondent : own],
        cc: rng.chance(0.15) ? colleagues(outgoing ? correspondent : from) : [],
        subject: `${rng.chance(0.05) ? 'Fwd: ' : ''}${makeSubject(rng, style.language)}`,
        style,
        time,
        messageId: layout.noMessageId[unit] ? '' : messageIdFor(style, from, time),
        references: [],
        delivered: !outgoing,
        body: bodyFor(from, outgoing ? correspondent : own, style),
        attachments: attachmentsFor(unit, style),
      };
      yield finish(letter, unit, outgoing ? 'Sent' : 'INBOX', outgoing ? ['\\Seen'] : incomingFlags(unit, false));
      continue;
    }

    const threadPlan = layout.threads[threadIndex] as ThreadPlan;
    const index = layout.indexInThread[unit] as number;
    let state = threads.get(threadIndex);
    if (!state) {
      const counterpart = rng.pick(people);
      const language = styleOf(counterpart).language;
      const base = makeSubject(rng, language);
      state = {
        subject: rng.chance(0.1) ? `Fwd: ${base}` : base,
        language,
        counterpart,
        ids: [],
        ancestry: [],
        senders: [],
        subjects: [],
      };
      threads.set(threadIndex, state);
    }
    const outgoing = threadPlan.outgoing[index] === true;
    const parent = threadPlan.parent[index] as number;
    const parentSender = parent >= 0 ? (state.senders[parent] as Person) : undefined;
    const from = outgoing
      ? own
      : index > 0 && rng.chance(0.2)
        ? (rng.pick([state.counterpart, ...colleagues(state.counterpart)]) as Person)
        : state.counterpart;
    const style = styleOf(from, state.language);
    const to = outgoing ? (parentSender && parentSender !== own ? parentSender : state.counterpart) : own;
    const ancestry = parent >= 0 ? [...(state.ancestry[parent] as string[]), state.ids[parent] as string] : [];
    let inReplyTo: string | undefined;
    let references: string[] = [];
    if (parent >= 0) {
      // Long chains keep the root and the latest ids, as mailers do
      const kept =
        ancestry.length > REFERENCES_KEPT
          ? [ancestry[0] as string, ...ancestry.slice(-(REFERENCES_KEPT - 1))]
          : ancestry;
      const headers = rng.weighted([
        ['both', 0.84],
        ['references', 0.08],
        ['in-reply-to', 0.08],
      ] as const);
      if (headers !== 'references') inReplyTo = ancestry[ancestry.length - 1];
      if (headers !== 'in-reply-to') references = kept;
    }
    const subject =
      parent >= 0 ? replySubject(state.subjects[parent] as string, state.subject, style.mailer) : state.subject;
    const letter: Letter = {
      from,
      to: [to],
      cc: rng.chance(0.2) ? colleagues(outgoing ? to : from) : [],
      subject,
      style,
      time,
      messageId: messageIdFor(style, from, time),
      ...(inReplyTo ? { inReplyTo } : {}),
      references,
      delivered: !outgoing,
      body: bodyFor(from, to, style),
      ...(parentSender
        ? {
            quote: {
              header: quoteHeader(style.language, rfc5322Date(time - 3_600_000, 180), parentSender),
              lines: paragraphs(rng, state.language, Math.min(4_000, 500 * index)).flatMap((p) => wrap(p, 72)),
            },
          }
        : {}),
      attachments: attachmentsFor(unit, style),
    };
    state.ids.push(letter.messageId);
    state.ancestry.push(ancestry);
    state.senders.push(from);
    state.subjects.push(subject);
    if (index === threadPlan.units.length - 1) threads.delete(threadIndex);
    const answered = layout.answered.has(`${threadIndex}:${index}`);
    yield finish(letter, unit, outgoing ? 'Sent' : 'INBOX', outgoing ? ['\\Seen'] : incomingFlags(unit, answered));
  }
}
