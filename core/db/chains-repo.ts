import type { Db } from './database.js';

interface Member {
  id: number;
  basis_id: number | null;
  chain_id: number | null;
  date: string;
}

/**
 * Interaction chains (seed 004: a loaded letter looks for its basis among earlier letters, and is checked as the
 * basis of earlier letters that named it). A letter's basis is the first of its In-Reply-To and References
 * (nearest first) that is in the journal; a chain is a connected set of bases. Both depend only on which letters
 * are present, never on the order they arrived in. Subject lines never link anything.
 */
export class ChainsRepo {
  private readonly stmt;
  /** How much re-linking work was done: recomputes and the interactions they had to look at. */
  readonly stats = { links: 0, recomputes: 0, touched: 0, maxTouched: 0 };

  constructor(private readonly db: Db) {
    this.stmt = {
      addParent: db.prepare('INSERT OR IGNORE INTO message_parents (message_row, rank, parent_id) VALUES (?, ?, ?)'),
      interactionByMessageId: db.prepare<[string], { id: number; chain_id: number | null }>(
        `SELECT i.id, i.chain_id FROM messages m JOIN interactions i ON i.message_id = m.id
         WHERE m.message_id = ? ORDER BY m.id LIMIT 1`,
      ),
      children: db.prepare<
        [string],
        { message_row: number; rank: number; interaction_id: number; basis_id: number | null }
      >(
        `SELECT p.message_row, p.rank, i.id AS interaction_id, i.basis_id FROM message_parents p
         JOIN interactions i ON i.message_id = p.message_row WHERE p.parent_id = ?`,
      ),
      basisRank: db.prepare<[number, number], { rank: number }>(
        `SELECT p.rank FROM message_parents p JOIN messages m ON m.message_id = p.parent_id
         JOIN interactions b ON b.message_id = m.id WHERE p.message_row = ? AND b.id = ? ORDER BY p.rank LIMIT 1`,
      ),
      answers: db.prepare<[number], { id: number }>('SELECT id FROM interactions WHERE basis_id = ?'),
      nearestBasis: db.prepare<[number], { id: number; chain_id: number | null }>(
        `SELECT b.id, b.chain_id FROM interactions i JOIN message_parents p ON p.message_row = i.message_id
         JOIN messages m ON m.message_id = p.parent_id JOIN interactions b ON b.message_id = m.id
         WHERE i.id = ? ORDER BY p.rank, m.id`,
      ),
      newChain: db.prepare('INSERT INTO chains (subject_id) VALUES (?)'),
      setBasis: db.prepare('UPDATE interactions SET basis_id = ? WHERE id = ?'),
      setChain: db.prepare('UPDATE interactions SET chain_id = ? WHERE id = ?'),
      chainOf: db.prepare<[number], { chain_id: number | null }>('SELECT chain_id FROM interactions WHERE id = ?'),
      members: db.prepare<[number], Member>('SELECT id, basis_id, chain_id, date FROM interactions WHERE chain_id = ?'),
      subjectOf: db.prepare<[number], { subject_id: number | null }>('SELECT subject_id FROM chains WHERE id = ?'),
      setSubject: db.prepare('UPDATE chains SET subject_id = ? WHERE id = ?'),
      dropChain: db.prepare(
        'DELETE FROM chains WHERE id = ? AND NOT EXISTS (SELECT 1 FROM interactions WHERE chain_id = ?)',
      ),
      settleControls: db.prepare(
        `UPDATE interactions AS o SET control_closed_at = ?,
           control_fulfilled_by = (SELECT r.id FROM interactions r WHERE r.chain_id = o.chain_id AND r.direction = 'in'
             AND r.date > o.date ORDER BY r.date, r.id LIMIT 1)
         WHERE o.chain_id = (SELECT chain_id FROM interactions WHERE id = ?) AND o.on_control = 1
           AND o.control_closed_at IS NULL AND o.direction = 'out'
           AND EXISTS (SELECT 1 FROM interactions r WHERE r.chain_id = o.chain_id AND r.direction = 'in' AND r.date > o.date)`,
      ),
    };
  }

  /**
   * Ends the control of outgoing letters in the chain that a later incoming letter answers (seed 004: a letter
   * on control waits for the other side). Call after linking, in the same transaction.
   */
  settleControls(interactionId: number): void {
    this.stmt.settleControls.run(new Date().toISOString(), interactionId);
  }

  /**
   * Takes interactions out of their chains before they are deleted (call inside the deleting transaction): each
   * answer to one of them finds its nearest basis still present, as if the deleted ones had never arrived, and
   * the chains involved are recomputed (a chain may split where its middle letter was).
   */
  unlink(interactionIds: readonly number[]): void {
    const gone = new Set(interactionIds);
    const involved = new Set<number>();
    const orphans: number[] = [];
    for (const id of interactionIds) {
      const chain = this.stmt.chainOf.get(id)?.chain_id;
      if (chain) involved.add(chain);
      for (const child of this.stmt.answers.all(id)) if (!gone.has(child.id)) orphans.push(child.id);
    }
    for (const id of interactionIds) this.stmt.setChain.run(null, id);
    for (const orphan of orphans) {
      const basis = this.stmt.nearestBasis
        .all(orphan)
        .find((candidate) => !gone.has(candidate.id) && candidate.id !== orphan);
      this.stmt.setBasis.run(basis?.id ?? null, orphan);
      if (basis?.chain_id) involved.add(basis.chain_id);
    }
    this.recompute([...involved], []);
  }

  /** A new interaction without a letter (a call, a meeting) starts a chain of its own. */
  startChain(interactionId: number, subjectId: number | null = null): number {
    const chainId = Number(this.stmt.newChain.run(subjectId).lastInsertRowid);
    this.stmt.setChain.run(chainId, interactionId);
    return chainId;
  }

  /**
   * Links a just-stored letter (call inside the storing transaction): finds its basis, makes it the basis of any
   * earlier letter that names it more nearly than its current basis, and updates only the chains involved.
   */
  linkLetter(interactionId: number, messageRow: number, messageId: string | null, candidates: readonly string[]): void {
    this.stats.links++;
    candidates.forEach((parentId, rank) => {
      this.stmt.addParent.run(messageRow, rank, parentId);
    });
    let basis: { id: number; chain_id: number | null } | undefined;
    for (const parentId of candidates) {
      basis = this.stmt.interactionByMessageId.get(parentId);
      if (basis && basis.id !== interactionId) break;
      basis = undefined;
    }
    if (basis) this.stmt.setBasis.run(basis.id, interactionId);

    const relinked: number[] = [];
    if (messageId) {
      for (const child of this.stmt.children.all(messageId)) {
        if (child.interaction_id === interactionId || child.basis_id === interactionId) continue;
        const current =
          child.basis_id === null ? undefined : this.stmt.basisRank.get(child.message_row, child.basis_id);
        if (current !== undefined && current.rank <= child.rank) continue;
        this.stmt.setBasis.run(interactionId, child.interaction_id);
        relinked.push(child.interaction_id);
      }
    }

    if (relinked.length === 0) {
      // The common case: a reply to a letter already here, or a letter that starts a chain.
      if (basis?.chain_id) this.stmt.setChain.run(basis.chain_id, interactionId);
      else this.startChain(interactionId);
      return;
    }
    const involved = new Set<number>();
    if (basis?.chain_id) involved.add(basis.chain_id);
    for (const id of relinked) {
      const chain = this.stmt.chainOf.get(id)?.chain_id;
      if (chain) involved.add(chain);
    }
    this.recompute([...involved], [interactionId]);
  }

  /**
   * Recomputes the partition of the given chains (plus loose interactions) into connected components: chains may
   * join when a missing parent arrives, and split when a letter finds a nearer basis in another chain.
   */
  private recompute(chainIds: number[], loose: number[]): void {
    const members = new Map<number, Member>();
    for (const chainId of chainIds) for (const m of this.stmt.members.all(chainId)) members.set(m.id, m);
    for (const id of loose) {
      const row = this.db
        .prepare<[number], Member>('SELECT id, basis_id, chain_id, date FROM interactions WHERE id = ?')
        .get(id);
      if (row) members.set(row.id, row);
    }
    this.stats.recomputes++;
    this.stats.touched += members.size;
    this.stats.maxTouched = Math.max(this.stats.maxTouched, members.size);
    const parent = new Map<number, number>();
    const find = (x: number): number => {
      let root = x;
      while (parent.get(root) !== root) root = parent.get(root) as number;
      let node = x;
      while (node !== root) {
        const next = parent.get(node) as number;
        parent.set(node, root);
        node = next;
      }
      return root;
    };
    for (const id of members.keys()) parent.set(id, id);
    for (const m of members.values()) {
      if (m.basis_id !== null && members.has(m.basis_id)) parent.set(find(m.id), find(m.basis_id));
    }
    const components = new Map<number, Member[]>();
    for (const m of members.values()) {
      const root = find(m.id);
      const list = components.get(root);
      if (list) list.push(m);
      else components.set(root, [m]);
    }
    const subjects = new Map<number, number | null>(
      chainIds.map((c) => [c, this.stmt.subjectOf.get(c)?.subject_id ?? null]),
    );
    const reused = new Set<number>();
    for (const component of components.values()) {
      component.sort((a, b) => a.date.localeCompare(b.date) || a.id - b.id);
      // The subject a component keeps is that of its oldest member's chain that has one.
      let subject: number | null = null;
      for (const m of component) {
        const s = m.chain_id === null ? null : (subjects.get(m.chain_id) ?? null);
        if (s !== null) {
          subject = s;
          break;
        }
      }
      const candidates = [...new Set(component.flatMap((m) => (m.chain_id === null ? [] : [m.chain_id])))].sort(
        (a, b) => a - b,
      );
      let chainId = candidates.find((c) => !reused.has(c));
      if (chainId === undefined) chainId = Number(this.stmt.newChain.run(subject).lastInsertRowid);
      else this.stmt.setSubject.run(subject, chainId);
      reused.add(chainId);
      for (const m of component) if (m.chain_id !== chainId) this.stmt.setChain.run(chainId, m.id);
    }
    for (const chainId of chainIds) if (!reused.has(chainId)) this.stmt.dropChain.run(chainId, chainId);
  }
}

/** The ids a letter names as possible bases, best first: In-Reply-To, then References from the nearest. */
export function basisCandidates(
  messageId: string | null,
  inReplyTo: string | null,
  references: readonly string[],
): string[] {
  const ordered = [...(inReplyTo ? [inReplyTo] : []), ...[...references].reverse()];
  return [...new Set(ordered)].filter((id) => id !== messageId);
}
