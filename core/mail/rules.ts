/**
 * Mail-processing rules (seeds 000, 001): the way a dedicated address like sales@ or a client's domain routes a
 * letter to its subject, the way Planfix turns mail into tasks in the right project. All conditions given must
 * hold; each list holds if any of its entries does. Matching ignores case.
 */
export interface RuleConditions {
  /** Any recipient (To, Cc, Bcc) is one of these addresses. */
  to?: string[] | undefined;
  /** The sender is one of these: a full address, or a domain written "example.com" or "@example.com". */
  from?: string[] | undefined;
  subjectContains?: string[] | undefined;
  bodyContains?: string[] | undefined;
  hasAttachment?: boolean | undefined;
  /** Account name. */
  account?: string | undefined;
  /** Server folder path, e.g. "INBOX/Sales". */
  folder?: string | undefined;
}

export interface RuleActions {
  setSubject?: number | undefined;
  markReviewed?: boolean | undefined;
  setOnControl?: boolean | undefined;
  tags?: string[] | undefined;
}

export interface Rule {
  id: number;
  name: string;
  enabled: boolean;
  conditions: RuleConditions;
  actions: RuleActions;
  /** Go on to the next rules after this one matched (otherwise the first match wins). */
  continueAfter: boolean;
}

/** What a rule can look at in a letter. */
export interface LetterFacts {
  from: string | null;
  recipients: string[];
  subject: string;
  body: string;
  hasAttachment: boolean;
  account: string | null;
  folders: string[];
}

const lower = (s: string) => s.toLowerCase();

function senderMatches(from: string | null, patterns: string[]): boolean {
  if (!from) return false;
  const address = lower(from);
  const domain = address.slice(address.lastIndexOf('@') + 1);
  return patterns.some((p) => {
    const pattern = lower(p.trim());
    if (pattern.includes('@') && !pattern.startsWith('@')) return pattern === address;
    const wanted = pattern.replace(/^@/, '');
    return domain === wanted || domain.endsWith(`.${wanted}`);
  });
}

export function ruleMatches(conditions: RuleConditions, letter: LetterFacts): boolean {
  const c = conditions;
  if (c.to && !letter.recipients.some((r) => c.to?.some((t) => lower(t.trim()) === lower(r)))) return false;
  if (c.from && !senderMatches(letter.from, c.from)) return false;
  if (c.subjectContains && !c.subjectContains.some((w) => lower(letter.subject).includes(lower(w)))) return false;
  if (c.bodyContains && !c.bodyContains.some((w) => lower(letter.body).includes(lower(w)))) return false;
  if (c.hasAttachment !== undefined && c.hasAttachment !== letter.hasAttachment) return false;
  if (c.account && lower(c.account) !== lower(letter.account ?? '')) return false;
  if (c.folder && !letter.folders.some((f) => lower(f) === lower(c.folder as string))) return false;
  return true;
}

/** The actions to apply, in rule order: the first matching rule, and the ones after it while they say continue. */
export function evaluateRules(
  rules: readonly Rule[],
  letter: LetterFacts,
): Array<{ rule: Rule; actions: RuleActions }> {
  const out: Array<{ rule: Rule; actions: RuleActions }> = [];
  for (const rule of rules) {
    if (!rule.enabled || !ruleMatches(rule.conditions, letter)) continue;
    out.push({ rule, actions: rule.actions });
    if (!rule.continueAfter) break;
  }
  return out;
}
