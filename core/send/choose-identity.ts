import type { Identity } from '../db/identities-repo.js';
import { InterlogError } from '../errors.js';

/**
 * The From address of a new letter (seeds 002, 003): the one the user chose; else the company address bound to
 * the chain's subject (the project's own address); else the user's personal address, which wins over the
 * company's when both are set up; else the company's default; else the account's first address.
 */
export function chooseIdentity(
  identities: readonly Identity[],
  options: { chosen?: string; subjectId?: number | null },
): Identity {
  if (identities.length === 0) throw new InterlogError('invalid-input', 'This account has no address to send from.');
  if (options.chosen) {
    const chosen = identities.find((i) => i.address === options.chosen?.trim().toLowerCase());
    if (!chosen) {
      throw new InterlogError(
        'invalid-input',
        `${options.chosen} is not an address of this account; it has ${identities.map((i) => i.address).join(', ')}.`,
      );
    }
    return chosen;
  }
  const subjectId = options.subjectId;
  const bound =
    subjectId == null ? undefined : identities.find((i) => i.kind === 'company' && i.subjectIds.includes(subjectId));
  const personal = identities.filter((i) => i.kind === 'personal');
  const company = identities.filter((i) => i.kind === 'company');
  return (
    bound ??
    personal.find((i) => i.isDefault) ??
    personal[0] ??
    company.find((i) => i.isDefault && i.subjectIds.length === 0) ??
    company.find((i) => i.subjectIds.length === 0) ??
    (identities[0] as Identity)
  );
}
