import type { AccountSummary } from '../../core/api.js';
import { listDate } from '../format';
import { LANGUAGES, type Lang } from '../i18n';
import { type SyncProgress, useJournal } from '../store';
import { ListsPanel } from './ListsPanel';

interface StatusProps {
  account: AccountSummary;
  progress: SyncProgress | undefined;
  retry: string | undefined;
}

function AccountStatus({ account, progress, retry }: StatusProps) {
  const t = useJournal((s) => s.t);
  const lang = useJournal((s) => s.lang);
  if (progress) {
    return (
      <div className="status syncing">
        <progress max={Math.max(1, progress.total)} value={progress.done} aria-label={account.name} />
        <span>{t('progress', { folder: progress.folder, done: progress.done, total: progress.total })}</span>
        {retry ? <span className="warning">{t('retrying', { reason: retry })}</span> : null}
      </div>
    );
  }
  if (account.lastError) {
    return (
      <div className="status error" role="alert">
        {account.lastError}
      </div>
    );
  }
  return (
    <div className="status">
      {account.lastSyncAt ? t('syncedAt', { time: listDate(account.lastSyncAt, lang) }) : t('neverSynced')}
    </div>
  );
}

/** The side panel: the working lists, the accounts with their state, the sync command and the language. */
export function AccountsPanel() {
  const accounts = useJournal((s) => s.accounts);
  const sync = useJournal((s) => s.sync);
  const syncNow = useJournal((s) => s.syncNow);
  const t = useJournal((s) => s.t);
  const lang = useJournal((s) => s.lang);
  const setLang = useJournal((s) => s.setLang);
  const openDialog = useJournal((s) => s.openDialog);
  return (
    <aside className="side">
      <h1 className="brand">Interlog</h1>
      <button
        type="button"
        className="primary sync-now"
        onClick={() => void syncNow()}
        disabled={sync.running || accounts.length === 0}
      >
        {sync.running ? t('syncing') : t('syncNow')}
      </button>
      {sync.outcome ? (
        <p className={`outcome ${sync.outcome.ok ? 'ok' : 'error'}`} role="status">
          {sync.outcome.ok
            ? t('syncDone', { n: sync.outcome.added })
            : t('syncFailed', { message: sync.outcome.message })}
        </p>
      ) : null}
      <ListsPanel />
      <h2>{t('accounts')}</h2>
      {accounts.length === 0 ? <p className="hint">{t('noAccounts')}</p> : null}
      <ul className="accounts">
        {accounts.map((account) => (
          <li key={account.id} className="account" data-account={account.name}>
            <div className="account-head">
              <div className="account-name">{account.name}</div>
              <button
                type="button"
                className="link"
                aria-label={t('editAccountOf', { name: account.name })}
                onClick={() => openDialog({ type: 'account', name: account.name })}
              >
                {t('editAccount')}
              </button>
            </div>
            <div className="account-email">{account.email}</div>
            <AccountStatus account={account} progress={sync.progress[account.name]} retry={sync.retry[account.name]} />
          </li>
        ))}
      </ul>
      <button type="button" className="secondary" onClick={() => openDialog({ type: 'wizard' })}>
        {t('addAccount')}
      </button>
      <button type="button" className="secondary" onClick={() => openDialog({ type: 'settings' })}>
        {t('settings')}
      </button>
      <label className="language">
        {t('language')}
        <select value={lang} onChange={(event) => setLang(event.target.value as Lang)}>
          {LANGUAGES.map((code) => (
            <option key={code} value={code}>
              {code === 'ru' ? 'Русский' : 'English'}
            </option>
          ))}
        </select>
      </label>
    </aside>
  );
}
