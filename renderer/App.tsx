import { useEffect, useState } from 'react';
import { AccountsPanel } from './components/AccountsPanel';
import { CommandBar, ContextMenu, useShortcuts } from './components/Commands';
import { DialogHost } from './components/Dialogs';
import { InteractionList } from './components/InteractionList';
import { ReadingPane } from './components/ReadingPane';
import type { MessageKey } from './i18n';
import { type Kind, type ListFilter, rowCount, useJournal } from './store';

const KIND_LABEL: Record<Kind, MessageKey> = {
  email: 'kindEmail',
  call: 'kindCall',
  sms: 'kindSms',
  meeting: 'kindMeeting',
  planned: 'kindPlanned',
};

const CREATE_LABEL: Record<Kind, MessageKey> = {
  email: 'create_email',
  call: 'create_call',
  sms: 'create_sms',
  meeting: 'create_meeting',
  planned: 'create_planned',
};

/** "Create": the kinds the organizer settings allow, a letter first. */
function CreateMenu() {
  const settings = useJournal((s) => s.settings);
  const openDialog = useJournal((s) => s.openDialog);
  const t = useJournal((s) => s.t);
  const [open, setOpen] = useState(false);
  const kinds = settings?.creatable ?? [];
  if (kinds.length === 0) return null;
  return (
    <div className="create-menu">
      <button
        type="button"
        className="primary"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        {t('create')} ▾
      </button>
      {open ? (
        <div className="dropdown" role="menu" aria-label={t('create')}>
          {kinds.map((kind) => (
            <button
              key={kind}
              type="button"
              role="menuitem"
              className="menu-item"
              onClick={() => {
                setOpen(false);
                openDialog(kind === 'email' ? { type: 'compose', start: { mode: 'new' } } : { type: 'create', kind });
              }}
            >
              {t(CREATE_LABEL[kind])}
            </button>
          ))}
        </div>
      ) : null}
    </div>
  );
}

function Toolbar() {
  const list = useJournal((s) => s.list);
  const settings = useJournal((s) => s.settings);
  const setQuery = useJournal((s) => s.setQuery);
  const t = useJournal((s) => s.t);
  const count = rowCount(list);
  return (
    <div className="toolbar">
      <h2 className="list-title">{t(settings?.journalTitle === 'E-mail' ? 'titleEmail' : 'titleInteractions')}</h2>
      <CreateMenu />
      <input
        type="search"
        className="search"
        placeholder={t('searchPlaceholder')}
        aria-label={t('searchLabel')}
        value={list.query}
        onChange={(event) => setQuery(event.target.value)}
      />
      <span className="count" role="status">
        {list.hits ? t('found', { n: count }) : t('count', { n: count })}
      </span>
    </div>
  );
}

/** What the list is narrowed to, each part removable, and the kind chooser. */
function FilterBar() {
  const filter = useJournal((s) => s.list.filter);
  const settings = useJournal((s) => s.settings);
  const setFilter = useJournal((s) => s.setFilter);
  const t = useJournal((s) => s.t);
  const accounts = useJournal((s) => s.accounts);
  const { kind, ...rest } = filter;
  const narrow = (change: Partial<ListFilter>) => {
    const next: ListFilter = { ...filter, ...change };
    for (const key of Object.keys(change) as Array<keyof ListFilter>) if (!next[key]) delete next[key];
    setFilter(next);
  };
  const folders = [
    ...new Set(accounts.filter((a) => !filter.accountId || a.id === filter.accountId).flatMap((a) => a.folders)),
  ].sort();
  const chips: Array<{ key: string; text: string; without: () => void }> = [];
  if (filter.subject) {
    const { subject: _s, ...without } = filter;
    chips.push({
      key: 'subject',
      text: t('subjectView', { name: filter.subject.name }),
      without: () => setFilter(without),
    });
  }
  if (filter.contact) {
    const { contact: _c, ...without } = filter;
    chips.push({
      key: 'contact',
      text: t('contactView', { name: filter.contact.name }),
      without: () => setFilter(without),
    });
  }
  if (filter.review || filter.control) {
    const { review: _r, control: _k, ...without } = filter;
    const list: MessageKey =
      filter.review === 'to-review'
        ? 'listToReview'
        : filter.review === 'postponed'
          ? 'listPostponed'
          : filter.control === 'overdue'
            ? 'listOverdue'
            : 'listOnControl';
    chips.push({ key: 'list', text: t(list), without: () => setFilter(without) });
  }
  const kinds = settings?.otherKinds === false ? [] : (Object.keys(KIND_LABEL) as Kind[]);
  return (
    <div className="filter-bar">
      {kinds.length ? (
        <label className="inline-field">
          {t('columnKind')}
          <select
            value={kind ?? ''}
            onChange={(e) => setFilter({ ...rest, ...(e.target.value ? { kind: e.target.value as Kind } : {}) })}
          >
            <option value="">{t('allKinds')}</option>
            {kinds.map((k) => (
              <option key={k} value={k}>
                {t(KIND_LABEL[k])}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <label className="inline-field">
        {t('filterDirection')}
        <select
          value={filter.direction ?? ''}
          onChange={(e) => narrow({ direction: (e.target.value || undefined) as ListFilter['direction'] })}
        >
          <option value="">{t('bothDirections')}</option>
          <option value="in">{t('incoming')}</option>
          <option value="out">{t('outgoing')}</option>
        </select>
      </label>
      {accounts.length > 1 ? (
        <label className="inline-field">
          {t('filterAccount')}
          <select
            value={filter.accountId ?? ''}
            onChange={(e) => narrow({ accountId: Number(e.target.value) || undefined, folder: undefined })}
          >
            <option value="">{t('allAccounts')}</option>
            {accounts.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {folders.length > 1 ? (
        <label className="inline-field">
          {t('filterFolder')}
          <select value={filter.folder ?? ''} onChange={(e) => narrow({ folder: e.target.value || undefined })}>
            <option value="">{t('allFolders')}</option>
            {folders.map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <label className="inline-field">
        {t('periodFrom')}
        <input
          type="date"
          value={filter.from ?? ''}
          max={filter.to}
          onChange={(e) => narrow({ from: e.target.value || undefined })}
        />
      </label>
      <label className="inline-field">
        {t('periodTo')}
        <input
          type="date"
          value={filter.to ?? ''}
          min={filter.from}
          onChange={(e) => narrow({ to: e.target.value || undefined })}
        />
      </label>
      {chips.map((chip) => (
        <span key={chip.key} className="chip" data-chip={chip.key}>
          {chip.text}
          <button type="button" aria-label={t('removeFilter', { name: chip.text })} onClick={chip.without}>
            ×
          </button>
        </span>
      ))}
      <CommandBar />
    </div>
  );
}

function NoticeBar() {
  const notice = useJournal((s) => s.notice);
  const notify = useJournal((s) => s.notify);
  const t = useJournal((s) => s.t);
  if (!notice) return null;
  return (
    <div className={`notice ${notice.tone}`}>
      <span role={notice.tone === 'error' ? 'alert' : 'status'}>{notice.text}</span>
      <button type="button" className="close" aria-label={t('close')} onClick={() => notify(null)}>
        ×
      </button>
    </div>
  );
}

export function App() {
  const start = useJournal((s) => s.start);
  const fatal = useJournal((s) => s.fatal);
  const theme = useJournal((s) => s.settings?.theme ?? 'system');
  useEffect(() => start(), [start]);
  // The stylesheet picks its colours by color-scheme; without the attribute it follows the system.
  useEffect(() => {
    if (theme === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
  }, [theme]);
  useShortcuts();
  if (fatal) {
    return (
      <main className="fatal" role="alert">
        {fatal}
      </main>
    );
  }
  return (
    <div className="app">
      <AccountsPanel />
      <main className="journal">
        <Toolbar />
        <FilterBar />
        <NoticeBar />
        <InteractionList />
        <ReadingPane />
      </main>
      <ContextMenu />
      <DialogHost />
    </div>
  );
}
