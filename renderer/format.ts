import type { InteractionRecord } from '../core/api.js';
import { visibleText } from '../core/mail/visible-text.js';
import type { Lang } from './i18n';

type Address = NonNullable<InteractionRecord['from']>;

const formats = new Map<string, Intl.DateTimeFormat>();

function format(lang: Lang, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${lang}:${JSON.stringify(options)}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', options);
    formats.set(key, f);
  }
  return f;
}

/** Today's entries show the time only, as a mail client's list does; older ones the date and time. */
export function listDate(iso: string, lang: Lang, now = new Date()): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  if (date.toDateString() === now.toDateString())
    return format(lang, { hour: '2-digit', minute: '2-digit' }).format(date);
  return format(lang, { day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit' }).format(
    date,
  );
}

export function fullDate(iso: string, lang: Lang): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return format(lang, { dateStyle: 'full', timeStyle: 'short' }).format(date);
}

export function addressText(a: Address): string {
  return visibleText(a.name ? `${a.name} <${a.address}>` : a.address);
}

/** A title as shown: without the characters that reorder or hide text, so "Счёт\u202Efdp.exe" cannot pose. */
export function shownTitle(r: Pick<InteractionRecord, 'title'>): string {
  return visibleText(r.title);
}

/**
 * Who the interaction is with: the sender of an incoming letter, the first recipient of an outgoing one; for a
 * call, SMS or meeting its contact or phone number.
 */
export function correspondent(r: InteractionRecord): string {
  const other = r.direction === 'in' ? r.from : (r.to[0] ?? r.cc[0] ?? null);
  return visibleText(other ? other.name || other.address : (r.party ?? ''));
}

export function fileSize(bytes: number, lang: Lang): string {
  const units = lang === 'ru' ? ['Б', 'КБ', 'МБ', 'ГБ'] : ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${value.toLocaleString(lang, { maximumFractionDigits: digits })} ${units[unit]}`;
}
