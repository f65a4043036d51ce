import { describe, expect, it } from 'vitest';
import { callTimeoutMs } from '../renderer/call-timeouts.js';

// The wizard must not say "did not answer in time" while the account check still has time left on the servers:
// the check would go on and could save the account behind the user's back.
describe('how long the UI waits for an account check', () => {
  it('an ordinary call gives up after 30 s; sync and sending wait as long as they take', () => {
    expect(callTimeoutMs('listAccounts', {})).toBe(30_000);
    expect(callTimeoutMs('sync', {})).toBeNull();
  });

  it('editing an account signs in to its servers and removing one waits for its sync to stop: no time limit', () => {
    expect(callTimeoutMs('editAccount', { name: 'Work', password: 'x' })).toBeNull();
    expect(callTimeoutMs('removeAccount', { name: 'Work' })).toBeNull();
  });

  it('setupAccount waits for every stage of the form’s server timeout, on two detected servers, and then 30 s', () => {
    // Connect, greet, sign in, test letter: four stages, each up to the server timeout, on two servers per side.
    expect(callTimeoutMs('setupAccount', { email: 'a@b.test', timeoutSeconds: 60 })).toBe(8 * 60_000 + 30_000);
    expect(callTimeoutMs('setupAccount', { email: 'a@b.test' })).toBe(8 * 30_000 + 30_000);
  });

  it('checkAccount, whose stored timeout the UI does not know, assumes the default 30 s', () => {
    expect(callTimeoutMs('checkAccount', { name: 'Work' })).toBe(8 * 30_000 + 30_000);
    expect(callTimeoutMs('checkAccount', { name: 'Work' })).toBeGreaterThan(callTimeoutMs('getMessage', {}) ?? 0);
  });
});
