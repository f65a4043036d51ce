import { describe, expect, it } from 'vitest';
import { headerKey } from './maildrop.js';
import { deletionDue } from './retention.js';

describe('deletionDue', () => {
  const received = '2026-03-01T09:00:00.000Z';
  const at = (days: number, ms = 0) => new Date(Date.parse(received) + days * 86_400_000 + ms);

  it('deletes at once unless copies are left on the server', () => {
    expect(deletionDue({ leaveOnServer: false, deleteAfterDays: null }, received, at(0))).toBe(true);
    expect(deletionDue({ leaveOnServer: true, deleteAfterDays: null }, received, at(10_000))).toBe(false);
  });

  it('counts N days from the first receipt, to the millisecond', () => {
    const account = { leaveOnServer: true, deleteAfterDays: 10 };
    expect(deletionDue(account, received, at(10, -1))).toBe(false);
    expect(deletionDue(account, received, at(10))).toBe(true);
  });
});

describe('headerKey', () => {
  const header = (extra: string) =>
    Buffer.from(
      `From: a@b.example\r\nSubject: =?UTF-8?B?0KHRh9GR0YI=?=\r\n${extra}Date: Mon, 2 Mar 2026 10:00:00 +0300\r\n\r\n`,
    );

  it('ignores the fields a server may rewrite while a letter waits', () => {
    expect(headerKey(header('Status: RO\r\nX-UIDL: 17\r\n'))).toBe(headerKey(header('')));
  });

  it('tells letters apart by any other field', () => {
    expect(headerKey(header('Received: from x by y\r\n'))).not.toBe(headerKey(header('')));
    expect(headerKey(header(''))).toMatch(/^hdr:[0-9a-f]{64}$/);
  });
});
