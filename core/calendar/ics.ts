import type { ParticipantStatus } from '../db/kinds-repo.js';
import type { Address } from '../mail/types.js';

export interface CalendarEvent {
  uid: string;
  sequence: number;
  /** VEVENT for a meeting; VTODO for a planned interaction (it has a due time, not a duration). */
  component: 'VEVENT' | 'VTODO';
  start: string;
  end: string | null;
  summary: string;
  description: string;
  location: string | null;
  organizer: Address | null;
  attendees: Array<Address & { status: ParticipantStatus }>;
  stamp: Date;
}

const PARTSTAT: Record<ParticipantStatus, string> = {
  'needs-action': 'NEEDS-ACTION',
  accepted: 'ACCEPTED',
  declined: 'DECLINED',
  tentative: 'TENTATIVE',
};

/** An iCalendar object (RFC 5545) for the events: METHOD:REQUEST for an invitation, PUBLISH for an export. */
export function buildCalendar(method: 'REQUEST' | 'PUBLISH', events: readonly CalendarEvent[]): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Interlog//Interaction journal//EN', `METHOD:${method}`];
  for (const e of events) {
    lines.push(`BEGIN:${e.component}`, `UID:${e.uid}`, `SEQUENCE:${e.sequence}`, `DTSTAMP:${utc(e.stamp)}`);
    if (e.component === 'VEVENT') {
      lines.push(`DTSTART:${utc(new Date(e.start))}`);
      if (e.end) lines.push(`DTEND:${utc(new Date(e.end))}`);
    } else {
      lines.push(`DUE:${utc(new Date(e.start))}`);
    }
    lines.push(`SUMMARY:${escapeText(e.summary)}`);
    if (e.description) lines.push(`DESCRIPTION:${escapeText(e.description)}`);
    if (e.location) lines.push(`LOCATION:${escapeText(e.location)}`);
    if (e.organizer) lines.push(`ORGANIZER${cn(e.organizer)}:mailto:${e.organizer.address}`);
    for (const a of e.attendees) {
      const rsvp = method === 'REQUEST' ? ';RSVP=TRUE' : '';
      lines.push(`ATTENDEE${cn(a)};ROLE=REQ-PARTICIPANT;PARTSTAT=${PARTSTAT[a.status]}${rsvp}:mailto:${a.address}`);
    }
    lines.push(`END:${e.component}`);
  }
  lines.push('END:VCALENDAR');
  return `${lines.map(fold).join('\r\n')}\r\n`;
}

export interface CalendarReply {
  uid: string;
  attendee: string;
  status: ParticipantStatus;
}

/** The answers a METHOD:REPLY object carries (one per ATTENDEE); nothing for any other method. */
export function parseReply(ics: string): CalendarReply[] {
  const lines = unfold(ics);
  const method = lines.find((l) => /^METHOD[:;]/i.test(l));
  if (!method || value(method).toUpperCase() !== 'REPLY') return [];
  const replies: CalendarReply[] = [];
  let uid: string | null = null;
  let attendees: Array<{ address: string; status: ParticipantStatus }> = [];
  for (const line of lines) {
    const name = line.split(/[:;]/, 1)[0]?.toUpperCase();
    if (name === 'BEGIN' && /VEVENT/i.test(value(line))) {
      uid = null;
      attendees = [];
    } else if (name === 'UID') {
      uid = value(line);
    } else if (name === 'ATTENDEE') {
      const partstat = /;PARTSTAT=([^;:]+)/i.exec(line)?.[1]?.toUpperCase();
      const status = (Object.entries(PARTSTAT).find(([, v]) => v === partstat)?.[0] ??
        null) as ParticipantStatus | null;
      const address = value(line).replace(/^mailto:/i, '');
      if (status && address) attendees.push({ address, status });
    } else if (name === 'END' && /VEVENT/i.test(value(line)) && uid) {
      for (const a of attendees) replies.push({ uid, attendee: a.address, status: a.status });
    }
  }
  return replies;
}

/** The value after the first colon that is not inside a quoted parameter. */
function value(line: string): string {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"') quoted = !quoted;
    else if (line[i] === ':' && !quoted) return line.slice(i + 1).trim();
  }
  return '';
}

function unfold(ics: string): string[] {
  return ics
    .replace(/\r?\n[ \t]/g, '')
    .split(/\r?\n/)
    .filter(Boolean);
}

function utc(date: Date): string {
  return `${date.toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`;
}

function cn(person: Address): string {
  return person.name ? `;CN="${person.name.replace(/["\r\n]/g, '')}"` : '';
}

function escapeText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

/** RFC 5545 3.1: lines longer than 75 octets are folded, never inside a UTF-8 sequence. */
function fold(line: string): string {
  const out: string[] = [];
  let current = '';
  let size = 0;
  for (const ch of line) {
    const bytes = Buffer.byteLength(ch);
    if (size + bytes > (out.length ? 74 : 75)) {
      out.push(current);
      current = '';
      size = 0;
    }
    current += ch;
    size += bytes;
  }
  out.push(current);
  return out.join('\r\n ');
}
