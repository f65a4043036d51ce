import { create } from 'zustand';
import type {
  AccountSummary,
  ApiInput,
  ApiOutput,
  Draft,
  DraftSummary,
  InteractionRecord,
  JournalClient,
  JournalEvent,
  MessageView,
  OutboxItem,
  SubjectRecord,
} from '../core/api.js';
import { ApiCallError, createApiClient } from './api-client';
import { detectLanguage, type Lang, type MessageKey, type Translate, translator } from './i18n';

export type Order = NonNullable<ApiInput<'listInteractions'>['order']>;
export type SyncProgress = Extract<JournalEvent, { type: 'progress' }>['progress'];
export type Settings = ApiOutput<'getSettings'>;
export type ListCounts = ApiOutput<'lists'>;
export type Kind = InteractionRecord['kind'];

/** Rows are fetched a page at a time, as the list scrolls to them. */
export const PAGE_SIZE = 100;
const SEARCH_LIMIT = 500;

interface Page {
  /** The list generation the page was read in: an older page is shown until its reload arrives, not blanked. */
  generation: number;
  rows: InteractionRecord[];
}

/** What narrows the list: a working list of the side panel, a kind, and the subject or contact being viewed. */
export interface ListFilter {
  review?: 'to-review' | 'postponed';
  control?: 'active' | 'overdue';
  kind?: Kind;
  subject?: { id: number; name: string };
  contact?: { id: number; name: string };
  direction?: 'in' | 'out';
  accountId?: number;
  /** A server folder path (of the chosen account, or of any). */
  folder?: string;
  /** The period as the date inputs give it (YYYY-MM-DD, local days, both ends included). */
  from?: string;
  to?: string;
}

/** A local calendar day's first moment, as the ISO time the API compares with; `days` moves it. */
function dayStart(day: string, days = 0): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d + days).toISOString();
}

export interface ListState {
  order: Order;
  query: string;
  filter: ListFilter;
  total: number;
  generation: number;
  pages: Record<number, Page>;
  /** Search hits, in date order, while a query is active; null when the list shows the whole journal. */
  hits: InteractionRecord[] | null;
  searching: boolean;
}

export interface ReadingState {
  id: number;
  view: MessageView | null;
  /** The chain the interaction belongs to, oldest first; empty until read. */
  chain: InteractionRecord[];
  error: string | null;
  remoteImages: boolean;
}

export type SyncOutcome = { ok: true; added: number } | { ok: false; message: string };

export interface SyncState {
  running: boolean;
  progress: Record<string, SyncProgress>;
  retry: Record<string, string>;
  outcome: SyncOutcome | null;
}

/** How a letter is begun: from scratch, or as an answer to or a forward of an interaction. */
export interface ComposeStart {
  mode: 'new' | 'reply' | 'reply-all' | 'forward';
  basis?: InteractionRecord;
  /** Writing on in a saved draft. */
  draft?: Draft;
}

/** The modal in front of the journal, if any; the ids are what a flag dialog acts on. */
export type Dialog =
  | { type: 'subject'; ids: number[] }
  | { type: 'postpone'; ids: number[] }
  | { type: 'control'; ids: number[] }
  | { type: 'delete'; ids: number[] }
  | { type: 'compose'; start: ComposeStart }
  | { type: 'create'; kind: Exclude<Kind, 'email'> }
  | { type: 'outbox' }
  | { type: 'drafts' }
  | { type: 'wizard' }
  | { type: 'settings' }
  | { type: 'account'; name: string };

export interface Notice {
  tone: 'ok' | 'error';
  text: string;
}

export type SendInput = ApiInput<'send'>;

export interface JournalState {
  lang: Lang;
  t: Translate;
  accounts: AccountSummary[];
  settings: Settings | null;
  counts: ListCounts | null;
  subjects: SubjectRecord[];
  outbox: OutboxItem[];
  /** Letters being written, newest first. */
  drafts: DraftSummary[];
  /** The reading pane shows a chain as a conversation rather than as a tree. */
  chainAsConversation: boolean;
  list: ListState;
  selectedId: number | null;
  /** Rows ticked for a bulk action; when empty, commands act on the selected row. */
  checked: number[];
  reading: ReadingState | null;
  sync: SyncState;
  dialog: Dialog | null;
  menu: { x: number; y: number } | null;
  notice: Notice | null;
  /** A failure of the app itself (the host gone, no token), shown over everything. */
  fatal: string | null;
  setLang(lang: Lang): void;
  start(): () => void;
  loadAccounts(): Promise<void>;
  loadSidePanel(): Promise<void>;
  refresh(): Promise<void>;
  ensureRows(first: number, last: number): void;
  setQuery(query: string): void;
  setOrder(order: Order): void;
  setFilter(filter: ListFilter): void;
  openContact(address: string): Promise<void>;
  select(id: number | null): void;
  toggleChecked(id: number): void;
  clearChecked(): void;
  showImages(): void;
  /** "Always show images from this sender", or its undoing; the letter being read opens again accordingly. */
  trustImages(address: string, trusted: boolean): Promise<void>;
  syncNow(): Promise<void>;
  openDialog(dialog: Dialog | null): void;
  openMenu(menu: { x: number; y: number } | null): void;
  notify(notice: Notice | null): void;
  review(ids: number[], options?: { until?: string; undo?: boolean }): Promise<void>;
  control(ids: number[], options?: { due?: string; done?: boolean; off?: boolean }): Promise<void>;
  setSubject(ids: number[], subject: SubjectRecord | null): Promise<void>;
  /** From the journal only; the server keeps its copies and a sync does not bring them back. */
  deleteInteractions(ids: number[]): Promise<void>;
  createSubject(name: string): Promise<SubjectRecord | null>;
  send(input: SendInput): Promise<boolean>;
  /** Keeps the letter being written; returns the draft's id (null when it could not be saved). */
  saveDraft(id: number | undefined, letter: ApiInput<'saveDraft'>['letter']): Promise<number | null>;
  deleteDraft(id: number): Promise<void>;
  setChainAsConversation(on: boolean): void;
  /** Opens a draft in the compose dialog to write on. */
  openDraft(id: number): Promise<void>;
  sendQueued(): Promise<void>;
  outboxAction(id: number, action: 'retry' | 'cancel'): Promise<void>;
  updateSettings(input: ApiInput<'updateSettings'>): Promise<void>;
  /** Runs one of the "create" calls (call, SMS, meeting, planned), then shows the new interaction. */
  create(run: () => Promise<{ interaction: InteractionRecord }>): Promise<boolean>;
}

/** The row at a list index, from the search hits or the loaded pages; undefined while its page is loading. */
export function rowAt(list: ListState, index: number): InteractionRecord | undefined {
  if (list.hits) return list.hits[index];
  return list.pages[Math.floor(index / PAGE_SIZE)]?.rows[index % PAGE_SIZE];
}

export function rowCount(list: ListState): number {
  return list.hits ? list.hits.length : list.total;
}

/** The loaded record of an id, from the reading pane or the list. */
export function recordOf(state: Pick<JournalState, 'reading' | 'list'>, id: number | null): InteractionRecord | null {
  if (id === null) return null;
  if (state.reading?.view?.interaction.id === id) return state.reading.view.interaction;
  const pages = state.list.hits ? [state.list.hits] : Object.values(state.list.pages).map((p) => p.rows);
  for (const rows of pages) {
    const found = rows.find((r) => r.id === id);
    if (found) return found;
  }
  return null;
}

/** The ids a command acts on: the ticked rows, else the selected one. */
export function targetIds(state: Pick<JournalState, 'checked' | 'selectedId'>): number[] {
  if (state.checked.length) return state.checked;
  return state.selectedId === null ? [] : [state.selectedId];
}

export function apiFilter(filter: ListFilter): ApiInput<'countInteractions'> {
  return {
    ...(filter.review ? { review: filter.review } : {}),
    ...(filter.control ? { control: filter.control } : {}),
    ...(filter.kind ? { kind: filter.kind } : {}),
    ...(filter.subject ? { subjectId: filter.subject.id } : {}),
    ...(filter.contact ? { contactId: filter.contact.id } : {}),
    ...(filter.direction ? { direction: filter.direction } : {}),
    ...(filter.accountId ? { accountId: filter.accountId } : {}),
    ...(filter.folder ? { folder: filter.folder } : {}),
    ...(filter.from ? { since: dayStart(filter.from) } : {}),
    ...(filter.to ? { before: dayStart(filter.to, 1) } : {}),
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function createJournalStore(api: JournalClient, lang: Lang = detectLanguage()) {
  const inFlight = new Set<string>();
  let lastRange: [number, number] = [0, 0];
  let searchSeq = 0;
  let searchRunning = false;
  let searchAgain = false;
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;

  return create<JournalState>()((set, get) => {
    const fail = (error: unknown) => {
      if (error instanceof ApiCallError && error.kind === 'unauthorized') set({ fatal: error.message });
      else console.error(error);
    };

    /** A command failed: the user sees the core's own words. */
    const failLoudly = (error: unknown) => {
      fail(error);
      set({ notice: { tone: 'error', text: messageOf(error) } });
    };

    const say = (key: MessageKey, params?: Record<string, string | number>) =>
      set({ notice: { tone: 'ok', text: get().t(key, params) } });

    const runSearch = async () => {
      const { query, order, filter } = get().list;
      const seq = ++searchSeq;
      if (!query.trim()) {
        set((s) => ({ list: { ...s.list, hits: null, searching: false } }));
        return;
      }
      set((s) => ({ list: { ...s.list, searching: true } }));
      try {
        // Core searches within the same filter as the list, so a narrowed view searches only what it shows.
        // And in the list's order: a search sorted by title is cut to its first hits by title, not by date.
        const hits = await api.search({ text: query, limit: SEARCH_LIMIT, order, ...apiFilter(filter) });
        if (seq !== searchSeq) return;
        set((s) => ({ list: { ...s.list, hits, searching: false } }));
      } catch (error) {
        if (seq === searchSeq) set((s) => ({ list: { ...s.list, searching: false } }));
        fail(error);
      }
    };

    /**
     * A search starts at the keystroke, not after a pause: a fixed delay would be added to every answer (200 ms
     * was twice the whole budget). Keystrokes that come while one runs are folded into a single search for the
     * latest text, so fast typing never queues a search per key.
     */
    const requestSearch = () => {
      if (searchRunning) {
        searchAgain = true;
        return;
      }
      searchRunning = true;
      void runSearch().finally(() => {
        searchRunning = false;
        if (searchAgain) {
          searchAgain = false;
          requestSearch();
        }
      });
    };

    const loadPage = async (page: number) => {
      const { generation, order, filter } = get().list;
      const key = `${generation}:${page}`;
      if (inFlight.has(key)) return;
      inFlight.add(key);
      try {
        const rows = await api.listInteractions({
          ...apiFilter(filter),
          limit: PAGE_SIZE,
          offset: page * PAGE_SIZE,
          order,
        });
        if (get().list.generation !== generation) return;
        set((s) => ({ list: { ...s.list, pages: { ...s.list.pages, [page]: { generation, rows } } } }));
      } catch (error) {
        fail(error);
      } finally {
        inFlight.delete(key);
      }
    };

    /** Many new letters arrive in bursts during a sync; one refresh per burst is enough. */
    const refreshSoon = () => {
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(() => void afterChange(), 300);
    };

    async function readMessage(id: number, remoteImages: boolean) {
      try {
        const [view, chain] = await Promise.all([
          api.getMessage({ interactionId: id, remoteImages }),
          api.chain({ interactionId: id }),
        ]);
        if (get().reading?.id === id) set({ reading: { id, view, chain, error: null, remoteImages } });
      } catch (error) {
        if (get().reading?.id === id) {
          set({ reading: { id, view: null, chain: [], error: messageOf(error), remoteImages } });
        }
        fail(error);
      }
    }

    /** After the journal changed: the list, the counts and the letter being read all show the new state. */
    async function afterChange() {
      const reading = get().reading;
      await Promise.all([
        get().refresh(),
        get().loadSidePanel(),
        reading ? readMessage(reading.id, reading.remoteImages) : undefined,
      ]);
    }

    /** Runs a flag action and tells how many rows it could not change (a letter of the wrong direction, say). */
    async function flag(run: () => Promise<{ changed: number[]; skipped: number[] }>) {
      try {
        const result = await run();
        // The ticks have done their job; kept, they would silently steer the next command too.
        set({ checked: [] });
        if (result.skipped.length) say('skipped', { n: result.skipped.length });
        else set({ notice: null });
        await afterChange();
      } catch (error) {
        failLoudly(error);
      }
    }

    const onEvent = (event: JournalEvent) => {
      switch (event.type) {
        case 'progress':
          set((s) => ({
            sync: {
              ...s.sync,
              running: true,
              progress: { ...s.sync.progress, [event.progress.account]: event.progress },
            },
          }));
          break;
        case 'retry':
          set((s) => ({ sync: { ...s.sync, retry: { ...s.sync.retry, [event.account]: event.reason } } }));
          break;
        case 'new-mail':
          refreshSoon();
          break;
        case 'sent':
        case 'send-failed':
          void loadOutbox();
          break;
        case 'open-interaction':
          // A click on a notification: the letter or the due plan it named, whatever the list shows now.
          set({ dialog: null, menu: null });
          get().select(event.interactionId);
          break;
        default:
          break;
      }
    };

    /** The outbox and the drafts: what is on its way out, and what is still being written. */
    async function loadOutbox() {
      try {
        const [outbox, drafts] = await Promise.all([api.listOutbox(), api.listDrafts()]);
        set({ outbox, drafts });
      } catch (error) {
        fail(error);
      }
    }

    const resetList = (patch: Partial<ListState>) => {
      set((s) => ({ list: { ...s.list, ...patch, pages: {}, total: 0 } }));
      void get().refresh();
    };

    return {
      lang,
      t: translator(lang),
      accounts: [],
      settings: null,
      counts: null,
      subjects: [],
      outbox: [],
      drafts: [],
      chainAsConversation: false,
      list: {
        order: 'newest',
        query: '',
        filter: {},
        total: 0,
        generation: 0,
        pages: {},
        hits: null,
        searching: false,
      },
      selectedId: null,
      checked: [],
      reading: null,
      sync: { running: false, progress: {}, retry: {}, outcome: null },
      dialog: null,
      menu: null,
      notice: null,
      fatal: null,

      setLang(next) {
        document.documentElement.lang = next;
        set({ lang: next, t: translator(next) });
      },

      start() {
        document.documentElement.lang = get().lang;
        const unsubscribe = api.onEvent(onEvent);
        // The list first: the host answers one call at a time, and the rows are what the window is waiting for.
        void get().refresh();
        void get().loadAccounts();
        void get().loadSidePanel();
        return unsubscribe;
      },

      async loadAccounts() {
        try {
          set({ accounts: await api.listAccounts() });
        } catch (error) {
          fail(error);
        }
      },

      async loadSidePanel() {
        try {
          const [settings, counts, subjects] = await Promise.all([
            api.getSettings(),
            api.lists(),
            api.listSubjects(),
            loadOutbox(),
          ]);
          set({ settings, counts, subjects });
        } catch (error) {
          fail(error);
        }
      },

      async refresh() {
        const generation = get().list.generation + 1;
        set((s) => ({ list: { ...s.list, generation } }));
        // The rows in view are asked for beside the count, not after it: one round trip to the first rows.
        void loadPage(Math.floor(lastRange[0] / PAGE_SIZE));
        try {
          const total = await api.countInteractions(apiFilter(get().list.filter));
          if (get().list.generation !== generation) return;
          set((s) => ({ list: { ...s.list, total } }));
        } catch (error) {
          fail(error);
        }
        get().ensureRows(...lastRange);
        if (get().list.query) await runSearch();
      },

      ensureRows(first, last) {
        lastRange = [first, last];
        const { list } = get();
        if (list.hits || last <= first) return;
        const end = Math.min(last, list.total);
        for (let page = Math.floor(first / PAGE_SIZE); page * PAGE_SIZE < end; page++) {
          if (list.pages[page]?.generation !== list.generation) void loadPage(page);
        }
      },

      setQuery(query) {
        set((s) => ({ list: { ...s.list, query } }));
        if (query.trim()) requestSearch();
        else {
          // Back to the whole journal at once; an answer still on its way is for a query no longer asked.
          searchSeq++;
          set((s) => ({ list: { ...s.list, hits: null, searching: false } }));
        }
      },

      setOrder(order) {
        set((s) => ({
          list: {
            ...s.list,
            order,
            pages: {},
            generation: s.list.generation + 1,
          },
        }));
        if (get().list.query.trim()) requestSearch();
        get().ensureRows(...lastRange);
      },

      setFilter(filter) {
        set({ checked: [] });
        resetList({ filter });
      },

      async openContact(address) {
        try {
          const found = await api.listContacts({ query: address, limit: 20 });
          const contact = found.find((c) => c.addresses.includes(address.toLowerCase())) ?? found[0];
          if (contact) get().setFilter({ contact: { id: contact.id, name: contact.name || address } });
        } catch (error) {
          failLoudly(error);
        }
      },

      select(id) {
        if (id === get().selectedId) return;
        set({
          selectedId: id,
          reading: id === null ? null : { id, view: null, chain: [], error: null, remoteImages: false },
        });
        if (id !== null) void readMessage(id, false);
      },

      toggleChecked(id) {
        set((s) => ({ checked: s.checked.includes(id) ? s.checked.filter((c) => c !== id) : [...s.checked, id] }));
      },

      clearChecked() {
        set({ checked: [] });
      },

      showImages() {
        const reading = get().reading;
        if (reading) void readMessage(reading.id, true);
      },

      async trustImages(address, trusted) {
        try {
          await api.trustImages({ address, trusted });
          const reading = get().reading;
          if (reading) await readMessage(reading.id, false);
        } catch (error) {
          failLoudly(error);
        }
      },

      async syncNow() {
        if (get().sync.running) return;
        set({ sync: { running: true, progress: {}, retry: {}, outcome: null } });
        let outcome: SyncOutcome;
        try {
          const results = await api.sync({});
          outcome = { ok: true, added: results.reduce((sum, r) => sum + r.added, 0) };
        } catch (error) {
          outcome = { ok: false, message: messageOf(error) };
          fail(error);
        }
        set((s) => ({ sync: { ...s.sync, running: false, progress: {}, outcome } }));
        await Promise.all([get().loadAccounts(), afterChange()]);
      },

      openDialog(dialog) {
        set({ dialog, menu: null });
        if (dialog?.type === 'outbox' || dialog?.type === 'drafts') void loadOutbox();
      },

      openMenu(menu) {
        set({ menu });
      },

      notify(notice) {
        set({ notice });
      },

      review(ids, options = {}) {
        return flag(() => api.review({ ids, ...options }));
      },

      control(ids, options = {}) {
        return flag(() => api.control({ ids, ...options }));
      },

      async deleteInteractions(ids) {
        try {
          const { deleted } = await api.deleteInteractions({ ids });
          const gone = new Set(ids);
          set((st) => ({
            checked: [],
            dialog: null,
            ...(st.selectedId !== null && gone.has(st.selectedId) ? { selectedId: null, reading: null } : {}),
          }));
          say('deletedCount', { n: deleted });
          await afterChange();
        } catch (error) {
          failLoudly(error);
        }
      },

      async setSubject(ids, subject) {
        try {
          // A subject belongs to a chain, so ticking two letters of one chain sets it once per letter, harmlessly.
          for (const id of ids) await api.setSubject({ interactionId: id, subjectId: subject?.id ?? null });
          set({ notice: null, checked: [] });
          await afterChange();
        } catch (error) {
          failLoudly(error);
        }
      },

      async createSubject(name) {
        try {
          const subject = await api.createSubject({ name });
          await get().loadSidePanel();
          return subject;
        } catch (error) {
          failLoudly(error);
          return null;
        }
      },

      async send(input) {
        try {
          await api.send(input);
        } catch (error) {
          failLoudly(error);
          return false;
        }
        say('queued');
        set({ dialog: null });
        await afterChange();
        await get().sendQueued();
        return true;
      },

      async saveDraft(id, letter) {
        try {
          const saved = await api.saveDraft({ ...(id !== undefined ? { id } : {}), letter });
          say('draftSaved');
          await loadOutbox();
          return saved.id;
        } catch (error) {
          failLoudly(error);
          return null;
        }
      },

      setChainAsConversation(on) {
        set({ chainAsConversation: on });
      },

      async deleteDraft(id) {
        try {
          await api.deleteDraft({ id });
        } catch (error) {
          failLoudly(error);
        }
        await loadOutbox();
      },

      async openDraft(id) {
        try {
          const draft = await api.getDraft({ id });
          const basisId = draft.letter.replyToInteraction ?? draft.letter.forwardInteraction;
          // The letter answered or forwarded, for the form's hints; gone from the journal, the draft opens without it.
          const basis =
            basisId === undefined
              ? undefined
              : await api.interactionDetails({ interactionId: basisId }).then(
                  (found) => found.interaction,
                  () => undefined,
                );
          const mode = draft.letter.forwardInteraction ? 'forward' : draft.letter.replyToInteraction ? 'reply' : 'new';
          set({ dialog: { type: 'compose', start: { mode, draft, ...(basis ? { basis } : {}) } }, menu: null });
        } catch (error) {
          failLoudly(error);
        }
      },

      async sendQueued() {
        try {
          const { sent, failed } = await api.sendQueued();
          if (failed) set({ notice: { tone: 'error', text: get().t('sendFailed', { n: failed }) } });
          else if (sent) say('sent', { n: sent });
        } catch (error) {
          failLoudly(error);
        }
        await Promise.all([loadOutbox(), afterChange()]);
      },

      async outboxAction(id, action) {
        try {
          await api.outboxAction({ id, action });
        } catch (error) {
          failLoudly(error);
        }
        if (action === 'retry') await get().sendQueued();
        else await loadOutbox();
      },

      async updateSettings(input) {
        try {
          set({ settings: await api.updateSettings(input) });
        } catch (error) {
          failLoudly(error);
        }
      },

      async create(run) {
        try {
          const { interaction } = await run();
          set({ dialog: null, notice: null });
          await afterChange();
          get().select(interaction.id);
          return true;
        } catch (error) {
          failLoudly(error);
          return false;
        }
      },
    };
  });
}

export const api = createApiClient();
export const useJournal = createJournalStore(api);
