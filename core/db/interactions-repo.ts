import { cleanSubject } from '../mail/subject-line.js';
import type { Address } from '../mail/types.js';
import type { Db } from './database.js';
import { LIST_CONDITIONS } from './flags-repo.js';

export interface InteractionRecord {
  id: number;
  kind: 'email' | 'call' | 'sms' | 'meeting' | 'planned';
  direction: 'in' | 'out';
  date: string;
  title: string;
  preview: string;
  accountId: number | null;
  messageId: string | null;
  from: Address | null;
  to: Address[];
  cc: Address[];
  folders: string[];
  goneFromServer: boolean;
  attachments: Array<{ name: string; size: number; sha256: string; contentType: string }>;
  parseError: string | null;
  chainId: number | null;
  /** The interaction this one answers (its basis), and that letter's Message-ID. */
  basisId: number | null;
  basisMessageId: string | null;
  subject: { id: number; name: string } | null;
  reviewed: boolean;
  /** Review postponed until then (not reviewed; back in the to-review list from that time). */
  reviewAfter: string | null;
  /** On control and still waiting for an answer. */
  onControl: boolean;
  controlDue: string | null;
  controlClosedAt: string | null;
  /** Who a call, SMS, meeting or planned interaction is with: the contact's name, else the phone number. */
  party: string | null;
}

/** Narrowing of a list: by subject, contact or chain (any combination). */
export interface InteractionFilter {
  subjectId?: number;
  contactId?: number;
  chainId?: number;
  /** 'active': on control and unanswered; 'overdue': those whose due date has passed. */
  control?: 'active' | 'overdue';
  /** The review lists: not reviewed and due for review now, or postponed to later. */
  review?: 'to-review' | 'postponed';
  kind?: InteractionRecord['kind'];
  direction?: 'in' | 'out';
  accountId?: number;
  /** A server folder path: letters with a copy in a folder of that path (of the account, when one is given). */
  folder?: string;
  /** The period, ISO times: `since` inclusive, `before` exclusive. */
  since?: string;
  before?: string;
  /** The time the lists are judged at (ISO); now when omitted. */
  now?: string;
}

interface Row {
  id: number;
  kind: InteractionRecord['kind'];
  direction: 'in' | 'out';
  date: string;
  title: string;
  preview: string;
  account_id: number | null;
  message_row: number | null;
  message_id: string | null;
  from_address: string | null;
  from_name: string | null;
  recipients: string | null;
  parse_error: string | null;
  chain_id: number | null;
  basis_id: number | null;
  basis_message_id: string | null;
  subject_id: number | null;
  subject_name: string | null;
  reviewed_at: string | null;
  review_after: string | null;
  on_control: number;
  control_due: string | null;
  control_closed_at: string | null;
  party: string | null;
}

/** Who a call, SMS, meeting or plan is with: the contact's name, else the phone number. */
const PARTY = `COALESCE(
    (SELECT NULLIF(ct.name, '') FROM interaction_contacts ic JOIN contacts ct ON ct.id = ic.contact_id
      WHERE ic.interaction_id = i.id ORDER BY ic.role DESC LIMIT 1),
    (SELECT d.phone FROM interaction_details d WHERE d.interaction_id = i.id))`;

/** The Correspondent column as the list shows it: the sender of an incoming letter, the first recipient of one's own. */
const CORRESPONDENT = `CASE WHEN i.message_id IS NULL THEN ${PARTY}
  WHEN i.direction = 'in' THEN COALESCE(NULLIF(m.from_name, ''), m.from_address)
  ELSE COALESCE(NULLIF(m.recipients ->> '$.to[0].name', ''), m.recipients ->> '$.to[0].address',
    NULLIF(m.recipients ->> '$.cc[0].name', ''), m.recipients ->> '$.cc[0].address') END`;

const NEWEST = 'i.date DESC, i.id DESC';

/** By a text column: rows without one last either way round (SQLite puts NULL first), the newest first among equals. */
const byText = (expression: string, descending: boolean) =>
  `sort_key(${expression}) IS NULL, sort_key(${expression})${descending ? ' DESC' : ''}, ${NEWEST}`;

const ORDER_BY: Record<ListOrder, string> = {
  newest: NEWEST,
  oldest: 'i.date, i.id',
  correspondent: byText(CORRESPONDENT, false),
  'correspondent-desc': byText(CORRESPONDENT, true),
  // "Re: Поставка" files under "Поставка", beside the letter it answers, as mail clients sort subjects.
  title: byText('clean_subject(i.title)', false),
  'title-desc': byText('clean_subject(i.title)', true),
};

export type ListOrder = 'newest' | 'oldest' | 'correspondent' | 'correspondent-desc' | 'title' | 'title-desc';

/**
 * A text as the list sorts it: without case (SQLite's NOCASE folds only ASCII, and most names here are Cyrillic),
 * with "ё" as "е" as Russian dictionaries file it; null when there is none.
 */
function sortKey(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const key = value.trim().toLocaleLowerCase().replaceAll('ё', 'е');
  return key === '' ? null : key;
}

const SELECT = `SELECT i.id, i.kind, i.direction, i.date, i.title, i.preview, i.account_id, i.message_id AS message_row,
  m.message_id, m.from_address, m.from_name, m.recipients, m.parse_error, i.chain_id, i.basis_id, i.reviewed_at, i.review_after,
  i.on_control, i.control_due, i.control_closed_at, bm.message_id AS basis_message_id, s.id AS subject_id, s.name AS subject_name,
  CASE WHEN i.message_id IS NULL THEN ${PARTY} END AS party
  FROM interactions i LEFT JOIN messages m ON m.id = i.message_id
  LEFT JOIN interactions b ON b.id = i.basis_id LEFT JOIN messages bm ON bm.id = b.message_id
  LEFT JOIN chains c ON c.id = i.chain_id LEFT JOIN subjects s ON s.id = c.subject_id`;

/** Read side of the journal: lists, search and export. */
export class InteractionsRepo {
  private readonly stmt;

  constructor(private readonly db: Db) {
    this.stmt = {
      folders: db.prepare<[number], { path: string; gone: number }>(
        `SELECT f.path, MIN(l.gone_at IS NOT NULL) AS gone FROM message_locations l JOIN folders f ON f.id = l.folder_id
         WHERE l.message_id = ? GROUP BY f.path ORDER BY f.path`,
      ),
      attachments: db.prepare<[number], { name: string; size: number; sha256: string; content_type: string }>(
        'SELECT name, size, sha256, content_type FROM attachments WHERE message_id = ? AND inline = 0 ORDER BY id',
      ),
      count: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM interactions'),
    };
  }

  count(filter: InteractionFilter = {}): number {
    if (Object.values(filter).every((v) => v === undefined)) return this.stmt.count.get()?.n ?? 0;
    const { clause, params } = filterClause(filter);
    return (
      this.db
        .prepare<Array<number | string>, { n: number }>(
          `SELECT COUNT(*) AS n FROM interactions i LEFT JOIN chains c ON c.id = i.chain_id ${clause}`,
        )
        .get(...params)?.n ?? 0
    );
  }

  /** The blob holding the raw source of the interaction's letter; undefined for a call, meeting or note. */
  sourceOf(interactionId: number): string | undefined {
    return this.db
      .prepare<[number], { sha256: string }>(
        'SELECT m.source_sha256 AS sha256 FROM interactions i JOIN messages m ON m.id = i.message_id WHERE i.id = ?',
      )
      .get(interactionId)?.sha256;
  }

  /** Every interaction, oldest first, one at a time so an export of a large journal stays small in memory. */
  *iterateAll(): Generator<InteractionRecord> {
    for (const row of this.db.prepare<[], Row>(`${SELECT} ORDER BY i.date, i.id`).iterate()) yield this.toRecord(row);
  }

  list(options: { limit: number; offset?: number; order?: ListOrder } & InteractionFilter): InteractionRecord[] {
    const { clause, params } = filterClause(options);
    const orderName = options.order ?? 'newest';
    const order = ORDER_BY[orderName];
    const chains = options.subjectId === undefined ? '' : 'LEFT JOIN chains c ON c.id = i.chain_id';
    const offset = options.offset ?? 0;
    if (orderName !== 'newest' && orderName !== 'oldest') {
      const ids = this.sortedIds(orderName, `${chains} LEFT JOIN messages m ON m.id = i.message_id ${clause}`, params);
      return this.rowsOf(ids.slice(offset, offset + options.limit));
    }
    // The page's ids first, then their rows: an OFFSET skips entries of the date index alone (a page at the end
    // of 100,000 costs under a millisecond) instead of joining every skipped row (a fifth of a second).
    return this.db
      .prepare<Array<number | string>, Row>(
        `${SELECT} WHERE i.id IN (SELECT i.id FROM interactions i ${chains} ${clause} ORDER BY ${order} LIMIT ? OFFSET ?)
         ORDER BY ${order}`,
      )
      .all(...params, options.limit, offset)
      .map((row) => this.toRecord(row));
  }

  /**
   * Every id of the list in a text column's order, kept until the journal changes: the sort itself reads all
   * 100,000 keys (a third of a second), and scrolling asks for page after page of the same order.
   */
  private sortedIds(order: ListOrder, from: string, params: Array<number | string>): number[] {
    this.registerSortFunctions(order);
    const { version } = this.db.prepare<[], { version: number }>('SELECT total_changes() AS version').get() ?? {
      version: 0,
    };
    const key = JSON.stringify([order, from, params, version, this.db.pragma('data_version', { simple: true })]);
    if (this.sorted?.key !== key) {
      const ids = this.db
        .prepare<Array<number | string>, { id: number }>(
          `SELECT i.id FROM interactions i ${from} ORDER BY ${ORDER_BY[order]}`,
        )
        .all(...params)
        .map((r) => r.id);
      this.sorted = { key, ids };
    }
    return this.sorted.ids;
  }

  private sorted: { key: string; ids: number[] } | null = null;
  private sortFunctionsReady = false;

  /**
   * The SQL functions of the text orders, registered on first use: only the connection that serves the list needs
   * them, not the sync and index workers' (a JS function held by SQLite in a thread that is stopped was one more
   * thing to tear down with it).
   */
  private registerSortFunctions(order: ListOrder): void {
    if (this.sortFunctionsReady || order === 'newest' || order === 'oldest') return;
    this.db.function('sort_key', { deterministic: true }, sortKey);
    this.db.function('clean_subject', { deterministic: true }, (title: unknown) =>
      typeof title === 'string' ? cleanSubject(title) : null,
    );
    this.sortFunctionsReady = true;
  }

  /** The rows of these ids, in this order. */
  private rowsOf(ids: number[]): InteractionRecord[] {
    if (ids.length === 0) return [];
    const rows = new Map(
      this.db
        .prepare<number[], Row>(`${SELECT} WHERE i.id IN (${ids.map(() => '?').join(',')})`)
        .all(...ids)
        .map((row) => [row.id, row] as const),
    );
    return ids.flatMap((id) => {
      const row = rows.get(id);
      return row ? [this.toRecord(row)] : [];
    });
  }

  get(id: number): InteractionRecord | undefined {
    const row = this.db.prepare<[number], Row>(`${SELECT} WHERE i.id = ?`).get(id);
    return row && this.toRecord(row);
  }

  /** What answering a letter needs of it: the References it carried, and its text to quote. */
  letterForReply(interactionId: number): { references: string[]; text: string } {
    const row = this.db
      .prepare<[number], { refs: string | null; body: string | null }>(
        `SELECT m.refs, f.body FROM interactions i LEFT JOIN messages m ON m.id = i.message_id
         LEFT JOIN interactions_fts f ON f.rowid = i.id WHERE i.id = ?`,
      )
      .get(interactionId);
    return { references: row?.refs ? (JSON.parse(row.refs) as string[]) : [], text: row?.body ?? '' };
  }

  /** The chain's interactions, oldest first: the material for a thread view. */
  chain(chainId: number): InteractionRecord[] {
    return this.db
      .prepare<[number], Row>(`${SELECT} WHERE i.chain_id = ? ORDER BY i.date, i.id`)
      .all(chainId)
      .map((row) => this.toRecord(row));
  }

  /**
   * Full-text search: every word must match (as a prefix), newest first, as a mail journal is read. Ranking by
   * relevance (bm25) scores every match before the limit: 1-2 s for a common word in 100,000 interactions, and
   * 16 s with real letter bodies (bench:large), where the date order takes tens of milliseconds.
   */
  search(text: string, limit = 50, filter: InteractionFilter = {}, order: ListOrder = 'newest'): InteractionRecord[] {
    const query = toFtsQuery(text);
    if (!query) return [];
    this.registerSortFunctions(order);
    const { and, params } = filterClause(filter);
    return this.db
      .prepare<Array<number | string>, Row>(
        `${SELECT} WHERE i.id IN (SELECT rowid FROM interactions_fts WHERE interactions_fts MATCH ?) ${and}
         ORDER BY ${ORDER_BY[order]} LIMIT ?`,
      )
      .all(query, ...params, limit)
      .map((row) => this.toRecord(row));
  }

  private toRecord(row: Row): InteractionRecord {
    const recipients = row.recipients ? (JSON.parse(row.recipients) as { to?: Address[]; cc?: Address[] }) : {};
    const locations = row.message_row === null ? [] : this.stmt.folders.all(row.message_row);
    const present = locations.filter((l) => !l.gone).map((l) => l.path);
    return {
      id: row.id,
      kind: row.kind,
      direction: row.direction,
      date: row.date,
      title: row.title,
      preview: row.preview,
      accountId: row.account_id,
      messageId: row.message_id,
      from: row.from_address ? { name: row.from_name ?? '', address: row.from_address } : null,
      to: recipients.to ?? [],
      cc: recipients.cc ?? [],
      folders: present,
      goneFromServer: locations.length > 0 && present.length === 0,
      attachments:
        row.message_row === null
          ? []
          : this.stmt.attachments.all(row.message_row).map((a) => ({
              name: a.name,
              size: a.size,
              sha256: a.sha256,
              contentType: a.content_type,
            })),
      parseError: row.parse_error,
      chainId: row.chain_id,
      basisId: row.basis_id,
      basisMessageId: row.basis_message_id,
      subject: row.subject_id === null ? null : { id: row.subject_id, name: row.subject_name ?? '' },
      reviewed: row.reviewed_at !== null,
      reviewAfter: row.review_after,
      onControl: row.on_control === 1 && row.control_closed_at === null,
      controlDue: row.control_due,
      controlClosedAt: row.control_closed_at,
      party: row.party,
    };
  }
}

/** The conditions of a filter, as a WHERE clause or to add to one, over `interactions i` joined with `chains c`. */
function filterClause(filter: InteractionFilter): { clause: string; and: string; params: Array<number | string> } {
  const where: string[] = [];
  const params: Array<number | string> = [];
  if (filter.subjectId !== undefined) {
    where.push('c.subject_id = ?');
    params.push(filter.subjectId);
  }
  if (filter.chainId !== undefined) {
    where.push('i.chain_id = ?');
    params.push(filter.chainId);
  }
  if (filter.contactId !== undefined) {
    where.push('i.id IN (SELECT interaction_id FROM interaction_contacts WHERE contact_id = ?)');
    params.push(filter.contactId);
  }
  const now = filter.now ?? new Date().toISOString();
  if (filter.control === 'active') where.push(LIST_CONDITIONS.onControl);
  if (filter.control === 'overdue') {
    where.push(LIST_CONDITIONS.overdue);
    params.push(now);
  }
  if (filter.review !== undefined) {
    where.push(filter.review === 'to-review' ? LIST_CONDITIONS.toReview : LIST_CONDITIONS.postponed);
    params.push(now);
  }
  if (filter.kind !== undefined) {
    where.push('i.kind = ?');
    params.push(filter.kind);
  }
  if (filter.direction !== undefined) {
    where.push('i.direction = ?');
    params.push(filter.direction);
  }
  if (filter.accountId !== undefined) {
    where.push('i.account_id = ?');
    params.push(filter.accountId);
  }
  if (filter.folder !== undefined) {
    where.push(
      `i.message_id IN (SELECT l.message_id FROM message_locations l JOIN folders f ON f.id = l.folder_id
        WHERE f.path = ?${filter.accountId !== undefined ? ' AND f.account_id = ?' : ''})`,
    );
    params.push(filter.folder);
    if (filter.accountId !== undefined) params.push(filter.accountId);
  }
  // Dates are stored as UTC ISO strings, so the bounds are compared in the same form.
  if (filter.since !== undefined) {
    where.push('i.date >= ?');
    params.push(new Date(filter.since).toISOString());
  }
  if (filter.before !== undefined) {
    where.push('i.date < ?');
    params.push(new Date(filter.before).toISOString());
  }
  const all = where.join(' AND ');
  return { clause: all ? `WHERE ${all}` : '', and: all ? `AND ${all}` : '', params };
}

/** Turns what a person types into an FTS5 query that cannot be a syntax error: quoted words, each a prefix. */
export function toFtsQuery(text: string): string {
  // Split where the tokenizer splits, so no quoted word is a phrase (the index keeps no positions).
  const words = text.match(/[\p{L}\p{N}\p{M}]+/gu) ?? [];
  return words.map((w) => `"${w.replace(/"/g, '""')}"*`).join(' ');
}
