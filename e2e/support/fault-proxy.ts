// A TCP proxy on 127.0.0.1 between a client and a mail server, breaking the link the ways a flaky network does:
// cut after an exact number of server->client bytes, stall, slow to a trickle, reset (RST) inside a message body,
// garble one byte of a response line. It reads IMAP, POP3 or SMTP just enough to know where the bodies and the
// response lines are, so a fault lands where it hurts.
import net from 'node:net';

export type Protocol = 'imap' | 'pop3' | 'smtp';

export type Fault = FaultAction & {
  /** Aims the fault: it starts only once the client has sent bytes matching this (a command, the end of DATA). */
  afterCommand?: RegExp;
};

export type FaultAction =
  /** Once n more server->client bytes have gone, the client gets exactly those and both sides are closed (FIN). */
  | { kind: 'cut'; afterBytes: number }
  /** Nothing moves either way for ms, starting with the next bytes to move; then everything flows on. */
  | { kind: 'stall'; ms: number }
  /** Server->client bytes go at bytesPerSecond for ms, starting with the next bytes from the server. */
  | { kind: 'trickle'; bytesPerSecond: number; ms: number }
  /**
   * Inside the next message body (an IMAP literal of a letter, a POP3 RETR/TOP answer, the SMTP DATA the client
   * sends), after afterBodyBytes of it (at most all but its last byte), both sides are reset (RST).
   */
  | { kind: 'reset-mid-body'; afterBodyBytes: number }
  /**
   * One byte of a response line, counted from now, is flipped into a non-ASCII byte: never inside a body (IMAP and
   * POP3 have no checksum, so no client could notice that), never CR or LF, never an IMAP tag (a lost tag is
   * silence, which `stall` covers).
   */
  | { kind: 'garble'; afterLineBytes: number };

export type FaultKind = Fault['kind'];

export interface FaultProxy {
  port: number;
  /**
   * Arms every open connection and each later one: once n more bytes have gone server->client (counted from now
   * for open connections, from the first byte for new ones) the client gets exactly those n bytes and both sides
   * are closed. null disarms.
   */
  cutAfterBytes(n: number | null): void;
  /**
   * Arms one fault, which hits once, on whichever open or later connection first gets where it applies. Resolves
   * true when it has hit, false when `disarm` (or `close`) withdrew it first. One fault is pending at a time.
   */
  inject(fault: Fault): Promise<boolean>;
  /** Withdraws the pending fault, if any. */
  disarm(): void;
  /** Closes every open connection at once, both sides. */
  cutAllNow(): void;
  /** Connections open right now. */
  connections(): number;
  /** Connections accepted since the proxy started, for asserting that a client reconnected. */
  accepted(): number;
  close(): Promise<void>;
}

/** What a stretch of bytes is, for the faults that aim. */
type Region = 'text' | 'body' | 'other';
interface Span {
  start: number;
  end: number;
  region: Region;
  /** For 'body': the offset of `start` inside the body and the body's size when the protocol says it. */
  offset?: number;
  size?: number | null;
}

/** IMAP literals at least this long are taken for letter bodies; shorter ones are header fields and the like. */
const MIN_IMAP_BODY = 512;
/** Bytes a paused direction may queue before its sender is paused too. */
const HIGH_WATER = 1024 * 1024;
const TRICKLE_TICK_MS = 20;

/** Follows one connection's two byte streams and tells which bytes are response text and which are bodies. */
class Scanner {
  // server -> client
  private downLine = '';
  private downLineStart = true;
  private downTagged = false;
  private downFirstToken = true;
  private literalLeft = 0;
  private literalSize = 0;
  private literalIsBody = false;
  private pop3Body: 'none' | 'listing' | 'body' = 'none';
  private pop3BodyOffset = 0;
  private pop3AtLineStart = true;
  private pop3DotLine = '';
  private readonly pop3Commands: string[] = ['greeting'];
  // client -> server
  private upLine = '';
  private smtpDataAsked = false;
  private smtpInBody = false;
  private smtpBodyOffset = 0;
  private smtpTail = '';

  constructor(private readonly protocol: Protocol) {}

  down(chunk: Buffer): Span[] {
    if (this.protocol === 'imap') return this.imapDown(chunk);
    if (this.protocol === 'pop3') return this.pop3Down(chunk);
    return this.linesDown(chunk);
  }

  up(chunk: Buffer): Span[] {
    if (this.protocol === 'smtp') return this.smtpUp(chunk);
    if (this.protocol === 'pop3') {
      for (const byte of chunk) {
        if (byte === 0x0a) {
          this.pop3Commands.push(this.upLine.trim().toUpperCase());
          this.upLine = '';
        } else if (this.upLine.length < 64) this.upLine += String.fromCharCode(byte);
      }
    }
    return [{ start: 0, end: chunk.length, region: 'other' }];
  }

  private imapDown(chunk: Buffer): Span[] {
    const spans: Span[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.literalLeft > 0) {
        const take = Math.min(this.literalLeft, chunk.length - i);
        spans.push({
          start: i,
          end: i + take,
          region: this.literalIsBody ? 'body' : 'other',
          offset: this.literalSize - this.literalLeft,
          size: this.literalSize,
        });
        this.literalLeft -= take;
        i += take;
        continue;
      }
      const byte = chunk[i] as number;
      let region: Region = 'text';
      if (this.downLineStart) {
        this.downTagged = byte !== 0x2a && byte !== 0x2b; // neither '*' nor '+'
        this.downFirstToken = true;
        this.downLineStart = false;
      }
      if (byte === 0x0d || byte === 0x0a) region = 'other';
      else if (this.downFirstToken && byte === 0x20) this.downFirstToken = false;
      else if (this.downFirstToken && this.downTagged) region = 'other';
      this.downLine = (this.downLine + String.fromCharCode(byte)).slice(-32);
      if (byte === 0x0a) {
        const literal = /\{(\d+)\+?\}\r?\n$/.exec(this.downLine);
        if (literal) {
          this.literalSize = Number(literal[1]);
          this.literalLeft = this.literalSize;
          this.literalIsBody = this.literalSize >= MIN_IMAP_BODY;
        } else this.downLineStart = true;
        this.downLine = '';
      }
      pushByte(spans, i, region);
      i++;
    }
    return spans;
  }

  private pop3Down(chunk: Buffer): Span[] {
    const spans: Span[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i] as number;
      if (this.pop3Body === 'none') {
        // the status line of the next answer
        pushByte(spans, i, byte === 0x0d || byte === 0x0a ? 'other' : 'text');
        if (byte !== 0x0a) {
          if (this.downLine.length < 8) this.downLine += String.fromCharCode(byte);
          continue;
        }
        const command = this.pop3Commands.shift() ?? '';
        const [verb = '', ...args] = command.split(' ');
        const ok = this.downLine.startsWith('+OK');
        this.downLine = '';
        if (!ok) continue;
        if (verb === 'RETR' || verb === 'TOP') this.pop3Body = 'body';
        else if (verb === 'CAPA' || ((verb === 'LIST' || verb === 'UIDL') && args.length === 0)) {
          this.pop3Body = 'listing';
        }
        this.pop3BodyOffset = 0;
        this.pop3AtLineStart = true;
        this.pop3DotLine = '';
        continue;
      }
      // inside a multi-line answer: it ends with a line holding only "."
      const region: Region = this.pop3Body === 'body' ? 'body' : 'other';
      spans.push({ start: i, end: i + 1, region, offset: this.pop3BodyOffset++, size: null });
      if (this.pop3AtLineStart || this.pop3DotLine !== '') this.pop3DotLine += String.fromCharCode(byte);
      this.pop3AtLineStart = byte === 0x0a;
      if (this.pop3DotLine === '.\r\n' || this.pop3DotLine === '.\n') this.pop3Body = 'none';
      if (this.pop3AtLineStart || !'.\r\n'.startsWith(this.pop3DotLine)) this.pop3DotLine = '';
    }
    return merge(spans);
  }

  /** SMTP replies: every byte but CR and LF is text; a 354 lets the body start. */
  private linesDown(chunk: Buffer): Span[] {
    const spans: Span[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i] as number;
      pushByte(spans, i, byte === 0x0d || byte === 0x0a ? 'other' : 'text');
      // With PIPELINING the answers to MAIL and RCPT come first; the body starts once DATA is answered 354.
      if (this.downLineStart && this.smtpDataAsked && chunk.subarray(i, i + 3).toString() === '354') {
        this.smtpInBody = true;
        this.smtpDataAsked = false;
        this.smtpBodyOffset = 0;
        this.smtpTail = '\r\n';
      }
      this.downLineStart = byte === 0x0a;
    }
    return spans;
  }

  private smtpUp(chunk: Buffer): Span[] {
    const spans: Span[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i] as number;
      if (this.smtpInBody) {
        spans.push({ start: i, end: i + 1, region: 'body', offset: this.smtpBodyOffset++, size: null });
        this.smtpTail = (this.smtpTail + String.fromCharCode(byte)).slice(-5);
        if (this.smtpTail === '\r\n.\r\n') this.smtpInBody = false;
        continue;
      }
      pushByte(spans, i, 'other');
      if (byte === 0x0a) {
        if (/^DATA\r?$/i.test(this.upLine)) this.smtpDataAsked = true;
        this.upLine = '';
      } else if (this.upLine.length < 16) this.upLine += String.fromCharCode(byte);
    }
    return merge(spans);
  }
}

function pushByte(spans: Span[], i: number, region: Region): void {
  const last = spans[spans.length - 1];
  if (last && last.region === region && last.end === i && region !== 'body') last.end = i + 1;
  else spans.push({ start: i, end: i + 1, region });
}

/** Joins the one-byte body spans of a chunk into runs. */
function merge(spans: Span[]): Span[] {
  const out: Span[] = [];
  for (const s of spans) {
    const last = out[out.length - 1];
    if (last && last.region === s.region && last.end === s.start) last.end = s.end;
    else out.push({ ...s });
  }
  return out;
}

/** The position of the garbled byte if it falls in this chunk: the n-th ASCII byte of response text from the start. */
function garbleAt(chunk: Buffer, spans: Span[], p: { n: number }, n: number): number | null {
  for (const span of spans) {
    if (span.region !== 'text') continue;
    for (let i = span.start; i < span.end; i++) {
      if ((chunk[i] as number) >= 0x80) continue;
      if (p.n === n) return i;
      p.n++;
    }
  }
  return null;
}

/** One direction of a link: bytes queue here so a stall or a trickle can hold them. */
class Direction {
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | null = null;
  private waitingForDrain = false;
  heldUntil = 0;
  trickle: { bytesPerSecond: number; until: number } | null = null;
  /** The source ended: end the destination once the queue is out. */
  private ending = false;

  constructor(
    private readonly from: net.Socket,
    private readonly to: net.Socket,
  ) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.queue.push(chunk);
    this.queued += chunk.length;
    if (this.queued > HIGH_WATER) this.from.pause();
    this.pump();
  }

  /** Ends the destination after the queued bytes, then calls done. */
  end(done?: () => void): void {
    this.ending = true;
    this.onEnded = done;
    this.pump();
  }

  private onEnded: (() => void) | undefined;

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
    this.queued = 0;
  }

  private later(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pump();
    }, ms);
  }

  private pump(): void {
    if (this.timer || this.waitingForDrain || this.to.destroyed) return;
    while (this.queue.length > 0) {
      const now = Date.now();
      if (this.heldUntil > now) {
        this.later(this.heldUntil - now);
        return;
      }
      let chunk = this.queue.shift() as Buffer;
      const slow = this.trickle && this.trickle.until > now ? this.trickle : null;
      if (slow) {
        const allowed = Math.max(1, Math.round((slow.bytesPerSecond * TRICKLE_TICK_MS) / 1000));
        if (chunk.length > allowed) {
          this.queue.unshift(chunk.subarray(allowed));
          chunk = chunk.subarray(0, allowed);
        }
      }
      this.queued -= chunk.length;
      const more = this.to.write(chunk);
      if (slow) {
        this.later(TRICKLE_TICK_MS);
        return;
      }
      if (!more) {
        this.waitingForDrain = true;
        this.to.once('drain', () => {
          this.waitingForDrain = false;
          this.pump();
        });
        return;
      }
    }
    if (this.from.isPaused() && !this.from.destroyed) this.from.resume();
    if (this.ending) {
      this.ending = false;
      const done = this.onEnded;
      this.to.end(() => done?.());
    }
  }
}

interface Pending {
  fault: Fault;
  resolve: (hit: boolean) => void;
}

interface Link {
  client: net.Socket;
  upstream: net.Socket;
  down: Direction;
  up: Direction;
  scanner: Scanner | null;
  /** Server->client bytes still allowed before the standing cut (cutAfterBytes); null when not armed. */
  budget: number | null;
  /** Progress of the pending fault on this link: bytes counted since it was armed here. */
  counted: { fault: Fault; n: number } | null;
  /** The pending fault's afterCommand was seen on this link. */
  triggered: Fault | null;
  /** The link is being taken down on purpose: the last allowed bytes are flushing to the client. */
  closing: boolean;
}

export async function startFaultProxy(
  targetPort: number,
  targetHost = '127.0.0.1',
  options: { protocol?: Protocol } = {},
): Promise<FaultProxy> {
  const links = new Set<Link>();
  let armed: number | null = null;
  let accepted = 0;
  let pending: Pending | null = null;

  const drop = (link: Link) => {
    link.down.stop();
    link.up.stop();
    link.upstream.destroy();
    link.client.destroy();
    links.delete(link);
  };

  const hit = () => {
    const p = pending;
    pending = null;
    p?.resolve(true);
  };

  /** Sends `allowed`, then closes the client with FIN: the link dies exactly there. */
  const cutAt = (link: Link, allowed: Buffer) => {
    link.closing = true;
    link.upstream.destroy();
    link.down.push(allowed);
    link.down.end(() => drop(link));
  };

  const reset = (link: Link) => {
    link.closing = true;
    link.down.stop();
    link.up.stop();
    link.upstream.resetAndDestroy();
    link.client.resetAndDestroy();
    links.delete(link);
  };

  /** The pending fault if it applies to this link now. */
  const aimed = (link: Link): Fault | undefined => {
    const fault = pending?.fault;
    return fault && (!fault.afterCommand || link.triggered === fault) ? fault : undefined;
  };

  /** How far the pending fault has got on this link, started at zero the first time the link sees it. */
  const progress = (link: Link, fault: Fault) => {
    if (link.counted?.fault !== fault) link.counted = { fault, n: 0 };
    return link.counted;
  };

  /** Applies the pending fault (if it aims at these bytes) and forwards what is left. */
  const fromServer = (link: Link, chunk: Buffer) => {
    if (link.closing) return;
    if (link.budget !== null && chunk.length >= link.budget) {
      cutAt(link, chunk.subarray(0, link.budget));
      return;
    }
    if (link.budget !== null) link.budget -= chunk.length;
    const spans = link.scanner?.down(chunk) ?? [];
    const fault = aimed(link);
    if (fault) {
      if (fault.kind === 'cut') {
        const p = progress(link, fault);
        if (p.n + chunk.length >= fault.afterBytes) {
          hit();
          cutAt(link, chunk.subarray(0, fault.afterBytes - p.n));
          return;
        }
        p.n += chunk.length;
      } else if (fault.kind === 'stall') {
        hit();
        link.down.heldUntil = link.up.heldUntil = Date.now() + fault.ms;
      } else if (fault.kind === 'trickle') {
        hit();
        link.down.trickle = { bytesPerSecond: fault.bytesPerSecond, until: Date.now() + fault.ms };
      } else if (fault.kind === 'garble') {
        const p = progress(link, fault);
        const at = garbleAt(chunk, spans, p, fault.afterLineBytes);
        if (at !== null) {
          chunk = Buffer.from(chunk);
          chunk[at] = (chunk[at] as number) | 0x80;
          hit();
        }
      } else if (fault.kind === 'reset-mid-body' && resetInBody(link, chunk, spans, fault, link.down)) return;
    }
    link.down.push(chunk);
  };

  const fromClient = (link: Link, chunk: Buffer) => {
    if (link.closing) return;
    const spans = link.scanner?.up(chunk) ?? [];
    const fault = aimed(link);
    if (fault?.kind === 'stall') {
      hit();
      link.down.heldUntil = link.up.heldUntil = Date.now() + fault.ms;
    } else if (fault?.kind === 'reset-mid-body' && resetInBody(link, chunk, spans, fault, link.up)) return;
    link.up.push(chunk);
    const waiting = pending?.fault;
    if (waiting?.afterCommand && link.triggered !== waiting && waiting.afterCommand.test(chunk.toString('latin1'))) {
      link.triggered = waiting;
    }
  };

  /** True when the reset happened inside this chunk (its bytes before the point went out first). */
  const resetInBody = (
    link: Link,
    chunk: Buffer,
    spans: Span[],
    fault: Extract<Fault, { kind: 'reset-mid-body' }>,
    direction: Direction,
  ): boolean => {
    for (const span of spans) {
      if (span.region !== 'body' || span.offset === undefined) continue;
      const last = span.size ? span.size - 1 : Number.POSITIVE_INFINITY;
      const target = Math.max(1, Math.min(fault.afterBodyBytes, last));
      const reach = span.offset + (span.end - span.start);
      if (span.offset <= target && target < reach) {
        hit();
        direction.push(chunk.subarray(0, span.start + (target - span.offset)));
        // the bytes before the point must reach the far side before the RST does
        setTimeout(() => reset(link), 50);
        link.closing = true;
        return true;
      }
    }
    return false;
  };

  const server = net.createServer((client) => {
    accepted++;
    const upstream = net.connect(targetPort, targetHost);
    const link: Link = {
      client,
      upstream,
      down: new Direction(upstream, client),
      up: new Direction(client, upstream),
      scanner: options.protocol ? new Scanner(options.protocol) : null,
      budget: armed,
      counted: null,
      triggered: null,
      closing: false,
    };
    links.add(link);
    client.on('error', () => drop(link));
    upstream.on('error', () => {
      if (!link.closing) drop(link);
    });
    client.on('close', () => drop(link));
    upstream.on('close', () => {
      if (!link.closing) link.down.end(() => drop(link));
    });
    upstream.on('data', (chunk: Buffer) => fromServer(link, chunk));
    client.on('data', (chunk: Buffer) => fromClient(link, chunk));
    client.on('end', () => link.up.end());
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });

  const disarm = () => {
    const p = pending;
    pending = null;
    p?.resolve(false);
  };

  return {
    port,
    cutAfterBytes(n) {
      if (n !== null && (!Number.isInteger(n) || n < 0)) throw new Error(`cutAfterBytes: ${n} is not a byte count`);
      armed = n;
      for (const link of links) link.budget = n;
    },
    inject(fault) {
      if (pending) throw new Error(`inject: a ${pending.fault.kind} fault is still pending`);
      if ((fault.kind === 'reset-mid-body' || fault.kind === 'garble') && !options.protocol) {
        throw new Error(`inject: ${fault.kind} needs the proxy to know its protocol`);
      }
      return new Promise<boolean>((resolve) => {
        pending = { fault, resolve };
      });
    },
    disarm,
    cutAllNow() {
      for (const link of [...links]) drop(link);
    },
    connections: () => links.size,
    accepted: () => accepted,
    close() {
      disarm();
      for (const link of [...links]) drop(link);
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
