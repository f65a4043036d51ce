import { z } from 'zod';
import type { FlagResult, ListCounts } from './db/flags-repo.js';
import type { InteractionRecord } from './db/interactions-repo.js';
import type { KindDetails } from './db/kinds-repo.js';
import type { FeatureSettings } from './db/settings-repo.js';
import { SMSRU_URL } from './sms/smsru-provider.js';

const id = z.number().int().positive();
const when = z.iso.datetime({ offset: true }).or(z.iso.date());
const phone = z.string().regex(/^\+?[\d\s()-]{3,30}$/, 'a phone number: digits, spaces, ( ) - and a leading +');
const ids = z.array(id).min(1).max(100_000);
/** What every kind shares: a subject line, the interaction it answers, the subject of its chain. */
const common = {
  title: z.string().trim().min(1).max(998).optional(),
  basisId: id.optional(),
  subjectId: id.optional(),
  /** The planned interaction this one carries out: it is closed as done by it. */
  fromPlanned: id.optional(),
};
const other = { phone: phone.optional(), contactId: id.optional(), contactName: z.string().trim().max(500).optional() };

/** Calls, SMS, meetings, planned interactions, the review/control flags, lists and the organizer settings. */
export const kindSchemas = {
  getSettings: z.object({}),
  updateSettings: z.object({
    mailClient: z.boolean().optional(),
    htmlLetters: z.boolean().optional(),
    otherKinds: z.boolean().optional(),
    reviewFlags: z.boolean().optional(),
    theme: z.enum(['system', 'light', 'dark']).optional(),
  }),
  setSmsProvider: z.object({
    provider: z
      .discriminatedUnion('kind', [
        z.object({
          kind: z.literal('smpp'),
          host: z.string().trim().min(1).max(255),
          port: z.number().int().min(1).max(65535).default(2775),
          tls: z.boolean().default(false),
          systemId: z.string().min(1).max(16),
          password: z.string().max(9),
          /** The sender shown on the phone: a number or an alphanumeric name. */
          sourceAddr: z.string().min(1).max(20),
        }),
        z.object({
          kind: z.literal('smsru'),
          apiId: z.string().min(1).max(200),
          from: z.string().min(1).max(20).optional(),
          baseUrl: z.url().default(SMSRU_URL),
        }),
      ])
      .nullable(),
  }),
  logCall: z
    .object({
      ...common,
      ...other,
      direction: z.enum(['in', 'out']),
      startedAt: when.optional(),
      durationSeconds: z
        .number()
        .int()
        .min(0)
        .max(86_400 * 7)
        .optional(),
      result: z.string().max(2000).optional(),
      notes: z.string().max(1_000_000).default(''),
    })
    .refine((c) => c.phone !== undefined || c.contactId !== undefined, {
      message: 'a call needs a phone number or a contact',
      path: ['phone'],
    }),
  logSms: z
    .object({
      ...common,
      ...other,
      direction: z.enum(['in', 'out']),
      text: z.string().min(1).max(10_000),
      date: when.optional(),
      onControl: z.boolean().default(false),
      controlDue: when.optional(),
    })
    .refine((s) => s.phone !== undefined || s.contactId !== undefined, {
      message: 'an SMS needs a phone number or a contact',
      path: ['phone'],
    }),
  sendSms: z.object({
    ...common,
    ...other,
    phone,
    text: z.string().min(1).max(10_000),
    onControl: z.boolean().default(false),
    controlDue: when.optional(),
  }),
  addMeeting: z.object({
    ...common,
    title: z.string().trim().min(1).max(998),
    startsAt: when,
    endsAt: when.optional(),
    place: z.string().max(1000).optional(),
    participants: z.array(z.email()).max(500).default([]),
    agenda: z.string().max(1_000_000).default(''),
    outcome: z.string().max(1_000_000).optional(),
    /** Send an invitation (iCalendar METHOD:REQUEST) to the participants through this account's outbox. */
    invite: z.object({ account: z.string().min(1), from: z.email().optional() }).optional(),
  }),
  planInteraction: z.object({
    ...other,
    title: z.string().trim().min(1).max(998),
    plannedKind: z.enum(['call', 'meeting', 'email', 'sms']),
    dueAt: when,
    participants: z.array(z.email()).max(500).default([]),
    notes: z.string().max(1_000_000).default(''),
    basisId: id.optional(),
    subjectId: id.optional(),
  }),
  completePlanned: z.object({ id, doneBy: id.optional() }),
  interactionDetails: z.object({ interactionId: id }),
  review: z.object({ ids, until: when.optional(), undo: z.boolean().default(false) }),
  control: z.object({ ids, due: when.optional(), done: z.boolean().default(false), off: z.boolean().default(false) }),
  lists: z.object({}),
  dueList: z.object({}),
  exportCalendar: z.object({ interactionId: id.optional() }),
  applyMeetingReplies: z.object({}),
  refreshSmsStatuses: z.object({}),
} as const;

export interface JournalSettings extends FeatureSettings {
  /** "E-mail" when only letters are on, "Interactions" when calls, SMS, meetings and planned ones are too. */
  journalTitle: 'E-mail' | 'Interactions';
  /** The kinds the user can create now. */
  creatable: Array<InteractionRecord['kind']>;
  smsProvider: { kind: 'smpp' | 'smsru'; name: string } | null;
  /** The window's colours: as the system says, or always light or dark. */
  theme: 'system' | 'light' | 'dark';
}

export interface InteractionWithDetails {
  interaction: InteractionRecord;
  details: KindDetails | null;
}

type In<K extends keyof typeof kindSchemas> = z.input<(typeof kindSchemas)[K]>;

export interface KindsApi {
  getSettings(input: In<'getSettings'>): Promise<JournalSettings>;
  updateSettings(input: In<'updateSettings'>): Promise<JournalSettings>;
  /** Sets (null: removes) the SMS provider; its password or API key goes to the secret store. */
  setSmsProvider(input: In<'setSmsProvider'>): Promise<JournalSettings>;
  logCall(input: In<'logCall'>): Promise<InteractionWithDetails>;
  /** Records an SMS sent or received elsewhere; needs no provider. */
  logSms(input: In<'logSms'>): Promise<InteractionWithDetails>;
  /** Sends an SMS through the configured provider and records it; fails clearly with no provider. */
  sendSms(input: In<'sendSms'>): Promise<InteractionWithDetails>;
  addMeeting(input: In<'addMeeting'>): Promise<InteractionWithDetails>;
  planInteraction(input: In<'planInteraction'>): Promise<InteractionWithDetails>;
  completePlanned(input: In<'completePlanned'>): Promise<InteractionWithDetails>;
  interactionDetails(input: In<'interactionDetails'>): Promise<InteractionWithDetails>;
  /** Marks reviewed, postpones review until a time (`until`), or unmarks (`undo`); many at once. */
  review(input: In<'review'>): Promise<FlagResult>;
  /** Puts on control (with `due`), closes by hand (`done`) or takes off control (`off`); many at once. */
  control(input: In<'control'>): Promise<FlagResult>;
  /** The counts of the working lists. */
  lists(input: In<'lists'>): Promise<ListCounts>;
  /** Planned interactions whose time has come: the reminders. */
  dueList(input: In<'dueList'>): Promise<InteractionWithDetails[]>;
  /** An iCalendar file of one meeting or planned interaction, or of all meetings and open planned ones. */
  exportCalendar(input: In<'exportCalendar'>): Promise<string>;
  /** Reads invitation replies that arrived by mail into the meetings' participants; returns how many applied. */
  applyMeetingReplies(input: In<'applyMeetingReplies'>): Promise<number>;
  /** Asks a polling provider (SMS.ru) for the status of SMS still on their way; returns how many changed. */
  refreshSmsStatuses(input: In<'refreshSmsStatuses'>): Promise<number>;
}
