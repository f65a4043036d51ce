import { useEffect, useRef } from 'react';
import type { InteractionRecord } from '../../core/api.js';
import type { MessageKey } from '../i18n';
import { type JournalState, recordOf, targetIds, useJournal } from '../store';

interface Context {
  state: JournalState;
  ids: number[];
  /** The selected interaction, when one is selected and loaded. */
  record: InteractionRecord | null;
}

interface Command {
  id: string;
  label: MessageKey;
  /** The key that runs it (KeyboardEvent.key, case-sensitive). */
  key: string;
  enabled(ctx: Context): boolean;
  run(ctx: Context): void;
  /** Whether the organizer settings show it at all. */
  shown(ctx: Context): boolean;
}

const mail = (ctx: Context) => ctx.state.settings?.mailClient !== false;
const flags = (ctx: Context) => ctx.state.settings?.reviewFlags !== false;
/** Answering and forwarding need a letter that has a Message-ID to thread on. */
const letter = (ctx: Context) => ctx.record?.kind === 'email' && ctx.record.messageId !== null;
const any = (ctx: Context) => ctx.ids.length > 0;
const compose = (mode: 'reply' | 'reply-all' | 'forward') => (ctx: Context) => {
  if (ctx.record) ctx.state.openDialog({ type: 'compose', start: { mode, basis: ctx.record } });
};

/** Every command on the selection: the toolbar, the context menu and the keyboard all run these. */
export const COMMANDS: Command[] = [
  { id: 'reply', label: 'cmdReply', key: 'r', shown: mail, enabled: letter, run: compose('reply') },
  { id: 'reply-all', label: 'cmdReplyAll', key: 'R', shown: mail, enabled: letter, run: compose('reply-all') },
  { id: 'forward', label: 'cmdForward', key: 'f', shown: mail, enabled: letter, run: compose('forward') },
  {
    id: 'subject',
    label: 'cmdSetSubject',
    key: 's',
    shown: () => true,
    enabled: any,
    run: (ctx) => ctx.state.openDialog({ type: 'subject', ids: ctx.ids }),
  },
  {
    id: 'reviewed',
    label: 'cmdReviewed',
    key: 'm',
    shown: flags,
    enabled: any,
    run: (ctx) => void ctx.state.review(ctx.ids),
  },
  {
    id: 'postpone',
    label: 'cmdPostpone',
    key: 'p',
    shown: flags,
    enabled: any,
    run: (ctx) => ctx.state.openDialog({ type: 'postpone', ids: ctx.ids }),
  },
  {
    id: 'unmark',
    label: 'cmdUnmark',
    key: 'u',
    shown: flags,
    enabled: any,
    run: (ctx) => void ctx.state.review(ctx.ids, { undo: true }),
  },
  {
    id: 'control',
    label: 'cmdOnControl',
    key: 'k',
    shown: flags,
    enabled: any,
    run: (ctx) => ctx.state.openDialog({ type: 'control', ids: ctx.ids }),
  },
  {
    id: 'done',
    label: 'cmdControlDone',
    key: 'd',
    shown: flags,
    enabled: any,
    run: (ctx) => void ctx.state.control(ctx.ids, { done: true }),
  },
  {
    id: 'delete',
    label: 'cmdDelete',
    key: 'Delete',
    shown: () => true,
    enabled: any,
    run: (ctx) => ctx.state.openDialog({ type: 'delete', ids: ctx.ids }),
  },
];

function context(state: JournalState): Context {
  return { state, ids: targetIds(state), record: recordOf(state, state.selectedId) };
}

function keyLabel(key: string): string {
  if (key.length > 1) return key;
  return key === key.toUpperCase() ? `Shift+${key}` : key.toUpperCase();
}

function CommandButtons({ className, after }: { className: string; after?: () => void }) {
  const state = useJournal();
  const ctx = context(state);
  return (
    <>
      {COMMANDS.filter((c) => c.shown(ctx)).map((c) => (
        <button
          key={c.id}
          type="button"
          className={className}
          role={className === 'menu-item' ? 'menuitem' : undefined}
          data-command={c.id}
          disabled={!c.enabled(ctx)}
          title={`${state.t(c.label)} (${keyLabel(c.key)})`}
          onClick={() => {
            after?.();
            c.run(context(useJournal.getState()));
          }}
        >
          {state.t(c.label)}
          {className === 'menu-item' ? <kbd>{keyLabel(c.key)}</kbd> : null}
        </button>
      ))}
    </>
  );
}

/** The commands above the list, with the number of ticked rows they act on. */
export function CommandBar() {
  const checked = useJournal((s) => s.checked);
  const clearChecked = useJournal((s) => s.clearChecked);
  const t = useJournal((s) => s.t);
  return (
    <div className="command-bar" role="toolbar" aria-label={t('commands')}>
      <CommandButtons className="tool" />
      {checked.length ? (
        <span className="checked-count">
          {t('checked', { n: checked.length })}{' '}
          <button type="button" className="link" onClick={clearChecked}>
            {t('clearChecked')}
          </button>
        </span>
      ) : null}
    </div>
  );
}

/** The same commands at the pointer, opened by a right click on a row. */
export function ContextMenu() {
  const menu = useJournal((s) => s.menu);
  const openMenu = useJournal((s) => s.openMenu);
  const t = useJournal((s) => s.t);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!menu) return;
    ref.current?.querySelector<HTMLButtonElement>('button:not(:disabled)')?.focus();
    const close = (event: Event) => {
      if (event instanceof KeyboardEvent && event.key !== 'Escape') return;
      if (event.target instanceof Node && ref.current?.contains(event.target) && event.type !== 'keydown') return;
      openMenu(null);
    };
    window.addEventListener('mousedown', close);
    window.addEventListener('keydown', close);
    window.addEventListener('blur', close);
    return () => {
      window.removeEventListener('mousedown', close);
      window.removeEventListener('keydown', close);
      window.removeEventListener('blur', close);
    };
  }, [menu, openMenu]);
  if (!menu) return null;
  return (
    <div
      ref={ref}
      className="context-menu"
      role="menu"
      aria-label={t('commands')}
      style={{ left: menu.x, top: menu.y }}
    >
      <CommandButtons className="menu-item" after={() => openMenu(null)} />
    </div>
  );
}

function typing(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))
  );
}

/** Single-key shortcuts, as in a mail client; never while typing or while a dialog is open. */
export function useShortcuts() {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const state = useJournal.getState();
      if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target) || state.dialog) return;
      if (event.key === 'n' && state.settings?.mailClient !== false) {
        event.preventDefault();
        state.openDialog({ type: 'compose', start: { mode: 'new' } });
        return;
      }
      const ctx = context(state);
      const command = COMMANDS.find((c) => c.key === event.key && c.shown(ctx));
      if (!command?.enabled(ctx)) return;
      event.preventDefault();
      command.run(ctx);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
