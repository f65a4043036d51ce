import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import smpp, { type Pdu, type Session } from 'smpp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JournalService } from '../core/journal-service.js';
import { FileSecretStore } from '../core/secrets/file-secret-store.js';

let dir: string;
let service: JournalService;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-sms-'));
  const db = path.join(dir, 'journal.db');
  service = new JournalService({ dbFile: db, secrets: FileSecretStore.besideJournal(db) });
});
afterEach(async () => {
  await service.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function until<T>(probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > end) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** An SMSC made with the same smpp package: checks the bind, takes submit_sm, sends a receipt as deliver_sm. */
async function startSmsc(options: { password: string; receipt: 'DELIVRD' | 'UNDELIV' }) {
  const submitted: Array<{ source: string; destination: string; text: string; registered: number }> = [];
  const sessions = new Set<Session>();
  let next = 1;
  const server = smpp.createServer((session) => {
    sessions.add(session);
    session.on('error', () => undefined);
    session.on('bind_transceiver', (pdu: Pdu) => {
      const ok = pdu.system_id === 'interlog' && pdu.password === options.password;
      session.send(pdu.response({ command_status: ok ? 0 : smpp.ESME_RBINDFAIL }));
      if (!ok) session.close();
    });
    session.on('unbind', (pdu: Pdu) => {
      session.send(pdu.response());
      session.close();
    });
    session.on('submit_sm', (pdu: Pdu) => {
      const id = `msg-${next++}`;
      const message = pdu.short_message as { message?: string } | string;
      submitted.push({
        source: String(pdu.source_addr),
        destination: String(pdu.destination_addr),
        text: typeof message === 'string' ? message : String(message.message),
        registered: Number(pdu.registered_delivery),
      });
      session.send(pdu.response({ message_id: id }));
      setTimeout(() => {
        session.deliver_sm({
          source_addr: String(pdu.destination_addr),
          destination_addr: String(pdu.source_addr),
          esm_class: smpp.ESM_CLASS.MC_DELIVERY_RECEIPT,
          short_message: `id:${id} sub:001 dlvrd:001 submit date:2503051000 done date:2503051001 stat:${options.receipt} err:000 text:`,
        });
      }, 50);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    submitted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const smppProvider = (port: number, password = 'secret') => ({
  provider: {
    kind: 'smpp' as const,
    host: '127.0.0.1',
    port,
    systemId: 'interlog',
    password,
    sourceAddr: 'MyShop',
  },
});

describe('SMS through SMPP', () => {
  it('sends an SMS and the delivery receipt marks it delivered', async () => {
    const smsc = await startSmsc({ password: 'secret', receipt: 'DELIVRD' });
    try {
      await service.setSmsProvider(smppProvider(smsc.port));
      const sent = await service.sendSms({ phone: '+7 900 123-45-67', text: 'Your order is ready', onControl: true });
      expect(sent.details).toMatchObject({ status: 'sent', providerMessageId: 'msg-1', phone: '+79001234567' });
      expect(sent.interaction).toMatchObject({ kind: 'sms', direction: 'out', onControl: true });
      expect(smsc.submitted).toEqual([
        { source: 'MyShop', destination: '79001234567', text: 'Your order is ready', registered: 1 },
      ]);
      const delivered = await until(
        () => service.interactionDetails({ interactionId: sent.interaction.id }),
        (d) => d.details?.status === 'delivered',
      );
      expect(delivered.details?.status).toBe('delivered');
      expect((await service.lists({})).onControl).toBe(1);
    } finally {
      await service.close();
      await smsc.close();
    }
  });

  it('an undeliverable receipt marks the SMS failed; a refused bind fails the SMS with the reason', async () => {
    const smsc = await startSmsc({ password: 'secret', receipt: 'UNDELIV' });
    try {
      await service.setSmsProvider(smppProvider(smsc.port));
      const sent = await service.sendSms({ phone: '+79001234567', text: 'x' });
      const failed = await until(
        () => service.interactionDetails({ interactionId: sent.interaction.id }),
        (d) => d.details?.status === 'failed',
      );
      expect(failed.details?.providerError).toMatch(/UNDELIV/);

      await service.setSmsProvider(smppProvider(smsc.port, 'wrong'));
      const refused = await service.sendSms({ phone: '+79001234567', text: 'y' });
      expect(refused.details).toMatchObject({ status: 'failed' });
      expect(refused.details?.providerError).toMatch(/refused the system id or password/);
    } finally {
      await service.close();
      await smsc.close();
    }
  });
});

describe('SMS through SMS.ru', () => {
  it('posts the documented form to /sms/send and reads the status from /sms/status', async () => {
    const calls: Array<{ method: string; url: string; type: string; form: Record<string, string> }> = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => {
        body += d.toString();
      });
      req.on('end', () => {
        const form = Object.fromEntries(new URLSearchParams(body));
        calls.push({ method: req.method ?? '', url: req.url ?? '', type: req.headers['content-type'] ?? '', form });
        res.setHeader('content-type', 'application/json');
        if (req.url === '/sms/send') {
          res.end(
            JSON.stringify({
              status: 'OK',
              status_code: 100,
              sms: { [form.to ?? '']: { status: 'OK', status_code: 100, sms_id: '000000-10000001' } },
              balance: 100.5,
            }),
          );
        } else {
          res.end(
            JSON.stringify({
              status: 'OK',
              status_code: 100,
              sms: { '000000-10000001': { status: 'OK', status_code: 103, status_text: 'Сообщение доставлено' } },
            }),
          );
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      await service.setSmsProvider({
        provider: { kind: 'smsru', apiId: 'API-KEY-1', from: 'MyShop', baseUrl: `http://127.0.0.1:${port}` },
      });
      const sent = await service.sendSms({ phone: '+7 (900) 123-45-67', text: 'Заказ готов' });
      expect(sent.details).toMatchObject({ status: 'queued', provider: 'smsru', providerMessageId: '000000-10000001' });
      expect(calls[0]).toEqual({
        method: 'POST',
        url: '/sms/send',
        type: 'application/x-www-form-urlencoded',
        form: { api_id: 'API-KEY-1', to: '79001234567', msg: 'Заказ готов', from: 'MyShop', json: '1' },
      });
      expect(await service.refreshSmsStatuses({})).toBe(1);
      expect(calls[1]).toMatchObject({ url: '/sms/status', form: { api_id: 'API-KEY-1', sms_id: '000000-10000001' } });
      const after = await service.interactionDetails({ interactionId: sent.interaction.id });
      expect(after.details?.status).toBe('delivered');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
