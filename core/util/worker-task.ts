import { parentPort } from 'node:worker_threads';

/**
 * The worker side of WorkerPool: answers each `{ id, input }` with the handler's result or its error text. The
 * handler calls `settle()` when it reaches work that must not be cut off (a database commit): from then on the
 * pool's deadline for the task no longer applies.
 */
export function serveTasks<In, Out>(
  handler: (input: In, settle: () => void) => Promise<{ result: Out; transfer?: ArrayBuffer[] }>,
): void {
  const port = parentPort;
  if (!port) throw new Error('serveTasks must run inside a worker thread');
  port.on('message', async ({ id, input }: { id: number; input: In }) => {
    try {
      const { result, transfer } = await handler(input, () => port.postMessage({ id, settled: true }));
      port.postMessage({ id, result }, transfer ?? []);
    } catch (error) {
      port.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
    }
  });
}
