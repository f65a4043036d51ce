// CommonJS on purpose: a sandboxed preload cannot be an ES module, and it can require nothing but 'electron'.
import electron = require('electron');

import type { ApiResult, JournalEvent } from '../core/api.js';

// The same names are in main.ts.
const CALL_CHANNEL = 'interlog:call';
const EVENT_CHANNEL = 'interlog:event';

/**
 * The whole surface the page gets: one call channel and one event channel, as `window.interlog`. The page never
 * sees ipcRenderer itself, so it can send nothing but JournalApi calls, which main.ts validates.
 */
const bridge = {
  call(method: string, input: unknown): Promise<ApiResult> {
    return electron.ipcRenderer.invoke(CALL_CHANNEL, String(method), input) as Promise<ApiResult>;
  },
  onEvent(listener: (event: JournalEvent) => void): () => void {
    const relay = (_event: electron.IpcRendererEvent, journalEvent: JournalEvent) => listener(journalEvent);
    electron.ipcRenderer.on(EVENT_CHANNEL, relay);
    return () => {
      electron.ipcRenderer.removeListener(EVENT_CHANNEL, relay);
    };
  },
};

electron.contextBridge.exposeInMainWorld('interlog', bridge);
