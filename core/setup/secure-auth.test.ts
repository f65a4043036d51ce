import { describe, expect, it } from 'vitest';
import { cramMd5Answer } from './secure-auth.js';

describe('CRAM-MD5', () => {
  it('answers the example of RFC 2195 section 2 byte for byte', () => {
    const challenge = Buffer.from('<1896.697170952@postoffice.reston.mci.net>').toString('base64');
    expect(cramMd5Answer('tim', 'tanstaaftanstaaf', challenge)).toBe(
      'dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw',
    );
  });

  it('never carries the password', () => {
    const answer = Buffer.from(cramMd5Answer('tim', 'secret-pw', Buffer.from('<1.2@x>').toString('base64')), 'base64');
    expect(answer.toString()).toMatch(/^tim [0-9a-f]{32}$/);
    expect(answer.includes('secret-pw')).toBe(false);
  });
});
