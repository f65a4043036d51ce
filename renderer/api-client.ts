import type { ApiError, ApiResult, AttachmentFile, JournalClient, JournalEvent } from '../core/api.js';
import { callTimeoutMs } from './call-timeouts';

/**
 * What Electron's preload puts on `window.interlog`: one call channel and one event channel. The typed surface is
 * built here, once, over either binding, so the renderer cannot tell Electron from a browser.
 */
export interface InterlogBridge {
  call(method: string, input: unknown): Promise<ApiResult>;
  onEvent(listener: (event: JournalEvent) => void): () => void;
}

declare global {
  interface Window {
    interlog?: InterlogBridge;
  }
}

export class ApiCallError extends Error {
  readonly kind: ApiError['kind'];

  constructor(error: ApiError) {
    super(error.message);
    this.name = 'ApiCallError';
    this.kind = error.kind;
  }
}

/** The browser binding: JSON over `POST /api/<method>`, events from `GET /api/events`; the cookie is the token. */
function httpBridge(): InterlogBridge {
  const listeners = new Set<(event: JournalEvent) => void>();
  let source: EventSource | null = null;
  return {
    async call(method, input) {
      const response = await fetch(`/api/${encodeURIComponent(method)}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(input ?? {}),
        credentials: 'same-origin',
      });
      if (response.status === 401) {
        const message = 'This page has no valid token: open Interlog with the address `npm run serve` printed.';
        return { ok: false, error: { kind: 'unauthorized', message } };
      }
      return (await response.json()) as ApiResult;
    },
    onEvent(listener) {
      listeners.add(listener);
      if (!source) {
        // One stream for all listeners; EventSource reconnects by itself after a dropped connection.
        source = new EventSource('/api/events');
        source.onmessage = (message: MessageEvent<string>) => {
          const event = JSON.parse(message.data) as JournalEvent;
          for (const l of listeners) l(event);
        };
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
          source?.close();
          source = null;
        }
      };
    },
  };
}

function withTimeout<T>(promise: Promise<T>, method: string, input: unknown): Promise<T> {
  const timeoutMs = callTimeoutMs(method, input);
  if (timeoutMs === null) return promise;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new ApiCallError({ kind: 'timeout', message: `${method} did not answer in time.` })),
      timeoutMs,
    );
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** The typed JournalApi over a bridge: each method is a call by name; failures reject with ApiCallError. */
export function clientOver(bridge: InterlogBridge): JournalClient {
  const call = async (method: string, input: unknown) => {
    let result: ApiResult;
    try {
      result = await withTimeout(bridge.call(method, input ?? {}), method, input);
    } catch (error) {
      if (error instanceof ApiCallError) throw error;
      throw new ApiCallError({
        kind: 'connection-lost',
        message: error instanceof Error ? error.message : String(error),
      });
    }
    if (!result.ok) throw new ApiCallError(result.error);
    return result.value;
  };
  return new Proxy({} as JournalClient, {
    get(_target, property) {
      if (property === 'onEvent') return bridge.onEvent;
      // Not a thenable: `await client` must not mistake it for a promise.
      if (typeof property !== 'string' || property === 'then') return undefined;
      return (input?: unknown) => call(property, input);
    },
  });
}

/** Electron's preload binding when present, else the browser host's. */
export function createApiClient(): JournalClient {
  return clientOver(window.interlog ?? httpBridge());
}

/**
 * Hands a file the journal returned (getAttachment) to the browser's download, or Electron's save dialog, under
 * the name core made safe. The bytes go as application/octet-stream whatever the letter claimed, so a file that
 * says it is text/html is saved, never shown.
 */
export function saveFile(file: Pick<AttachmentFile, 'fileName' | 'contentBase64'>): void {
  const binary = atob(file.contentBase64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = file.fileName;
  link.click();
  // The download has taken the bytes once it starts; a minute is ample on a busy machine.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
