import { describe, expect, it } from 'vitest';
import { externalUrl } from './external-url.js';

describe('externalUrl', () => {
  it.each([
    ['https://shop.example/offer?id=1', 'https://shop.example/offer?id=1'],
    ['HTTP://Shop.Example/a b', 'http://shop.example/a%20b'],
    ['mailto:ivan@client.example?subject=Hi', 'mailto:ivan@client.example?subject=Hi'],
    ['  https://shop.example/\n', 'https://shop.example/'],
  ])('lets a web or mail link through, as the parser writes it: %s', (input, expected) => {
    expect(externalUrl(input)).toBe(expected);
  });

  it.each([
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'java\tscript:alert(1)',
    'file:///etc/passwd',
    'file://server/share/evil.exe',
    'smb://server/share',
    'ms-msdt:/id PCWDiagnostic',
    'search-ms:query=invoice',
    'vbscript:msgbox(1)',
    'data:text/html,<script>alert(1)</script>',
    'about:blank',
    'app://interlog/index.html',
    'https://bank.example@evil.example/',
    'https://user:password@evil.example/',
    'https://',
    'not a url',
    '',
    `https://shop.example/${'a'.repeat(9_000)}`,
  ])('refuses %s', (input) => {
    expect(externalUrl(input)).toBeNull();
  });
});
