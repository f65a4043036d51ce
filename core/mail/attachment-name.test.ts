import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_NAME_BYTES, safeAttachmentName, uniqueName, writeUniqueFile } from './attachment-name.js';

/** Names built from the pieces attackers use, so the properties meet them far more often than random text would. */
const hostileName = fc
  .array(
    fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 12 }),
      fc.string({ unit: 'binary', maxLength: 6 }),
      fc.constantFrom(
        '../',
        '..\\',
        '/',
        '\\',
        'C:',
        '\\\\?\\',
        '.',
        ' ',
        '\u202e',
        '\u202d',
        '\u2066',
        '\u2069',
        '\u200e',
        '\u200f',
        '\u0000',
        '\n',
        '\u0085',
        'CON',
        'nul',
        'Com1',
        'LPT9',
        'aux',
        '.txt',
        '.exe',
        '.tar.gz',
        ':Zone.Identifier',
        'Счёт',
        '😀',
        'e\u0301',
      ),
    ),
    { maxLength: 40 },
  )
  .map((pieces) => pieces.join(''));
const anyName = fc.oneof(hostileName, fc.string({ unit: 'binary', maxLength: 600 }));
const contentType = fc.constantFrom('application/pdf', 'text/plain', 'image/png', 'application/x-unknown', '');

const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/i;

describe('safeAttachmentName', () => {
  it('never yields a path, a device name, an empty or overlong name, or something it would change again', () => {
    fc.assert(
      fc.property(anyName, contentType, (name, type) => {
        const safe = safeAttachmentName(name, type);
        expect(safe).not.toMatch(/[/\\]/);
        expect(safe).not.toMatch(/[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/u);
        expect(safe).not.toMatch(/[<>:"|?*]/);
        expect(safe).not.toMatch(/^[.\s]|[.\s]$/);
        expect(RESERVED.test(safe.split('.')[0]?.trimEnd() ?? '')).toBe(false);
        expect(safe.length).toBeGreaterThan(0);
        expect(Buffer.byteLength(safe)).toBeLessThanOrEqual(MAX_NAME_BYTES);
        expect(safe).not.toContain('\ufffd');
        expect(safeAttachmentName(safe, type)).toBe(safe);
        expect(path.basename(safe)).toBe(safe);
      }),
      { numRuns: 3000 },
    );
  });

  it('drops half surrogate pairs and replacement characters, which only a broken decoding leaves', () => {
    expect(safeAttachmentName('\ud800', 'application/pdf')).toBe('attachment.pdf');
    expect(safeAttachmentName('Сч\ufffdт\udc00.pdf')).toBe('Счт.pdf');
    expect(safeAttachmentName('😀.png')).toBe('😀.png');
  });

  it.each([
    ['../../etc/passwd', 'application/octet-stream', 'passwd'],
    ['/etc/shadow', 'text/plain', 'shadow'],
    ['C:\\Windows\\System32\\evil.dll', 'application/octet-stream', 'evil.dll'],
    ['..', 'application/pdf', 'attachment.pdf'],
    ['CON.txt', 'text/plain', '_CON.txt'],
    ['con', 'text/plain', '_con'],
    ['LPT1.tar.gz', 'application/gzip', '_LPT1.tar.gz'],
    ['com9 .log', 'text/plain', '_com9 .log'],
    ['console.txt', 'text/plain', 'console.txt'],
    ['invoice\u202Etxt.exe', 'application/octet-stream', 'invoicetxt.exe'],
    ['photo\u2066gpj.\u2069scr', 'image/jpeg', 'photogpj.scr'],
    ['report.pdf.  ...', 'application/pdf', 'report.pdf'],
    ['  .hidden', 'text/plain', 'hidden'],
    ['a\u0000b\r\nc.txt', 'text/plain', 'abc.txt'],
    ['file.txt:secret', 'text/plain', 'file.txt_secret'],
    ['', 'application/pdf', 'attachment.pdf'],
    ['', 'application/x-unknown', 'attachment'],
    ['???', 'image/png', 'attachment.png'],
    ['Счёт №5.pdf', 'application/pdf', 'Счёт №5.pdf'],
  ])('%j (%s) is saved as %j', (name, type, expected) => {
    expect(safeAttachmentName(name, type)).toBe(expected);
  });

  it('cuts a long name to the byte limit and keeps its extension', () => {
    const safe = safeAttachmentName(`${'Договор поставки '.repeat(30)}.docx`);
    expect(Buffer.byteLength(safe)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(safe.endsWith('.docx')).toBe(true);
    expect(safe.startsWith('Договор поставки Договор')).toBe(true);
    const emoji = safeAttachmentName(`${'😀'.repeat(100)}.png`);
    expect(emoji).toMatch(/^(😀)+\.png$/u);
  });
});

describe('uniqueName', () => {
  it('numbers a name that is taken, case-insensitively where the disk is, and stays within the limit', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-names-'));
    try {
      expect(uniqueName(dir, 'offer.pdf')).toBe('offer.pdf');
      expect(writeUniqueFile(dir, 'offer.pdf', Buffer.from('1'))).toBe(path.join(dir, 'offer.pdf'));
      expect(writeUniqueFile(dir, 'offer.pdf', Buffer.from('2'))).toBe(path.join(dir, 'offer (2).pdf'));
      expect(uniqueName(dir, 'offer.pdf')).toBe('offer (3).pdf');
      expect(fs.readFileSync(path.join(dir, 'offer.pdf'), 'utf8')).toBe('1');
      const windowsLike = new Set(['offer.pdf', 'offer (2).pdf'].map((n) => path.join(dir, n).toLowerCase()));
      expect(uniqueName(dir, 'OFFER.pdf', (f) => windowsLike.has(f.toLowerCase()))).toBe('OFFER (3).pdf');
      const long = safeAttachmentName(`${'x'.repeat(400)}.pdf`);
      fs.writeFileSync(path.join(dir, long), '');
      const next = uniqueName(dir, long);
      expect(next).toMatch(/^x+ \(2\)\.pdf$/);
      expect(Buffer.byteLength(next)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
