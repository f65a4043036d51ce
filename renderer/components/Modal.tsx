import { createContext, type FormEvent, type ReactNode, useContext, useEffect, useRef, useState } from 'react';
import { useJournal } from '../store';

interface ModalProps {
  title: string;
  children: ReactNode;
  /** The buttons at the bottom; a submit button there submits the form. */
  actions: ReactNode;
  onSubmit?(): void;
  wide?: boolean;
  /**
   * Set while closing would throw away what the user typed (a letter being written): Escape, × and Cancel then
   * ask first, in the dialog's own footer, and only "Discard" closes it.
   */
  discardWarning?: string | undefined;
  /** A third answer to that question, such as "Save draft". */
  saveInstead?: { label: string; run(): void } | undefined;
}

/** How the dialog's own buttons close it, so that "Cancel" asks first just as Escape does. */
const DismissContext = createContext<(() => void) | null>(null);

/** A dialog over the journal: a form, so Enter submits it; Escape and the close button dismiss it. */
export function Modal({ title, children, actions, onSubmit, wide, discardWarning, saveInstead }: ModalProps) {
  const openDialog = useJournal((s) => s.openDialog);
  const t = useJournal((s) => s.t);
  const ref = useRef<HTMLDialogElement>(null);
  const [asking, setAsking] = useState(false);
  const dismiss = () => (discardWarning && !asking ? setAsking(true) : openDialog(null));
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);
  const submit = (event: FormEvent) => {
    // The CSP forbids form submission anyway; the form is here for Enter and for the browser's field checks.
    event.preventDefault();
    onSubmit?.();
  };
  return (
    <dialog
      ref={ref}
      className={`modal${wide ? ' wide' : ''}`}
      aria-label={title}
      onCancel={(event) => {
        event.preventDefault();
        dismiss();
      }}
    >
      <form onSubmit={submit}>
        <header className="modal-head">
          <h2>{title}</h2>
          <button type="button" className="close" aria-label={t('close')} onClick={dismiss}>
            ×
          </button>
        </header>
        <div className="modal-body">{children}</div>
        {asking && discardWarning ? (
          <footer className="modal-actions discard" role="alert">
            <span className="discard-question">{discardWarning}</span>
            {/* biome-ignore lint/a11y/noAutofocus: the question is answered from the keyboard, as Escape asked it */}
            <button type="button" className="secondary" autoFocus onClick={() => setAsking(false)}>
              {t('keepEditing')}
            </button>
            {saveInstead ? (
              <button type="button" className="secondary" onClick={saveInstead.run}>
                {saveInstead.label}
              </button>
            ) : null}
            <button type="button" className="danger" onClick={() => openDialog(null)}>
              {t('discard')}
            </button>
          </footer>
        ) : (
          <DismissContext.Provider value={dismiss}>
            <footer className="modal-actions">{actions}</footer>
          </DismissContext.Provider>
        )}
      </form>
    </dialog>
  );
}

/** Dismisses the dialog: "Cancel" where it would drop input, "Close" where everything already took effect. */
export function CancelButton({ label = 'cancel' }: { label?: 'cancel' | 'close' }) {
  const openDialog = useJournal((s) => s.openDialog);
  const dismiss = useContext(DismissContext);
  const t = useJournal((s) => s.t);
  return (
    <button type="button" className="secondary" onClick={() => (dismiss ? dismiss() : openDialog(null))}>
      {t(label)}
    </button>
  );
}

/** The value of an <input type="datetime-local"> an hour or a day ahead, in local time. */
export function localInputValue(date: Date): string {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

/** An <input type="datetime-local"> value as an ISO instant, which the API's schemas take. */
export function isoFromLocal(value: string): string {
  return new Date(value).toISOString();
}
