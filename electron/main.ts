import fs from 'node:fs';
import path from 'node:path';
import {
  app,
  BrowserWindow,
  type IpcMainInvokeEvent,
  ipcMain,
  protocol,
  type Session,
  safeStorage,
  screen,
  session,
  shell,
  type WebContents,
} from 'electron';
import type { ApiResult } from '../core/api.js';
import { SECURITY_HEADERS } from '../core/host/csp.js';
import { createDispatcher } from '../core/host/dispatch.js';
import { contentTypeOf, resolveStaticFile } from '../core/host/static-files.js';
import { JournalService } from '../core/journal-service.js';
import { FileSecretStore } from '../core/secrets/file-secret-store.js';
import type { SecretStore } from '../core/secrets/secret-store.js';
import { externalUrl } from './external-url.js';
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
    void service.close().finally(() => app.quit());
  });

  void app.whenReady().then(() => {
    lockDown(session.defaultSession);
    const userData = app.getPath('userData');
    fs.mkdirSync(userData, { recursive: true });
    const dbFile = path.join(userData, 'journal.db');
    service = new JournalService({ dbFile, secrets: secretStore(userData, dbFile) });
    const dispatcher = createDispatcher(service);

    // One handler for every method: the dispatcher validates the input against the method's schema.
    ipcMain.handle(CALL_CHANNEL, (event, method: unknown, input: unknown): Promise<ApiResult> | ApiResult => {
      if (!window || !fromOurPage(event, window)) {
        return {
          ok: false,
          error: { kind: 'unauthorized', message: 'Calls are taken only from the Interlog window.' },
        };
      }
      return dispatcher.call(method, input);
    });
    dispatcher.onEvent((event) => {
      if (window && !window.isDestroyed()) window.webContents.send(EVENT_CHANNEL, event);
    });

    window = createWindow(path.join(userData, 'window-state.json'));
    window.on('closed', () => {
      window = null;
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
