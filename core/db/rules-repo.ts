import { InterlogError } from '../errors.js';
import { evaluateRules, type LetterFacts, type Rule, type RuleActions, type RuleConditions } from '../mail/rules.js';
import { type Db, writeTransaction } from './database.js';

interface RuleRow {
  id: number;
  name: string;
  enabled: number;
  conditions: string;
  actions: string;
  continue_after: number;
}

/** Stored rules in their order, and their application to letters. */
export class RulesRepo {
  private readonly stmt;

  constructor(private readonly db: Db) {
    this.stmt = {
      facts: db.prepare<
        [number],
        {
          direction: string;
          subject_id: number | null;
          chain_id: number | null;
          from_address: string | null;
          recipients: string | null;
          title: string;
          has_attachments: number;
          account: string | null;
          message_row: number | null;
        }
      >(
        `SELECT i.direction, c.subject_id, i.chain_id, m.from_address, m.recipients, i.title, i.has_attachments,
           a.name AS account, m.id AS message_row
         FROM interactions i LEFT JOIN chains c ON c.id = i.chain_id LEFT JOIN messages m ON m.id = i.message_id
         LEFT JOIN accounts a ON a.id = i.account_id WHERE i.id = ?`,
      ),
      body: db.prepare<[number], { body: string }>('SELECT body FROM interactions_fts WHERE rowid = ?'),
      folders: db.prepare<[number], { path: string }>(
        `SELECT DISTINCT f.path FROM message_locations l JOIN folders f ON f.id = l.folder_id
         WHERE l.message_id = ? AND l.gone_at IS NULL`,
      ),
      setSubject: db.prepare('UPDATE chains SET subject_id = ? WHERE id = ?'),
      review: db.prepare('UPDATE interactions SET reviewed_at = COALESCE(reviewed_at, ?) WHERE id = ?'),
      control: db.prepare('UPDATE interactions SET on_control = 1 WHERE id = ?'),
      tag: db.prepare('INSERT OR IGNORE INTO interaction_tags (interaction_id, tag) VALUES (?, ?)'),
      applied: db.prepare('UPDATE messages SET rules_applied = 1 WHERE id = ?'),
    };
  }

  /** Read afresh each time: rules are few, and an index worker must see a rule added by another process. */
  list(): Rule[] {
    return this.db
      .prepare<[], RuleRow>('SELECT * FROM rules ORDER BY position, id')
      .all()
      .map((r) => ({
        id: r.id,
        name: r.name,
        enabled: r.enabled === 1,
        conditions: JSON.parse(r.conditions) as RuleConditions,
        actions: JSON.parse(r.actions) as RuleActions,
        continueAfter: r.continue_after === 1,
      }));
  }

  /** Adds a rule at the end (or at `position`, 1-based); its fields were checked at the API (rule-schema.ts). */
  add(input: {
    name: string;
    conditions: RuleConditions;
    actions: RuleActions;
    continueAfter?: boolean | undefined;
    position?: number | undefined;
  }): Rule {
    const { conditions, actions } = input;
    if (Object.keys(actions).length === 0)
      throw new InterlogError('invalid-input', 'A rule needs at least one action.');
    if (
      actions.setSubject !== undefined &&
      !this.db.prepare('SELECT 1 FROM subjects WHERE id = ?').get(actions.setSubject)
    ) {
      throw new InterlogError('not-found', `There is no subject ${actions.setSubject}.`);
    }
    const id = writeTransaction(this.db, () => {
      const count = this.list().length;
      const position = Math.min(Math.max(1, input.position ?? count + 1), count + 1);
      this.db.prepare('UPDATE rules SET position = position + 1 WHERE position >= ?').run(position);
      return Number(
        this.db
          .prepare('INSERT INTO rules (position, name, conditions, actions, continue_after) VALUES (?, ?, ?, ?, ?)')
          .run(position, input.name, JSON.stringify(conditions), JSON.stringify(actions), input.continueAfter ? 1 : 0)
          .lastInsertRowid,
      );
    });
    return this.list().find((r) => r.id === id) as Rule;
  }

  remove(id: number): void {
    const changes = writeTransaction(this.db, () => this.db.prepare('DELETE FROM rules WHERE id = ?').run(id).changes);
    if (changes === 0) throw new InterlogError('not-found', `There is no rule ${id}.`);
  }

  setEnabled(id: number, enabled: boolean): void {
    writeTransaction(this.db, () =>
      this.db.prepare('UPDATE rules SET enabled = ? WHERE id = ?').run(enabled ? 1 : 0, id),
    );
  }

  /**
   * Runs the rules on one incoming letter whose chain has no subject yet (a letter that inherits its chain's
   * subject is already routed). Call inside a write transaction, after the letter's text is indexed.
   */
  applyTo(interactionId: number): string[] {
    const f = this.stmt.facts.get(interactionId);
    if (!f) return [];
    if (f.message_row !== null) this.stmt.applied.run(f.message_row);
    if (f.direction !== 'in' || f.subject_id !== null) return [];
    const rules = this.list();
    if (rules.length === 0) return [];
    const recipients = f.recipients ? (JSON.parse(f.recipients) as Record<string, Array<{ address: string }>>) : {};
    const letter: LetterFacts = {
      from: f.from_address,
      recipients: ['to', 'cc', 'bcc'].flatMap((k) => (recipients[k] ?? []).map((a) => a.address)),
      subject: f.title,
      body: this.stmt.body.get(interactionId)?.body ?? '',
      hasAttachment: f.has_attachments === 1,
      account: f.account,
      folders: f.message_row === null ? [] : this.stmt.folders.all(f.message_row).map((r) => r.path),
    };
    const matched = evaluateRules(rules, letter);
    const now = new Date().toISOString();
    for (const { actions } of matched) {
      if (actions.setSubject !== undefined && f.chain_id !== null)
        this.stmt.setSubject.run(actions.setSubject, f.chain_id);
      if (actions.markReviewed) this.stmt.review.run(now, interactionId);
      if (actions.setOnControl) this.stmt.control.run(interactionId);
      for (const tag of actions.tags ?? []) this.stmt.tag.run(interactionId, tag);
    }
    return matched.map((m) => m.rule.name);
  }

  /** Re-runs the rules over every incoming letter whose chain has no subject; returns how many matched. */
  rerun(): number {
    const ids = this.db
      .prepare<[], { id: number }>(
        `SELECT i.id FROM interactions i LEFT JOIN chains c ON c.id = i.chain_id
         WHERE i.direction = 'in' AND c.subject_id IS NULL ORDER BY i.date, i.id`,
      )
      .all();
    return writeTransaction(this.db, () => ids.filter(({ id }) => this.applyTo(id).length > 0).length);
  }
}
