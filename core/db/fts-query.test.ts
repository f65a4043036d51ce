import { describe, expect, it } from 'vitest';
import { toFtsQuery } from './interactions-repo.js';

describe('what a person types becomes a safe full-text query', () => {
  it('splits where the index splits, each word a prefix that must match', () => {
    expect(toFtsQuery('Счёт №15.pdf')).toBe('"Счёт"* "15"* "pdf"*');
    expect(toFtsQuery('ivan@client.example')).toBe('"ivan"* "client"* "example"*');
  });

  it('never lets query syntax through', () => {
    expect(toFtsQuery('a" OR b NEAR(c) -d *')).toBe('"a"* "OR"* "b"* "NEAR"* "c"* "d"*');
    expect(toFtsQuery('   ')).toBe('');
  });
});
