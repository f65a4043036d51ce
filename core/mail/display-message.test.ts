import { describe, expect, it } from 'vitest';
import { readMessageForDisplay, UNREADABLE } from './display-message.js';
import { BLOCKED_IMAGE } from './sanitize-html.js';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

function related(html: string): Buffer {
  return Buffer.from(
    [
      'From: Ivan <ivan@client.example>',
      'To: anna@interlog.test',
      'Subject: =?UTF-8?B?0KHRh9GR0YI=?=',
      'MIME-Version: 1.0',
      'Content-Type: multipart/related; boundary="rel"',
      '',
      '--rel',
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from(html).toString('base64'),
      '--rel',
      'Content-Type: image/png',
      'Content-ID: <logo@client.example>',
      'Content-Disposition: inline; filename="logo.png"',
      'Content-Transfer-Encoding: base64',
      '',
      PNG.toString('base64'),
      '--rel--',
      '',
    ].join('\r\n'),
  );
}

describe('readMessageForDisplay', () => {
  it('sanitizes the HTML part, inlines cid: images and blocks remote ones', async () => {
    const source = related(
      '<p onclick="steal()">Счёт <img src="cid:logo@client.example"><img src="https://t.example/o.gif"></p>' +
        '<script>alert(1)</script>',
    );
    const view = await readMessageForDisplay(source);
    expect(view.html).toBe(
      `<p>Счёт <img src="data:image/png;base64,${PNG.toString('base64')}"><img src="${BLOCKED_IMAGE}"></p>`,
    );
    expect(view.blockedImages).toBe(1);
    expect(view.text).toContain('Счёт');
    expect(view.text).not.toContain('alert');
    const shown = await readMessageForDisplay(source, { remoteImages: true });
    expect(shown.html).toContain('src="https://t.example/o.gif"');
    expect(shown.blockedImages).toBe(0);
  });

  it('gives plain letters their text and no HTML', async () => {
    const source = Buffer.from(
      'From: a@b.example\r\nSubject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nПривет,\r\n<b>не разметка</b>\r\n',
    );
    const view = await readMessageForDisplay(source);
    expect(view.html).toBeNull();
    expect(view.text).toBe('Привет,\n<b>не разметка</b>\n');
  });
});

describe('letters mailparser refuses', () => {
  it('shows the text the walker reads, under a notice, when only the header is too big for mailparser', async () => {
    const source = Buffer.from(
      `Subject: x\r\nContent-Type: text/plain; charset=utf-8\r\nX-Flood: ${'a'.repeat(2 * 1024 * 1024)}\r\n\r\nСчёт приложен.\r\n`,
    );
    const view = await readMessageForDisplay(source);
    expect(view.unreadable).toMatch(/header/i);
    expect(view.text).toContain(UNREADABLE);
    expect(view.text).toContain('Счёт приложен.');
    expect(view.html).toBeNull();
  });

  it('shows the raw source under a notice when nothing can read the structure', async () => {
    const depth = 1000;
    const source = Buffer.from(
      `Subject: nest\r\nContent-Type: multipart/mixed; boundary="b0"\r\n\r\n${Array.from(
        { length: depth },
        (_, i) => `--b${i}\r\nContent-Type: multipart/mixed; boundary="b${i + 1}"\r\n\r\n`,
      ).join('')}--b${depth}\r\n\r\nдно\u0000\r\n`,
    );
    const view = await readMessageForDisplay(source);
    expect(view.unreadable).not.toBeNull();
    expect(view.text.split('\n')[0]).toContain(UNREADABLE);
    expect(view.text).toContain('boundary="b999"');
    expect(view.text).not.toContain('\u0000');
  });

  it('does not parse again a letter the indexer could not read', async () => {
    const view = await readMessageForDisplay(Buffer.from('Subject: x\r\n\r\n<b>body</b>'), {
      parseError: 'worker exited with code 1',
    });
    expect(view).toEqual({
      text: expect.stringContaining('This letter could not be read (worker exited with code 1)'),
      html: null,
      blockedImages: 0,
      unreadable: 'worker exited with code 1',
    });
    expect(view.text).toContain('<b>body</b>');
  });
});
