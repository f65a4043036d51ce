import type { Address } from '../mail/types.js';
import { type Db, writeTransaction } from './database.js';

export interface ContactRecord {
  id: number;
  name: string;
  addresses: string[];
  phones: string[];
  interactions: number;
}

export type ParticipantRole = 'from' | 'to' | 'cc' | 'bcc';

/** Correspondents: every address seen becomes a contact, unless a contact already holds it. */
export class ContactsRepo {
  private readonly stmt;

  constructor(private readonly db: Db) {
    this.stmt = {
      byAddress: db.prepare<[string], { contact_id: number }>(
        'SELECT contact_id FROM contact_addresses WHERE address = ?',
      ),
      newContact: db.prepare('INSERT INTO contacts (name, created_at) VALUES (?, ?)'),
      addAddress: db.prepare('INSERT OR IGNORE INTO contact_addresses (address, contact_id) VALUES (?, ?)'),
      addPhone: db.prepare('INSERT OR IGNORE INTO contact_phones (contact_id, phone) VALUES (?, ?)'),
      link: db.prepare(
        'INSERT OR IGNORE INTO interaction_contacts (interaction_id, contact_id, role) VALUES (?, ?, ?)',
      ),
      get: db.prepare<[number], { id: number; name: string }>('SELECT id, name FROM contacts WHERE id = ?'),
      addresses: db.prepare<[number], { address: string }>(
        'SELECT address FROM contact_addresses WHERE contact_id = ? ORDER BY address',
      ),
      phones: db.prepare<[number], { phone: string }>(
        'SELECT phone FROM contact_phones WHERE contact_id = ? ORDER BY phone',
      ),
      count: db.prepare<[number], { n: number }>(
        'SELECT COUNT(DISTINCT interaction_id) AS n FROM interaction_contacts WHERE contact_id = ?',
      ),
    };
  }

  /** Ties an interaction to its correspondents (call inside the storing transaction). */
  attach(interactionId: number, people: Partial<Record<ParticipantRole, readonly Address[]>>): void {
    const now = new Date().toISOString();
    for (const role of ['from', 'to', 'cc', 'bcc'] as const) {
      for (const person of people[role] ?? []) {
        let contactId = this.stmt.byAddress.get(person.address)?.contact_id;
        if (contactId === undefined) {
          contactId = Number(this.stmt.newContact.run(person.name || person.address, now).lastInsertRowid);
          this.stmt.addAddress.run(person.address, contactId);
        }
        this.stmt.link.run(interactionId, contactId, role);
      }
    }
  }

  get(id: number): ContactRecord | undefined {
    const row = this.stmt.get.get(id);
    if (!row) return undefined;
    return {
      id: row.id,
      name: row.name,
      addresses: this.stmt.addresses.all(id).map((r) => r.address),
      phones: this.stmt.phones.all(id).map((r) => r.phone),
      interactions: this.stmt.count.get(id)?.n ?? 0,
    };
  }

  byAddress(address: string): ContactRecord | undefined {
    const id = this.stmt.byAddress.get(address.trim().toLowerCase())?.contact_id;
    return id === undefined ? undefined : this.get(id);
  }

  /**
   * Contacts whose name or an address contains `query` (empty: all), most active first. Matched in JS rather than
   * with LIKE, which folds case only for ASCII: "пётр" must find "Пётр".
   */
  list(query = '', limit = 100): ContactRecord[] {
    const needle = query.trim().toLowerCase();
    const rows = this.db
      .prepare<[], { id: number; haystack: string; n: number }>(
        `SELECT c.id, c.name || ' ' || COALESCE((SELECT group_concat(address, ' ') FROM contact_addresses a
           WHERE a.contact_id = c.id), '') AS haystack,
           (SELECT COUNT(DISTINCT interaction_id) FROM interaction_contacts ic WHERE ic.contact_id = c.id) AS n
         FROM contacts c ORDER BY n DESC, c.name`,
      )
      .all();
    const found: ContactRecord[] = [];
    for (const row of rows) {
      if (found.length >= limit) break;
      if (!needle || row.haystack.toLowerCase().includes(needle)) found.push(this.get(row.id) as ContactRecord);
    }
    return found;
  }

  rename(id: number, name: string): void {
    writeTransaction(this.db, () => this.db.prepare('UPDATE contacts SET name = ? WHERE id = ?').run(name, id));
  }

  /** Adds an address or phone; an address held by another contact moves here (it is the same person). */
  addAddress(id: number, address: string): void {
    writeTransaction(this.db, () => {
      this.db.prepare('DELETE FROM contact_addresses WHERE address = ?').run(address.trim().toLowerCase());
      this.stmt.addAddress.run(address.trim().toLowerCase(), id);
    });
  }

  addPhone(id: number, phone: string): void {
    writeTransaction(this.db, () => this.stmt.addPhone.run(id, normalizePhone(phone)));
  }

  /** Merges `other` into `into`: addresses, phones and interactions move; `other` disappears. */
  merge(into: number, other: number): void {
    if (into === other) return;
    writeTransaction(this.db, () => {
      this.db.prepare('UPDATE contact_addresses SET contact_id = ? WHERE contact_id = ?').run(into, other);
      this.db
        .prepare('INSERT OR IGNORE INTO contact_phones SELECT ?, phone FROM contact_phones WHERE contact_id = ?')
        .run(into, other);
      this.db
        .prepare(
          'INSERT OR IGNORE INTO interaction_contacts SELECT interaction_id, ?, role FROM interaction_contacts WHERE contact_id = ?',
        )
        .run(into, other);
      this.db.prepare('DELETE FROM contacts WHERE id = ?').run(other);
    });
  }
}

/** Phone numbers compare by their digits (and a leading +), however they were typed. */
export function normalizePhone(phone: string): string {
  const trimmed = phone.trim();
  return (trimmed.startsWith('+') ? '+' : '') + trimmed.replace(/\D/g, '');
}
