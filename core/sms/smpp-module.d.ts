// The smpp package ships no types; this is the part Interlog and its tests use.
declare module 'smpp' {
  import type { EventEmitter } from 'node:events';

  export interface Pdu {
    command: string;
    command_status: number;
    sequence_number: number;
    [field: string]: unknown;
    response(fields?: Record<string, unknown>): Pdu;
    isResponse(): boolean;
  }

  export class Session extends EventEmitter {
    send(pdu: Pdu, onResponse?: (pdu: Pdu) => void): boolean;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
    pause(): void;
    resume(): void;
    bind_transceiver(fields: Record<string, unknown>, onResponse?: (pdu: Pdu) => void): boolean;
    submit_sm(fields: Record<string, unknown>, onResponse?: (pdu: Pdu) => void): boolean;
    deliver_sm(fields: Record<string, unknown>, onResponse?: (pdu: Pdu) => void): boolean;
    unbind(fields?: Record<string, unknown>, onResponse?: (pdu: Pdu) => void): boolean;
  }

  export interface Server extends EventEmitter {
    listen(port: number, host?: string, callback?: () => void): this;
    close(callback?: () => void): void;
    address(): { port: number } | string | null;
  }

  // CommonJS: Node's ESM import sees its constants only on the default export.
  const smpp: {
    connect(options: { url?: string; host?: string; port?: number; tls?: boolean }): Session;
    createServer(listener: (session: Session) => void): Server;
    ESME_ROK: number;
    ESME_RBINDFAIL: number;
    ESME_RSUBMITFAIL: number;
    ESM_CLASS: { MC_DELIVERY_RECEIPT: number };
    MESSAGE_STATE: Record<string, number>;
  };
  export default smpp;
}
