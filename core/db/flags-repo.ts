import { type Db, writeTransaction } from './database.js';
import { reviewable } from './migrations/006-kinds.js';

/**
 * The conditions of the working lists over `interactions i`, each taking `now` (ISO) where it has a `?`. They repeat
 * the partial indexes' WHERE clauses of migration 6 term by term, which is what lets SQLite count from the index.
 */
export const LIST_CONDITIONS = {
  toReview: `i.reviewed_at IS NULL AND ${reviewable('i.')} AND (i.review_after IS NULL OR i.review_after <= ?)`,
  postponed: 'i.reviewed_at IS NULL AND i.review_after IS NOT NULL AND i.review_after > ?',
  onControl: 'i.on_control = 1 AND i.control_closed_at IS NULL',
  overdue: 'i.on_control = 1 AND i.control_closed_at IS NULL AND i.control_due IS NOT NULL AND i.control_due < ?',
} as const;

export type ListName = keyof typeof LIST_CONDITIONS;

export interface ListCounts {
  toReview: number;
  postponed: number;
  onControl: number;
  overdue: number;
  /** Planned interactions whose time has come. */
  due: number;
}

/** What a bulk action did: the ids it changed, and those it could not (wrong kind or direction, or absent). */
export interface FlagResult {
  changed: number[];
  skipped: number[];
}

const IDS = 'SELECT value FROM json_each(?)';
const CONTROLLABLE = `kind IN ('email', 'sms') AND direction = 'out'`;

/** The "reviewed" and "on control" flags (seed 004) and the counts of the lists they make. */
export class FlagsRepo {
  private readonly stmt;

  constructor(private readonly db: Db) {
    const count = (where: string, index = '') =>
      db.prepare<string[], { n: number }>(`SELECT COUNT(*) AS n FROM interactions i ${index} WHERE ${where}`);
    this.stmt = {
      // Left to itself the planner reads the kind index twice (an OR) and visits every row; the partial index
      // answers the count alone.
      toReview: count(LIST_CONDITIONS.toReview, 'INDEXED BY interactions_unreviewed'),
      postponed: count(LIST_CONDITIONS.postponed),
      onControl: count(LIST_CONDITIONS.onControl),
      overdue: count(LIST_CONDITIONS.overdue),
      due: db.prepare<[string], { n: number }>(
        `SELECT COUNT(*) AS n FROM interaction_details WHERE status = 'open' AND starts_at <= ?`,
      ),
      review: db.prepare<[string | null, string | null, string], { id: number }>(
        `UPDATE interactions SET reviewed_at = ?, review_after = ? WHERE id IN (${IDS}) AND ${reviewable()} RETURNING id`,
      ),
      control: db.prepare<[string | null, string], { id: number }>(
        `UPDATE interactions SET on_control = 1, control_due = ?, control_closed_at = NULL, control_fulfilled_by = NULL
         WHERE id IN (${IDS}) AND ${CONTROLLABLE} RETURNING id`,
      ),
      closeControl: db.prepare<[string, string], { id: number }>(
        `UPDATE interactions SET control_closed_at = ? WHERE id IN (${IDS}) AND on_control = 1
           AND control_closed_at IS NULL RETURNING id`,
      ),
      dropControl: db.prepare<[string], { id: number }>(
        `UPDATE interactions SET on_control = 0, control_due = NULL, control_closed_at = NULL, control_fulfilled_by = NULL
         WHERE id IN (${IDS}) AND on_control = 1 RETURNING id`,
      ),
    };
  }

  counts(now: Date): ListCounts {
    const at = now.toISOString();
    const n = (stmt: { get(...p: string[]): { n: number } | undefined }, ...params: string[]) =>
      stmt.get(...params)?.n ?? 0;
    return {
      toReview: n(this.stmt.toReview, at),
      postponed: n(this.stmt.postponed, at),
      onControl: n(this.stmt.onControl),
      overdue: n(this.stmt.overdue, at),
      due: n(this.stmt.due, at),
    };
  }

  /** Marks reviewed. Only incoming letters, calls, meetings and planned interactions take the flag. */
  markReviewed(ids: number[], now: Date): FlagResult {
    return this.change(ids, (json) => this.stmt.review.all(now.toISOString(), null, json));
  }

  /** Leaves the to-review list until `until`, then comes back by itself (nothing has to run at that time). */
  postponeReview(ids: number[], until: Date): FlagResult {
    return this.change(ids, (json) => this.stmt.review.all(null, until.toISOString(), json));
  }

  unmarkReviewed(ids: number[]): FlagResult {
    return this.change(ids, (json) => this.stmt.review.all(null, null, json));
  }

  /** Puts outgoing letters and SMS on control (again), with an optional due date. */
  putOnControl(ids: number[], due: Date | null): FlagResult {
    return this.change(ids, (json) => this.stmt.control.all(due?.toISOString() ?? null, json));
  }

  /** Ends the control by hand: the answer came some other way. */
  closeControl(ids: number[], now: Date): FlagResult {
    return this.change(ids, (json) => this.stmt.closeControl.all(now.toISOString(), json));
  }

  /** Takes the interactions off control altogether, as if never put on it. */
  dropControl(ids: number[]): FlagResult {
    return this.change(ids, (json) => this.stmt.dropControl.all(json));
  }

  private change(ids: number[], run: (json: string) => Array<{ id: number }>): FlagResult {
    const changed = writeTransaction(this.db, () => run(JSON.stringify(ids)).map((r) => r.id));
    const done = new Set(changed);
    return { changed: changed.sort((a, b) => a - b), skipped: ids.filter((id) => !done.has(id)) };
  }
}
