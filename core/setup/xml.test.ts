import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseClientConfig, splitAddress } from './clientconfig.js';
import { childText, parseXml, XmlError } from './xml.js';

const CONFIG = `<?xml version="1.0" encoding="UTF-8"?>
<!-- a provider's file -->
<clientConfig version="1.1">
  <emailProvider id="example.org">
    <domain>example.org</domain>
    <displayName>Example &amp; Co</displayName>
    <incomingServer type="pop3">
      <hostname>pop.example.org</hostname>
      <port>995</port>
      <socketType>SSL</socketType>
      <username>%EMAILLOCALPART%</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <incomingServer type="imap">
      <hostname>imap.%EMAILDOMAIN%</hostname>
      <port>143</port>
      <socketType>STARTTLS</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <incomingServer type="imap">
      <hostname>imap.example.org</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>OAuth2</authentication>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <incomingServer type="exchange"><hostname>ews.example.org</hostname></incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.example.org</hostname>
      <port>587</port>
      <socketType>STARTTLS</socketType>
      <username><![CDATA[%EMAILADDRESS%]]></username>
      <authentication>password-cleartext</authentication>
    </outgoingServer>
    <enable visiturl="https://example.org/settings">
      <instruction lang="en">Turn on IMAP</instruction>
    </enable>
  </emailProvider>
</clientConfig>`;

describe('XML reader', () => {
  it('reads elements, attributes, entities, CDATA and character references', () => {
    const root = parseXml(`<a x='1' y="&lt;&#65;&#x42;"><b>t&amp;t</b><c><![CDATA[<raw>]]></c><d/></a>`);
    expect(root.attributes).toEqual({ x: '1', y: '<AB' });
    expect(childText(root, 'b')).toBe('t&t');
    expect(childText(root, 'c')).toBe('<raw>');
    expect(root.children.map((c) => c.name)).toEqual(['b', 'c', 'd']);
  });

  it.each([
    ['unclosed element', '<a><b></a>'],
    ['unterminated', '<a><b>'],
    ['two roots', '<a/><b/>'],
    ['text outside', 'hello <a/>'],
    ['unknown entity', '<a>&nbsp;</a>'],
    ['bare ampersand', '<a>R&D</a>'],
    ['entity expansion', '<!DOCTYPE a [<!ENTITY x "xx">]><a>&x;</a>'],
    ['duplicate attribute', '<a x="1" x="2"/>'],
    ['unquoted attribute', '<a x=1/>'],
    ['empty', '   '],
    ['HTML error page', '<html><body><p>Not found<br></body></html>'],
  ])('refuses %s', (_what, text) => {
    expect(() => parseXml(text)).toThrow(XmlError);
  });

  it('refuses documents nested too deep or too long', () => {
    expect(() => parseXml(`${'<a>'.repeat(100)}${'</a>'.repeat(100)}`)).toThrow(/deeper/);
    expect(() => parseXml(`<a>${'x'.repeat(200)}</a>`, { maxLength: 100, maxDepth: 8 })).toThrow(/longer/);
  });

  it('never throws anything but XmlError, whatever the input', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('<', '>', '/', 'a', '=', '"', '&', ';', '!', '?', '-', '[', ' ') }),
        (text) => {
          try {
            parseXml(text);
          } catch (error) {
            expect(error).toBeInstanceOf(XmlError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('clientConfig v1.1', () => {
  const address = splitAddress('Ivan.Petrov@Example.org');

  it('fills placeholders and orders IMAP before POP3, TLS before STARTTLS', () => {
    const found = parseClientConfig(CONFIG, address, 'test');
    expect(found?.provider).toEqual({ id: 'example.org', name: 'Example & Co' });
    expect(found?.incoming).toEqual([
      { protocol: 'imap', host: 'imap.example.org', port: 993, security: 'tls', username: 'Ivan.Petrov@Example.org' },
      {
        protocol: 'imap',
        host: 'imap.example.org',
        port: 143,
        security: 'starttls',
        username: 'Ivan.Petrov@Example.org',
      },
      { protocol: 'pop3', host: 'pop.example.org', port: 995, security: 'tls', username: 'Ivan.Petrov' },
    ]);
    expect(found?.outgoing).toEqual([
      {
        protocol: 'smtp',
        host: 'smtp.example.org',
        port: 587,
        security: 'starttls',
        username: 'Ivan.Petrov@Example.org',
      },
    ]);
    expect(found?.notes.join(' ')).toMatch(/Turn on IMAP \(https:\/\/example\.org\/settings\)/);
  });

  it('skips servers it cannot use and says when only OAuth2 is offered', () => {
    const xml = `<clientConfig version="1.1"><emailProvider id="x">
      <incomingServer type="imap"><hostname>imap.x.test</hostname><port>99999</port><socketType>SSL</socketType></incomingServer>
      <incomingServer type="imap"><hostname>bad host</hostname><port>993</port><socketType>SSL</socketType></incomingServer>
      <incomingServer type="imap"><hostname>imap.x.test</hostname><port>993</port><socketType>SSL</socketType>
        <username>%REALNAME%</username></incomingServer>
      <incomingServer type="pop3"><hostname>pop.x.test</hostname><port>995</port><socketType>TLS-ish</socketType></incomingServer>
      <incomingServer type="imap"><hostname>imap.x.test</hostname><port>993</port><socketType>SSL</socketType>
        <authentication>OAuth2</authentication></incomingServer>
    </emailProvider></clientConfig>`;
    const found = parseClientConfig(xml, address, 'test');
    expect(found?.incoming).toHaveLength(1);
    expect(found?.outgoing).toEqual([]);
    expect(found?.notes.join(' ')).toMatch(/OAuth2 only/);
  });

  it('throws on broken XML and on documents that are not clientConfig; null without a provider', () => {
    expect(() => parseClientConfig(CONFIG.slice(0, 300), address, 'test')).toThrow();
    expect(() => parseClientConfig('<html></html>', address, 'test')).toThrow(/not a clientConfig/);
    expect(parseClientConfig('<clientConfig version="1.1"/>', address, 'test')).toBeNull();
  });
});
