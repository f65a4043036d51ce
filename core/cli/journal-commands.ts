import type { InteractionRecord } from '../db/interactions-repo.js';
import type { JournalService } from '../journal-service.js';
import type { RuleActions, RuleConditions } from '../mail/rules.js';
import { cleanSubject } from '../mail/subject-line.js';
import { interactionLine, writeOut } from './output.js';
import { UsageError } from './usage-error.js';

export type Values = Record<string, string | boolean | string[] | undefined>;

/** Options these commands read, for the CLI's argument parser. */
export const journalOptions = {
  all: { type: 'boolean' },
  'to-address': { type: 'string', multiple: true },
  from: { type: 'string', multiple: true },
  'subject-contains': { type: 'string', multiple: true },
  'body-contains': { type: 'string', multiple: true },
  'has-attachment': { type: 'boolean' },
  'no-attachment': { type: 'boolean' },
  folder: { type: 'string' },
  'set-subject': { type: 'string' },
  'mark-reviewed': { type: 'boolean' },
  'on-control': { type: 'boolean' },
  tag: { type: 'string', multiple: true },
  continue: { type: 'boolean' },
  position: { type: 'string' },
} as const;

function id(value: string | undefined, what: string): number {
  const n = Number(value);
  if (!value || !Number.isInteger(n) || n <= 0) throw new UsageError(`${what} must be a number`);
  return n;
}

async function printAll(records: InteractionRecord[]): Promise<void> {
  for (const r of records) await writeOut(`${interactionLine(r)}\n`);
}

/** `interlog subject …` */
export async function subjectCommand(service: JournalService, args: string[], v: Values): Promise<number> {
  const [sub, a, ...rest] = args;
  switch (sub) {
    case 'list':
      for (const s of await service.listSubjects({ includeArchived: v.all === true })) {
        const when = s.latestActivity ? s.latestActivity.slice(0, 10) : 'no activity';
        await writeOut(
          `#${s.id}  ${s.name}${s.archived ? ' (archived)' : ''}  ${s.interactions} interactions, last ${when}\n`,
        );
      }
      return 0;
    case 'add': {
      const name = [a, ...rest].join(' ').trim();
      if (!name) throw new UsageError('subject add needs a name');
      const s = await service.createSubject({ name });
      await writeOut(`Created subject #${s.id} "${s.name}".\n`);
      return 0;
    }
    case 'rename':
      await service.renameSubject({ id: id(a, 'the subject id'), name: rest.join(' ') });
      return 0;
    case 'archive':
    case 'unarchive':
      await service.archiveSubject({ id: id(a, 'the subject id'), archived: sub === 'archive' });
      return 0;
    case 'set': {
      // "set INTERACTION SUBJECT|none": the whole chain of the interaction gets (or moves to) the subject.
      const target = rest[0];
      if (!target) throw new UsageError('subject set needs an interaction id and a subject id (or "none")');
      const subjectId = target === 'none' ? null : await subjectIdOf(service, target);
      await service.setSubject({ interactionId: id(a, 'the interaction id'), subjectId });
      return 0;
    }
    case 'show':
      await printAll(await service.listInteractions({ subjectId: id(a, 'the subject id'), limit: 1000 }));
      return 0;
    default:
      throw new UsageError(`unknown subject command "${sub ?? ''}"`);
  }
}

async function subjectIdOf(service: JournalService, text: string): Promise<number> {
  if (/^\d+$/.test(text)) return Number(text);
  const found = (await service.listSubjects({ includeArchived: true })).find(
    (s) => s.name.toLowerCase() === text.toLowerCase(),
  );
  if (!found) throw new UsageError(`there is no subject "${text}"`);
  return found.id;
}

/** `interlog contact …` */
export async function contactCommand(service: JournalService, args: string[], _v: Values): Promise<number> {
  const [sub, a, ...rest] = args;
  switch (sub) {
    case 'list':
      for (const c of await service.listContacts({ query: [a, ...rest].filter(Boolean).join(' '), limit: 1000 })) {
        const phones = c.phones.length ? `  ${c.phones.join(', ')}` : '';
        await writeOut(`#${c.id}  ${c.name}  <${c.addresses.join('>, <')}>${phones}  ${c.interactions} interactions\n`);
      }
      return 0;
    case 'show': {
      const c = await service.getContact({ id: id(a, 'the contact id') });
      await writeOut(
        `#${c.id}  ${c.name}\n  addresses: ${c.addresses.join(', ') || '—'}\n  phones: ${c.phones.join(', ') || '—'}\n`,
      );
      await printAll(await service.listInteractions({ contactId: c.id, limit: 1000 }));
      return 0;
    }
    case 'rename':
      await service.renameContact({ id: id(a, 'the contact id'), name: rest.join(' ') });
      return 0;
    case 'add-address':
      await service.addContactAddress({ id: id(a, 'the contact id'), address: rest[0] ?? '' });
      return 0;
    case 'add-phone':
      await service.addContactPhone({ id: id(a, 'the contact id'), phone: rest.join(' ') });
      return 0;
    case 'merge':
      await service.mergeContacts({ into: id(a, 'the contact to keep'), other: id(rest[0], 'the contact to merge') });
      return 0;
    default:
      throw new UsageError(`unknown contact command "${sub ?? ''}"`);
  }
}

/** `interlog rule …` */
export async function ruleCommand(service: JournalService, args: string[], v: Values): Promise<number> {
  const [sub, a] = args;
  switch (sub) {
    case 'list':
      for (const [i, r] of (await service.listRules({})).entries()) {
        const state = r.enabled ? '' : ' (disabled)';
        await writeOut(
          `${i + 1}. #${r.id} ${r.name}${state}: if ${JSON.stringify(r.conditions)} then ${JSON.stringify(r.actions)}${r.continueAfter ? ', continue' : ''}\n`,
        );
      }
      return 0;
    case 'add': {
      const name = typeof v.name === 'string' ? v.name : undefined;
      if (!name) throw new UsageError('rule add needs --name');
      const list = (key: string) =>
        Array.isArray(v[key]) ? (v[key] as string[]).flatMap((x) => x.split(',')) : undefined;
      const conditions: RuleConditions = {
        ...(list('to-address') ? { to: list('to-address') } : {}),
        ...(list('from') ? { from: list('from') } : {}),
        ...(list('subject-contains') ? { subjectContains: list('subject-contains') } : {}),
        ...(list('body-contains') ? { bodyContains: list('body-contains') } : {}),
        ...(v['has-attachment'] ? { hasAttachment: true } : v['no-attachment'] ? { hasAttachment: false } : {}),
        ...(typeof v.account === 'string' ? { account: v.account } : {}),
        ...(typeof v.folder === 'string' ? { folder: v.folder } : {}),
      };
      const actions: RuleActions = {
        ...(typeof v['set-subject'] === 'string' ? { setSubject: await subjectIdOf(service, v['set-subject']) } : {}),
        ...(v['mark-reviewed'] ? { markReviewed: true } : {}),
        ...(v['on-control'] ? { setOnControl: true } : {}),
        ...(Array.isArray(v.tag) ? { tags: v.tag as string[] } : {}),
      };
      const rule = await service.addRule({
        name,
        conditions,
        actions,
        continueAfter: v.continue === true,
        ...(typeof v.position === 'string' ? { position: id(v.position, '--position') } : {}),
      });
      await writeOut(`Added rule #${rule.id} "${rule.name}".\n`);
      return 0;
    }
    case 'remove':
      await service.removeRule({ id: id(a, 'the rule id') });
      return 0;
    case 'enable':
    case 'disable':
      await service.setRuleEnabled({ id: id(a, 'the rule id'), enabled: sub === 'enable' });
      return 0;
    case 'run':
      await writeOut(`Rules matched ${await service.rerunRules({})} letters.\n`);
      return 0;
    default:
      throw new UsageError(`unknown rule command "${sub ?? ''}"`);
  }
}

/** `interlog chain ID`: the chain as an indented tree of bases and answers. */
export async function chainCommand(service: JournalService, args: string[]): Promise<number> {
  const records = await service.chain({ interactionId: id(args[0], 'the interaction id') });
  const children = new Map<number | null, InteractionRecord[]>();
  const ids = new Set(records.map((r) => r.id));
  for (const r of records) {
    const parent = r.basisId !== null && ids.has(r.basisId) ? r.basisId : null;
    children.set(parent, [...(children.get(parent) ?? []), r]);
  }
  const first = records[0];
  const subject = first?.subject ? ` — ${first.subject.name}` : '';
  await writeOut(`Chain #${first?.chainId ?? '?'}: ${cleanSubject(first?.title ?? '')}${subject}\n`);
  const print = async (parent: number | null, depth: number): Promise<void> => {
    for (const r of children.get(parent) ?? []) {
      await writeOut(`${'  '.repeat(depth + 1)}${interactionLine(r)}\n`);
      await print(r.id, depth + 1);
    }
  };
  await print(null, 0);
  return 0;
}

/** `interlog delete ID...`: deletes interactions from the journal (the server keeps its copies). */
export async function deleteCommand(service: JournalService, args: string[]): Promise<number> {
  if (args.length === 0) throw new UsageError('delete needs at least one interaction id');
  const { deleted } = await service.deleteInteractions({ ids: args.map((a) => id(a, 'an interaction id')) });
  await writeOut(`Deleted ${deleted} of ${args.length} from the journal.\n`);
  return deleted === args.length ? 0 : 1;
}
