export class StepTimeout extends Error {
  readonly code = 'ETIMEDOUT';

  constructor(what: string, ms: number) {
    super(`${what}: no answer within ${ms} ms`);
    this.name = 'StepTimeout';
  }
}

export class Abandoned extends Error {
  constructor() {
    super('no longer needed');
    this.name = 'Abandoned';
  }
}

/**
 * Waits for `work` at most `ms`, and no longer than `signal` allows. An injected network may ignore its own
 * timeouts, so every step is bounded here too; a value that arrives too late (a socket) goes to `dispose`.
 */
export function bounded<T>(
  work: Promise<T>,
  what: string,
  ms: number,
  signal: AbortSignal,
  dispose?: (late: T) => void,
): Promise<T> {
  if (signal.aborted) {
    work.then(dispose, () => {});
    return Promise.reject(new Abandoned());
  }
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (done: () => void) => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      done();
      return true;
    };
    const onAbort = () => finish(() => reject(new Abandoned()));
    const timer = setTimeout(() => finish(() => reject(new StepTimeout(what, ms))), ms);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        if (!finish(() => resolve(value))) dispose?.(value);
      },
      (error: unknown) => finish(() => reject(error)),
    );
  });
}

/** Resolves with the value, or with `undefined` once the signal fires; never rejects on its own. */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Whether the error means "no answer in time", from us, c-ares (ETIMEOUT), sockets or an aborted fetch. */
export function isTimeout(error: unknown): boolean {
  if (error instanceof StepTimeout || error instanceof Abandoned) return true;
  const e = error as { code?: unknown; name?: unknown; cause?: unknown } | null;
  // An aborted request says AbortError; its cause says whether a timeout aborted it.
  if (e?.name === 'AbortError' && e.cause) return isTimeout(e.cause);
  return e?.code === 'ETIMEOUT' || e?.code === 'ETIMEDOUT' || e?.name === 'TimeoutError';
}

/** One error for several failed lookups: a timeout when all timed out, else all their messages. */
export function combineErrors(errors: readonly Error[]): Error {
  if (errors.length && errors.every(isTimeout)) return errors[0] as Error;
  return new Error(errors.map(errorText).join('; '));
}

export function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
