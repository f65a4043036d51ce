import fs from 'node:fs';
import path from 'node:path';
import {
  app,
  BrowserWindow,
  type IpcMainInvokeEvent,
  ipcMain,
  Notification,
  protocol,
  type Session,
  safeStorage,
  screen,
  session,
  shell,
  type WebContents,
} from 'electron';
import type { ApiResult, OpenInteractionEvent } from '../core/api.js';
import { SECURITY_HEADERS } from '../core/host/csp.js';
import { createDispatcher } from '../core/host/dispatch.js';
import { contentTypeOf, resolveStaticFile } from '../core/host/static-files.js';
import { JournalService } from '../core/journal-service.js';
import { FileSecretStore } from '../core/secrets/file-secret-store.js';
import type { SecretStore } from '../core/secrets/secret-store.js';
import type { SyncHandle } from '../core/sync/sync-host.js';
import { backoffDelay } from '../core/util/backoff.js';
import { externalUrl } from './external-url.js';
import {
  changesAccounts,
  DueReminders,
  loadNotified,
  MailNotifier,
  type Notice,
  pickLanguage,
  saveNotified,
} from './notifier.js';
import { SafeStorageSecretStore } from './safe-storage-secret-store.js';
import { loadWindowState, rememberWindowState } from './window-state.js';

// The same names are in preload.cts, which runs sandboxed and can import nothing but 'electron'.
const CALL_CHANNEL = 'interlog:call';
const EVENT_CHANNEL = 'interlog:event';

/** The renderer is served from its own secure, standard scheme: a real origin for CSP, never file://. */
const SCHEME = 'app';
const ORIGIN = `${SCHEME}://interlog`;
const RENDERER_DIR = path.join(import.meta.dirname, '..', 'renderer');
const PRELOAD = path.join(import.meta.dirname, 'preload.cjs');

protocol.registerSchemesAsPrivileged([{ scheme: SCHEME, privileges: { standard: true, secure: true } }]);

// Tests and portable installs point the profile elsewhere; must happen before 'ready'.
if (process.env.INTERLOG_USER_DATA) app.setPath('userData', path.resolve(process.env.INTERLOG_USER_DATA));

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  start();
}

function start(): void {
  let window: BrowserWindow | null = null;
  let service: JournalService | null = null;
  let background: Background | null = null;

  app.on('second-instance', () => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('web-contents-created', (_event, contents) => harden(contents));
  app.on('window-all-closed', () => app.quit());

  let closing = false;
  app.on('will-quit', (event) => {
    if (closing || !service) return;
    // Stop the sync workers and close the journal before the process goes.
    event.preventDefault();
    closing = true;
    const open = service;
    void (background?.stop() ?? Promise.resolve()).finally(() => open.close().finally(() => app.quit()));
  });

  void app.whenReady().then(() => {
    lockDown(session.defaultSession);
    const userData = app.getPath('userData');
    fs.mkdirSync(userData, { recursive: true });
    const dbFile = path.join(userData, 'journal.db');
    // One clock for the journal's due list and the notifier's bursts; tests of notifier.ts move their own.
    const clock = () => new Date();
    service = new JournalService({ dbFile, secrets: secretStore(userData, dbFile), clock });
    const dispatcher = createDispatcher(service);

    // One handler for every method: the dispatcher validates the input against the method's schema.
    ipcMain.handle(CALL_CHANNEL, (event, method: unknown, input: unknown): Promise<ApiResult> | ApiResult => {
      if (!window || !fromOurPage(event, window)) {
        return {
          ok: false,
          error: { kind: 'unauthorized', message: 'Calls are taken only from the Interlog window.' },
        };
      }
      return dispatcher.call(method, input).then((result) => {
        if (changesAccounts(method, result)) background?.restart();
        return result;
      });
    });
    dispatcher.onEvent((event) => {
      if (window && !window.isDestroyed()) window.webContents.send(EVENT_CHANNEL, event);
    });

    window = createWindow(path.join(userData, 'window-state.json'));
    window.on('closed', () => {
      window = null;
    });
    const journal = service;
    window.once('ready-to-show', () => {
      background = runInBackground(journal, path.join(userData, 'reminders.json'), clock, (interactionId) => {
        if (!window || window.isDestroyed()) return;
        if (window.isMinimized()) window.restore();
        window.show();
        window.focus();
        const open: OpenInteractionEvent = { type: 'open-interaction', interactionId };
        window.webContents.send(EVENT_CHANNEL, open);
      });
    });
  });
}

function createWindow(stateFile: string): BrowserWindow {
  const state = loadWindowState(
    stateFile,
    screen.getAllDisplays().map((d) => d.workArea),
  );
  const window = new BrowserWindow({
    ...state.bounds,
    minWidth: 640,
    minHeight: 400,
    show: false,
    title: 'Interlog',
    backgroundColor: '#f4f6f8',
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      nodeIntegrationInWorker: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      // A middle click is not a click to the page's own handlers; it would ask for a new window, which
      // setWindowOpenHandler refuses anyway. Off, so no link can take that path at all.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  if (state.maximized) window.maximize();
  rememberWindowState(window, stateFile);
  window.once('ready-to-show', () => window.show());
  void window.loadURL(`${ORIGIN}/index.html`);
  return window;
}

/** Only the top frame of our own page may call the API; a letter's frame or a stray page may not. */
function fromOurPage(event: IpcMainInvokeEvent, window: BrowserWindow): boolean {
  const frame = event.senderFrame;
  return (
    event.sender === window.webContents && frame !== null && frame.parent === null && originOf(frame.url) === ORIGIN
  );
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

function lockDown(ses: Session): void {
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  ses.protocol.handle(SCHEME, async (request) => {
    const url = new URL(request.url);
    const file = url.host === 'interlog' ? resolveStaticFile(RENDERER_DIR, url.pathname) : null;
    const body = file ? await fs.promises.readFile(file).catch(() => null) : null;
    if (!file || !body) return new Response('Not found', { status: 404, headers: SECURITY_HEADERS });
    return new Response(body, { headers: { ...SECURITY_HEADERS, 'Content-Type': contentTypeOf(file) } });
  });
}

/**
 * Every web contents (the window, and anything a bug might open): no navigation away from the app, no new
 * windows, no <webview>; http(s) and mailto links go to the system's browser or mail program instead.
 */
function harden(contents: WebContents): void {
  contents.on('will-navigate', (event) => {
    if (originOf(event.url) === ORIGIN) return;
    event.preventDefault();
    openExternally(event.url);
  });
  contents.on('will-frame-navigate', (event) => {
    // The letter's frame is created with srcdoc; it may never go anywhere after that.
    if (event.isMainFrame || event.url === 'about:srcdoc') return;
    event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (originOf(event.url) !== ORIGIN) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openExternally(url);
    return { action: 'deny' };
  });
}

function openExternally(url: string): void {
  const allowed = externalUrl(url);
  if (allowed !== null) void shell.openExternal(allowed);
}

/**
 * The OS keychain through safeStorage where it really encrypts. Linux without a Secret Service or KWallet gets
 * 'basic_text', a fixed key that protects nothing, so the journal's own encrypted file (as the CLI uses) is kept
 * there instead.
 */
function secretStore(userData: string, dbFile: string): SecretStore {
  const weak = process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text';
  if (safeStorage.isEncryptionAvailable() && !weak) {
    return new SafeStorageSecretStore(path.join(userData, 'secrets.sealed.json'), safeStorage);
  }
  return FileSecretStore.besideJournal(dbFile);
}

interface Background {
  /** Starts the watch again over the accounts as they are now (one was added or changed). */
  restart(): void;
  stop(): Promise<void>;
}

/** A letter burst's newest letters are looked for among this many of the journal's newest. */
const NEWEST = 200;
const DUE_POLL_MS = 60_000;

/**
 * While the window is open: every account is watched (IDLE or polling) in the sync worker, new mail and due
 * planned interactions become system notifications (what to say is decided in notifier.ts), and a click on one
 * brings the window forward with that interaction open in the reading pane.
 */
function runInBackground(
  service: JournalService,
  remindersFile: string,
  clock: () => Date,
  open: (interactionId: number) => void,
): Background {
  const lang = pickLanguage(app.getPreferredSystemLanguages());
  const mail = new MailNotifier();
  const reminders = new DueReminders(loadNotified(remindersFile));
  // Electron drops a notification's click handler when the object is collected, so shown ones are kept until done.
  const shown = new Set<Notification>();
  let handle: SyncHandle | null = null;
  let stopped = false;
  let failures = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let burstTimer: NodeJS.Timeout | undefined;
  // Watermark updates and burst summaries read the journal in the order their events came.
  let queue: Promise<unknown> = Promise.resolve();
  const inOrder = (work: () => Promise<void>) => {
    queue = queue.then(work).catch((error: unknown) => console.error('Interlog notifications:', error));
  };
  const newest = () => service.listInteractions({ kind: 'email', limit: NEWEST, order: 'newest' });
  const accountIds = async (names: ReadonlySet<string>) =>
    new Set((await service.listAccounts()).filter((a) => names.has(a.name)).map((a) => a.id));

  const show = (notice: Notice) => {
    if (!Notification.isSupported()) return;
    const notification = new Notification({ title: notice.title, body: notice.body });
    shown.add(notification);
    notification.on('click', () => {
      shown.delete(notification);
      open(notice.interactionId);
    });
    notification.on('close', () => shown.delete(notification));
    notification.show();
  };

  const checkBurst = () => {
    const accounts = mail.takeBurst(clock().getTime());
    if (accounts) {
      inOrder(async () => {
        const notice = mail.summarise(await accountIds(accounts), await newest(), lang);
        if (notice) show(notice);
      });
    }
    const next = mail.checkAt();
    clearTimeout(burstTimer);
    if (next !== null) burstTimer = setTimeout(checkBurst, Math.max(0, next - clock().getTime()));
  };

  const unsubscribe = service.onEvent((event) => {
    const action = mail.event(event, clock().getTime());
    if (action?.type === 'absorb') {
      failures = 0;
      inOrder(async () => {
        const [ids, letters] = await Promise.all([accountIds(new Set([action.account])), newest()]);
        for (const id of ids) mail.absorb(id, letters);
      });
    } else if (action?.type === 'burst') checkBurst();
  });

  const watch = async () => {
    clearTimeout(retryTimer);
    const previous = handle;
    handle = null;
    if (previous) {
      previous.stop();
      await previous.result.catch(() => {});
    }
    if (stopped || (await service.listAccounts()).length === 0) return;
    mail.restart();
    const current = await service.watch();
    handle = current;
    current.result.then(
      () => {},
      (error: unknown) => {
        if (handle !== current || stopped) return;
        // The account shows its own error; one that ends the watch (a wrong password) stops the other accounts too,
        // so the watch is tried again later, and at once when an account is changed.
        console.error('Interlog background sync stopped:', error);
        handle = null;
        retryTimer = setTimeout(() => void restartNow(), backoffDelay(++failures, 60_000, 30 * 60_000));
      },
    );
  };
  let starting: Promise<void> = Promise.resolve();
  const restartNow = () => {
    starting = starting.then(watch).catch((error: unknown) => console.error('Interlog background sync:', error));
    return starting;
  };

  const checkDue = () =>
    inOrder(async () => {
      const { notices, changed } = reminders.check(await service.dueList({}), lang);
      if (changed) saveNotified(remindersFile, reminders.keys());
      for (const notice of notices) show(notice);
    });
  const dueTimer = setInterval(checkDue, DUE_POLL_MS);

  void restartNow();
  checkDue();
  return {
    restart: () => void restartNow(),
    async stop() {
      stopped = true;
      clearInterval(dueTimer);
      clearTimeout(retryTimer);
      clearTimeout(burstTimer);
      unsubscribe();
      await starting;
      const last = handle;
      handle = null;
      last?.stop();
      await Promise.allSettled([last?.result, queue]);
      for (const notification of shown) notification.close();
    },
  };
}
