import { useEffect, useState } from 'react';
import type { ContactRecord } from '../../core/api.js';
import type { MessageKey } from '../i18n';
import { api, type ListCounts, type ListFilter, useJournal } from '../store';

const LISTS: Array<{ name: Exclude<keyof ListCounts, 'due'>; label: MessageKey; filter: ListFilter }> = [
  { name: 'toReview', label: 'listToReview', filter: { review: 'to-review' } },
  { name: 'postponed', label: 'listPostponed', filter: { review: 'postponed' } },
  { name: 'onControl', label: 'listOnControl', filter: { control: 'active' } },
  { name: 'overdue', label: 'listOverdue', filter: { control: 'overdue' } },
];

const PENDING = new Set(['queued', 'sending', 'committing', 'failed', 'unknown']);

function ContactSearch() {
  const setFilter = useJournal((s) => s.setFilter);
  const current = useJournal((s) => s.list.filter.contact?.id);
  const t = useJournal((s) => s.t);
  const [query, setQuery] = useState('');
  const [contacts, setContacts] = useState<ContactRecord[]>([]);
  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      api.listContacts({ query, limit: 8 }).then(
        (found) => live && setContacts(found),
        () => live && setContacts([]),
      );
    }, 150);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [query]);
  return (
    <>
      <input
        type="search"
        className="side-search"
        placeholder={t('findContact')}
        aria-label={t('findContact')}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
      />
      <ul className="side-list" aria-label={t('contacts')}>
        {contacts.map((c) => (
          <li key={c.id}>
            <button
              type="button"
              className="list-link"
              aria-pressed={current === c.id}
              title={c.addresses.join(', ')}
              onClick={() => setFilter({ contact: { id: c.id, name: c.name || (c.addresses[0] ?? '') } })}
            >
              <span className="label">{c.name || c.addresses[0]}</span>
              <span className="badge">{c.interactions}</span>
            </button>
          </li>
        ))}
      </ul>
    </>
  );
}

/** The working lists with their counts, the subjects and the contacts: each click narrows the journal to it. */
export function ListsPanel() {
  const counts = useJournal((s) => s.counts);
  const settings = useJournal((s) => s.settings);
  const subjects = useJournal((s) => s.subjects);
  const outbox = useJournal((s) => s.outbox);
  const drafts = useJournal((s) => s.drafts);
  const filter = useJournal((s) => s.list.filter);
  const setFilter = useJournal((s) => s.setFilter);
  const openDialog = useJournal((s) => s.openDialog);
  const t = useJournal((s) => s.t);
  const pending = outbox.filter((o) => PENDING.has(o.status)).length;
  const active = (f: ListFilter) => f.review === filter.review && f.control === filter.control;
  const plain = !filter.review && !filter.control && !filter.subject && !filter.contact;
  return (
    <nav className="lists" aria-label={t('lists')}>
      <button
        type="button"
        className="list-link"
        aria-pressed={plain}
        onClick={() => setFilter(filter.kind ? { kind: filter.kind } : {})}
      >
        <span className="label">{t(settings?.journalTitle === 'E-mail' ? 'titleEmail' : 'titleInteractions')}</span>
      </button>
      {settings?.reviewFlags !== false
        ? LISTS.map((l) => (
            <button
              key={l.name}
              type="button"
              className={`list-link${l.name === 'overdue' && counts?.overdue ? ' alarm' : ''}`}
              data-list={l.name}
              aria-pressed={active(l.filter)}
              onClick={() => setFilter({ ...l.filter, ...(filter.kind ? { kind: filter.kind } : {}) })}
            >
              <span className="label">{t(l.label)}</span>
              <span className="badge">{counts ? counts[l.name] : '…'}</span>
            </button>
          ))
        : null}
      {settings?.mailClient !== false ? (
        <button type="button" className="list-link" data-list="outbox" onClick={() => openDialog({ type: 'outbox' })}>
          <span className="label">{t('outbox')}</span>
          {pending ? <span className="badge">{pending}</span> : null}
        </button>
      ) : null}
      {settings?.mailClient !== false ? (
        <button type="button" className="list-link" data-list="drafts" onClick={() => openDialog({ type: 'drafts' })}>
          <span className="label">{t('drafts')}</span>
          {drafts.length ? <span className="badge">{drafts.length}</span> : null}
        </button>
      ) : null}
      <h2>{t('subjects')}</h2>
      {subjects.length === 0 ? <p className="hint">{t('noSubjects')}</p> : null}
      <ul className="side-list" aria-label={t('subjects')}>
        {subjects.map((s) => (
          <li key={s.id}>
            <button
              type="button"
              className="list-link"
              aria-pressed={filter.subject?.id === s.id}
              onClick={() => setFilter({ subject: { id: s.id, name: s.name } })}
            >
              <span className="label">{s.name}</span>
              <span className="badge">{s.interactions}</span>
            </button>
          </li>
        ))}
      </ul>
      <h2>{t('contacts')}</h2>
      <ContactSearch />
    </nav>
  );
}
