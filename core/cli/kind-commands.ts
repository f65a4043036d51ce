import type { FlagResult } from '../db/flags-repo.js';
import type { JournalService } from '../journal-service.js';
import type { InteractionWithDetails } from '../kinds-api.js';
import type { Values } from './journal-commands.js';
import { interactionLine, writeOut } from './output.js';
import { UsageError } from './usage-error.js';

/** Options of the call, sms, meeting, plan, review, control, lists, due and settings commands. */
export const kindOptions = {
  phone: { type: 'string' },
  contact: { type: 'string' },
  in: { type: 'boolean' },
  out: { type: 'boolean' },
  at: { type: 'string' },
  duration: { type: 'string' },
  result: { type: 'string' },
  notes: { type: 'string' },
  title: { type: 'string' },
  basis: { type: 'string' },
  'subject-id': { type: 'string' },
  'done-plan': { type: 'string' },
  message: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  'system-id': { type: 'string' },
  source: { type: 'string' },
  tls: { type: 'boolean' },
  'api-id-env': { type: 'string' },
  sender: { type: 'string' },
  'base-url': { type: 'string' },
  start: { type: 'string' },
  end: { type: 'string' },
  place: { type: 'string' },
  participant: { type: 'string', multiple: true },
  agenda: { type: 'string' },
  invite: { type: 'boolean' },
  kind: { type: 'string' },
  by: { type: 'string' },
  until: { type: 'string' },
  undo: { type: 'boolean' },
  done: { type: 'boolean' },
  off: { type: 'boolean' },
  'mail-client': { type: 'string' },
  'html-letters': { type: 'string' },
  kinds: { type: 'string' },
  flags: { type: 'string' },
} as const;

export const KIND_USAGE = `  call add --phone P|--contact ID [--name N] [--in] [--at WHEN] [--duration SEC|M:SS] [--result R] [--notes T]
           [--title T] [--basis ID] [--subject-id ID] [--done-plan ID]
  sms send --phone P --message TEXT [--on-control [--due DATE]] [--basis ID] [--done-plan ID]
  sms log --phone P --message TEXT [--in] [--at WHEN] [--on-control [--due DATE]] [--basis ID]
  sms provider smpp --host H [--port N] [--tls] --system-id ID --source ADDR [--password-env VAR]
  sms provider smsru --api-id-env VAR [--sender NAME] [--base-url URL] | sms provider none
  sms status                                             (asks SMS.ru how the SMS on their way are doing)
  meeting add --title T --start WHEN [--end WHEN] [--place P] [--participant ADDR]... [--agenda T]
              [--invite --account NAME [--from-address ADDR]] [--basis ID] [--done-plan ID]
  meeting export [ID]                                    (iCalendar of one meeting, or of all meetings and plans)
  meeting replies                                        (reads invitation replies that arrived by mail)
  plan add --title T --kind call|meeting|email|sms --at WHEN [--phone P] [--participant ADDR]... [--notes T]
  plan done ID [--by INTERACTION_ID]
  due                                                    (planned interactions whose time has come)
  review ID... [--until WHEN] [--undo]                   (mark reviewed, postpone review, unmark)
  control ID... [--due DATE] [--done] [--off]            (on control, closed by hand, off control)
  lists [to-review|postponed|on-control|overdue]         (the counts, or one list)
  settings [--mail-client on|off] [--html-letters on|off] [--kinds on|off] [--flags on|off]`;

function num(value: unknown, what: string): number {
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || n <= 0) throw new UsageError(`${what} must be a number`);
  return n;
}

const str = (v: Values, key: string) => (typeof v[key] === 'string' ? (v[key] as string) : undefined);
const optNum = (v: Values, key: string) => (v[key] === undefined ? undefined : num(v[key], `--${key}`));

function need(v: Values, key: string, command: string): string {
  const value = str(v, key);
  if (!value) throw new UsageError(`${command} needs --${key}`);
  return value;
}

/** A date-time as typed ("2025-03-05 10:00", ISO, a date): ISO with an offset, local time when none is given. */
function when(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return text;
  const date = new Date(text.replace(' ', 'T'));
  if (Number.isNaN(date.getTime())) throw new UsageError(`"${text}" is not a date and time (2025-03-05 10:00)`);
  return date.toISOString();
}

function duration(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const parts = /^(?:(\d+):)?(\d+)(?::(\d+))?$/.exec(text);
  if (!parts) throw new UsageError('--duration is seconds or M:SS');
  const [h, m, s] = [parts[3] ? parts[1] : undefined, parts[3] ? parts[2] : parts[1], parts[3] ?? parts[2]];
  return Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s);
}

function onOff(v: Values, key: string): boolean | undefined {
  const value = str(v, key);
  if (value === undefined) return undefined;
  if (value !== 'on' && value !== 'off') throw new UsageError(`--${key} is on or off`);
  return value === 'on';
}

const common = (v: Values) => ({
  ...(str(v, 'title') ? { title: str(v, 'title') } : {}),
  basisId: optNum(v, 'basis'),
  subjectId: optNum(v, 'subject-id'),
  fromPlanned: optNum(v, 'done-plan'),
});

const other = (v: Values) => ({
  phone: str(v, 'phone'),
  contactId: optNum(v, 'contact'),
  contactName: str(v, 'name'),
});

async function show(entry: InteractionWithDetails, verb: string): Promise<void> {
  const d = entry.details;
  const extra = [
    d?.status ? `status ${d.status}` : '',
    d?.providerError ? d.providerError : '',
    d?.participants.length ? d.participants.map((p) => `${p.address} ${p.status}`).join(', ') : '',
  ]
    .filter(Boolean)
    .join('; ');
  await writeOut(
    `${verb} ${entry.interaction.kind} #${entry.interaction.id} "${entry.interaction.title}"${extra ? ` (${extra})` : ''}\n`,
  );
}

async function flagged(result: FlagResult, what: string): Promise<number> {
  if (result.changed.length) await writeOut(`${what}: ${result.changed.map((id) => `#${id}`).join(' ')}\n`);
  if (result.skipped.length) {
    process.stderr.write(`interlog: not changed (wrong kind or direction, or absent): ${result.skipped.join(' ')}\n`);
  }
  return result.changed.length ? 0 : 1;
}

/** Commands for the other kinds, the flags, the lists and the settings; undefined when `command` is none of them. */
export async function kindCommand(
  service: JournalService,
  command: string,
  args: string[],
  v: Values,
): Promise<number | undefined> {
  const [sub, ...rest] = args;
  switch (command) {
    case 'call': {
      if (sub !== 'add') throw new UsageError('call add --phone P ...');
      const entry = await service.logCall({
        ...common(v),
        ...other(v),
        direction: v.in ? 'in' : 'out',
        startedAt: when(str(v, 'at')),
        durationSeconds: duration(str(v, 'duration')),
        result: str(v, 'result'),
        notes: str(v, 'notes') ?? '',
      });
      await show(entry, 'Logged');
      return 0;
    }
    case 'sms':
      return smsCommand(service, sub, rest, v);
    case 'meeting':
      return meetingCommand(service, sub, rest, v);
    case 'plan': {
      if (sub === 'done') {
        const entry = await service.completePlanned({
          id: num(rest[0], 'the planned interaction id'),
          doneBy: optNum(v, 'by'),
        });
        await show(entry, 'Done:');
        return 0;
      }
      if (sub !== 'add') throw new UsageError('plan add --title T --kind K --at WHEN | plan done ID');
      const kind = need(v, 'kind', 'plan add');
      if (!['call', 'meeting', 'email', 'sms'].includes(kind))
        throw new UsageError('--kind is call, meeting, email or sms');
      const entry = await service.planInteraction({
        ...other(v),
        title: need(v, 'title', 'plan add'),
        plannedKind: kind as 'call',
        dueAt: when(need(v, 'at', 'plan add')) as string,
        participants: (v.participant as string[] | undefined) ?? [],
        notes: str(v, 'notes') ?? '',
        basisId: optNum(v, 'basis'),
        subjectId: optNum(v, 'subject-id'),
      });
      await show(entry, 'Planned');
      return 0;
    }
    case 'due': {
      const due = await service.dueList({});
      for (const d of due) {
        await writeOut(
          `#${d.interaction.id}  ${d.details?.startsAt?.slice(0, 16).replace('T', ' ')}  ${d.details?.plannedKind}  ${d.interaction.title}\n`,
        );
      }
      if (due.length === 0) await writeOut('Nothing is due.\n');
      return 0;
    }
    case 'review': {
      const ids = [sub, ...rest].map((id) => num(id, 'an interaction id'));
      const until = when(str(v, 'until'));
      const result = await service.review({ ids, ...(until ? { until } : {}), undo: v.undo === true });
      return flagged(result, v.undo ? 'Not reviewed' : until ? `Review postponed until ${until}` : 'Reviewed');
    }
    case 'control': {
      const ids = [sub, ...rest].map((id) => num(id, 'an interaction id'));
      const due = when(str(v, 'due'));
      const result = await service.control({
        ids,
        ...(due ? { due } : {}),
        done: v.done === true,
        off: v.off === true,
      });
      return flagged(result, v.off ? 'Off control' : v.done ? 'Control closed' : 'On control');
    }
    case 'lists':
      return listsCommand(service, sub);
    case 'settings': {
      const change = {
        mailClient: onOff(v, 'mail-client'),
        htmlLetters: onOff(v, 'html-letters'),
        otherKinds: onOff(v, 'kinds'),
        reviewFlags: onOff(v, 'flags'),
      };
      const s = Object.values(change).some((x) => x !== undefined)
        ? await service.updateSettings(change)
        : await service.getSettings({});
      const yn = (b: boolean) => (b ? 'on' : 'off');
      await writeOut(
        `Journal: ${s.journalTitle}\nMail client: ${yn(s.mailClient)}\nHTML letters: ${yn(s.htmlLetters)}\n` +
          `Calls, SMS, meetings, planned: ${yn(s.otherKinds)}\nReviewed / on control: ${yn(s.reviewFlags)}\n` +
          `SMS provider: ${s.smsProvider?.name ?? 'none'}\n`,
      );
      return 0;
    }
    default:
      return undefined;
  }
}

async function smsCommand(
  service: JournalService,
  sub: string | undefined,
  rest: string[],
  v: Values,
): Promise<number> {
  const control = {
    onControl: v['on-control'] === true || v.due !== undefined,
    ...(when(str(v, 'due')) ? { controlDue: when(str(v, 'due')) } : {}),
  };
  switch (sub) {
    case 'send': {
      const entry = await service.sendSms({
        ...common(v),
        ...other(v),
        phone: need(v, 'phone', 'sms send'),
        text: need(v, 'message', 'sms send'),
        ...control,
      });
      await show(entry, 'Sent');
      return entry.details?.status === 'failed' ? 1 : 0;
    }
    case 'log': {
      const entry = await service.logSms({
        ...common(v),
        ...other(v),
        direction: v.in ? 'in' : 'out',
        text: need(v, 'message', 'sms log'),
        date: when(str(v, 'at')),
        ...control,
      });
      await show(entry, 'Logged');
      return 0;
    }
    case 'provider': {
      const kind = rest[0];
      const secret = (key: string) => {
        const name = str(v, key);
        const value = name ? process.env[name] : undefined;
        if (name && !value) throw new UsageError(`the environment variable ${name} is empty or not set`);
        return value;
      };
      if (kind === 'none') await service.setSmsProvider({ provider: null });
      else if (kind === 'smpp') {
        await service.setSmsProvider({
          provider: {
            kind: 'smpp',
            host: need(v, 'host', 'sms provider smpp'),
            ...(str(v, 'port') ? { port: num(str(v, 'port'), '--port') } : {}),
            tls: v.tls === true,
            systemId: need(v, 'system-id', 'sms provider smpp'),
            password: secret('password-env') ?? '',
            sourceAddr: need(v, 'source', 'sms provider smpp'),
          },
        });
      } else if (kind === 'smsru') {
        const apiId = secret('api-id-env');
        if (!apiId) throw new UsageError('sms provider smsru needs --api-id-env VAR');
        await service.setSmsProvider({
          provider: {
            kind: 'smsru',
            apiId,
            ...(str(v, 'sender') ? { from: str(v, 'sender') } : {}),
            ...(str(v, 'base-url') ? { baseUrl: str(v, 'base-url') } : {}),
          },
        });
      } else throw new UsageError('sms provider smpp|smsru|none');
      await writeOut(`SMS provider: ${(await service.getSettings({})).smsProvider?.name ?? 'none'}\n`);
      return 0;
    }
    case 'status':
      await writeOut(`${await service.refreshSmsStatuses({})} SMS changed status.\n`);
      return 0;
    default:
      throw new UsageError('sms send|log|provider|status');
  }
}

async function meetingCommand(
  service: JournalService,
  sub: string | undefined,
  rest: string[],
  v: Values,
): Promise<number> {
  if (sub === 'export') {
    await writeOut(await service.exportCalendar(rest[0] ? { interactionId: num(rest[0], 'the meeting id') } : {}));
    return 0;
  }
  if (sub === 'replies') {
    await writeOut(`${await service.applyMeetingReplies({})} replies applied.\n`);
    return 0;
  }
  if (sub !== 'add') throw new UsageError('meeting add|export|replies');
  if (v.invite && typeof v.account !== 'string') throw new UsageError('meeting add --invite needs --account');
  const entry = await service.addMeeting({
    ...common(v),
    title: need(v, 'title', 'meeting add'),
    startsAt: when(need(v, 'start', 'meeting add')) as string,
    endsAt: when(str(v, 'end')),
    place: str(v, 'place'),
    participants: (v.participant as string[] | undefined) ?? [],
    agenda: str(v, 'agenda') ?? '',
    ...(v.invite ? { invite: { account: v.account as string, from: str(v, 'from-address') } } : {}),
  });
  await show(entry, 'Added');
  if (!v.invite) return 0;
  const { failed } = await service.sendQueued({});
  if (failed === 0) await writeOut('Invitation sent.\n');
  return failed > 0 ? 1 : 0;
}

const LISTS = {
  'to-review': { review: 'to-review' },
  postponed: { review: 'postponed' },
  'on-control': { control: 'active' },
  overdue: { control: 'overdue' },
} as const;

async function listsCommand(service: JournalService, which: string | undefined): Promise<number> {
  if (which === undefined) {
    const c = await service.lists({});
    await writeOut(
      `To review: ${c.toReview}\nPostponed: ${c.postponed}\nOn control: ${c.onControl}\nOverdue: ${c.overdue}\nDue: ${c.due}\n`,
    );
    return 0;
  }
  const filter = LISTS[which as keyof typeof LISTS];
  if (!filter) throw new UsageError('lists to-review|postponed|on-control|overdue');
  for (const r of await service.listInteractions({ ...filter, limit: 1000 })) await writeOut(`${interactionLine(r)}\n`);
  return 0;
}
