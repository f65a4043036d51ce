import crypto from 'node:crypto';
import type { z } from 'zod';
import { buildCalendar, type CalendarEvent, parseReply } from './calendar/ics.js';
import type { FlagResult, ListCounts } from './db/flags-repo.js';
import type { Journal } from './db/journal.js';
import type { NewKindInteraction, SmsStatus } from './db/kinds-repo.js';
import type { FeatureSettings } from './db/settings-repo.js';
import { InterlogError } from './errors.js';
import { type InteractionWithDetails, type JournalSettings, type KindsApi, kindSchemas } from './kinds-api.js';
import type { SecretStore } from './secrets/secret-store.js';
import type { SmsProvider, SmsProviderConfig, SmsReceipt } from './sms/provider.js';
import { SmppProvider } from './sms/smpp-provider.js';
import { SmsRuProvider } from './sms/smsru-provider.js';

const SMS_PROVIDER_KEY = 'sms.provider';
const SMS_SECRET = 'sms-provider';

/** What the kinds need of the mail side: queueing a letter (with a calendar part) through the outbox. */
export type QueueInvitation = (letter: {
  account: string;
  from?: string | undefined;
  to: string[];
  subject: string;
  text: string;
  icalEvent: { method: 'REQUEST'; content: string; filename: string };
}) => Promise<{ interactionId: number }>;

type Input<K extends keyof typeof kindSchemas> = z.input<(typeof kindSchemas)[K]>;

/** Calls, SMS, meetings, planned interactions, the review and control flags, and the organizer settings. */
export class KindsService implements KindsApi {
  private provider: SmsProvider | null = null;

  constructor(
    private readonly journal: Journal,
    private readonly secrets: SecretStore,
    private readonly now: () => Date,
    private readonly queueInvitation: QueueInvitation,
  ) {}

  async getSettings(_input: Input<'getSettings'> = {}): Promise<JournalSettings> {
    const features = this.journal.settings.features();
    const config = this.journal.settings.get<SmsProviderConfig>(SMS_PROVIDER_KEY);
    return {
      ...features,
      journalTitle: features.otherKinds ? 'Interactions' : 'E-mail',
      creatable: [
        ...(features.mailClient ? (['email'] as const) : []),
        ...(features.otherKinds ? (['call', 'sms', 'meeting', 'planned'] as const) : []),
      ],
      smsProvider: config ? { kind: config.kind, name: providerLabel(config) } : null,
      theme: this.journal.settings.theme(),
    };
  }

  async updateSettings(input: Input<'updateSettings'>): Promise<JournalSettings> {
    const { theme, ...features } = kindSchemas.updateSettings.parse(input);
    this.journal.settings.setFeatures(features);
    if (theme) this.journal.settings.setTheme(theme);
    return this.getSettings({});
  }

  async setSmsProvider(input: Input<'setSmsProvider'>): Promise<JournalSettings> {
    const { provider } = kindSchemas.setSmsProvider.parse(input);
    await this.provider?.close();
    this.provider = null;
    if (!provider) {
      this.journal.settings.put(SMS_PROVIDER_KEY, undefined);
      await this.secrets.delete(SMS_SECRET);
      return this.getSettings({});
    }
    await this.secrets.set(SMS_SECRET, provider.kind === 'smpp' ? provider.password : provider.apiId);
    const config: SmsProviderConfig =
      provider.kind === 'smpp'
        ? {
            kind: 'smpp',
            host: provider.host,
            port: provider.port,
            tls: provider.tls,
            systemId: provider.systemId,
            sourceAddr: provider.sourceAddr,
            secretRef: SMS_SECRET,
          }
        : { kind: 'smsru', baseUrl: provider.baseUrl, from: provider.from ?? null, secretRef: SMS_SECRET };
    this.journal.settings.put(SMS_PROVIDER_KEY, config);
    return this.getSettings({});
  }

  async logCall(input: Input<'logCall'>): Promise<InteractionWithDetails> {
    const c = kindSchemas.logCall.parse(input);
    this.require('otherKinds');
    const date = c.startedAt ? iso(c.startedAt) : this.now().toISOString();
    const who = c.contactName ?? c.phone ?? `contact ${c.contactId}`;
    return this.create({
      kind: 'call',
      direction: c.direction,
      date,
      title: c.title ?? `${c.direction === 'in' ? 'Call from' : 'Call to'} ${who}`,
      ...this.people(c),
      ...links(c),
      details: {
        startsAt: date,
        durationSeconds: c.durationSeconds ?? null,
        result: c.result ?? null,
        body: c.notes,
      },
    });
  }

  async logSms(input: Input<'logSms'>): Promise<InteractionWithDetails> {
    const s = kindSchemas.logSms.parse(input);
    this.require('otherKinds');
    if (s.onControl || s.controlDue) this.require('reviewFlags');
    return this.create({
      kind: 'sms',
      direction: s.direction,
      date: s.date ? iso(s.date) : this.now().toISOString(),
      title: s.title ?? smsTitle(s.text),
      ...this.people(s),
      ...links(s),
      details: { body: s.text, status: 'logged' },
      control:
        s.direction === 'out' && (s.onControl || s.controlDue)
          ? { due: s.controlDue ? iso(s.controlDue) : null }
          : undefined,
    });
  }

  async sendSms(input: Input<'sendSms'>): Promise<InteractionWithDetails> {
    const s = kindSchemas.sendSms.parse(input);
    this.require('otherKinds');
    if (s.onControl || s.controlDue) this.require('reviewFlags');
    const provider = await this.smsProvider();
    const created = await this.create({
      kind: 'sms',
      direction: 'out',
      date: this.now().toISOString(),
      title: s.title ?? smsTitle(s.text),
      ...this.people(s),
      ...links(s),
      details: { body: s.text, status: 'queued' },
      control: s.onControl || s.controlDue ? { due: s.controlDue ? iso(s.controlDue) : null } : undefined,
    });
    const id = created.interaction.id;
    let result: { providerMessageId: string | null; status: SmsStatus; error: string | null };
    try {
      result = await provider.send(created.details?.phone ?? s.phone, s.text);
    } catch (error) {
      result = { providerMessageId: null, status: 'failed', error: (error as Error).message };
    }
    this.journal.kinds.recordSmsSubmit(id, { provider: provider.name, ...result });
    return this.details(id);
  }

  async addMeeting(input: Input<'addMeeting'>): Promise<InteractionWithDetails> {
    const m = kindSchemas.addMeeting.parse(input);
    this.require('otherKinds');
    if (m.invite) this.require('mailClient');
    if (m.invite && m.participants.length === 0) {
      throw new InterlogError('invalid-input', 'An invitation needs at least one participant.');
    }
    const startsAt = iso(m.startsAt);
    const endsAt = m.endsAt ? iso(m.endsAt) : new Date(Date.parse(startsAt) + 3600_000).toISOString();
    if (endsAt < startsAt) throw new InterlogError('invalid-input', 'A meeting cannot end before it starts.');
    const created = await this.create({
      kind: 'meeting',
      direction: 'out',
      date: startsAt,
      title: m.title,
      participants: m.participants.map((address) => ({ name: '', address })),
      ...links(m),
      details: {
        startsAt,
        endsAt,
        place: m.place ?? null,
        body: m.agenda,
        result: m.outcome ?? null,
        icalUid: `${crypto.randomUUID()}@interlog`,
      },
    });
    if (!m.invite) return created;
    const account = this.journal.accounts.byName(m.invite.account);
    if (!account) throw new InterlogError('not-found', `There is no account named "${m.invite.account}".`);
    const organizer = { name: account.senderName ?? '', address: m.invite.from ?? account.email };
    const event = this.calendarEvent(created, organizer);
    const when = `${startsAt.slice(0, 16).replace('T', ' ')} UTC`;
    const letter = await this.queueInvitation({
      account: m.invite.account,
      from: m.invite.from,
      to: m.participants,
      subject: `Invitation: ${m.title}`,
      text: [`${m.title}`, `When: ${when}`, m.place ? `Where: ${m.place}` : '', '', m.agenda]
        .filter((l, i) => l || i > 2)
        .join('\n'),
      icalEvent: { method: 'REQUEST', content: buildCalendar('REQUEST', [event]), filename: 'invite.ics' },
    });
    // The invitation belongs to the meeting's chain, and so do the replies that answer it.
    this.journal.kinds.joinAsAnswer(letter.interactionId, created.interaction.id);
    return created;
  }

  async planInteraction(input: Input<'planInteraction'>): Promise<InteractionWithDetails> {
    const p = kindSchemas.planInteraction.parse(input);
    this.require('otherKinds');
    const dueAt = iso(p.dueAt);
    return this.create({
      kind: 'planned',
      direction: 'out',
      date: dueAt,
      title: p.title,
      ...(p.phone !== undefined || p.contactId !== undefined ? this.people(p) : {}),
      participants: p.participants.map((address) => ({ name: '', address })),
      basisId: p.basisId,
      subjectId: p.subjectId,
      details: { startsAt: dueAt, body: p.notes, status: 'open', plannedKind: p.plannedKind },
    });
  }

  async completePlanned(input: Input<'completePlanned'>): Promise<InteractionWithDetails> {
    const { id, doneBy } = kindSchemas.completePlanned.parse(input);
    this.journal.kinds.completePlanned(id, doneBy ?? null, this.now());
    return this.details(id);
  }

  async interactionDetails(input: Input<'interactionDetails'>): Promise<InteractionWithDetails> {
    return this.details(kindSchemas.interactionDetails.parse(input).interactionId);
  }

  async review(input: Input<'review'>): Promise<FlagResult> {
    const { ids, until, undo } = kindSchemas.review.parse(input);
    this.require('reviewFlags');
    if (undo) return this.journal.flags.unmarkReviewed(ids);
    if (until) return this.journal.flags.postponeReview(ids, new Date(until));
    return this.journal.flags.markReviewed(ids, this.now());
  }

  async control(input: Input<'control'>): Promise<FlagResult> {
    const { ids, due, done, off } = kindSchemas.control.parse(input);
    this.require('reviewFlags');
    if (off) return this.journal.flags.dropControl(ids);
    if (done) return this.journal.flags.closeControl(ids, this.now());
    return this.journal.flags.putOnControl(ids, due ? new Date(due) : null);
  }

  async lists(_input: Input<'lists'> = {}): Promise<ListCounts> {
    return this.journal.flags.counts(this.now());
  }

  async dueList(_input: Input<'dueList'> = {}): Promise<InteractionWithDetails[]> {
    return this.journal.kinds.due(this.now()).map((id) => this.details(id));
  }

  async exportCalendar(input: Input<'exportCalendar'>): Promise<string> {
    const { interactionId } = kindSchemas.exportCalendar.parse(input);
    const ids = interactionId === undefined ? this.journal.kinds.calendarEntries() : [interactionId];
    const events = ids.map((id) => {
      const entry = this.details(id);
      if (entry.interaction.kind !== 'meeting' && entry.interaction.kind !== 'planned') {
        throw new InterlogError('invalid-input', `Interaction ${id} is not a meeting or a planned interaction.`);
      }
      return this.calendarEvent(entry, null);
    });
    return buildCalendar('PUBLISH', events);
  }

  async applyMeetingReplies(_input: Input<'applyMeetingReplies'> = {}): Promise<number> {
    let applied = 0;
    const pending = this.journal.kinds.pendingCalendarLetters();
    // The MIME parser is loaded only when there is an invitation reply to read.
    if (pending.length === 0) return 0;
    const { simpleParser } = await import('mailparser');
    for (const letter of pending) {
      const parsed = await simpleParser(this.journal.blobs.read(letter.sha256)).catch(() => null);
      const parts = parsed?.attachments.filter((a) => a.contentType.toLowerCase().startsWith('text/calendar')) ?? [];
      const at = parsed?.date ?? this.now();
      for (const part of parts) {
        for (const reply of parseReply(part.content.toString('utf8'))) {
          if (this.journal.kinds.recordReply(reply.uid, reply.attendee, reply.status, at) !== undefined) applied++;
        }
      }
      this.journal.kinds.markCalendarLetterSeen(letter.messageRow);
    }
    return applied;
  }

  async refreshSmsStatuses(_input: Input<'refreshSmsStatuses'> = {}): Promise<number> {
    const provider = await this.smsProvider();
    if (!provider.poll) return 0;
    const waiting = this.journal.kinds.smsAwaitingStatus(provider.name).map((w) => w.providerMessageId);
    if (waiting.length === 0) return 0;
    let changed = 0;
    for (const receipt of await provider.poll(waiting)) if (this.applyReceipt(provider.name, receipt)) changed++;
    return changed;
  }

  async close(): Promise<void> {
    await this.provider?.close();
    this.provider = null;
  }

  private applyReceipt(provider: string, receipt: SmsReceipt): boolean {
    return this.journal.kinds.recordSmsReceipt(provider, receipt.providerMessageId, receipt.status, receipt.error);
  }

  private async smsProvider(): Promise<SmsProvider> {
    if (this.provider) return this.provider;
    const config = this.journal.settings.get<SmsProviderConfig>(SMS_PROVIDER_KEY);
    if (!config) {
      throw new InterlogError(
        'not-configured',
        'No SMS provider is set up: add one (SMPP or SMS.ru) in the settings, or log an SMS sent elsewhere instead.',
      );
    }
    const secret = await this.secrets.get(config.secretRef);
    if (secret === undefined)
      throw new InterlogError('secret-store', 'The SMS provider password is missing; set it again.');
    const name = providerLabel(config);
    this.provider =
      config.kind === 'smpp'
        ? new SmppProvider({ ...config, password: secret }, (receipt) => this.applyReceipt(name, receipt))
        : new SmsRuProvider({ baseUrl: config.baseUrl, apiId: secret, from: config.from });
    return this.provider;
  }

  private calendarEvent(entry: InteractionWithDetails, organizer: CalendarEvent['organizer']): CalendarEvent {
    const d = entry.details;
    const meeting = entry.interaction.kind === 'meeting';
    return {
      uid: d?.icalUid ?? `interaction-${entry.interaction.id}@interlog`,
      sequence: d?.icalSequence ?? 0,
      component: meeting ? 'VEVENT' : 'VTODO',
      start: d?.startsAt ?? entry.interaction.date,
      end: meeting ? (d?.endsAt ?? null) : null,
      summary: entry.interaction.title,
      description: d?.body ?? '',
      location: d?.place ?? null,
      organizer,
      attendees: (d?.participants ?? []).map((p) => ({ name: p.name, address: p.address, status: p.status })),
      stamp: this.now(),
    };
  }

  private async create(input: Omit<NewKindInteraction, 'now'>): Promise<InteractionWithDetails> {
    return this.details(this.journal.kinds.create({ ...input, now: this.now() }));
  }

  private details(id: number): InteractionWithDetails {
    const interaction = this.journal.interactions.get(id);
    if (!interaction) throw new InterlogError('not-found', `There is no interaction ${id}.`);
    return { interaction, details: this.journal.kinds.get(id) ?? null };
  }

  private people(p: { phone?: string | undefined; contactId?: number | undefined; contactName?: string | undefined }) {
    return { phone: p.phone, contactId: p.contactId, contactName: p.contactName };
  }

  private require(feature: keyof FeatureSettings): void {
    if (this.journal.settings.features()[feature]) return;
    const what: Record<keyof FeatureSettings, string> = {
      mailClient: 'The mail client is',
      htmlLetters: 'HTML letters are',
      otherKinds: 'Calls, SMS, meetings and planned interactions are',
      reviewFlags: 'The "reviewed" and "on control" flags are',
    };
    throw new InterlogError('disabled', `${what[feature]} switched off in the settings.`);
  }
}

function links(c: { basisId?: number | undefined; subjectId?: number | undefined; fromPlanned?: number | undefined }) {
  // Carrying out a planned interaction answers it, unless the user named another basis.
  return { basisId: c.basisId ?? c.fromPlanned, subjectId: c.subjectId, fulfils: c.fromPlanned };
}

function iso(when: string): string {
  return new Date(when).toISOString();
}

function smsTitle(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 60 ? `${line.slice(0, 59)}…` : line;
}

function providerLabel(config: SmsProviderConfig): string {
  return config.kind === 'smpp' ? `smpp:${config.systemId}@${config.host}:${config.port}` : 'smsru';
}
