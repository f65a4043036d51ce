import type { SmsStatus } from '../db/kinds-repo.js';
import { InterlogError } from '../errors.js';
import type { SmsProvider, SmsReceipt, SmsSubmit } from './provider.js';

export const SMSRU_URL = 'https://sms.ru';

interface SmsRuAnswer {
  status?: string;
  status_code?: number;
  status_text?: string;
  sms?: Record<string, { status?: string; status_code?: number; status_text?: string; sms_id?: string }>;
}

/** SMS.ru's HTTP API (sms.ru/api/send, /api/status): form-encoded POSTs with the api_id, JSON answers. */
export class SmsRuProvider implements SmsProvider {
  readonly name = 'smsru';

  constructor(private readonly options: { baseUrl: string; apiId: string; from: string | null; timeoutMs?: number }) {}

  async send(to: string, text: string): Promise<SmsSubmit> {
    const number = to.replace(/^\+/, '');
    const answer = await this.call('/sms/send', {
      to: number,
      msg: text,
      ...(this.options.from ? { from: this.options.from } : {}),
    });
    const entry = answer.sms?.[number];
    if (answer.status !== 'OK' || !entry || entry.status !== 'OK' || !entry.sms_id) {
      const why = entry?.status_text ?? answer.status_text ?? 'no reason given';
      return {
        providerMessageId: null,
        status: 'failed',
        error: `SMS.ru: ${why} (${entry?.status_code ?? answer.status_code})`,
      };
    }
    return { providerMessageId: entry.sms_id, status: 'queued', error: null };
  }

  async poll(ids: string[]): Promise<SmsReceipt[]> {
    const receipts: SmsReceipt[] = [];
    // The status call takes up to 100 ids at once.
    for (let i = 0; i < ids.length; i += 100) {
      const answer = await this.call('/sms/status', { sms_id: ids.slice(i, i + 100).join(',') });
      for (const [id, entry] of Object.entries(answer.sms ?? {})) {
        const status = statusOf(entry.status_code);
        receipts.push({
          providerMessageId: id,
          status,
          error: status === 'failed' ? (entry.status_text ?? null) : null,
        });
      }
    }
    return receipts;
  }

  async close(): Promise<void> {}

  private async call(method: string, fields: Record<string, string>): Promise<SmsRuAnswer> {
    const body = new URLSearchParams({ api_id: this.options.apiId, ...fields, json: '1' });
    let response: Response;
    try {
      response = await fetch(`${this.options.baseUrl.replace(/\/$/, '')}${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      throw new InterlogError('connection-refused', `Cannot reach SMS.ru: ${(error as Error).message}`);
    }
    if (!response.ok) throw new InterlogError('protocol', `SMS.ru answered HTTP ${response.status}.`);
    const answer = (await response.json()) as SmsRuAnswer;
    if (answer.status_code === 200 || answer.status_code === 300 || answer.status_code === 301) {
      throw new InterlogError('auth', `SMS.ru refused the api_id: ${answer.status_text ?? answer.status_code}`);
    }
    return answer;
  }
}

/** SMS.ru status codes: 100–102 on the way, 103 delivered, 104–108 and 150 failed. */
function statusOf(code: number | undefined): SmsStatus {
  if (code === 103) return 'delivered';
  if (code !== undefined && ((code >= 104 && code <= 108) || code === 150)) return 'failed';
  return code === 100 ? 'queued' : 'sent';
}
