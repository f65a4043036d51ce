import { type ReactNode, useState } from 'react';
import type { AccountCheck, AccountSummary } from '../../core/api.js';
import { api, useJournal } from '../store';
import { useAttempt } from '../use-attempt';
import { CheckReport } from './CheckReport';
import { CancelButton, Modal } from './Modal';

type Security = AccountSummary['security'];
/** Seed 004's three tabs of an account's card. */
type Tab = 'sending' | 'receiving' | 'other';

/** Every tab stays in the form (hidden ones too), so a save carries what was changed on any of them. */
function TabPanel({ tab, shown, children }: { tab: Tab; shown: Tab; children: ReactNode }) {
  return (
    <div
      role="tabpanel"
      id={`account-panel-${tab}`}
      aria-labelledby={`account-tab-${tab}`}
      className="settings-panel"
      hidden={shown !== tab}
    >
      {children}
    </div>
  );
}
type EditInput = Parameters<typeof api.editAccount>[0];

/** The form's fields as typed; numbers stay strings until saved, a blank password means "unchanged". */
interface Draft {
  name: string;
  host: string;
  port: string;
  security: Security;
  username: string;
  password: string;
  acceptSelfSigned: boolean;
  securePasswordAuth: boolean;
  leaveOnServer: boolean;
  deleteAfterDays: string;
  timeoutSeconds: string;
  senderName: string;
  copyToSent: boolean;
  smtpHost: string;
  smtpPort: string;
  smtpSecurity: Security;
  smtpUsername: string;
  smtpPassword: string;
  popBeforeSmtp: boolean;
}

function draftOf(a: AccountSummary): Draft {
  return {
    name: a.name,
    host: a.host,
    port: String(a.port),
    security: a.security,
    username: a.username,
    password: '',
    acceptSelfSigned: a.acceptSelfSigned,
    securePasswordAuth: a.securePasswordAuth,
    leaveOnServer: a.leaveOnServer,
    deleteAfterDays: a.deleteAfterDays === null ? '' : String(a.deleteAfterDays),
    timeoutSeconds: String(Math.round(a.timeoutMs / 1000)),
    senderName: a.senderName ?? '',
    copyToSent: a.copyToSent,
    smtpHost: a.smtp?.host ?? '',
    smtpPort: a.smtp ? String(a.smtp.port) : '',
    smtpSecurity: a.smtp?.security ?? 'starttls',
    smtpUsername: a.smtp?.username ?? '',
    smtpPassword: '',
    popBeforeSmtp: a.smtp?.popBeforeSmtp ?? false,
  };
}

/** Only what the user changed goes to editAccount, so a save that touches no server asks none. */
function changesOf(a: AccountSummary, was: Draft, now: Draft): EditInput {
  const input: EditInput = { name: a.name };
  const changed = (key: keyof Draft) => was[key] !== now[key];
  if (changed('name')) input.newName = now.name.trim();
  if (changed('host')) input.host = now.host.trim();
  if (changed('port')) input.port = Number(now.port);
  if (changed('security')) input.security = now.security;
  if (changed('username')) input.username = now.username;
  if (now.password) input.password = now.password;
  if (changed('acceptSelfSigned')) input.acceptSelfSigned = now.acceptSelfSigned;
  if (changed('securePasswordAuth')) input.securePasswordAuth = now.securePasswordAuth;
  if (changed('timeoutSeconds')) input.timeoutMs = Number(now.timeoutSeconds) * 1000;
  if (changed('leaveOnServer')) input.leaveOnServer = now.leaveOnServer;
  if (changed('deleteAfterDays') || (changed('leaveOnServer') && now.leaveOnServer)) {
    input.deleteAfterDays = now.leaveOnServer && now.deleteAfterDays ? Number(now.deleteAfterDays) : null;
  }
  if (changed('senderName')) input.senderName = now.senderName.trim() || null;
  if (changed('copyToSent')) input.copyToSent = now.copyToSent;
  const smtpKeys = ['smtpHost', 'smtpPort', 'smtpSecurity', 'smtpUsername', 'smtpPassword', 'popBeforeSmtp'] as const;
  if (a.smtp && smtpKeys.some(changed)) {
    input.smtp = {
      host: now.smtpHost.trim(),
      port: Number(now.smtpPort),
      security: now.smtpSecurity,
      username: now.smtpUsername.trim() || null,
      ...(now.smtpPassword ? { password: now.smtpPassword } : {}),
      popBeforeSmtp: now.popBeforeSmtp,
      securePasswordAuth: a.smtp.securePasswordAuth,
    };
  }
  return input;
}

const SECURITY: Security[] = ['tls', 'starttls', 'none'];

/**
 * A saved account's card: its servers, password, POP3 cleaning and sending settings, and its removal. New servers
 * or a new password are signed in to before anything is saved; a removed account's letters stay in the journal.
 */
export function AccountDialog({ name }: { name: string }) {
  const t = useJournal((s) => s.t);
  const account = useJournal((s) => s.accounts.find((a) => a.name === name));
  const loadAccounts = useJournal((s) => s.loadAccounts);
  const refresh = useJournal((s) => s.refresh);
  const openDialog = useJournal((s) => s.openDialog);
  const notify = useJournal((s) => s.notify);
  const [initial] = useState(() => (account ? draftOf(account) : null));
  const [draft, setDraft] = useState(initial);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const [shown, setShown] = useState<Tab>('receiving');
  const [makeSystem, setMakeSystem] = useState(false);
  const [report, setReport] = useState<AccountCheck | null>(null);
  const { busy, error, attempt } = useAttempt();
  if (!account || !initial || !draft) return null;

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft({ ...draft, [key]: value });
  const save = () =>
    attempt(t('checking'), async () => {
      let saved = await api.editAccount(changesOf(account, initial, draft));
      if (makeSystem) saved = await api.setSystemAccount({ name: saved.name });
      await loadAccounts();
      openDialog(null);
      notify({ tone: 'ok', text: t('accountChanged', { name: saved.name }) });
    });
  const remove = () =>
    attempt(t('removing'), async () => {
      const { removed, lettersKept } = await api.removeAccount({ name: account.name });
      await Promise.all([loadAccounts(), refresh()]);
      openDialog(null);
      notify({ tone: 'ok', text: t('accountRemoved', { name: removed, n: lettersKept }) });
    });

  const text = (key: keyof Draft, label: string, type = 'text', extra: Record<string, unknown> = {}) => (
    <label className="field">
      {label}
      <input
        type={type}
        value={draft[key] as string}
        onChange={(e) => set(key, e.target.value as Draft[typeof key])}
        disabled={busy !== null}
        {...extra}
      />
    </label>
  );
  const check = (key: keyof Draft, label: string, extra: Record<string, unknown> = {}) => (
    <label className="check">
      <input
        type="checkbox"
        checked={draft[key] as boolean}
        onChange={(e) => set(key, e.target.checked as Draft[typeof key])}
        disabled={busy !== null}
        {...extra}
      />
      {label}
    </label>
  );
  const security = (key: 'security' | 'smtpSecurity') => (
    <label className="field">
      {t('field_security')}
      <select value={draft[key]} onChange={(e) => set(key, e.target.value as Security)} disabled={busy !== null}>
        {SECURITY.map((s) => (
          <option key={s} value={s}>
            {t(`choice_${s}`)}
          </option>
        ))}
      </select>
    </label>
  );

  if (confirmRemove) {
    return (
      <Modal
        title={t('removeAccountTitle', { name: account.name })}
        onSubmit={() => void remove()}
        actions={
          <>
            <button
              type="button"
              className="secondary"
              onClick={() => setConfirmRemove(false)}
              disabled={busy !== null}
            >
              {t('back')}
            </button>
            <button type="submit" className="danger" disabled={busy !== null}>
              {busy ?? t('removeAccount')}
            </button>
          </>
        }
      >
        <p>{t('removeAccountExplained')}</p>
        {error ? (
          <p className="error-text" role="alert">
            {error}
          </p>
        ) : null}
      </Modal>
    );
  }

  const tabs: Array<{ id: Tab; label: string }> = [
    { id: 'sending', label: t('tabSending') },
    { id: 'receiving', label: t('tabReceiving') },
    { id: 'other', label: t('tabOther') },
  ];
  const unsaved = JSON.stringify(initial) !== JSON.stringify(draft) || makeSystem;
  const runCheck = () =>
    attempt(t('checking'), async () => {
      setReport(await api.checkAccount({ name: account.name }));
    });

  return (
    <Modal
      title={t('accountTitle', { name: account.name })}
      wide
      onSubmit={() => void save()}
      actions={
        <>
          <button type="button" className="secondary" onClick={() => setConfirmRemove(true)} disabled={busy !== null}>
            {t('removeAccount')}…
          </button>
          <CancelButton />
          <button type="submit" className="primary" disabled={busy !== null}>
            {busy ?? t('save')}
          </button>
        </>
      }
    >
      <p className="hint">{t('accountEditHint')}</p>
      {/* At the top: the fields below may be scrolled, and the server's answer must be seen where the form begins. */}
      {error ? (
        <p className="error-text" role="alert">
          {error}
        </p>
      ) : null}
      <div className="tabs" role="tablist" aria-label={t('accountTitle', { name: account.name })}>
        {tabs.map((tab) => (
          <button
            key={tab.id}
            type="button"
            role="tab"
            id={`account-tab-${tab.id}`}
            aria-selected={tab.id === shown}
            aria-controls={`account-panel-${tab.id}`}
            className={tab.id === shown ? 'tab selected' : 'tab'}
            onClick={() => setShown(tab.id)}
          >
            {tab.label}
          </button>
        ))}
      </div>
      <TabPanel tab="sending" shown={shown}>
        {account.smtp ? (
          <>
            {text('smtpHost', t('field_host'))}
            {text('smtpPort', t('field_port'), 'number')}
            {security('smtpSecurity')}
            {text('smtpUsername', t('field_username'), 'text', { placeholder: t('sameAsIncoming') })}
            {text('smtpPassword', t('newPassword'), 'password', {
              placeholder: account.smtp.ownPassword ? t('unchanged') : t('sameAsIncoming'),
              autoComplete: 'new-password',
            })}
            {check('popBeforeSmtp', t('field_popBeforeSmtp'))}
            {text('senderName', t('senderName'), 'text', { maxLength: 200 })}
            {check('copyToSent', t('copyToSent'))}
          </>
        ) : (
          <p className="hint">{t('receivesOnly')}</p>
        )}
      </TabPanel>
      <TabPanel tab="receiving" shown={shown}>
        <p className="muted">
          {account.protocol.toUpperCase()}, {account.email}
        </p>
        {text('host', t('field_host'))}
        {text('port', t('field_port'), 'number')}
        {security('security')}
        {text('username', t('field_username'))}
        {text('password', t('newPassword'), 'password', { placeholder: t('unchanged'), autoComplete: 'new-password' })}
        {check('acceptSelfSigned', t('acceptSelfSigned'))}
        {check('securePasswordAuth', t('field_securePasswordAuth'))}
        {account.protocol === 'pop3' ? (
          <>
            {check('leaveOnServer', t('field_leaveOnServer'))}
            <label className="field">
              {t('field_deleteAfterDays')}
              <span className="with-unit">
                <input
                  type="number"
                  value={draft.deleteAfterDays}
                  placeholder={t('never')}
                  onChange={(e) => set('deleteAfterDays', e.target.value)}
                  disabled={busy !== null || !draft.leaveOnServer}
                />
                {t('unitDays')}
              </span>
            </label>
          </>
        ) : null}
      </TabPanel>
      <TabPanel tab="other" shown={shown}>
        {text('name', t('field_name'), 'text', { maxLength: 200 })}
        <label className="field">
          {t('field_timeoutSeconds')}
          <span className="with-unit">
            <input
              type="number"
              value={draft.timeoutSeconds}
              onChange={(e) => set('timeoutSeconds', e.target.value)}
              disabled={busy !== null}
            />
            {t('unitSeconds')}
          </span>
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={account.isSystem || makeSystem}
            disabled={busy !== null || account.isSystem || !account.smtp}
            onChange={(e) => setMakeSystem(e.target.checked)}
          />
          {t('useAsSystemAccount')}
        </label>
        <p className="hint">{account.smtp ? t('systemAccountHint') : t('systemAccountNeedsSmtp')}</p>
        <div className="check-account">
          <button
            type="button"
            className="secondary"
            onClick={() => void runCheck()}
            disabled={busy !== null || unsaved}
          >
            {t('checkAccount')}
          </button>
          <span className="hint">{unsaved ? t('checkSavedFirst') : t('checkAccountHint')}</span>
        </div>
        {report ? <CheckReport check={report} /> : null}
      </TabPanel>
    </Modal>
  );
}
