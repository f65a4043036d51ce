import fs from 'node:fs';
import type { ApiResult, JournalEvent } from '../core/api.js';
import type { InteractionRecord } from '../core/db/interactions-repo.js';
import type { InteractionWithDetails } from '../core/kinds-api.js';

/**
 * What the desktop app tells the user through system notifications, decided without Electron so it can be tested:
 * main.ts feeds it the sync events, the newest letters and the due list, and shows what it returns.
 */
export interface Notice {
  title: string;
  body: string;
  /** The interaction a click on the notification should bring up. */
  interactionId: number;
}

export type Lang = 'en' | 'ru';

/** The same rule as the renderer's detectLanguage: the first preferred language Interlog speaks, else English. */
export function pickLanguage(preferred: readonly string[]): Lang {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    if (base === 'ru' || base === 'en') return base;
  }
  return 'en';
}

type Plural = { one: string; few?: string; many?: string; other: string };

// Kept here rather than taken from renderer/i18n.ts: the main process must not load renderer code.
const strings = {
  en: {
    newLetters: { one: 'New letter', other: '{n} new letters' } as Plural,
    noTitle: '(no title)',
    unknownSender: '(unknown)',
    dueOne: 'Time for: {title}',
    dueMany: { one: '{n} planned interaction is due', other: '{n} planned interactions are due' } as Plural,
    andMore: { one: '…and {n} more', other: '…and {n} more' } as Plural,
    with: 'with {party}',
    at: 'due {time}',
    call: 'Call',
    meeting: 'Meeting',
    email: 'Letter',
    sms: 'SMS',
    planned: 'Planned',
  },
  ru: {
    newLetters: {
      one: '{n} новое письмо',
      few: '{n} новых письма',
      many: '{n} новых писем',
      other: '{n} нового письма',
    },
    noTitle: '(без темы)',
    unknownSender: '(неизвестно)',
    dueOne: 'Пора: {title}',
    dueMany: {
      one: 'Наступил срок {n} запланированного дела',
      few: 'Наступил срок {n} запланированных дел',
      many: 'Наступил срок {n} запланированных дел',
      other: 'Наступил срок {n} запланированного дела',
    },
    andMore: { one: '…и ещё {n}', other: '…и ещё {n}' },
    with: 'с {party}',
    at: 'срок {time}',
    call: 'Звонок',
    meeting: 'Встреча',
    email: 'Письмо',
    sms: 'SMS',
    planned: 'Запланированное',
  },
} as const;

type Key = keyof (typeof strings)['en'];

function say(lang: Lang, key: Key, params: Record<string, string | number> = {}): string {
  const message: string | Plural = strings[lang][key];
  const template =
    typeof message === 'string'
      ? message
      : (message[new Intl.PluralRules(lang).select(Number(params.n ?? 0)) as keyof Plural] ?? message.other);
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    params[name] === undefined ? whole : String(params[name]),
  );
}

/** Notification bodies are cut short by every desktop; a cut of our own ends with an ellipsis, not mid-letter. */
const BODY_LIMIT = 120;

function clip(text: string, limit = BODY_LIMIT): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= limit ? flat : `${flat.slice(0, limit - 1).trimEnd()}…`;
}

export interface MailNotifierOptions {
  /** A burst ends when no letter has arrived for this long... */
  quietMs?: number;
  /** ...or when it has gone on this long (a large catch-up after a lost link). */
  maxWaitMs?: number;
}

/** How main.ts should react to a sync event. */
export type MailAction =
  /** An account has finished its full sync and is now watching: take its letters so far as already known. */
  | { type: 'absorb'; account: string }
  /** New letters are arriving: look again at `checkAt()` whether the burst is over. */
  | { type: 'burst' }
  | null;

/**
 * New mail during the watch, one notification per burst. A sync run first brings every account up to date, which
 * for a new account may be years of mail; letters only count as new once their account is watching, and each
 * account's watermark (the highest interaction id known when it started watching) keeps the old ones out.
 */
export class MailNotifier {
  private readonly quietMs: number;
  private readonly maxWaitMs: number;
  private readonly watching = new Set<string>();
  private readonly pending = new Set<string>();
  private burstStart: number | null = null;
  private lastArrival = 0;
  /** Per account id: letters at or below this id were there before the account started watching. */
  private readonly watermarks = new Map<number, number>();

  constructor(options: MailNotifierOptions = {}) {
    this.quietMs = options.quietMs ?? 3000;
    this.maxWaitMs = options.maxWaitMs ?? 30_000;
  }

  /** A new sync run is starting (at launch, or again after an account was added): every account syncs fully first. */
  restart(): void {
    this.watching.clear();
  }

  event(event: JournalEvent, now: number): MailAction {
    if (event.type === 'watching') {
      if (this.watching.has(event.account)) return null;
      this.watching.add(event.account);
      return { type: 'absorb', account: event.account };
    }
    if (event.type !== 'new-mail' || event.added <= 0 || !this.watching.has(event.account)) return null;
    this.pending.add(event.account);
    this.burstStart ??= now;
    this.lastArrival = now;
    return { type: 'burst' };
  }

  /** When the burst in progress will be over if nothing else arrives; null with none in progress. */
  checkAt(): number | null {
    if (this.burstStart === null) return null;
    return Math.min(this.lastArrival + this.quietMs, this.burstStart + this.maxWaitMs);
  }

  /** The accounts of a burst that is over at `now` (and forgets it), or null while it goes on. */
  takeBurst(now: number): Set<string> | null {
    const at = this.checkAt();
    if (at === null || now < at) return null;
    const accounts = new Set(this.pending);
    this.pending.clear();
    this.burstStart = null;
    return accounts;
  }

  /** Marks everything of the account in `newest` (the newest letters of the journal) as already known. */
  absorb(accountId: number, newest: readonly InteractionRecord[]): void {
    // The highest id of all, not only the account's: any of its letters older than this page never enters it later.
    const top = newest.reduce((max, r) => Math.max(max, r.id), 0);
    this.watermarks.set(accountId, Math.max(this.watermarks.get(accountId) ?? 0, top));
  }

  /**
   * The notification for a finished burst: the incoming letters of the burst's accounts above their watermarks,
   * counted, with the newest one's sender and title. Letters the user sent (found in a Sent folder) do not count.
   */
  summarise(accountIds: ReadonlySet<number>, newest: readonly InteractionRecord[], lang: Lang): Notice | null {
    const fresh = newest.filter(
      (r) =>
        r.kind === 'email' &&
        r.accountId !== null &&
        accountIds.has(r.accountId) &&
        this.watermarks.has(r.accountId) &&
        r.id > (this.watermarks.get(r.accountId) ?? 0),
    );
    for (const r of fresh) {
      const accountId = r.accountId as number;
      this.watermarks.set(accountId, Math.max(this.watermarks.get(accountId) ?? 0, r.id));
    }
    const incoming = fresh.filter((r) => r.direction === 'in');
    const first = incoming.reduce<InteractionRecord | null>(
      (best, r) => (best === null || r.date > best.date || (r.date === best.date && r.id > best.id) ? r : best),
      null,
    );
    if (!first) return null;
    const sender = first.from ? first.from.name.trim() || first.from.address : say(lang, 'unknownSender');
    return {
      title: say(lang, 'newLetters', { n: incoming.length }),
      body: clip(`${sender}: ${first.title.trim() || say(lang, 'noTitle')}`),
      interactionId: first.id,
    };
  }
}

/** More due at once than this and they come as one notification, not a stack of them. */
const SEPARATE_DUE = 3;

/**
 * Planned interactions whose time has come, each announced once: the keys of those already announced are kept
 * (main.ts stores them under userData), so a restart does not announce them again. A planned interaction moved to
 * a new time is a new reminder.
 */
export class DueReminders {
  private notified: Set<string>;

  constructor(notified: Iterable<string> = []) {
    this.notified = new Set(notified);
  }

  /** The reminders for `due` (the whole current due list) not shown yet, and whether the kept keys changed. */
  check(due: readonly InteractionWithDetails[], lang: Lang): { notices: Notice[]; changed: boolean } {
    const keys = due.map(dueKey);
    const fresh = due.filter((_, i) => !this.notified.has(keys[i] as string));
    // Only what is still due is kept: a finished one leaves the list, and the file stays small.
    const next = new Set(keys);
    const changed = next.size !== this.notified.size || keys.some((k) => !this.notified.has(k));
    this.notified = next;
    if (fresh.length === 0) return { notices: [], changed };
    if (fresh.length > SEPARATE_DUE) {
      const body = fresh
        .slice(0, SEPARATE_DUE)
        .map((d) => d.interaction.title.trim() || say(lang, 'noTitle'))
        .join('; ');
      const more = fresh.length - SEPARATE_DUE;
      return {
        notices: [
          {
            title: say(lang, 'dueMany', { n: fresh.length }),
            body: clip(`${body} ${say(lang, 'andMore', { n: more })}`),
            interactionId: (fresh[0] as InteractionWithDetails).interaction.id,
          },
        ],
        changed,
      };
    }
    return { notices: fresh.map((d) => dueNotice(d, lang)), changed };
  }

  keys(): string[] {
    return [...this.notified];
  }
}

function dueKey(d: InteractionWithDetails): string {
  return `${d.interaction.id}@${d.details?.startsAt ?? d.interaction.date}`;
}

function dueNotice(d: InteractionWithDetails, lang: Lang): Notice {
  const { interaction, details } = d;
  const kind = details?.plannedKind ?? 'planned';
  const parts: string[] = [say(lang, kind)];
  if (interaction.party) parts.push(say(lang, 'with', { party: interaction.party }));
  const when = details?.startsAt ?? interaction.date;
  const time = new Date(when);
  if (!Number.isNaN(time.getTime())) {
    const format = new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', {
      dateStyle: 'short',
      timeStyle: 'short',
    });
    parts.push(say(lang, 'at', { time: format.format(time) }));
  }
  return {
    title: clip(say(lang, 'dueOne', { title: interaction.title.trim() || say(lang, 'noTitle') }), 80),
    body: clip(parts.join(' ')),
    interactionId: interaction.id,
  };
}

/** The announced reminders' keys from `file`; none when it is missing or unreadable (worst case: one repeat). */
export function loadNotified(file: string): string[] {
  try {
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { notified?: unknown };
    return Array.isArray(saved.notified) ? saved.notified.filter((k): k is string => typeof k === 'string') : [];
  } catch {
    return [];
  }
}

/** Written aside and renamed, so a crash mid-write leaves the previous list rather than half a file. */
export function saveNotified(file: string, keys: readonly string[]): void {
  const temporary = `${file}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify({ notified: keys }));
  fs.renameSync(temporary, file);
}

/** Calls through the dispatcher after which the set of accounts (or their passwords) may differ. */
export function changesAccounts(method: unknown, result: ApiResult): boolean {
  if (!result.ok) return false;
  // An edited account signs in with its new settings, a removed one is no longer watched.
  if (method === 'addAccount' || method === 'editAccount' || method === 'removeAccount') return true;
  if (method === 'setupAccount') return (result.value as { saved?: unknown } | undefined)?.saved === true;
  return false;
}
