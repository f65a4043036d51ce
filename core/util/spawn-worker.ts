import { Worker, type WorkerOptions } from 'node:worker_threads';

const bootstrap = new URL('./ts-worker-bootstrap.mjs', import.meta.url);

/** Starts a worker thread from a module next to the caller, whether it runs as TypeScript or as built JS. */
export function spawnWorker(entry: URL, options: WorkerOptions = {}): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  return new Worker(bootstrap, { ...options, argv: [entry.href, ...(options.argv ?? [])] });
}

/** The URL of a sibling module, `.ts` when the caller is TypeScript and `.js` once built. */
export function siblingModule(callerUrl: string, baseName: string): URL {
  return new URL(`./${baseName}${callerUrl.endsWith('.ts') ? '.ts' : '.js'}`, callerUrl);
}
