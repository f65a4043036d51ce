/**
 * `npm run bench:ui`: the desktop UI over a journal of 100,000 interactions, in Debian's Chromium through the
 * browser host. Builds the journal (support/bench-journal.ts, full-text indexed) and a private renderer build, then
 * times what a user waits for: the list's first rows from navigation start, a jump to the middle and the end of the
 * list, a search, opening a letter; counts the rows in the DOM while scrolling; and reports the page's peak JS heap.
 *
 * Targets: first rows under 1 s, no more rows in the DOM than fit in the window plus the overscan, search under
 * 100 ms. Times are taken inside the page (performance.now() at the triggering event, and at the first frame after
 * the DOM shows the answer), so the automation's own round trips are not counted.
 *
 * Options: --count N (100000), --loads N (page loads timed, 5), --keep (leave the journal and print its path),
 * --db FILE (time a journal kept by an earlier run instead of building one), --renderer DIR (build the renderer from
 * another copy of its sources, to compare a change with what it replaces).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { createDispatcher } from '../core/host/dispatch.js';
import { startHttpHost } from '../core/host/http-host.js';
import { JournalService } from '../core/journal-service.js';
import { FileSecretStore } from '../core/secrets/file-secret-store.js';
import config from '../playwright.config.js';
import { buildBenchJournal } from './support/bench-journal.js';
import { fmt, mb } from './support/measure.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '100000' },
    loads: { type: 'string', default: '5' },
    keep: { type: 'boolean', default: false },
    db: { type: 'string' },
    renderer: { type: 'string' },
  },
});
const COUNT = Number(values.count);
const LOADS = Math.max(1, Number(values.loads));
const ROOT = path.resolve(import.meta.dirname, '..');
/** VirtualList's default overscan and InteractionList's row height: the DOM may hold what fits plus these. */
const OVERSCAN = 8;
const ROW_HEIGHT = 28;
const FIRST_ROWS_TARGET_MS = 1000;
const SEARCH_TARGET_MS = 100;
/** Words a user of this journal would look for: very common, common, rare, a name, an English one. */
const WORDS = ['счет', 'арматуры', 'претензия', 'Подольске', 'shipment', 'сверки', 'кабеля'];

/**
 * Installed in every document before the renderer runs (as a string: bench code is type-checked without the DOM
 * library). `until(check)` resolves with the time of the first frame after `check()` holds, watching the DOM for
 * changes rather than polling; the listeners note when the user's input happened.
 */
const PAGE_KIT = `(() => {
  const kit = { peakHeap: 0, lastInput: 0, lastPointer: 0, maxRows: 0 };
  window.__bench = kit;
  const heap = () => {
    const used = performance.memory ? performance.memory.usedJSHeapSize : 0;
    if (used > kit.peakHeap) kit.peakHeap = used;
  };
  setInterval(heap, 20);
  addEventListener('input', () => { kit.lastInput = performance.now(); }, true);
  addEventListener('pointerdown', () => { kit.lastPointer = performance.now(); }, true);
  // After a frame has been produced: a task queued from requestAnimationFrame runs once the frame is out.
  const afterFrame = (resolve) => requestAnimationFrame(() => setTimeout(() => resolve(performance.now()), 0));
  kit.until = (check) => new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      observer.disconnect();
      reject(new Error('the page never showed it: ' + check));
    }, 60000);
    const test = () => {
      if (done || !check()) return;
      done = true;
      clearTimeout(timer);
      observer.disconnect();
      afterFrame(resolve);
    };
    const observer = new MutationObserver(test);
    observer.observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
    test();
  });
  new MutationObserver(() => {
    const rows = document.querySelectorAll('.vlist-row').length;
    if (rows > kit.maxRows) kit.maxRows = rows;
  }).observe(document, { subtree: true, childList: true });
  kit.rowsShown = () => {
    const list = document.querySelector('.vlist');
    return !!list && list.querySelector('[role=option]') !== null && list.querySelector('.placeholder') === null;
  };
  kit.firstRows = kit.until(kit.rowsShown);
})();`;

interface Figures {
  [label: string]: string;
}
const figures: Figures = {};
const misses: string[] = [];

function report(label: string, value: string, verdict?: { ok: boolean; target: string }) {
  const mark = verdict ? (verdict.ok ? `ok (target ${verdict.target})` : `MISSED (target ${verdict.target})`) : '';
  if (verdict && !verdict.ok) misses.push(label);
  figures[label] = value;
  console.log(`${label.padEnd(38)} ${value.padStart(16)}   ${mark}`);
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/** Starts an in-page wait for `check` (a JS expression), then runs `trigger`; resolves with the in-page time. */
async function timeInPage(page: Page, check: string, trigger: () => Promise<void>): Promise<number> {
  // `void`: evaluating the promise itself would make Playwright wait for it before the trigger.
  await page.evaluate(`void (window.__bench.pending = window.__bench.until(() => (${check})))`);
  await trigger();
  return page.evaluate<number>('window.__bench.pending');
}

/** Where a page load's time went: the document, the scripts, the API calls behind the first rows. */
async function timeline(page: Page): Promise<string[]> {
  const entries = await page.evaluate<Array<{ name: string; start: number; end: number }>>(`[
    ...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource'),
  ].map((e) => ({ name: e.name.replace(location.origin, ''), start: e.startTime, end: e.responseEnd }))`);
  return entries.map((e) => `    ${e.name.slice(0, 36).padEnd(36)} ${fmt(e.start, 0).padStart(5)} → ${fmt(e.end, 0)}`);
}

/** The rows in the DOM, and how many fit in the list's viewport. */
async function domRows(page: Page): Promise<{ rows: number; fit: number }> {
  return page.evaluate<{ rows: number; fit: number }>(`({
    rows: document.querySelectorAll('.vlist-row').length,
    fit: Math.ceil(document.querySelector('.vlist').clientHeight / ${ROW_HEIGHT}) + 1,
  })`);
}

async function scrollTo(page: Page, where: 'middle' | 'end'): Promise<number> {
  const fraction = where === 'middle' ? 0.5 : 1;
  const started = await page.evaluate<number>(`(() => {
    const list = document.querySelector('.vlist');
    list.scrollTop = (list.scrollHeight - list.clientHeight) * ${fraction};
    return performance.now();
  })()`);
  // The scroll event has to reach React first, so the wait starts from the rows of the new place being there.
  const top = await page.evaluate<number>(`document.querySelector('.vlist').scrollTop`);
  const firstIndex = Math.floor(top / ROW_HEIGHT);
  const done = await page.evaluate<number>(`window.__bench.until(() => {
    const rows = [...document.querySelectorAll('.vlist-row')];
    const at = rows.some((r) => r.dataset.index === '${firstIndex}');
    return at && window.__bench.rowsShown();
  })`);
  return done - started;
}

async function main() {
  let bench: { dir: string; file: string };
  if (values.db) {
    const file = path.resolve(values.db);
    bench = { file, dir: fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-bench-ui-')) };
  } else {
    console.log(`building a journal of ${COUNT.toLocaleString('en')} interactions (full-text indexed)…`);
    const built = buildBenchJournal({ count: COUNT, now: new Date(), index: true });
    built.journal.close();
    console.log(`  built in ${fmt(built.buildSeconds)} s, flags in ${fmt(built.flagSeconds)} s: ${built.file}`);
    bench = built;
  }

  // A private build: the shared dist/renderer may be stale, or being rebuilt by someone's e2e run.
  const rendererDir = path.join(bench.dir, 'renderer');
  await build({
    configFile: path.join(ROOT, 'vite.config.ts'),
    root: path.resolve(values.renderer ?? path.join(ROOT, 'renderer')),
    logLevel: 'warn',
    build: { outDir: rendererDir, emptyOutDir: true, sourcemap: false },
  });

  const service = new JournalService({ dbFile: bench.file, secrets: FileSecretStore.besideJournal(bench.file) });
  const host = await startHttpHost({ dispatcher: createDispatcher(service), staticDir: rendererDir });
  const launch = config.use?.launchOptions ?? {};
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      ...launch,
      headless: true,
      args: [...(launch.args ?? []), '--enable-precise-memory-info'],
    });
    const context = await browser.newContext({
      viewport: config.use?.viewport ?? { width: 1280, height: 800 },
      locale: 'en-GB',
      timezoneId: 'Europe/Moscow',
    });
    await context.addInitScript({ content: PAGE_KIT });
    const page = await context.newPage();
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
    console.log('');

    // The list's first rows, from navigation start: a first load (cold caches), then reloads.
    const loads: number[] = [];
    const timelines: string[][] = [];
    for (let i = 0; i < LOADS; i++) {
      if (i === 0) await page.goto(host.url);
      else await page.reload();
      loads.push(await page.evaluate<number>('window.__bench.firstRows'));
      timelines.push(await timeline(page));
    }
    report('list first rows, first load', `${fmt(loads[0] ?? Number.NaN, 0)} ms`, {
      ok: (loads[0] ?? Infinity) < FIRST_ROWS_TARGET_MS,
      target: `< ${FIRST_ROWS_TARGET_MS} ms`,
    });
    if (LOADS > 1) {
      const again = median(loads.slice(1));
      report(`list first rows, median of ${LOADS - 1} reloads`, `${fmt(again, 0)} ms`, {
        ok: again < FIRST_ROWS_TARGET_MS,
        target: `< ${FIRST_ROWS_TARGET_MS} ms`,
      });
    }
    console.log('  where the first load went (start → response end, ms from navigation start):');
    for (const line of timelines[0] ?? []) console.log(line);
    if (LOADS > 1) {
      console.log('  and the last reload:');
      for (const line of timelines.at(-1) ?? []) console.log(line);
    }
    const shown = await page.locator('.count').textContent();
    report('list says', shown ?? '');

    // Rows in the DOM at the top, the middle and the end, and the largest count seen on the way.
    const allowed = (fit: number) => fit + 2 * OVERSCAN;
    const top = await domRows(page);
    report('rows in DOM at top', `${top.rows}`, { ok: top.rows <= allowed(top.fit), target: `≤ ${allowed(top.fit)}` });
    const toMiddle = await scrollTo(page, 'middle');
    const middle = await domRows(page);
    report('rows in DOM at middle', `${middle.rows}`, {
      ok: middle.rows <= allowed(middle.fit),
      target: `≤ ${allowed(middle.fit)}`,
    });
    report('jump to middle (rows shown)', `${fmt(toMiddle, 0)} ms`);
    const toEnd = await scrollTo(page, 'end');
    const end = await domRows(page);
    report('rows in DOM at end', `${end.rows}`, { ok: end.rows <= allowed(end.fit), target: `≤ ${allowed(end.fit)}` });
    report('scroll to end (rows shown)', `${fmt(toEnd, 0)} ms`);
    const oldest = await page.locator('.vlist [role=option]').last().getAttribute('data-id');
    const oldestId = service.journal.interactions.list({ limit: 1, order: 'oldest' })[0]?.id;
    report('last row is the oldest interaction', String(oldest) === String(oldestId) ? 'yes' : `no (${oldest})`);
    // A user's scroll: wheel turns from the end upwards, through pages never loaded.
    const list = page.locator('.vlist');
    const box = await list.boundingBox();
    if (box) await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 40; i++) await page.mouse.wheel(0, -2400);
    await page.evaluate(`window.__bench.until(window.__bench.rowsShown)`);
    const maxRows = await page.evaluate<number>('window.__bench.maxRows');
    report('most rows in DOM while scrolling', `${maxRows}`, {
      ok: maxRows <= allowed(end.fit),
      target: `≤ ${allowed(end.fit)}`,
    });

    // Search, each word from the whole list: put in the box at once (one input event, so no answer for a shorter
    // prefix can pass for its own), timed until the list shows that word's hits; then typed key by key, timed from
    // the last key until the answer to the whole word (told apart by its request) is on screen. Beside them, the
    // core's own time for the same search.
    const searchbox = page.locator('input.search');
    const clearSearch = async () => {
      await searchbox.fill('');
      await page.evaluate(`window.__bench.until(() =>
        !document.querySelector('.count').textContent.includes('found') && window.__bench.rowsShown())`);
    };
    const pasted: number[] = [];
    const typed: number[] = [];
    for (const word of WORDS) {
      const started = performance.now();
      const hits = (await service.search({ text: word, limit: 500 })).sort((a, b) =>
        a.date < b.date ? 1 : a.date > b.date ? -1 : b.id - a.id,
      );
      const coreMs = performance.now() - started;
      const expected = JSON.stringify(hits.slice(0, 10).map((r) => String(r.id)));
      const check = `document.querySelector('.count').textContent === ${JSON.stringify(`${hits.length} found`)}
        && JSON.stringify([...document.querySelectorAll('.vlist [role=option]')].slice(0, 10)
             .map((o) => o.getAttribute('data-id'))) === ${JSON.stringify(expected)}`;
      const done = await timeInPage(page, check, () => searchbox.fill(word));
      pasted.push(done - (await page.evaluate<number>('window.__bench.lastInput')));
      await clearSearch();

      const answered = page.waitForResponse(
        (r) =>
          r.url().endsWith('/api/search') && (r.request().postDataJSON() as { text?: string } | null)?.text === word,
      );
      await searchbox.pressSequentially(word, { delay: 80 });
      await answered;
      const shown = await page.evaluate<number>(`window.__bench.until(() => (${check}))`);
      typed.push(shown - (await page.evaluate<number>('window.__bench.lastInput')));
      await clearSearch();
      console.log(
        `  search ${JSON.stringify(word).padEnd(12)} ${String(hits.length).padStart(4)} hits   pasted ${fmt(pasted.at(-1) ?? 0, 0).padStart(4)} ms   typed ${fmt(typed.at(-1) ?? 0, 0).padStart(4)} ms   core alone ${fmt(coreMs, 0).padStart(4)} ms`,
      );
    }
    const searchMedian = median(pasted);
    report(`search, median of ${WORDS.length} words`, `${fmt(searchMedian, 0)} ms`, {
      ok: searchMedian < SEARCH_TARGET_MS,
      target: `< ${SEARCH_TARGET_MS} ms`,
    });
    report('search, slowest word', `${fmt(Math.max(...pasted), 0)} ms`);
    report('search typed at 80 ms a key, median', `${fmt(median(typed), 0)} ms`);

    // Opening letters: click a letter row, timed until its text is in the reading pane.
    const opens: number[] = [];
    const letters = page.locator('.vlist [role=option]').filter({ has: page.locator('.kind-email') });
    const available = Math.min(5, await letters.count());
    for (let i = 0; i < available; i++) {
      const row = letters.nth(i);
      const id = Number(await row.getAttribute('data-id'));
      const title = service.journal.interactions.get(id)?.title ?? '';
      const check = `document.querySelector('.letter-title')?.textContent.includes(${JSON.stringify(title)})
        && (document.querySelector('.letter-text')?.textContent ?? '').length > 0`;
      const done = await timeInPage(page, check, () => row.click());
      opens.push(done - (await page.evaluate<number>('window.__bench.lastPointer')));
    }
    report(`open a letter, median of ${opens.length}`, opens.length ? `${fmt(median(opens), 0)} ms` : 'no letters');

    const peak = await page.evaluate<number>('window.__bench.peakHeap');
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const metrics = (await cdp.send('Performance.getMetrics')).metrics;
    const metric = (name: string) => metrics.find((m) => m.name === name)?.value ?? 0;
    report('peak JS heap of the page', `${fmt(mb(peak))} MB`);
    report(
      'JS heap now (used / total)',
      `${fmt(mb(metric('JSHeapUsedSize')))} / ${fmt(mb(metric('JSHeapTotalSize')))} MB`,
    );
    report('DOM nodes now', `${metric('Nodes')}`);
  } finally {
    await browser?.close();
    await host.close();
    await service.close();
    if (values.keep && !values.db) {
      fs.rmSync(rendererDir, { recursive: true, force: true });
      console.log(`\nthe journal is kept: --db ${bench.file}`);
    } else fs.rmSync(bench.dir, { recursive: true, force: true });
  }
  console.log(misses.length ? `\nMISSED: ${misses.join('; ')}` : '\nevery target met');
  process.exitCode = misses.length ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
