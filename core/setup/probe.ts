import type net from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Security } from '../db/accounts-repo.js';
import type { Network } from './network.js';
import { bounded } from './timing.js';
import type { ServerSettings } from './types.js';

export interface ProbeResult {
  protocol: ServerSettings['protocol'];
  host: string;
  port: number;
  security: Security;
  /** TLS only: whether the certificate would be trusted without the user accepting it. */
  trusted: boolean | null;
  /** The server's greeting, for the detail line. */
  greeting: string;
}

const MAX_ANSWER = 64 * 1024;

/** Reads CRLF lines off a socket until a line the caller is waiting for. */
class Dialogue {
  private text = '';
  private lines: string[] = [];
  private waiter: {
    done: (line: string) => boolean;
    resolve: (lines: string[]) => void;
    reject: (e: Error) => void;
  } | null = null;
  private failure: Error | null = null;

  constructor(private readonly socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.text += chunk;
      if (this.text.length > MAX_ANSWER) return this.fail(new Error('the answer is too long'));
      let end = this.text.indexOf('\n');
      while (end >= 0) {
        this.lines.push(this.text.slice(0, end).replace(/\r$/, ''));
        this.text = this.text.slice(end + 1);
        end = this.text.indexOf('\n');
      }
      this.deliver();
    });
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('the server closed the connection')));
  }

  /** Lines up to and including the first for which `done` is true. */
  read(done: (line: string) => boolean): Promise<string[]> {
    return new Promise((resolve, reject) => {
      this.waiter = { done, resolve, reject };
      this.deliver();
    });
  }

  send(command: string): void {
    this.socket.write(`${command}\r\n`);
  }

  private deliver(): void {
    const waiter = this.waiter;
    if (!waiter) return;
    const index = this.lines.findIndex(waiter.done);
    if (index >= 0) {
      this.waiter = null;
      waiter.resolve(this.lines.splice(0, index + 1));
    } else if (this.failure) {
      this.waiter = null;
      waiter.reject(this.failure);
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.deliver();
  }
}

/** Whether the plain connection can be upgraded, or null when the server does not speak the protocol. */
type Conversation = (dialogue: Dialogue) => Promise<{ starttls: boolean; greeting: string } | null>;

const imap: Conversation = async (d) => {
  const [greeting = ''] = await d.read((l) => l.startsWith('*'));
  if (!/^\* (OK|PREAUTH)\b/i.test(greeting)) return null;
  let capabilities = /\[CAPABILITY ([^\]]*)\]/i.exec(greeting)?.[1];
  if (capabilities === undefined) {
    d.send('a1 CAPABILITY');
    const lines = await d.read((l) => /^a1 /i.test(l));
    capabilities = lines.find((l) => /^\* CAPABILITY /i.test(l))?.slice(13) ?? '';
  }
  d.send('a2 LOGOUT');
  return { starttls: /(^|\s)STARTTLS(\s|$)/i.test(capabilities), greeting };
};

const pop3: Conversation = async (d) => {
  const [greeting = ''] = await d.read(() => true);
  if (!greeting.startsWith('+OK')) return null;
  d.send('CAPA');
  const [status = ''] = await d.read(() => true);
  // A server without CAPA (RFC 1939 only) answers -ERR and cannot offer STLS either.
  const capabilities = status.startsWith('+OK') ? await d.read((l) => l === '.') : [];
  d.send('QUIT');
  return { starttls: capabilities.some((l) => /^STLS\b/i.test(l)), greeting };
};

const smtp: Conversation = async (d) => {
  const greetingLines = await d.read((l) => /^\d{3}( |$)/.test(l));
  const greeting = greetingLines.join(' ');
  if (!greetingLines.every((l) => l.startsWith('220'))) return null;
  d.send('EHLO interlog.local');
  const answer = await d.read((l) => /^\d{3}( |$)/.test(l));
  d.send('QUIT');
  if (!answer.every((l) => l.startsWith('250'))) return { starttls: false, greeting };
  return { starttls: answer.some((l) => /^250[- ]STARTTLS\b/i.test(l)), greeting };
};

const CONVERSATIONS: Record<ServerSettings['protocol'], Conversation> = { imap, pop3, smtp };

/**
 * Connects and reads what the server offers, without signing in: the greeting, then CAPABILITY (IMAP), CAPA
 * (POP3) or EHLO (SMTP). Decides the security: implicit TLS on a TLS port; STARTTLS when offered on a plain port;
 * else none. Rejects when nothing answers or the answer is not the protocol.
 */
export async function probe(
  network: Network,
  target: { protocol: ServerSettings['protocol']; host: string; port: number; tls: boolean },
  timeoutMs: number,
  signal: AbortSignal,
): Promise<ProbeResult> {
  const where = `${target.host}:${target.port}`;
  const socket = await bounded(
    network.connect(target.host, target.port, { tls: target.tls, timeoutMs }),
    `connecting to ${where}`,
    timeoutMs,
    signal,
    (late) => late.destroy(),
  );
  try {
    const answer = await bounded(CONVERSATIONS[target.protocol](new Dialogue(socket)), where, timeoutMs, signal);
    if (!answer) throw new Error(`${where} does not speak ${target.protocol.toUpperCase()}`);
    const security: Security = target.tls ? 'tls' : answer.starttls ? 'starttls' : 'none';
    const trusted = target.tls ? (socket as TLSSocket).authorized === true : null;
    return {
      protocol: target.protocol,
      host: target.host,
      port: target.port,
      security,
      trusted,
      greeting: answer.greeting,
    };
  } finally {
    socket.end();
    // The goodbye needs no answer; a server that lingers must not hold the probe open.
    setTimeout(() => socket.destroy(), 200).unref();
  }
}
