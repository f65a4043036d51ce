import { useState } from 'react';
import type { OutboxItem, SubjectRecord } from '../../core/api.js';
import { listDate, shownTitle } from '../format';
import { type Dialog, type Settings, useJournal } from '../store';
import { AccountDialog } from './AccountDialog';
import { ComposeDialog } from './Compose';
import { CreateDialog } from './CreateDialog';
import { CancelButton, isoFromLocal, localInputValue, Modal } from './Modal';
import { SetupWizard } from './SetupWizard';

/** Choose a subject for the chain, or create one from the typed name; "no subject" clears it. */
function SubjectDialog({ ids }: { ids: number[] }) {
  const subjects = useJournal((s) => s.subjects);
  const setSubject = useJournal((s) => s.setSubject);
  const createSubject = useJournal((s) => s.createSubject);
  const openDialog = useJournal((s) => s.openDialog);
  const t = useJournal((s) => s.t);
  const [name, setName] = useState('');
  const typed = name.trim().toLowerCase();
  const shown = subjects.filter((s) => s.name.toLowerCase().includes(typed));
  const exact = subjects.find((s) => s.name.toLowerCase() === typed);
  const choose = async (subject: SubjectRecord | null) => {
    openDialog(null);
    await setSubject(ids, subject);
  };
  const createAndChoose = async () => {
    if (exact) return choose(exact);
    if (!typed) return;
    const created = await createSubject(name.trim());
    if (created) await choose(created);
  };
  return (
    <Modal
      title={t('cmdSetSubject')}
      onSubmit={() => void createAndChoose()}
      actions={
        <>
          <button type="button" className="secondary" onClick={() => void choose(null)}>
            {t('noSubject')}
          </button>
          <CancelButton />
          <button type="submit" className="primary" disabled={!typed}>
            {exact ? t('choose') : t('createSubject')}
          </button>
        </>
      }
    >
      <p className="hint">{t('subjectHint')}</p>
      <label className="field">
        {t('subjectName')}
        {/* biome-ignore lint/a11y/noAutofocus: the dialog opens to type the subject */}
        <input autoFocus value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <ul className="choices" aria-label={t('subjects')}>
        {shown.map((s) => (
          <li key={s.id}>
            <button type="button" className="choice" onClick={() => void choose(s)}>
              <span>{s.name}</span>
              <span className="muted">{s.interactions}</span>
            </button>
          </li>
        ))}
      </ul>
    </Modal>
  );
}

/** A date-time, then an action on the ticked or selected interactions: postpone review, put on control. */
function WhenDialog({ ids, kind }: { ids: number[]; kind: 'postpone' | 'control' }) {
  const review = useJournal((s) => s.review);
  const control = useJournal((s) => s.control);
  const openDialog = useJournal((s) => s.openDialog);
  const t = useJournal((s) => s.t);
  const [when, setWhen] = useState(() => localInputValue(new Date(Date.now() + 86_400_000)));
  const submit = () => {
    openDialog(null);
    if (kind === 'postpone') void review(ids, { until: isoFromLocal(when) });
    else void control(ids, when ? { due: isoFromLocal(when) } : {});
  };
  return (
    <Modal
      title={t(kind === 'postpone' ? 'cmdPostpone' : 'cmdOnControl')}
      onSubmit={submit}
      actions={
        <>
          <CancelButton />
          <button type="submit" className="primary">
            {t('ok')}
          </button>
        </>
      }
    >
      <label className="field">
        {t(kind === 'postpone' ? 'postponeUntil' : 'controlDue')}
        <input
          type="datetime-local"
          required={kind === 'postpone'}
          value={when}
          onChange={(e) => setWhen(e.target.value)}
        />
      </label>
      <p className="hint">{t('appliesTo', { n: ids.length })}</p>
    </Modal>
  );
}

/** Deleting is the one command that cannot be undone, so it asks first and says what it does. */
function DeleteDialog({ ids }: { ids: number[] }) {
  const deleteInteractions = useJournal((s) => s.deleteInteractions);
  const t = useJournal((s) => s.t);
  return (
    <Modal
      title={t('deleteTitle', { n: ids.length })}
      onSubmit={() => void deleteInteractions(ids)}
      actions={
        <>
          <CancelButton />
          <button type="submit" className="danger" data-testid="confirm-delete">
            {t('deleteConfirm')}
          </button>
        </>
      }
    >
      <p>{t('deleteExplain')}</p>
    </Modal>
  );
}

const ACTIONABLE: Record<'retry' | 'cancel', ReadonlySet<OutboxItem['status']>> = {
  retry: new Set(['failed', 'unknown', 'queued']),
  cancel: new Set(['queued', 'failed', 'unknown']),
};

function OutboxDialog() {
  const outbox = useJournal((s) => s.outbox);
  const outboxAction = useJournal((s) => s.outboxAction);
  const sendQueued = useJournal((s) => s.sendQueued);
  const lang = useJournal((s) => s.lang);
  const t = useJournal((s) => s.t);
  return (
    <Modal
      title={t('outbox')}
      wide
      actions={
        <>
          <button type="button" className="secondary" onClick={() => void sendQueued()}>
            {t('sendQueued')}
          </button>
          <CancelButton label="close" />
        </>
      }
    >
      {outbox.length === 0 ? <p className="hint">{t('outboxEmpty')}</p> : null}
      <table className="outbox">
        <tbody>
          {outbox.map((item) => (
            <tr key={item.id} data-status={item.status}>
              <td>{listDate(item.createdAt, lang)}</td>
              <td className="outbox-title">
                <div>{shownTitle(item) || t('noTitle')}</div>
                <div className="muted">{item.envelope.to.join(', ')}</div>
                {item.lastError ? <div className="error-text">{item.lastError}</div> : null}
              </td>
              <td>
                <span className={`badge status-${item.status}`}>{t(`outbox_${item.status}`)}</span>
              </td>
              <td className="outbox-actions">
                {(['retry', 'cancel'] as const).map((action) =>
                  ACTIONABLE[action].has(item.status) ? (
                    <button
                      key={action}
                      type="button"
                      className="secondary small"
                      onClick={() => void outboxAction(item.id, action)}
                    >
                      {t(action === 'retry' ? 'retry' : 'cancelSending')}
                    </button>
                  ) : null,
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Modal>
  );
}

/** The letters being written: open one to write on, or throw it away. */
function DraftsDialog() {
  const drafts = useJournal((s) => s.drafts);
  const openDraft = useJournal((s) => s.openDraft);
  const deleteDraft = useJournal((s) => s.deleteDraft);
  const lang = useJournal((s) => s.lang);
  const t = useJournal((s) => s.t);
  return (
    <Modal title={t('drafts')} wide actions={<CancelButton label="close" />}>
      {drafts.length === 0 ? <p className="hint">{t('noDrafts')}</p> : null}
      <table className="outbox">
        <tbody>
          {drafts.map((draft) => (
            <tr key={draft.id} data-draft={draft.id}>
              <td>{listDate(draft.updatedAt, lang)}</td>
              <td className="outbox-title">
                <div>{draft.title || t('draftNoSubject')}</div>
                <div className="muted">{draft.to.join(', ')}</div>
              </td>
              <td className="outbox-actions">
                <button type="button" className="secondary small" onClick={() => void openDraft(draft.id)}>
                  {t('openDraft')}
                </button>
                <button type="button" className="secondary small" onClick={() => void deleteDraft(draft.id)}>
                  {t('deleteDraft')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Modal>
  );
}

const SWITCHES = ['mailClient', 'htmlLetters', 'otherKinds', 'reviewFlags'] as const satisfies Array<keyof Settings>;
const THEMES = ['system', 'light', 'dark'] as const satisfies Array<Settings['theme']>;

/** The organizer switches of seed 004; each takes effect at once. */
function SettingsDialog() {
  const settings = useJournal((s) => s.settings);
  const updateSettings = useJournal((s) => s.updateSettings);
  const t = useJournal((s) => s.t);
  return (
    <Modal title={t('settings')} actions={<CancelButton label="close" />}>
      {SWITCHES.map((key) => (
        <label key={key} className="check">
          <input
            type="checkbox"
            checked={settings?.[key] ?? true}
            onChange={(e) => void updateSettings({ [key]: e.target.checked })}
          />
          {t(`setting_${key}`)}
        </label>
      ))}
      <label className="field">
        {t('theme')}
        <select
          value={settings?.theme ?? 'system'}
          onChange={(e) => void updateSettings({ theme: e.target.value as Settings['theme'] })}
        >
          {THEMES.map((theme) => (
            <option key={theme} value={theme}>
              {t(`theme_${theme}`)}
            </option>
          ))}
        </select>
      </label>
    </Modal>
  );
}

export function DialogHost() {
  const dialog = useJournal((s) => s.dialog);
  return dialog ? <DialogFor dialog={dialog} /> : null;
}

function DialogFor({ dialog }: { dialog: Dialog }) {
  switch (dialog.type) {
    case 'subject':
      return <SubjectDialog ids={dialog.ids} />;
    case 'postpone':
    case 'control':
      return <WhenDialog ids={dialog.ids} kind={dialog.type} />;
    case 'delete':
      return <DeleteDialog ids={dialog.ids} />;
    case 'compose':
      return <ComposeDialog start={dialog.start} />;
    case 'create':
      return <CreateDialog kind={dialog.kind} />;
    case 'outbox':
      return <OutboxDialog />;
    case 'drafts':
      return <DraftsDialog />;
    case 'wizard':
      return <SetupWizard />;
    case 'settings':
      return <SettingsDialog />;
    case 'account':
      return <AccountDialog name={dialog.name} />;
  }
}
