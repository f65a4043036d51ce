import { describe, expect, it } from 'vitest';
import { InterlogError } from '../errors.js';
import { endsWatch } from './retry.js';
import { serverError } from './server-error.js';

const server = { host: 'imap.example.com', port: 993 };
const socketError = (code: string) => Object.assign(new Error(`getaddrinfo ${code} imap.example.com`), { code });

describe('what ends a watch', () => {
  it('keeps watching through a lost network: a DNS hiccup is temporary, a vanished host is retried', () => {
    const hiccup = serverError(socketError('EAI_AGAIN'), server);
    expect(hiccup.kind).toBe('temporary');
    expect(hiccup.transient).toBe(true);
    expect(endsWatch(hiccup)).toBe(false);
    const gone = serverError(socketError('ENOTFOUND'), server);
    expect(gone.kind).toBe('host-not-found');
    expect(gone.message).toBe('The mail server imap.example.com was not found.');
    expect(endsWatch(gone)).toBe(false);
    expect(endsWatch(new InterlogError('protocol', 'garbled answer'))).toBe(false);
  });

  it('stops on what only the user can fix: a refused password or certificate', () => {
    expect(endsWatch(new InterlogError('auth', 'refused'))).toBe(true);
    expect(endsWatch(new InterlogError('tls', 'self-signed'))).toBe(true);
  });
});
