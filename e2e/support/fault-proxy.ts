// A TCP proxy on 127.0.0.1 that can cut connections after an exact number of server->client bytes, to test what a
// client does when the link dies in the middle of a FETCH literal.
import net from 'node:net';

export interface FaultProxy {
  port: number;
  /**
   * Arms every open connection and each later one: once n more bytes have gone server->client (counted from now
   * for open connections, from the first byte for new ones) the client gets exactly those n bytes and both sides
   * are closed. null disarms.
   */
  cutAfterBytes(n: number | null): void;
  /** Closes every open connection at once, both sides. */
  cutAllNow(): void;
  /** Connections open right now. */
  connections(): number;
  /** Connections accepted since the proxy started, for asserting that a client reconnected. */
  accepted(): number;
  close(): Promise<void>;
}

interface Link {
  client: net.Socket;
  upstream: net.Socket;
  /** Server->client bytes still allowed before the cut; null when not armed. */
  budget: number | null;
  /** The cut has happened upstream and the last allowed bytes are still flushing to the client. */
  draining: boolean;
}

export async function startFaultProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<FaultProxy> {
  const links = new Set<Link>();
  let armed: number | null = null;
  let accepted = 0;

  const cut = (link: Link) => {
    link.upstream.destroy();
    link.client.destroy();
    links.delete(link);
  };

  const server = net.createServer((client) => {
    accepted++;
    const upstream = net.connect(targetPort, targetHost);
    const link: Link = { client, upstream, budget: armed, draining: false };
    links.add(link);
    const upstreamDown = () => {
      if (!link.draining) cut(link);
    };
    client.on('error', () => cut(link));
    client.on('close', () => cut(link));
    upstream.on('error', upstreamDown);
    upstream.on('close', upstreamDown);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (link.budget !== null && chunk.length >= link.budget) {
        const allowed = chunk.subarray(0, link.budget);
        link.budget = 0;
        link.draining = true;
        client.unpipe(upstream);
        upstream.destroy();
        // end() flushes the allowed bytes before FIN; destroying right away could drop them
        client.end(allowed, () => cut(link));
        return;
      }
      if (link.budget !== null) link.budget -= chunk.length;
      if (!client.write(chunk)) {
        upstream.pause();
        client.once('drain', () => upstream.resume());
      }
    });
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });

  return {
    port,
    cutAfterBytes(n) {
      if (n !== null && (!Number.isInteger(n) || n < 0)) throw new Error(`cutAfterBytes: ${n} is not a byte count`);
      armed = n;
      for (const link of links) link.budget = n;
    },
    cutAllNow() {
      for (const link of [...links]) cut(link);
    },
    connections: () => links.size,
    accepted: () => accepted,
    close() {
      for (const link of [...links]) cut(link);
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
