import { describe, expect, it } from 'vitest';
import { readMessageForDisplay } from './display-message.js';
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
