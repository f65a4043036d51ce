/**
 * A small, strict XML reader for autoconfig files, which come from servers we do not control: elements,
 * attributes, text, CDATA, comments and processing instructions; the five predefined entities and character
 * references. A DOCTYPE with an internal subset is refused (no entity expansion), and so is anything malformed,
 * too deep or too long, so a hostile or broken file is an error rather than a half-read configuration.
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (CDATA included), without its children's. */
  text: string;
}

export class XmlError extends Error {
  constructor(message: string, offset: number) {
    super(`${message} at offset ${offset}`);
    this.name = 'XmlError';
  }
}

const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const SPACE = /[ \t\r\n]*/y;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export interface XmlLimits {
  maxLength: number;
  maxDepth: number;
}

export function parseXml(source: string, limits: XmlLimits = { maxLength: 1_000_000, maxDepth: 64 }): XmlElement {
  if (source.length > limits.maxLength) throw new XmlError(`document longer than ${limits.maxLength}`, 0);
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  let at = 0;
  let root: XmlElement | undefined;
  const stack: XmlElement[] = [];

  const fail = (message: string): never => {
    throw new XmlError(message, at);
  };
  const skipTo = (end: string, what: string) => {
    const found = text.indexOf(end, at);
    if (found < 0) fail(`unterminated ${what}`);
    const body = text.slice(at, found);
    at = found + end.length;
    return body;
  };
  const name = (): string => {
    NAME.lastIndex = at;
    const match = NAME.exec(text);
    if (!match) return fail('expected a name');
    at = NAME.lastIndex;
    return match[0];
  };
  const space = () => {
    SPACE.lastIndex = at;
    SPACE.exec(text);
    const moved = SPACE.lastIndex !== at;
    at = SPACE.lastIndex;
    return moved;
  };
  const decode = (raw: string): string =>
    raw.replace(/&([^;&<]*);|&/g, (whole, ref: string | undefined) => {
      if (ref === undefined) return fail('bare "&"');
      if (ref in ENTITIES) return ENTITIES[ref] as string;
      const code = /^#x([0-9a-f]{1,6})$/i.exec(ref)?.[1] ?? /^#([0-9]{1,7})$/.exec(ref)?.[1];
      if (code === undefined) return fail(`unknown entity ${whole}`);
      const point = Number.parseInt(code, ref.startsWith('#x') || ref.startsWith('#X') ? 16 : 10);
      if (point === 0 || point > 0x10ffff || (point >= 0xd800 && point <= 0xdfff)) fail(`bad character ${whole}`);
      return String.fromCodePoint(point);
    });
  const addText = (value: string) => {
    const parent = stack[stack.length - 1];
    if (parent) parent.text += value;
    else if (value.trim()) fail('text outside the root element');
  };

  while (at < text.length) {
    if (text[at] !== '<') {
      const end = text.indexOf('<', at);
      const raw = text.slice(at, end < 0 ? text.length : end);
      if (raw.includes(']]>')) fail('"]]>" in text');
      addText(decode(raw));
      at = end < 0 ? text.length : end;
      continue;
    }
    if (text.startsWith('<?', at)) {
      at += 2;
      skipTo('?>', 'processing instruction');
    } else if (text.startsWith('<!--', at)) {
      at += 4;
      if (skipTo('-->', 'comment').includes('--')) fail('"--" inside a comment');
    } else if (text.startsWith('<![CDATA[', at)) {
      if (!stack.length) fail('CDATA outside the root element');
      at += 9;
      addText(skipTo(']]>', 'CDATA section'));
    } else if (text.startsWith('<!DOCTYPE', at)) {
      if (root || stack.length) fail('DOCTYPE after the root element');
      at += 9;
      const body = skipTo('>', 'DOCTYPE');
      if (body.includes('[')) fail('DOCTYPE with an internal subset');
    } else if (text.startsWith('</', at)) {
      at += 2;
      const closing = name();
      space();
      if (text[at] !== '>') fail('expected ">"');
      at++;
      const open = stack.pop();
      if (!open) fail(`closing </${closing}> without an open element`);
      else if (open.name !== closing) fail(`</${closing}> closes <${open.name}>`);
    } else {
      at++;
      const element: XmlElement = { name: name(), attributes: {}, children: [], text: '' };
      for (;;) {
        const spaced = space();
        if (text.startsWith('/>', at) || text[at] === '>') break;
        if (!spaced) fail('expected a space between attributes');
        const attribute = name();
        space();
        if (text[at] !== '=') fail('expected "="');
        at++;
        space();
        const quote = text[at];
        if (quote !== '"' && quote !== "'") return fail('expected a quoted attribute value');
        at++;
        const value = skipTo(quote, 'attribute value');
        if (value.includes('<')) fail('"<" in an attribute value');
        if (Object.hasOwn(element.attributes, attribute)) fail(`attribute ${attribute} given twice`);
        element.attributes[attribute] = decode(value);
      }
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(element);
      else if (root) fail('a second root element');
      else root = element;
      if (text[at] === '>') {
        at++;
        stack.push(element);
        if (stack.length > limits.maxDepth) fail(`nested deeper than ${limits.maxDepth}`);
      } else at += 2;
    }
  }
  if (stack.length) fail(`<${stack[stack.length - 1]?.name}> is not closed`);
  if (!root) fail('no root element');
  return root as XmlElement;
}

/** The first child with this name (namespace prefixes ignored). */
export function child(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => localName(c.name) === name);
}

export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((c) => localName(c.name) === name);
}

export function childText(element: XmlElement, name: string): string | undefined {
  const found = child(element, name);
  return found ? found.text.trim() : undefined;
}

function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}
