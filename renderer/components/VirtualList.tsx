import { type KeyboardEvent, type ReactNode, useEffect, useLayoutEffect, useRef, useState } from 'react';

export interface VirtualListProps {
  count: number;
  /** Every row has this height in pixels; fixed heights make the visible range a division, not a measurement. */
  rowHeight: number;
  /** Rows rendered beyond each edge, so a fast scroll shows rows rather than gaps. */
  overscan?: number;
  renderRow(index: number): ReactNode;
  /** Told which rows [first, last) are rendered, so their data can be fetched. */
  onRange?(first: number, last: number): void;
  /** The index to keep in view (the selection). */
  activeIndex?: number;
  /** The DOM id of the active row, for aria-activedescendant: focus stays on the list while the selection moves. */
  activeId?: string | undefined;
  onKeyDown?(event: KeyboardEvent<HTMLDivElement>, visibleRows: number): void;
  label: string;
  /** When this changes the rows are another list (a search, a filter), shown from its top. */
  resetKey?: string;
}

/**
 * A windowed list: a spacer as tall as all rows and, absolutely placed in it, only the rows in view plus the
 * overscan. A journal of 100,000 interactions costs the DOM a few dozen rows.
 */
export function VirtualList({
  count,
  rowHeight,
  overscan = 8,
  renderRow,
  onRange,
  activeIndex,
  activeId,
  onKeyDown,
  label,
  resetKey,
}: VirtualListProps) {
  const viewport = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(0);

  useLayoutEffect(() => {
    const element = viewport.current;
    if (!element) return;
    setHeight(element.clientHeight);
    const observer = new ResizeObserver(() => setHeight(element.clientHeight));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: resetKey is the trigger, not an input
  useLayoutEffect(() => {
    const element = viewport.current;
    if (!element) return;
    element.scrollTop = 0;
    setScrollTop(0);
  }, [resetKey]);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + overscan);

  useEffect(() => {
    onRange?.(first, last);
  }, [first, last, onRange]);

  useEffect(() => {
    const element = viewport.current;
    if (!element || activeIndex === undefined || activeIndex < 0) return;
    const top = activeIndex * rowHeight;
    if (top < element.scrollTop) element.scrollTop = top;
    else if (top + rowHeight > element.scrollTop + element.clientHeight) {
      element.scrollTop = top + rowHeight - element.clientHeight;
    }
  }, [activeIndex, rowHeight]);

  const rows: ReactNode[] = [];
  for (let index = first; index < last; index++) {
    rows.push(
      <div
        key={index}
        className="vlist-row"
        role="presentation"
        data-index={index}
        style={{ transform: `translateY(${index * rowHeight}px)`, height: rowHeight }}
      >
        {renderRow(index)}
      </div>,
    );
  }

  return (
    <div
      ref={viewport}
      className="vlist"
      role="listbox"
      aria-label={label}
      aria-activedescendant={activeId}
      tabIndex={0}
      onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
      onKeyDown={(event) => onKeyDown?.(event, Math.max(1, Math.floor(height / rowHeight)))}
    >
      <div className="vlist-spacer" style={{ height: count * rowHeight }}>
        {rows}
      </div>
    </div>
  );
}
