import { type KeyboardEvent, useCallback } from 'react';
import type { InteractionRecord } from '../../core/api.js';
import { correspondent, listDate, shownTitle } from '../format';
import type { Lang, Translate } from '../i18n';
import { type Order, PAGE_SIZE, rowAt, rowCount, useJournal } from '../store';
import { DirectionIcon, KindIcon, PaperclipIcon } from './Icons';
import { VirtualList } from './VirtualList';

/** What a click on a sortable header will do, as its tooltip says. */
const SORT_HINTS = {
  newest: 'sortNewest',
  oldest: 'sortOldest',
  correspondent: 'sortAtoZ',
  'correspondent-desc': 'sortZtoA',
  title: 'sortAtoZ',
  'title-desc': 'sortZtoA',
} as const satisfies Record<Order, string>;

export const ROW_HEIGHT = 28;

/** The on-control mark: a due date, "overdue", or "answered" once the control is closed. */
function ControlMark({ record, lang, t }: { record: InteractionRecord; lang: Lang; t: Translate }) {
  if (record.controlClosedAt) return <span title={t('controlClosed')}>✓</span>;
  if (!record.onControl) return null;
  const overdue = record.controlDue !== null && record.controlDue < new Date().toISOString();
  const label = record.controlDue
    ? t(overdue ? 'controlOverdue' : 'controlUntil', { time: listDate(record.controlDue, lang) })
    : t('onControl');
  return (
    <span className={`flag${overdue ? ' overdue' : ''}`} role="img" title={label} aria-label={label}>
      ⚑
    </span>
  );
}

function Row({
  record,
  selected,
  checked,
  lang,
  t,
}: {
  record: InteractionRecord;
  selected: boolean;
  checked: boolean;
  lang: Lang;
  t: Translate;
}) {
  const select = useJournal((s) => s.select);
  const toggleChecked = useJournal((s) => s.toggleChecked);
  const openMenu = useJournal((s) => s.openMenu);
  const who = correspondent(record);
  const attachments = record.attachments.length;
  const postponed = !record.reviewed && record.reviewAfter !== null;
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the list takes focus and moves the selection with the arrow keys
    <div
      className={`cells${selected ? ' selected' : ''}${record.reviewed ? '' : ' unreviewed'}${checked ? ' checked' : ''}`}
      role="option"
      id={`interaction-${record.id}`}
      tabIndex={-1}
      aria-selected={selected}
      data-id={record.id}
      onClick={() => select(record.id)}
      onContextMenu={(event) => {
        event.preventDefault();
        select(record.id);
        openMenu({ x: event.clientX, y: event.clientY });
      }}
    >
      <span className="cell tick">
        <input
          type="checkbox"
          checked={checked}
          aria-label={t('tick', { title: shownTitle(record) || t('noTitle') })}
          onClick={(event) => event.stopPropagation()}
          onChange={() => toggleChecked(record.id)}
        />
      </span>
      <span className="cell date">{listDate(record.date, lang)}</span>
      <span className="cell kind">
        <KindIcon kind={record.kind} t={t} />
      </span>
      <span className="cell direction">
        <DirectionIcon direction={record.direction} t={t} />
      </span>
      <span className="cell correspondent" title={who}>
        {who || t('unknownSender')}
      </span>
      <span className="cell title" title={shownTitle(record)}>
        {shownTitle(record) || t('noTitle')}
      </span>
      <span className="cell subject" title={record.subject?.name}>
        {record.subject?.name}
      </span>
      <span className="cell attachments">
        {attachments > 0 ? (
          <>
            <PaperclipIcon label={t('attachments')} />
            {attachments > 1 ? attachments : null}
          </>
        ) : null}
      </span>
      <span className="cell reviewed">
        {record.reviewed ? (
          <span role="img" title={t('reviewed')} aria-label={t('reviewed')}>
            ✓
          </span>
        ) : postponed ? (
          <span title={t('postponedUntil', { time: listDate(record.reviewAfter ?? '', lang) })}>◷</span>
        ) : null}
      </span>
      <span className="cell control">
        <ControlMark record={record} lang={lang} t={t} />
      </span>
    </div>
  );
}

function Placeholder() {
  return (
    <div className="cells placeholder" aria-busy="true">
      <span className="cell shimmer" />
    </div>
  );
}

/** The interactions list: a header with the date sort, then the windowed rows. */
export function InteractionList() {
  const list = useJournal((s) => s.list);
  const selectedId = useJournal((s) => s.selectedId);
  const checked = useJournal((s) => s.checked);
  const lang = useJournal((s) => s.lang);
  const t = useJournal((s) => s.t);
  const ensureRows = useJournal((s) => s.ensureRows);
  const setOrder = useJournal((s) => s.setOrder);
  const select = useJournal((s) => s.select);
  const count = rowCount(list);

  const activeIndex = (() => {
    if (selectedId === null) return -1;
    if (list.hits) return list.hits.findIndex((r) => r.id === selectedId);
    for (const [page, { rows }] of Object.entries(list.pages)) {
      const at = rows.findIndex((r) => r.id === selectedId);
      if (at !== -1) return Number(page) * PAGE_SIZE + at;
    }
    return -1;
  })();

  const onKeyDown = useCallback(
    (event: KeyboardEvent<HTMLDivElement>, visibleRows: number) => {
      const steps: Record<string, number> = {
        ArrowDown: 1,
        ArrowUp: -1,
        PageDown: visibleRows,
        PageUp: -visibleRows,
        Home: -Infinity,
        End: Infinity,
      };
      const step = steps[event.key];
      if (step === undefined || count === 0) return;
      event.preventDefault();
      const from = activeIndex < 0 ? (step > 0 ? -1 : count) : activeIndex;
      const target = Math.max(0, Math.min(count - 1, from + step));
      const record = rowAt(list, target);
      if (record) select(record.id);
    },
    [activeIndex, count, list, select],
  );

  const renderRow = (index: number) => {
    const record = rowAt(list, index);
    return record ? (
      <Row
        record={record}
        selected={record.id === selectedId}
        checked={checked.includes(record.id)}
        lang={lang}
        t={t}
      />
    ) : (
      <Placeholder />
    );
  };

  /** A header that sorts by its column: a first click A to Z (newest first for dates), a second the other way. */
  const sortHeader = (className: string, label: string, first: Order, second: Order) => {
    const active = list.order === first || list.order === second;
    const next = list.order === first ? second : first;
    return (
      <button
        type="button"
        className={`cell ${className} sort${active ? ' active' : ''}`}
        onClick={() => setOrder(next)}
        title={t(SORT_HINTS[next])}
      >
        {label}
        {active ? ` ${list.order === 'newest' || list.order.endsWith('-desc') ? '▼' : '▲'}` : ''}
      </button>
    );
  };
  return (
    <section className="list" aria-label={t('interactions')}>
      <div className="cells header">
        <span className="cell tick" />
        {sortHeader('date', t('columnDate'), 'newest', 'oldest')}
        <span className="cell kind" title={t('columnKind')} />
        <span className="cell direction" title={t('columnDirection')} />
        {sortHeader('correspondent', t('columnCorrespondent'), 'correspondent', 'correspondent-desc')}
        {sortHeader('title', t('columnTitle'), 'title', 'title-desc')}
        <span className="cell subject">{t('subject')}</span>
        <span className="cell attachments" title={t('columnAttachments')}>
          <PaperclipIcon label={t('columnAttachments')} />
        </span>
        <span className="cell reviewed" title={t('reviewed')}>
          ✓
        </span>
        <span className="cell control" title={t('onControl')}>
          ⚑
        </span>
      </div>
      {count === 0 ? (
        <p className="empty">
          {list.query
            ? list.searching
              ? t('loading')
              : t('noResults')
            : Object.keys(list.filter).length
              ? t('emptyList')
              : t('emptyJournal')}
        </p>
      ) : (
        <VirtualList
          count={count}
          rowHeight={ROW_HEIGHT}
          renderRow={renderRow}
          onRange={ensureRows}
          activeIndex={activeIndex}
          activeId={selectedId === null ? undefined : `interaction-${selectedId}`}
          onKeyDown={onKeyDown}
          label={t('interactions')}
          resetKey={`${list.query}\n${list.order}\n${JSON.stringify(list.filter)}`}
        />
      )}
    </section>
  );
}
