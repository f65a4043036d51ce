import { describe, expect, it } from 'vitest';
import type { Identity } from '../db/identities-repo.js';
import { chooseIdentity } from './choose-identity.js';

let next = 1;
function identity(address: string, kind: Identity['kind'], extra: Partial<Identity> = {}): Identity {
  return {
    id: next++,
    accountId: 1,
    address,
    displayName: null,
    kind,
    replyTo: null,
    isDefault: false,
    subjectIds: [],
    ...extra,
  };
}

describe('choosing the From address', () => {
  const personal = identity('ivan@mycompany.ru', 'personal');
  const sales = identity('sales@mycompany.ru', 'company', { isDefault: true });
  const stroy = identity('stroy@mycompany.ru', 'company', { subjectIds: [7] });

  it('takes the address the user chose, and refuses one the account does not have', () => {
    expect(chooseIdentity([personal, sales], { chosen: 'SALES@mycompany.ru' })).toBe(sales);
    expect(() => chooseIdentity([personal, sales], { chosen: 'boss@mycompany.ru' })).toThrow(
      /not an address of this account/,
    );
  });

  it('uses the company address bound to the chain’s subject', () => {
    expect(chooseIdentity([personal, sales, stroy], { subjectId: 7 })).toBe(stroy);
  });

  it('prefers the personal address when both levels are set up', () => {
    expect(chooseIdentity([sales, personal, stroy], { subjectId: 3 })).toBe(personal);
  });

  it('falls back to the company’s default, never to an address bound to another project', () => {
    expect(chooseIdentity([stroy, sales], {})).toBe(sales);
  });
});
