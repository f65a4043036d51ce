import fc from 'fast-check';

/**
 * Ways real mail arrives broken or hostile, as data: fast-check generates, shrinks and replays them from a seed,
 * and `mutate` applies them to a raw message byte for byte. Positions are fractions of the message, so one
 * mutation means the same thing on a 300-byte letter and on a 1 MB one.
 */
export type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; at: number[]; bytes: number[] }
  | { kind: 'boundary'; how: 'drop-closing' | 'garble' | 'drop-param' | 'empty-param' | 'swap'; which: number }
  | { kind: 'charset'; name: string }
  | { kind: 'huge-header'; how: 'subject' | 'references' | 'many-fields' | 'no-newline' | 'folded'; size: number }
  | { kind: 'nest'; depth: number; sameBoundary: boolean }
  | { kind: 'base64-garbage'; how: 'noise' | 'whole-body' | 'bad-padding'; at: number }
  | { kind: 'nul'; at: number[] }
  | { kind: '8bit-header'; at: number[]; bytes: number[] }
  | { kind: 'encoded-words'; how: 'unknown-charset' | 'bad-base64' | 'unterminated' | 'many' }
  | { kind: 'line-endings'; how: 'cr-only' | 'mixed' | 'no-final' };

const fraction = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });

/** Cheap to make and to read: most mutants are these, so a time budget buys many varied ones. */
const lightMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fraction }),
  fc.record({
    kind: fc.constant('flip' as const),
    at: fc.array(fraction, { minLength: 1, maxLength: 24 }),
    bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 24 }),
  }),
  fc.record({
    kind: fc.constant('boundary' as const),
    how: fc.constantFrom('drop-closing', 'garble', 'drop-param', 'empty-param', 'swap'),
    which: fc.nat(20),
  }),
  fc.record({
    kind: fc.constant('charset' as const),
    name: fc.constantFrom(
      'x-unknown-charset',
      'utf-7',
      'utf-16',
      'utf-32le',
      'koi8-r',
      'windows-1251',
      'iso-2022-jp',
      'gb18030',
      'big5',
      'ks_c_5601-1987',
      'x-mac-cyrillic',
      'iso-8859-8-i',
      '',
      '"',
      'utf-8"; charset="koi8-r',
      '../../../etc/passwd',
      'x'.repeat(300),
    ),
  }),
  fc.record({
    kind: fc.constant('base64-garbage' as const),
    how: fc.constantFrom('noise', 'whole-body', 'bad-padding'),
    at: fraction,
  }),
  fc.record({ kind: fc.constant('nul' as const), at: fc.array(fraction, { minLength: 1, maxLength: 64 }) }),
  fc.record({
    kind: fc.constant('8bit-header' as const),
    at: fc.array(fraction, { minLength: 1, maxLength: 32 }),
    bytes: fc.array(fc.integer({ min: 0x80, max: 0xff }), { minLength: 1, maxLength: 32 }),
  }),
  fc.record({ kind: fc.constant('line-endings' as const), how: fc.constantFrom('cr-only', 'mixed', 'no-final') }),
);

/** Megabytes of header, thousands of nested parts: fewer of these, each one slow to read. */
const heavyMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('huge-header' as const),
    how: fc.constantFrom('subject', 'references', 'many-fields', 'no-newline', 'folded'),
    size: fc.integer({ min: 64 * 1024, max: 2 * 1024 * 1024 }),
  }),
  fc.record({
    kind: fc.constant('nest' as const),
    depth: fc.integer({ min: 20, max: 3000 }),
    sameBoundary: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('encoded-words' as const),
    how: fc.constantFrom('unknown-charset', 'bad-base64', 'unterminated', 'many'),
  }),
);

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: lightMutation, weight: 4 },
  { arbitrary: heavyMutation, weight: 1 },
);

// Latin-1 maps bytes to code units one to one, so string surgery below is byte surgery.
const toText = (b: Buffer) => b.toString('latin1');
const toBytes = (s: string) => Buffer.from(s, 'latin1');

function headerLength(text: string): number {
  const crlf = text.indexOf('\r\n\r\n');
  const lf = text.indexOf('\n\n');
  const ends = [crlf, lf].filter((i) => i >= 0);
  return ends.length ? Math.min(...ends) : text.length;
}

const pos = (f: number, length: number) => Math.min(length, Math.floor(f * length));

function insertAt(text: string, at: number[], pieces: (i: number) => string): string {
  const sorted = at.map((f, i) => ({ p: pos(f, text.length), i })).sort((a, b) => b.p - a.p);
  let out = text;
  for (const { p, i } of sorted) out = out.slice(0, p) + pieces(i) + out.slice(p);
  return out;
}

function boundaries(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/boundary\s*=\s*(?:"([^"]*)"|([^\s;]+))/gi)) found.add(m[1] ?? m[2] ?? '');
  found.delete('');
  return [...found];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function applyOne(raw: Buffer, m: Mutation): Buffer {
  const text = toText(raw);
  switch (m.kind) {
    case 'truncate':
      return raw.subarray(0, pos(m.at, raw.length));
    case 'flip': {
      const out = Buffer.from(raw);
      m.at.forEach((f, i) => {
        if (out.length) out[Math.min(out.length - 1, pos(f, out.length))] = m.bytes[i % m.bytes.length] ?? 0;
      });
      return out;
    }
    case 'boundary': {
      const list = boundaries(text);
      const b = list[m.which % Math.max(1, list.length)];
      if (!b) return toBytes(`Content-Type: multipart/mixed; boundary="gone"\r\n${text}`);
      const re = new RegExp(escapeRegExp(`--${b}`), 'g');
      switch (m.how) {
        case 'drop-closing':
          return toBytes(text.split(`--${b}--`).join(''));
        case 'garble': {
          let n = 0;
          return toBytes(text.replace(re, (d) => (n++ === m.which % 3 ? `${d.slice(0, -1)}\u00ff` : d)));
        }
        case 'drop-param':
          return toBytes(text.replace(/;\s*boundary\s*=\s*(?:"[^"]*"|[^\s;]+)/i, ''));
        case 'empty-param':
          return toBytes(text.replace(/boundary\s*=\s*(?:"[^"]*"|[^\s;]+)/i, 'boundary=""'));
        case 'swap': {
          const other = list[(m.which + 1) % list.length] ?? 'x';
          return toBytes(text.replace(re, `--${other}`));
        }
      }
      return raw;
    }
    case 'charset': {
      const replaced = text.replace(/charset\s*=\s*(?:"[^"]*"|[^\s;]+)/gi, `charset="${m.name}"`);
      if (replaced !== text) return toBytes(replaced);
      return toBytes(`Content-Type: text/plain; charset="${m.name}"\r\n${text}`);
    }
    case 'huge-header': {
      const field = (() => {
        switch (m.how) {
          case 'subject':
            return `Subject: ${'Счёт на оплату '.repeat(m.size / 28)}\r\n`;
          case 'references':
            return `References: ${Array.from({ length: m.size / 24 }, (_, i) => `<ref${i}@flood.example>`).join(' ')}\r\n`;
          case 'many-fields':
            return Array.from({ length: m.size / 24 }, (_, i) => `X-Filler-${i}: value\r\n`).join('');
          case 'no-newline':
            return `X-Long: ${'a'.repeat(m.size)}`;
          case 'folded':
            return `To: ${Array.from({ length: m.size / 32 }, (_, i) => `"N${i}" <n${i}@x.example>`).join(',\r\n ')}\r\n`;
        }
      })();
      return toBytes(field + text);
    }
    case 'nest': {
      const split = headerLength(text);
      const head = text.slice(0, split);
      const body = text.slice(split);
      const open: string[] = [];
      const close: string[] = [];
      for (let i = 0; i < m.depth; i++) {
        const b = m.sameBoundary ? 'nest' : `nest${i}`;
        open.push(
          `--${b}\r\nContent-Type: multipart/mixed; boundary="${m.sameBoundary ? 'nest' : `nest${i + 1}`}"\r\n\r\n`,
        );
        close.unshift(`\r\n--${b}--\r\n`);
      }
      return toBytes(
        `Content-Type: multipart/mixed; boundary="nest${m.sameBoundary ? '' : '0'}"\r\n${head}\r\n\r\n${open.join('')}${body}${close.join('')}`,
      );
    }
    case 'base64-garbage': {
      if (m.how === 'whole-body') {
        const split = headerLength(text);
        const garbage = Array.from({ length: 2000 }, (_, i) => '!@#$%^&*()=ÿ\u0000'[i % 13]).join('');
        return toBytes(`Content-Transfer-Encoding: base64\r\n${text.slice(0, split)}\r\n\r\n${garbage}`);
      }
      const lines = [...text.matchAll(/^[A-Za-z0-9+/]{40,}={0,2}\r?$/gm)];
      const line = lines[pos(m.at, lines.length)] ?? lines[0];
      if (!line || line.index === undefined) return toBytes(`${text}\r\n====\r\n`);
      const at = line.index + Math.floor(line[0].length / 2);
      const junk = m.how === 'noise' ? '*\u00e9%\u0000--' : '===A';
      return toBytes(text.slice(0, at) + junk + text.slice(at));
    }
    case 'nul':
      return toBytes(insertAt(text, m.at, () => '\u0000'));
    case '8bit-header': {
      const split = headerLength(text);
      const head = insertAt(text.slice(0, split), m.at, (i) =>
        String.fromCharCode(m.bytes[i % m.bytes.length] ?? 0xff),
      );
      return toBytes(head + text.slice(split));
    }
    case 'encoded-words': {
      const word = {
        'unknown-charset': '=?x-klingon?Q?qapla=FF?=',
        'bad-base64': '=?utf-8?B?!!!*&^%$?=',
        unterminated: '=?utf-8?Q?=D0=A1=D1=87',
        many: '=?utf-8?B?0KE=?= '.repeat(20_000),
      }[m.how];
      return toBytes(`Subject: ${word}\r\nFrom: =?koi8-r?B?${word}?= <a@b.example>\r\n${text}`);
    }
    case 'line-endings':
      if (m.how === 'cr-only') return toBytes(text.replace(/\r?\n/g, '\r'));
      if (m.how === 'mixed') return toBytes(text.replace(/\r?\n/g, (_, i: number) => (i % 2 ? '\n' : '\r\n')));
      return toBytes(text.replace(/[\r\n]+$/, ''));
  }
}

/** Applies the mutations in order. */
export function mutate(raw: Buffer, mutations: readonly Mutation[]): Buffer {
  return mutations.reduce(applyOne, raw);
}

/** A short description of a mutant for messages and logs, without its (possibly megabytes of) parameters. */
export function describeMutations(mutations: readonly Mutation[]): string {
  return mutations
    .map((m) => ('how' in m ? `${m.kind}:${m.how}` : m.kind === 'charset' ? `charset:${m.name.slice(0, 20)}` : m.kind))
    .join('+');
}
