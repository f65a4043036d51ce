// What a POP3 test observes of the server side: the commands a client really sent, and the letters still in a
// user's maildrop. Shared by the resume and crash-point tests.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { DovecotServer } from './dovecot.js';

/** Letters in the user's Maildir (cur and new), i.e. what POP3 still offers. */
export function lettersOnServer(server: DovecotServer, user: string): number {
  return maildropFiles(server, user).length;
}

/** Paths of the letter files in the user's Maildir, oldest name first. */
export function maildropFiles(server: DovecotServer, user: string): string[] {
  const root = server.mailRoot(user);
  return ['cur', 'new'].flatMap((dir) =>
    fs
      .readdirSync(path.join(root, dir))
      .sort()
      .map((name) => path.join(root, dir, name)),
  );
}

/** How many of the commands are RETR, DELE and QUIT. */
export function commands(sent: string[]) {
  const count = (verb: string) => sent.filter((c) => c.startsWith(`${verb} `) || c === verb).length;
  return { RETR: count('RETR'), DELE: count('DELE'), QUIT: count('QUIT') };
}

export interface CommandTap {
  port: number;
  /** The commands that reached the server, over every connection. */
  sent: string[];
  close(): Promise<void>;
}

/**
 * A POP3 relay to Dovecot that shows every client command to `hold` first. Once `hold` returns true, that command
 * and everything after it on the connection never reach the server, as if the client had died just before it.
 */
export async function commandTap(targetPort: number, hold: (command: string) => boolean): Promise<CommandTap> {
  const sockets = new Set<net.Socket>();
  const sent: string[] = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let held = false;
    let pending = '';
    const down = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('error', down);
      s.on('close', down);
    }
    upstream.pipe(client);
    client.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (let eol = pending.indexOf('\r\n'); eol >= 0 && !held; eol = pending.indexOf('\r\n')) {
        const line = pending.slice(0, eol + 2);
        pending = pending.slice(eol + 2);
        if (hold(line.trim())) held = true;
        else {
          sent.push(line.trim());
          upstream.write(Buffer.from(line, 'latin1'));
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    sent,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
