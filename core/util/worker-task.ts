import { parentPort } from 'node:worker_threads';

/** The worker side of WorkerPool: answers each `{ id, input }` with the handler's result or its error text. */
export function serveTasks<In, Out>(handler: (input: In) => Promise<{ result: Out; transfer?: ArrayBuffer[] }>): void {
  const port = parentPort;
  if (!port) throw new Error('serveTasks must run inside a worker thread');
  port.on('message', async ({ id, input }: { id: number; input: In }) => {
    try {
      const { result, transfer } = await handler(input);
      port.postMessage({ id, result }, transfer ?? []);
    } catch (error) {
      port.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
    }
  });
}
