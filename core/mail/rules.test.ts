import { describe, expect, it } from 'vitest';
import { evaluateRules, type LetterFacts, type Rule, ruleMatches } from './rules.js';

const letter: LetterFacts = {
  from: 'ivan@client.example.com',
  recipients: ['sales@mycompany.ru', 'boss@mycompany.ru'],
  subject: 'Заказ арматуры А500С',
  body: 'Прошу выставить счёт на 12 тонн.',
  hasAttachment: true,
  account: 'Work',
  folders: ['INBOX'],
};

function rule(id: number, conditions: Rule['conditions'], continueAfter = false): Rule {
  return { id, name: `r${id}`, enabled: true, conditions, actions: { tags: [`t${id}`] }, continueAfter };
}

describe('mail-processing rules', () => {
  it('matches a dedicated recipient address, a sender, a sender’s domain', () => {
    expect(ruleMatches({ to: ['SALES@mycompany.ru'] }, letter)).toBe(true);
    expect(ruleMatches({ to: ['support@mycompany.ru'] }, letter)).toBe(false);
    expect(ruleMatches({ from: ['ivan@client.example.com'] }, letter)).toBe(true);
    expect(ruleMatches({ from: ['example.com'] }, letter)).toBe(true);
    expect(ruleMatches({ from: ['@client.example.com'] }, letter)).toBe(true);
    expect(ruleMatches({ from: ['ample.com'] }, letter)).toBe(false);
  });

  it('matches words in the subject or body, attachments, account and folder', () => {
    expect(ruleMatches({ subjectContains: ['арматуры'] }, letter)).toBe(true);
    expect(ruleMatches({ bodyContains: ['СЧЁТ'] }, letter)).toBe(true);
    expect(ruleMatches({ bodyContains: ['договор'] }, letter)).toBe(false);
    expect(ruleMatches({ hasAttachment: false }, letter)).toBe(false);
    expect(ruleMatches({ account: 'work', folder: 'inbox' }, letter)).toBe(true);
    expect(ruleMatches({ folder: 'Sent' }, letter)).toBe(false);
  });

  it('needs every condition given to hold', () => {
    expect(ruleMatches({ to: ['sales@mycompany.ru'], subjectContains: ['договор'] }, letter)).toBe(false);
  });

  it('stops at the first match unless the rule says continue', () => {
    const rules = [
      rule(1, { from: ['nobody@x.ru'] }),
      rule(2, { to: ['sales@mycompany.ru'] }, true),
      rule(3, {}),
      rule(4, {}),
    ];
    expect(evaluateRules(rules, letter).map((m) => m.rule.id)).toEqual([2, 3]);
  });

  it('skips disabled rules', () => {
    const rules = [{ ...rule(1, {}), enabled: false }, rule(2, {})];
    expect(evaluateRules(rules, letter).map((m) => m.rule.id)).toEqual([2]);
  });
});
