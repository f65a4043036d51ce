import { useEffect } from 'react';
import { AccountsPanel } from './components/AccountsPanel';
import { InteractionList } from './components/InteractionList';
import { ReadingPane } from './components/ReadingPane';
import { rowCount, useJournal } from './store';

function Toolbar() {
  const list = useJournal((s) => s.list);
  const setQuery = useJournal((s) => s.setQuery);
  const t = useJournal((s) => s.t);
  const count = rowCount(list);
  return (
    <div className="toolbar">
      <h2 className="list-title">{t('interactions')}</h2>
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

export function App() {
  const start = useJournal((s) => s.start);
  const fatal = useJournal((s) => s.fatal);
  useEffect(() => start(), [start]);
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
        <InteractionList />
        <ReadingPane />
      </main>
    </div>
  );
}
