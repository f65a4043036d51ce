/**
 * Splits an mbox file into raw messages: a message starts at a "From " line at the start of the file or after
 * an empty line (mboxrd/mboxo); ">From " quoting in bodies is undone one level.
 */
export function* splitMbox(data: Buffer): Generator<Buffer> {
  const text = data.toString('latin1');
  const starts: number[] = [];
  const re = /(^|\n)From [^\n]*\n/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const at = m.index + (m[1] ? 1 : 0);
    if (
      at === 0 ||
      text.slice(Math.max(0, at - 2), at) === '\n\n' ||
      text.slice(Math.max(0, at - 3), at) === '\r\n\r\n' ||
      text[at - 1] === '\n'
    ) {
      starts.push(at);
    }
  }
  for (let i = 0; i < starts.length; i++) {
    const start = starts[i] as number;
    const end = starts[i + 1] ?? text.length;
    const headerEnd = text.indexOf('\n', start) + 1;
    const body = text.slice(headerEnd, end).replace(/\n(>+)From /g, (_m, q: string) => `\n${q.slice(1)}From `);
    yield Buffer.from(body, 'latin1');
  }
}
