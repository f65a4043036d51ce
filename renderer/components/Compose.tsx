import { type ChangeEvent, type DragEvent, useEffect, useRef, useState } from 'react';
import type { ApiOutput, InteractionRecord } from '../../core/api.js';
import { fileSize } from '../format';
import { api, type ComposeStart, type SendInput, useJournal } from '../store';
import { CancelButton, isoFromLocal, localInputValue, Modal } from './Modal';

type Identity = ApiOutput<'listIdentities'>[number];
type Attachment = NonNullable<SendInput['attachments']>[number] & { size: number; key: number };

/** Two files may share a name, so each picked file gets its own key. */
let nextKey = 0;

/** "a@x, b@y; c@z" → the addresses; the core checks each one. */
function addressList(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((a) => a.trim())
    .filter(Boolean);
}

/** One "Re:" or "Fwd:", not a pile of them; the core does the same for a subject it fills in itself. */
function answerSubject(title: string, mode: ComposeStart['mode']): string {
  if (mode === 'new') return '';
  const bare = title.replace(/^((re|fwd?|aw|wg|ответ|пересл)(\[\d+\])?:\s*)+/i, '');
  return `${mode === 'forward' ? 'Fwd' : 'Re'}: ${bare}`;
}

/** Who an answer goes to: the sender of an incoming letter, the recipients of one's own; all of them for "all". */
function recipients(basis: InteractionRecord | undefined, mode: ComposeStart['mode'], own: Set<string>) {
  if (!basis || mode === 'new' || mode === 'forward') return { to: '', cc: '' };
  const first = basis.direction === 'in' && basis.from ? [basis.from] : basis.to;
  const to = first.map((a) => a.address);
  const cc =
    mode === 'reply-all'
      ? [...basis.to, ...basis.cc].map((a) => a.address).filter((a) => !own.has(a.toLowerCase()) && !to.includes(a))
      : [];
  return { to: to.join(', '), cc: cc.join(', ') };
}

/** The bytes behind a base64 text, for a draft's files (their File objects are gone). */
function base64Size(base64: string): number {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return Math.floor((base64.length * 3) / 4) - padding;
}

function readFile(file: File): Promise<Attachment> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onerror = () => reject(reader.error);
    reader.onload = () => {
      const url = String(reader.result);
      resolve({
        filename: file.name,
        contentBase64: url.slice(url.indexOf(',') + 1),
        ...(file.type ? { contentType: file.type } : {}),
        size: file.size,
        key: nextKey++,
      });
    };
    reader.readAsDataURL(file);
  });
}

/** A new letter, a reply or a forward: queued in the outbox by "Send", then sent at once. */
export function ComposeDialog({ start }: { start: ComposeStart }) {
  const accounts = useJournal((s) => s.accounts);
  const settings = useJournal((s) => s.settings);
  const send = useJournal((s) => s.send);
  const saveDraft = useJournal((s) => s.saveDraft);
  const openDialog = useJournal((s) => s.openDialog);
  const lang = useJournal((s) => s.lang);
  const t = useJournal((s) => s.t);
  const { basis, mode } = start;
  const saved = start.draft?.letter;
  const [draftId, setDraftId] = useState(start.draft?.id);
  const [account, setAccount] = useState(
    () =>
      accounts.find((a) => a.name === saved?.account)?.name ??
      accounts.find((a) => a.id === basis?.accountId)?.name ??
      accounts[0]?.name ??
      '',
  );
  const [identities, setIdentities] = useState<Identity[]>([]);
  const [from, setFrom] = useState(saved?.from ?? '');
  const own = new Set([...identities.map((i) => i.address), ...accounts.map((a) => a.email.toLowerCase())]);
  // As the dialog opened: the identities load later, and must not make the filled-in addresses look typed.
  const [initial] = useState(() => (saved ? { to: saved.to, cc: saved.cc } : recipients(basis, mode, own)));
  const [to, setTo] = useState(initial.to);
  const [cc, setCc] = useState(initial.cc);
  const [subject, setSubject] = useState(() => saved?.subject ?? answerSubject(basis?.title ?? '', mode));
  const [text, setText] = useState(saved?.text ?? '');
  const [attachments, setAttachments] = useState<Attachment[]>(() =>
    (saved?.attachments ?? []).map((a) => ({ ...a, size: base64Size(a.contentBase64), key: nextKey++ })),
  );
  const [onControl, setOnControl] = useState(saved?.onControl ?? false);
  const [due, setDue] = useState(() => (saved?.controlDue ? localInputValue(new Date(saved.controlDue)) : ''));
  const [sending, setSending] = useState(false);
  // The letter answered or forwarded: the draft's own link outlives the letter being deleted from the journal.
  const replyTo = saved ? saved.replyToInteraction : mode === 'reply' || mode === 'reply-all' ? basis?.id : undefined;
  const forward = saved ? saved.forwardInteraction : mode === 'forward' ? basis?.id : undefined;

  useEffect(() => {
    if (!account) return;
    let current = true;
    api.listIdentities({ account }).then(
      (list) => {
        if (!current) return;
        setIdentities(list);
        // A draft keeps the address it was being written from, while the account still has it.
        setFrom((chosen) =>
          list.some((i) => i.address === chosen) ? chosen : ((list.find((i) => i.isDefault) ?? list[0])?.address ?? ''),
        );
      },
      () => current && setIdentities([]),
    );
    return () => {
      current = false;
    };
  }, [account]);

  const attachFiles = async (files: File[]) => {
    const read = await Promise.all(files.map(readFile));
    setAttachments((list) => [...list, ...read]);
  };
  const addFiles = (event: ChangeEvent<HTMLInputElement>) => {
    const files = [...(event.target.files ?? [])];
    event.target.value = '';
    void attachFiles(files);
  };
  // Files dragged from the desktop or a file manager; anything else dragged (text, a link) is the fields' business.
  const [dropping, setDropping] = useState(false);
  const carriesFiles = (event: DragEvent) => event.dataTransfer.types.includes('Files');
  const dropHandlers = {
    onDragOver: (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = 'copy';
      setDropping(true);
    },
    onDragLeave: (event: DragEvent) => {
      if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDropping(false);
    },
    onDrop: (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      // Without this the browser (or Electron) would open the file in place of the app.
      event.preventDefault();
      setDropping(false);
      void attachFiles([...event.dataTransfer.files]);
    },
  };

  const files = attachments.map(({ size: _size, key: _key, ...a }) => a);
  const submit = async () => {
    setSending(true);
    await send({
      account,
      ...(from ? { from } : {}),
      to: addressList(to),
      cc: addressList(cc),
      subject,
      text,
      attachments: files,
      ...(replyTo !== undefined ? { replyToInteraction: replyTo } : {}),
      ...(forward !== undefined ? { forwardInteraction: forward } : {}),
      onControl,
      ...(onControl && due ? { controlDue: isoFromLocal(due) } : {}),
      ...(draftId !== undefined ? { draftId } : {}),
    });
    setSending(false);
  };

  // What was typed or attached since the dialog opened or the draft was last saved.
  const written = JSON.stringify([to, cc, subject, text, attachments.map((a) => [a.filename, a.size]), onControl, due]);
  const openedAs = useRef(written);
  const [savedAs, setSavedAs] = useState<string | null>(null);
  const unsaved = written !== (savedAs ?? openedAs.current);
  const keepDraft = async (close: boolean) => {
    const id = await saveDraft(draftId, {
      account,
      ...(from ? { from } : {}),
      to,
      cc,
      subject,
      text,
      attachments: files,
      ...(replyTo !== undefined ? { replyToInteraction: replyTo } : {}),
      ...(forward !== undefined ? { forwardInteraction: forward } : {}),
      onControl,
      ...(onControl && due ? { controlDue: isoFromLocal(due) } : {}),
    });
    if (id === null) return;
    setDraftId(id);
    setSavedAs(written);
    if (close) openDialog(null);
  };

  const title = t(mode === 'new' ? 'composeNew' : mode === 'forward' ? 'cmdForward' : 'cmdReply');
  return (
    <Modal
      title={title}
      wide
      onSubmit={() => void submit()}
      discardWarning={unsaved && !sending ? t('discardLetter') : undefined}
      saveInstead={{ label: t('saveDraft'), run: () => void keepDraft(true) }}
      actions={
        <>
          <CancelButton />
          <button
            type="button"
            className="secondary"
            onClick={() => void keepDraft(false)}
            disabled={sending || (draftId !== undefined && !unsaved)}
          >
            {t('saveDraft')}
          </button>
          <button type="submit" className="primary" disabled={sending || !account}>
            {sending ? t('sending') : t('send')}
          </button>
        </>
      }
    >
      <div className={`compose${dropping ? ' dropping' : ''}`} data-drop-hint={t('dropToAttach')} {...dropHandlers}>
        {accounts.length > 1 ? (
          <label className="field">
            {t('account')}
            <select value={account} onChange={(e) => setAccount(e.target.value)}>
              {accounts.map((a) => (
                <option key={a.id} value={a.name}>
                  {a.name}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <label className="field">
          {t('from')}
          <select value={from} onChange={(e) => setFrom(e.target.value)}>
            {identities.map((i) => (
              <option key={i.id} value={i.address}>
                {i.displayName ? `${i.displayName} <${i.address}>` : i.address}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          {t('to')}
          {/* biome-ignore lint/a11y/noAutofocus: a new letter starts with its recipient */}
          <input value={to} autoFocus={mode !== 'reply'} onChange={(e) => setTo(e.target.value)} />
        </label>
        <label className="field">
          {t('cc')}
          <input value={cc} onChange={(e) => setCc(e.target.value)} />
        </label>
        <label className="field">
          {t('subjectLine')}
          <input value={subject} onChange={(e) => setSubject(e.target.value)} />
        </label>
        <label className="field grow">
          {t('text')}
          {/* biome-ignore lint/a11y/noAutofocus: a reply starts with its text */}
          <textarea value={text} rows={7} autoFocus={mode === 'reply'} onChange={(e) => setText(e.target.value)} />
        </label>
        {basis && mode !== 'new' ? <p className="hint">{t(mode === 'forward' ? 'forwardHint' : 'quoteHint')}</p> : null}
        <div className="attachments-row">
          <label className="file-pick">
            {t('attach')}
            <input type="file" multiple onChange={addFiles} />
          </label>
          <ul className="attachment-list" aria-label={t('attachments')}>
            {attachments.map((a) => (
              <li key={a.key}>
                <span className="attachment-name">{a.filename}</span>
                <span className="attachment-size">{fileSize(a.size, lang)}</span>
                <button
                  type="button"
                  className="link"
                  aria-label={t('remove', { name: a.filename })}
                  onClick={() => setAttachments((list) => list.filter((other) => other.key !== a.key))}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
        </div>
        {settings?.reviewFlags !== false ? (
          <div className="control-row">
            <label className="check">
              <input type="checkbox" checked={onControl} onChange={(e) => setOnControl(e.target.checked)} />
              {t('putOnControl')}
            </label>
            {onControl ? (
              <label className="field inline">
                {t('controlDue')}
                <input type="datetime-local" value={due} onChange={(e) => setDue(e.target.value)} />
              </label>
            ) : null}
          </div>
        ) : null}
      </div>
    </Modal>
  );
}
