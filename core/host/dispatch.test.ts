import { describe, expect, it } from 'vitest';
import type { JournalApi, JournalEvent } from '../api.js';
import { InterlogError } from '../errors.js';
import { API_METHODS, createDispatcher } from './dispatch.js';

/** A service that records what reaches it; only the methods a test calls exist. */
function fakeService(methods: Record<string, (input: unknown) => unknown>) {
  const listeners = new Set<(event: JournalEvent) => void>();
  const service = {
    ...methods,
    onEvent(listener: (event: JournalEvent) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  } as unknown as JournalApi;
  const emit = (event: JournalEvent) => {
    for (const l of listeners) l(event);
  };
  return { service, emit };
}

describe('dispatcher', () => {
  it('carries every method of the schema table', () => {
    expect(API_METHODS).toContain('listInteractions');
    expect(API_METHODS).toContain('getMessage');
    expect(API_METHODS).toContain('listAccounts');
    expect(API_METHODS).not.toContain('onEvent');
  });

  it('passes the parsed input, with defaults filled in, and answers the value', async () => {
    const seen: unknown[] = [];
    const { service } = fakeService({
      search: async (input) => {
        seen.push(input);
        return [];
      },
    });
    const result = await createDispatcher(service).call('search', { text: 'счёт' });
    expect(result).toEqual({ ok: true, value: [] });
    expect(seen).toEqual([{ text: 'счёт', limit: 50, order: 'newest' }]);
  });

  it('refuses invalid input before the service sees it', async () => {
    let called = false;
    const { service } = fakeService({
      getMessage: async () => {
        called = true;
      },
    });
    const dispatcher = createDispatcher(service);
    for (const input of [{ interactionId: -1 }, { interactionId: '1' }, 'x', [1], { interactionId: 1.5 }]) {
      const result = await dispatcher.call('getMessage', input);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.kind).toBe('invalid-input');
    }
    expect(called).toBe(false);
  });

  it('knows no method outside the table, prototype names included', async () => {
    const { service } = fakeService({ close: async () => 'closed' });
    const dispatcher = createDispatcher(service);
    for (const method of ['close', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'onEvent', 42, null]) {
      const result = await dispatcher.call(method, {});
      expect(result).toMatchObject({ ok: false, error: { kind: 'not-found' } });
    }
  });

  it('turns thrown errors into values with their kind', async () => {
    const { service } = fakeService({
      chain: async () => {
        throw new InterlogError('not-found', 'There is no interaction 7.');
      },
      listSubjects: async () => {
        throw new TypeError('boom');
      },
    });
    const dispatcher = createDispatcher(service);
    expect(await dispatcher.call('chain', { interactionId: 7 })).toEqual({
      ok: false,
      error: { kind: 'not-found', message: 'There is no interaction 7.' },
    });
    expect(await dispatcher.call('listSubjects', {})).toEqual({
      ok: false,
      error: { kind: 'internal', message: 'boom' },
    });
  });

  it('relays events', () => {
    const { service, emit } = fakeService({});
    const events: JournalEvent[] = [];
    const stop = createDispatcher(service).onEvent((e) => events.push(e));
    emit({ type: 'indexed', count: 3 });
    stop();
    emit({ type: 'indexed', count: 4 });
    expect(events).toEqual([{ type: 'indexed', count: 3 }]);
  });
});
