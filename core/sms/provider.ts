import type { SmsStatus } from '../db/kinds-repo.js';

/** How a provider is reached; secrets (password, API key) live in the secret store under `secretRef`. */
export type SmsProviderConfig =
  | { kind: 'smpp'; host: string; port: number; tls: boolean; systemId: string; sourceAddr: string; secretRef: string }
  | { kind: 'smsru'; baseUrl: string; from: string | null; secretRef: string };

export interface SmsSubmit {
  providerMessageId: string | null;
  status: SmsStatus;
  error: string | null;
}

export interface SmsReceipt {
  providerMessageId: string;
  status: SmsStatus;
  error: string | null;
}

/** A way to send SMS. Receipts arrive by push (SMPP deliver_sm) or are asked for (`poll`, HTTP providers). */
export interface SmsProvider {
  /** The name stored with each SMS, so a receipt finds it. */
  readonly name: string;
  send(to: string, text: string): Promise<SmsSubmit>;
  poll?(providerMessageIds: string[]): Promise<SmsReceipt[]>;
  close(): Promise<void>;
}

export type ReceiptListener = (receipt: SmsReceipt) => void;
