import { z } from 'zod';
import { type ApiError, type ApiMethod, type ApiResult, type JournalApi, type JournalEvent, schemas } from '../api.js';
import { InterlogError } from '../errors.js';

/**
 * The JournalApi as one function of (method, input), for transports. Electron IPC and the HTTP host are thin
 * adapters over this, never a handler per method: a method added to `schemas` and the service is carried by both.
 */
export interface Dispatcher {
  /** Validates the input against the method's schema and calls the service; never throws. */
  call(method: unknown, input: unknown): Promise<ApiResult>;
  onEvent(listener: (event: JournalEvent) => void): () => void;
}

export const API_METHODS = Object.keys(schemas) as ApiMethod[];

export function isApiMethod(method: unknown): method is ApiMethod {
  // Own keys only: "constructor" or "__proto__" must not reach the service's prototype.
  return typeof method === 'string' && Object.hasOwn(schemas, method);
}

export function createDispatcher(service: JournalApi): Dispatcher {
  return {
    async call(method, input) {
      try {
        if (!isApiMethod(method)) {
          throw new InterlogError('not-found', `There is no method ${JSON.stringify(String(method)).slice(0, 80)}.`);
        }
        const parsed = schemas[method].safeParse(input ?? {});
        if (!parsed.success) {
          throw new InterlogError('invalid-input', `Invalid input for ${method}: ${z.prettifyError(parsed.error)}`);
        }
        // The schema table and the interface are checked against each other by ApiMethod; one call site for all.
        const fn = service[method] as (input: unknown) => Promise<unknown>;
        return { ok: true, value: await fn.call(service, parsed.data) };
      } catch (error) {
        return { ok: false, error: toApiError(error) };
      }
    },
    onEvent: (listener) => service.onEvent(listener),
  };
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof InterlogError) return { kind: error.kind, message: error.message };
  if (error instanceof z.ZodError) return { kind: 'invalid-input', message: z.prettifyError(error) };
  // Anything else is a bug; the message still helps the person who reports it.
  return { kind: 'internal', message: error instanceof Error ? error.message : String(error) };
}
