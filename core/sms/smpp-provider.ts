import smpp, { type Pdu, type Session } from 'smpp';
import type { SmsStatus } from '../db/kinds-repo.js';
import { InterlogError } from '../errors.js';
import type { ReceiptListener, SmsProvider, SmsReceipt, SmsSubmit } from './provider.js';

export interface SmppOptions {
  host: string;
  port: number;
  tls: boolean;
  systemId: string;
  password: string;
  sourceAddr: string;
  timeoutMs?: number;
}

/**
 * SMPP 3.4/5.0 as an ESME bound as transceiver: submit_sm asks for a delivery receipt, and the receipts come back
 * as deliver_sm on the same session, so the session stays open while the journal is open.
 */
export class SmppProvider implements SmsProvider {
  readonly name: string;
  private session: Promise<Session> | null = null;

  constructor(
    private readonly options: SmppOptions,
    private readonly onReceipt: ReceiptListener,
  ) {
    this.name = `smpp:${options.systemId}@${options.host}:${options.port}`;
  }

  async send(to: string, text: string): Promise<SmsSubmit> {
    const session = await this.connect();
    const response = await this.request((done) =>
      session.submit_sm(
        {
          source_addr: this.options.sourceAddr,
          source_addr_ton: /^\d+$/.test(this.options.sourceAddr) ? 1 : 5,
          destination_addr: to.replace(/^\+/, ''),
          dest_addr_ton: 1,
          dest_addr_npi: 1,
          registered_delivery: 1,
          short_message: text,
        },
        done,
      ),
    );
    if (response.command_status !== 0) {
      return {
        providerMessageId: null,
        status: 'failed',
        error: `SMPP error 0x${response.command_status.toString(16)}`,
      };
    }
    return { providerMessageId: String(response.message_id), status: 'sent', error: null };
  }

  async close(): Promise<void> {
    const pending = this.session;
    this.session = null;
    if (!pending) return;
    const session = await pending.catch(() => null);
    if (!session) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => session.destroy(() => resolve()), 1000);
      session.unbind({}, () => {
        clearTimeout(timer);
        session.close(() => resolve());
      });
    });
  }

  private connect(): Promise<Session> {
    this.session ??= new Promise<Session>((resolve, reject) => {
      const session = smpp.connect({ host: this.options.host, port: this.options.port, tls: this.options.tls });
      const fail = (error: Error) => {
        this.session = null;
        reject(new InterlogError('connection-refused', `Cannot reach the SMPP server: ${error.message}`));
      };
      session.once('error', fail);
      session.on('close', () => {
        this.session = null;
      });
      session.on('deliver_sm', (pdu: Pdu) => {
        session.send(pdu.response());
        const receipt = readReceipt(pdu);
        if (receipt) this.onReceipt(receipt);
      });
      session.bind_transceiver({ system_id: this.options.systemId, password: this.options.password }, (pdu) => {
        session.off('error', fail);
        session.on('error', () => undefined);
        if (pdu.command_status === 0) return resolve(session);
        this.session = null;
        session.destroy();
        reject(new InterlogError('auth', 'The SMPP server refused the system id or password.'));
      });
    });
    return this.session;
  }

  private request(send: (done: (pdu: Pdu) => void) => boolean): Promise<Pdu> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new InterlogError('timeout', 'The SMPP server did not answer.')),
        this.options.timeoutMs ?? 15_000,
      );
      const sent = send((pdu) => {
        clearTimeout(timer);
        resolve(pdu);
      });
      if (!sent) {
        clearTimeout(timer);
        reject(new InterlogError('connection-lost', 'The SMPP connection is closed.'));
      }
    });
  }
}

const STATES: Record<string, SmsStatus> = {
  DELIVRD: 'delivered',
  ACCEPTD: 'sent',
  ENROUTE: 'sent',
  EXPIRED: 'failed',
  DELETED: 'failed',
  UNDELIV: 'failed',
  REJECTD: 'failed',
  UNKNOWN: 'sent',
};

/**
 * A delivery receipt in a deliver_sm: the receipted_message_id and message_state TLVs when the SMSC sends them,
 * else the de facto text format "id:… sub:… dlvrd:… submit date:… done date:… stat:DELIVRD err:…".
 */
export function readReceipt(pdu: Pdu): SmsReceipt | null {
  if (typeof pdu.esm_class === 'number' && (pdu.esm_class & smpp.ESM_CLASS.MC_DELIVERY_RECEIPT) === 0) return null;
  const message = pdu.short_message as { message?: unknown } | string | undefined;
  const text = typeof message === 'string' ? message : String(message?.message ?? '');
  const id = (pdu.receipted_message_id as string | undefined) ?? /\bid:(\S+)/i.exec(text)?.[1];
  if (!id) return null;
  const stat = /\bstat:(\w+)/i.exec(text)?.[1]?.toUpperCase();
  const state = pdu.message_state as number | undefined;
  const status: SmsStatus =
    state === smpp.MESSAGE_STATE.DELIVERED
      ? 'delivered'
      : state !== undefined && [3, 4, 5, 8].includes(state)
        ? 'failed'
        : (STATES[stat ?? ''] ?? 'sent');
  const err = /\berr:(\w+)/i.exec(text)?.[1];
  return {
    providerMessageId: id,
    status,
    error: status === 'failed' ? `${stat ?? 'failed'} (err ${err ?? '?'})` : null,
  };
}
