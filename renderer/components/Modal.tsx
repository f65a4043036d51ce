import { type FormEvent, type ReactNode, useEffect, useRef } from 'react';
import { useJournal } from '../store';

interface ModalProps {
  title: string;
  children: ReactNode;
  /** The buttons at the bottom; a submit button there submits the form. */
  actions: ReactNode;
  onSubmit?(): void;
  wide?: boolean;
}

/** A dialog over the journal: a form, so Enter submits it; Escape and the close button dismiss it. */
export function Modal({ title, children, actions, onSubmit, wide }: ModalProps) {
  const openDialog = useJournal((s) => s.openDialog);
  const t = useJournal((s) => s.t);
  const ref = useRef<HTMLDialogElement>(null);
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
        openDialog(null);
      }}
    >
      <form onSubmit={submit}>
        <header className="modal-head">
          <h2>{title}</h2>
          <button type="button" className="close" aria-label={t('close')} onClick={() => openDialog(null)}>
            ×
          </button>
        </header>
        <div className="modal-body">{children}</div>
        <footer className="modal-actions">{actions}</footer>
      </form>
    </dialog>
  );
}

/** Dismisses the dialog: "Cancel" where it would drop input, "Close" where everything already took effect. */
export function CancelButton({ label = 'cancel' }: { label?: 'cancel' | 'close' }) {
  const openDialog = useJournal((s) => s.openDialog);
  const t = useJournal((s) => s.t);
  return (
    <button type="button" className="secondary" onClick={() => openDialog(null)}>
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
