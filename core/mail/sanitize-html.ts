/**
 * An allow-list HTML sanitizer for showing letters. Node has no DOM, so this is a small tokenizer after the
 * HTML5 tokenizer's states (tags, attributes, comments, raw-text elements) and a serializer that writes back only
 * what the lists below allow.
 *
 * Safety does not rest on the tokenizer agreeing with a browser's. Every tag in the output is written here from
 * the allow-list, every attribute value is decoded, checked, and re-encoded inside double quotes, and every text run
 * has `<` and `>` escaped; no raw-text or foreign-content element (script, style, textarea, svg, math…) is ever
 * written. So whatever a hostile letter does to confuse the tokenizer, the browser parses a document that holds
 * nothing but these tags and attributes. A tokenizer mistake can lose content, never add active content.
 *
 * The letter is then shown in an iframe sandboxed against scripts, forms and same-origin access (only a click on a
 * link may open a new window, outside the app) and with a CSP of its own: this is the inner of two walls.
 */

export interface SanitizeOptions {
  /** Keep http(s) images. Off by default: a remote image tells the sender when and where the letter was read. */
  remoteImages?: boolean;
}

export interface SanitizedHtml {
  /** A body fragment (no html/head/body), safe to put in a sandboxed document. */
  html: string;
  /** Remote images replaced by the placeholder; 0 when `remoteImages` was set. */
  blockedImages: number;
}

/** A transparent 1×1 GIF: a blocked image keeps its width and height, so the layout of the letter holds. */
export const BLOCKED_IMAGE = 'data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7';

export const GLOBAL_ATTRIBUTES: ReadonlySet<string> = new Set([
  'align',
  'valign',
  'dir',
  'lang',
  'title',
  'style',
  'width',
  'height',
  'bgcolor',
]);

/**
 * Tags kept, with the attributes each may carry besides the global ones (and the target and rel every link is
 * given). Exported for e2e/hostile-html.spec.ts, which checks that Chromium parses the output into nothing else.
 */
export const TAGS: Readonly<Record<string, readonly string[]>> = {
  a: ['href'],
  abbr: [],
  address: [],
  article: [],
  aside: [],
  b: [],
  bdi: [],
  bdo: [],
  big: [],
  blockquote: [],
  br: ['clear'],
  caption: [],
  center: [],
  cite: [],
  code: [],
  col: ['span'],
  colgroup: ['span'],
  dd: [],
  del: [],
  details: [],
  dfn: [],
  div: [],
  dl: [],
  dt: [],
  em: [],
  figcaption: [],
  figure: [],
  font: ['face', 'size', 'color'],
  footer: [],
  h1: [],
  h2: [],
  h3: [],
  h4: [],
  h5: [],
  h6: [],
  header: [],
  hr: ['size', 'noshade', 'color'],
  i: [],
  img: ['src', 'alt', 'border', 'hspace', 'vspace'],
  ins: [],
  kbd: [],
  li: ['value', 'type'],
  main: [],
  mark: [],
  nav: [],
  ol: ['start', 'type', 'reversed'],
  p: [],
  pre: [],
  q: [],
  s: [],
  samp: [],
  section: [],
  small: [],
  span: [],
  strike: [],
  strong: [],
  sub: [],
  summary: [],
  sup: [],
  table: ['border', 'cellpadding', 'cellspacing', 'summary', 'rules', 'frame'],
  tbody: [],
  td: ['colspan', 'rowspan', 'headers', 'scope', 'abbr', 'nowrap'],
  tfoot: [],
  th: ['colspan', 'rowspan', 'headers', 'scope', 'abbr', 'nowrap'],
  thead: [],
  tr: [],
  tt: [],
  u: [],
  ul: ['type'],
  var: [],
  wbr: [],
};

const VOID = new Set([
  'area',
  'base',
  'basefont',
  'bgsound',
  'br',
  'col',
  'embed',
  'frame',
  'hr',
  'img',
  'image',
  'input',
  'keygen',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
]);

/** Elements whose text is not markup: a browser reads on to the matching end tag, and so does this. */
const RAW_TEXT = new Set(['script', 'style', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript', 'textarea', 'title']);

/** Elements dropped with everything inside them (the others are unwrapped: tag dropped, content kept). */
const DROP_WITH_CONTENT = new Set([
  ...RAW_TEXT,
  'applet',
  'audio',
  'canvas',
  'frameset',
  'math',
  'object',
  'select',
  'svg',
  'template',
  'video',
]);

const IMAGE_DATA_URL = /^data:image\/(?:png|gif|jpe?g|webp|bmp);base64,[a-z0-9+/=\s]*$/i;
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;
const LINK_SCHEMES = new Set(['http', 'https', 'mailto']);
const WHITESPACE = /[\t\n\f\r ]/;
const ASCII_LETTER = /[a-zA-Z]/;
/** CSS that can load, run or hide things; such a declaration is dropped whole. */
const UNSAFE_CSS = /url\s*\(|image-set|image\s*\(|expression|javascript|vbscript|behavior|binding|@|\\|\/\*|<|&/i;

interface StartTag {
  name: string;
  attributes: Map<string, string>;
  selfClosing: boolean;
}

/** Returns the letter's HTML reduced to the allow-list; never throws, whatever the input. */
export function sanitizeHtml(input: string, options: SanitizeOptions = {}): SanitizedHtml {
  // NUL is a parse error browsers turn into U+FFFD or drop; removing it first means "java\0script:" is checked
  // as the word it will become.
  const html = input.replace(/\0/g, '');
  const out: string[] = [];
  let blockedImages = 0;
  /** While set, tokens are read but not written: the inside of a dropped element. */
  let skipping: { name: string; depth: number } | null = null;
  let i = 0;

  const emitText = (text: string) => {
    if (!skipping && text) out.push(text.replace(/</g, '&lt;').replace(/>/g, '&gt;'));
  };

  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt === -1) {
      emitText(html.slice(i));
      break;
    }
    emitText(html.slice(i, lt));
    i = lt;
    const next = html.charAt(i + 1);
    if (html.startsWith('<!--', i)) {
      i = commentEnd(html, i + 4);
    } else if (next === '!' || next === '?') {
      // Doctype, CDATA outside foreign content, processing instructions: bogus comments up to the next '>'.
      i = after(html, '>', i);
    } else if (next === '/') {
      if (ASCII_LETTER.test(html.charAt(i + 2))) {
        const tag = readTag(html, i + 2);
        i = tag.end;
        if (!tag.tag) break;
        const name = tag.tag.name;
        if (skipping) {
          if (name === skipping.name && --skipping.depth === 0) skipping = null;
        } else if (Object.hasOwn(TAGS, name) && !VOID.has(name)) {
          out.push(`</${name}>`);
        }
      } else if (html.charAt(i + 2) === '>') {
        i += 3;
      } else {
        i = after(html, '>', i);
      }
    } else if (ASCII_LETTER.test(next)) {
      const read = readTag(html, i + 1);
      i = read.end;
      // A tag cut off by the end of the input is dropped, as a browser drops it.
      if (!read.tag) break;
      const tag = read.tag;
      if (tag.name === 'plaintext') break;
      if (RAW_TEXT.has(tag.name)) {
        // Raw text runs to the end tag even after `<script/>`; the end tag is read next round and dropped.
        i = rawTextEnd(html, i, tag.name);
        continue;
      }
      if (skipping) {
        if (tag.name === skipping.name && !tag.selfClosing) skipping.depth++;
        continue;
      }
      if (DROP_WITH_CONTENT.has(tag.name)) {
        if (!tag.selfClosing) skipping = { name: tag.name, depth: 1 };
        continue;
      }
      if (!Object.hasOwn(TAGS, tag.name)) continue;
      const written = writeStartTag(tag, options);
      if (written === null) continue;
      if (written.blocked) blockedImages++;
      out.push(written.html);
    } else {
      emitText('<');
      i++;
    }
  }
  return { html: out.join(''), blockedImages };
}

/** Position just past the next `needle`, or the end of the input (an unterminated construct swallows the rest). */
function after(html: string, needle: string, from: number): number {
  const at = html.indexOf(needle, from);
  return at === -1 ? html.length : at + needle.length;
}

/** `<!-->` and `<!--->` are complete comments; otherwise `-->` or `--!>` ends one. */
function commentEnd(html: string, from: number): number {
  if (html.charAt(from) === '>') return from + 1;
  if (html.startsWith('->', from)) return from + 2;
  const plain = html.indexOf('-->', from);
  const bang = html.indexOf('--!>', from);
  if (plain === -1 && bang === -1) return html.length;
  if (bang === -1 || (plain !== -1 && plain < bang)) return plain + 3;
  return bang + 4;
}

/** Where the raw text of `name` ends: at its end tag (`</name` then whitespace, `/` or `>`), or the input's end. */
function rawTextEnd(html: string, from: number, name: string): number {
  const pattern = new RegExp(`</${name}[\\t\\n\\f\\r />]`, 'ig');
  pattern.lastIndex = from;
  const match = pattern.exec(html);
  return match ? match.index : html.length;
}

/**
 * Reads a tag from just after `<` or `</`: its name, then attributes per the HTML5 attribute states. Returns the
 * position after `>`; `tag` is null when the input ends first.
 */
function readTag(html: string, from: number): { tag: StartTag | null; end: number } {
  let i = from;
  while (i < html.length && !WHITESPACE.test(html.charAt(i)) && html[i] !== '/' && html[i] !== '>') i++;
  const name = html.slice(from, i).toLowerCase();
  const attributes = new Map<string, string>();
  let selfClosing = false;
  while (i < html.length) {
    const c = html.charAt(i);
    if (WHITESPACE.test(c)) {
      i++;
      continue;
    }
    if (c === '/') {
      selfClosing = html.charAt(i + 1) === '>';
      i++;
      continue;
    }
    if (c === '>') return { tag: { name, attributes, selfClosing }, end: i + 1 };
    selfClosing = false;
    // An attribute name may start with '='; after that, '=' ends it.
    const nameStart = i;
    i++;
    while (i < html.length && !WHITESPACE.test(html.charAt(i)) && !'/>='.includes(html.charAt(i))) i++;
    const attrName = html.slice(nameStart, i).toLowerCase();
    while (i < html.length && WHITESPACE.test(html.charAt(i))) i++;
    let value = '';
    if (html[i] === '=') {
      i++;
      while (i < html.length && WHITESPACE.test(html.charAt(i))) i++;
      const quote = html[i];
      if (quote === '"' || quote === "'") {
        const close = html.indexOf(quote, i + 1);
        if (close === -1) return { tag: null, end: html.length };
        value = html.slice(i + 1, close);
        i = close + 1;
      } else {
        const start = i;
        while (i < html.length && !WHITESPACE.test(html.charAt(i)) && html[i] !== '>') i++;
        value = html.slice(start, i);
      }
    }
    // The first of two same-named attributes wins, as in a browser.
    if (!attributes.has(attrName)) attributes.set(attrName, decodeCharacterReferences(value));
  }
  return { tag: null, end: html.length };
}

function writeStartTag(tag: StartTag, options: SanitizeOptions): { html: string; blocked: boolean } | null {
  const allowed = TAGS[tag.name] ?? [];
  const kept: Array<[string, string]> = [];
  let blocked = false;
  for (const [name, raw] of tag.attributes) {
    if (!GLOBAL_ATTRIBUTES.has(name) && !allowed.includes(name)) continue;
    if (name === 'style') {
      const style = sanitizeStyle(raw);
      if (style) kept.push([name, style]);
    } else if (name === 'href') {
      const url = cleanUrl(raw);
      const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
      const link = scheme === 'mailto' ? url : scheme && LINK_SCHEMES.has(scheme) ? webUrl(url) : null;
      if (link !== null) kept.push([name, link]);
    } else if (name === 'src') {
      const image = imageSource(raw, options);
      if (image.blocked) blocked = true;
      if (image.url) kept.push([name, image.url]);
    } else {
      kept.push([name, raw]);
    }
  }
  if (tag.name === 'img' && !kept.some(([name]) => name === 'src')) return null;
  if (tag.name === 'a') {
    // Never navigate the letter's own frame: a link may only ask for a new window (which the sandbox refuses
    // unless the app allows it, and then hands it to the system browser).
    kept.push(['target', '_blank'], ['rel', 'noopener noreferrer']);
  }
  const attributes = kept.map(([name, value]) => ` ${name}="${encodeAttribute(value)}"`).join('');
  return { html: `<${tag.name}${attributes}>`, blocked };
}

/** URL parsers skip leading and trailing C0 controls and spaces and drop tabs and newlines anywhere. */
function cleanUrl(raw: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what a URL parser discards
  return raw.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '').replace(/[\t\n\r]/g, '');
}

/**
 * An http(s) URL written out whole, as the URL parser reads it on its own. "http:/api/events" or "https:x" has no
 * "//" and is relative to a base of the same scheme, which in the letter's frame is the app itself (the browser
 * host is http://127.0.0.1): written back as "http://api/events", it can only mean a remote server. Null when the
 * URL does not parse (no host, a bad port): a browser would not fetch it either.
 */
function webUrl(url: string): string | null {
  try {
    return new URL(url).href;
  } catch {
    return null;
  }
}

function imageSource(raw: string, options: SanitizeOptions): { url: string | null; blocked: boolean } {
  let url = cleanUrl(raw);
  if (IMAGE_DATA_URL.test(url)) return { url, blocked: false };
  // A scheme-relative URL is remote too: in the letter's frame it would resolve against the app's own origin.
  if (url.startsWith('//')) url = `https:${url}`;
  const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'http' || scheme === 'https') {
    const absolute = webUrl(url);
    if (absolute === null) return { url: null, blocked: false };
    return options.remoteImages ? { url: absolute, blocked: false } : { url: BLOCKED_IMAGE, blocked: true };
  }
  // cid: links mailparser could not resolve, relative paths, other schemes: nothing to show.
  return { url: null, blocked: false };
}

/** Keeps declarations of plain properties whose values cannot load or run anything. */
export function sanitizeStyle(style: string): string {
  const kept: string[] = [];
  for (const declaration of style.split(';')) {
    const colon = declaration.indexOf(':');
    if (colon === -1) continue;
    const property = declaration.slice(0, colon).trim().toLowerCase();
    const value = declaration.slice(colon + 1).trim();
    if (!/^-?[a-z][a-z-]*$/.test(property) || !value) continue;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters have no place in a style value
    if (UNSAFE_CSS.test(value) || /[\u0000-\u001f"]/.test(value)) continue;
    kept.push(`${property}: ${value}`);
  }
  return kept.join('; ');
}

function encodeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const NAMED_REFERENCES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  colon: ':',
  sol: '/',
  bsol: '\\',
  lpar: '(',
  rpar: ')',
  period: '.',
  comma: ',',
  semi: ';',
  equals: '=',
  num: '#',
  quest: '?',
  excl: '!',
  percnt: '%',
  commat: '@',
  tab: '\t',
  newline: '\n',
  copy: '©',
  reg: '®',
  laquo: '«',
  raquo: '»',
  mdash: '—',
  ndash: '–',
  hellip: '…',
};

/**
 * Decodes character references in an attribute value before it is checked. References this table does not know
 * stay as written, and the value is re-encoded on output, so the browser reads exactly the string checked here.
 */
export function decodeCharacterReferences(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(?:#[xX]([0-9a-fA-F]+);?|#(\d+);?|([a-zA-Z][a-zA-Z0-9]*);)/g, (whole, hex, dec, named) => {
    if (named !== undefined) return NAMED_REFERENCES[(named as string).toLowerCase()] ?? whole;
    const code = hex !== undefined ? Number.parseInt(hex as string, 16) : Number.parseInt(dec as string, 10);
    if (!Number.isFinite(code) || code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return '\ufffd';
    return String.fromCodePoint(code);
  });
}
