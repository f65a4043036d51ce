import { create } from 'zustand';
import type { AccountSummary, InteractionRecord, JournalClient, JournalEvent, MessageView } from '../core/api.js';
import { ApiCallError, createApiClient } from './api-client';
import { detectLanguage, type Lang, type Translate, translator } from './i18n';

export type Order = 'newest' | 'oldest';
export type SyncProgress = Extract<JournalEvent, { type: 'progress' }>['progress'];

/** Rows are fetched a page at a time, as the list scrolls to them. */
export const PAGE_SIZE = 100;
const SEARCH_LIMIT = 500;
const SEARCH_DELAY_MS = 200;

interface Page {
  /** The list generation the page was read in: an older page is shown until its reload arrives, not blanked. */
  generation: number;
  rows: InteractionRecord[];
}

export interface ListState {
  order: Order;
  query: string;
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

export interface JournalState {
  lang: Lang;
  t: Translate;
  accounts: AccountSummary[];
  list: ListState;
  selectedId: number | null;
  reading: ReadingState | null;
  sync: SyncState;
  /** A failure of the app itself (the host gone, no token), shown over everything. */
  fatal: string | null;
  setLang(lang: Lang): void;
  start(): () => void;
  loadAccounts(): Promise<void>;
  refresh(): Promise<void>;
  ensureRows(first: number, last: number): void;
  setQuery(query: string): void;
  setOrder(order: Order): void;
  select(id: number | null): void;
  showImages(): void;
  syncNow(): Promise<void>;
}

/** The row at a list index, from the search hits or the loaded pages; undefined while its page is loading. */
export function rowAt(list: ListState, index: number): InteractionRecord | undefined {
  if (list.hits) return list.hits[index];
  return list.pages[Math.floor(index / PAGE_SIZE)]?.rows[index % PAGE_SIZE];
}

export function rowCount(list: ListState): number {
  return list.hits ? list.hits.length : list.total;
}

function byDate(order: Order) {
  const sign = order === 'newest' ? -1 : 1;
  return (a: InteractionRecord, b: InteractionRecord) =>
    sign * (a.date < b.date ? -1 : a.date > b.date ? 1 : a.id - b.id);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function createJournalStore(api: JournalClient, lang: Lang = detectLanguage()) {
  const inFlight = new Set<string>();
  let lastRange: [number, number] = [0, 0];
  let searchTimer: ReturnType<typeof setTimeout> | undefined;
  let searchSeq = 0;
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;

  return create<JournalState>()((set, get) => {
    const fail = (error: unknown) => {
      if (error instanceof ApiCallError && error.kind === 'unauthorized') set({ fatal: error.message });
      else console.error(error);
    };

    const runSearch = async () => {
      const { query, order } = get().list;
      const seq = ++searchSeq;
      if (!query.trim()) {
        set((s) => ({ list: { ...s.list, hits: null, searching: false } }));
        return;
      }
      set((s) => ({ list: { ...s.list, searching: true } }));
      try {
        const hits = await api.search({ text: query, limit: SEARCH_LIMIT });
        if (seq !== searchSeq) return;
        set((s) => ({ list: { ...s.list, hits: hits.sort(byDate(order)), searching: false } }));
      } catch (error) {
        if (seq === searchSeq) set((s) => ({ list: { ...s.list, searching: false } }));
        fail(error);
      }
    };

    const loadPage = async (page: number) => {
      const { generation, order } = get().list;
      const key = `${generation}:${page}`;
      if (inFlight.has(key)) return;
      inFlight.add(key);
      try {
        const rows = await api.listInteractions({ limit: PAGE_SIZE, offset: page * PAGE_SIZE, order });
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
      refreshTimer = setTimeout(() => void get().refresh(), 300);
    };

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
        default:
          break;
      }
    };

    return {
      lang,
      t: translator(lang),
      accounts: [],
      list: { order: 'newest', query: '', total: 0, generation: 0, pages: {}, hits: null, searching: false },
      selectedId: null,
      reading: null,
      sync: { running: false, progress: {}, retry: {}, outcome: null },
      fatal: null,

      setLang(next) {
        document.documentElement.lang = next;
        set({ lang: next, t: translator(next) });
      },

      start() {
        document.documentElement.lang = get().lang;
        const unsubscribe = api.onEvent(onEvent);
        void get().loadAccounts();
        void get().refresh();
        return unsubscribe;
      },

      async loadAccounts() {
        try {
          set({ accounts: await api.listAccounts() });
        } catch (error) {
          fail(error);
        }
      },

      async refresh() {
        const generation = get().list.generation + 1;
        set((s) => ({ list: { ...s.list, generation } }));
        try {
          const total = await api.countInteractions({});
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
        clearTimeout(searchTimer);
        searchTimer = setTimeout(() => void runSearch(), query.trim() ? SEARCH_DELAY_MS : 0);
      },

      setOrder(order) {
        set((s) => ({
          list: {
            ...s.list,
            order,
            pages: {},
            generation: s.list.generation + 1,
            hits: s.list.hits ? [...s.list.hits].sort(byDate(order)) : null,
          },
        }));
        get().ensureRows(...lastRange);
      },

      select(id) {
        if (id === get().selectedId) return;
        set({ selectedId: id, reading: id === null ? null : { id, view: null, error: null, remoteImages: false } });
        if (id !== null) void readMessage(id, false);
      },

      showImages() {
        const reading = get().reading;
        if (reading) void readMessage(reading.id, true);
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
        await Promise.all([get().loadAccounts(), get().refresh()]);
      },
    };

    async function readMessage(id: number, remoteImages: boolean) {
      try {
        const view = await api.getMessage({ interactionId: id, remoteImages });
        if (get().reading?.id === id) set({ reading: { id, view, error: null, remoteImages } });
      } catch (error) {
        if (get().reading?.id === id) set({ reading: { id, view: null, error: messageOf(error), remoteImages } });
        fail(error);
      }
    }
  });
}

export const useJournal = createJournalStore(createApiClient());
