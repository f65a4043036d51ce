import { InterlogError } from '../errors.js';
import { type Db, writeTransaction } from './database.js';

export interface SubjectRecord {
  id: number;
  name: string;
  archived: boolean;
  /** Date of the newest interaction about this subject, or null when there is none yet. */
  latestActivity: string | null;
  interactions: number;
}

/**
 * Subjects (предметы): the business matters interactions are about — a deal, an order, a project. A subject is set
 * on a chain, so every letter of the chain, including those that arrive later, is about it.
 */
export class SubjectsRepo {
  constructor(private readonly db: Db) {}

  create(name: string): SubjectRecord {
    const clean = name.replace(/\s+/g, ' ').trim();
    if (!clean) throw new InterlogError('invalid-input', 'A subject needs a name.');
    if (this.byName(clean)) throw new InterlogError('invalid-input', `A subject named "${clean}" already exists.`);
    const id = writeTransaction(this.db, () =>
      Number(
        this.db.prepare('INSERT INTO subjects (name, created_at) VALUES (?, ?)').run(clean, new Date().toISOString())
          .lastInsertRowid,
      ),
    );
    return this.get(id) as SubjectRecord;
  }

  get(id: number): SubjectRecord | undefined {
    return this.select('WHERE s.id = ?', [id])[0];
  }

  byName(name: string): SubjectRecord | undefined {
    return this.select('WHERE s.name = ? COLLATE NOCASE', [name.trim()])[0];
  }

  /** Subjects with their latest activity, most recently active first; archived ones only when asked. */
  list(options: { includeArchived?: boolean } = {}): SubjectRecord[] {
    return this.select(options.includeArchived ? '' : 'WHERE s.archived = 0', []).sort((a, b) =>
      (b.latestActivity ?? '').localeCompare(a.latestActivity ?? ''),
    );
  }

  rename(id: number, name: string): void {
    const clean = name.replace(/\s+/g, ' ').trim();
    const other = this.byName(clean);
    if (other && other.id !== id)
      throw new InterlogError('invalid-input', `A subject named "${clean}" already exists.`);
    this.change('UPDATE subjects SET name = ? WHERE id = ?', [clean, id]);
  }

  archive(id: number, archived = true): void {
    this.change('UPDATE subjects SET archived = ? WHERE id = ?', [archived ? 1 : 0, id]);
  }

  /** Sets (or clears, with null) the subject of the interaction's whole chain: "set subject" and "move chain". */
  setForInteraction(interactionId: number, subjectId: number | null): void {
    writeTransaction(this.db, () => {
      const row = this.db
        .prepare<[number], { chain_id: number | null }>('SELECT chain_id FROM interactions WHERE id = ?')
        .get(interactionId);
      if (!row) throw new InterlogError('not-found', `There is no interaction ${interactionId}.`);
      if (subjectId !== null && !this.get(subjectId))
        throw new InterlogError('not-found', `There is no subject ${subjectId}.`);
      if (row.chain_id === null)
        throw new InterlogError('invalid-input', `Interaction ${interactionId} is in no chain.`);
      this.db.prepare('UPDATE chains SET subject_id = ? WHERE id = ?').run(subjectId, row.chain_id);
    });
  }

  private change(sql: string, params: unknown[]): void {
    const result = writeTransaction(this.db, () => this.db.prepare(sql).run(...params));
    if (result.changes === 0) throw new InterlogError('not-found', 'There is no such subject.');
  }

  private select(where: string, params: unknown[]): SubjectRecord[] {
    return this.db
      .prepare<unknown[], { id: number; name: string; archived: number; latest: string | null; n: number }>(
        `SELECT s.id, s.name, s.archived, MAX(i.date) AS latest, COUNT(i.id) AS n
         FROM subjects s LEFT JOIN chains c ON c.subject_id = s.id LEFT JOIN interactions i ON i.chain_id = c.id
         ${where} GROUP BY s.id ORDER BY s.name`,
      )
      .all(...params)
      .map((r) => ({
        id: r.id,
        name: r.name,
        archived: r.archived === 1,
        latestActivity: r.latest,
        interactions: r.n,
      }));
  }
}
