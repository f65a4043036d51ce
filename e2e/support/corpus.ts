import fs from 'node:fs';
import path from 'node:path';
import { splitMbox } from '../../core/mail/mbox.js';

/**
 * The shared corpus of real and library-test mail (../shared/corpus, see its PROVENANCE.md). Users clone only the
 * project, so every test that reads it skips, saying why, when it is absent; its files are never copied here.
 */
export const CORPUS_DIR = path.resolve(import.meta.dirname, '../../../shared/corpus');

export function corpusAvailable(): { ok: true } | { ok: false; reason: string } {
  return fs.existsSync(CORPUS_DIR) ? { ok: true } : { ok: false, reason: `${CORPUS_DIR} is not present` };
}

/** Mailbox files: many letters each, split on "From " lines. */
const MBOX = /\.mbox(\.txt)?$|^mbox\.rlug$/;
/** One letter per file; the sources' expected outputs (decoded bodies, summaries) and licences are not letters. */
const LETTER = /\.(eml|msg|raw|txt)$|\.rlug-\d$/;
const NOT_A_LETTER = /LICENSE|README|PROVENANCE|COPYING|_decoded|-summary\.txt$/i;

/** The corpus files under `sub` (e.g. 'mime') holding one letter each, sorted so runs are repeatable. */
export function corpusLetterFiles(sub = ''): string[] {
  const files: string[] = [];
  for (const e of fs.readdirSync(path.join(CORPUS_DIR, sub), { recursive: true, withFileTypes: true })) {
    if (e.isFile() && LETTER.test(e.name) && !MBOX.test(e.name) && !NOT_A_LETTER.test(e.name)) {
      files.push(path.join(e.parentPath, e.name));
    }
  }
  return files.sort();
}

export interface CorpusMessage {
  /** Where it came from, relative to the corpus: "mime/x/y.eml" or "threads/z.mbox#12". */
  name: string;
  raw: Buffer;
}

/** Every letter of the corpus under `sub`: the single-letter files and each letter of every mailbox. */
export function corpusMessages(sub = ''): CorpusMessage[] {
  const out: CorpusMessage[] = corpusLetterFiles(sub).map((file) => ({
    name: path.relative(CORPUS_DIR, file),
    raw: fs.readFileSync(file),
  }));
  const mailboxes: string[] = [];
  for (const e of fs.readdirSync(path.join(CORPUS_DIR, sub), { recursive: true, withFileTypes: true })) {
    if (e.isFile() && MBOX.test(e.name)) mailboxes.push(path.join(e.parentPath, e.name));
  }
  for (const file of mailboxes.sort()) {
    let i = 0;
    for (const raw of splitMbox(fs.readFileSync(file)))
      out.push({ name: `${path.relative(CORPUS_DIR, file)}#${i++}`, raw });
  }
  return out;
}
