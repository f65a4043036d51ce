import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JournalService } from '../core/journal-service.js';
import { UNREADABLE } from '../core/mail/display-message.js';
import { FileSecretStore } from '../core/secrets/file-secret-store.js';
import { WorkerPool } from '../core/util/worker-pool.js';
import { parseExport, runCli } from './fixtures/cli.js';
import { letter } from './fixtures/letters.js';
import { type CorpusMessage, corpusAvailable, corpusMessages } from './support/corpus.js';
import { describeMutations, mutate, mutationArb } from './support/mail-mutants.js';
import type { PipelineInput, PipelineResult } from './support/mail-pipeline-worker.js';

/**
 * No letter may take longer than this to be stored, indexed, opened and have its files taken out, on a free core.
 * Other suites share the machine's cores, so the wall-clock limit grows with the load average: a letter that
 * hangs still blows it, a letter that merely waited for a core does not.
 */
const PER_LETTER_MS = 5_000;
const limitNow = () => PER_LETTER_MS * Math.max(1, (os.loadavg()[0] ?? 0) / os.availableParallelism());
/** How long mutants are generated for; CI keeps the default, a deeper local run sets HOSTILE_MAIL_SECONDS. */
const MUTANT_SECONDS = Number(process.env.HOSTILE_MAIL_SECONDS ?? 45);
/** The same seed gives the same mutants; a failure prints the seed and path that replay it. */
const SEED = Number(process.env.HOSTILE_MAIL_SEED ?? 20261207);

interface Outcome {
  name: string;
  result?: PipelineResult;
  error?: string;
  ms: number;
}

class Hang extends Error {}

/**
 * The pipeline worker behind a per-letter time limit. A timer in this thread can stop a worker stuck in a
 * synchronous loop, which no timer inside it could; the stuck worker is terminated and a fresh one started.
 */
class Pipeline {
  private pool = this.start();

  constructor(private readonly dbFile: string) {}

  private start() {
    return new WorkerPool<PipelineInput, PipelineResult>(
      new URL('./support/mail-pipeline-worker.ts', import.meta.url),
      1,
      { maxOldGenerationSizeMb: 1024 },
    );
  }

  /** The first letter loads the parser, the database and the index worker: it is not held to the limit. */
  async warmUp(): Promise<void> {
    const raw = letter({ from: 'a@warm.example', to: 'b@warm.example', subject: 'warm-up', text: 'hello' });
    await this.pool.run({ dbFile: this.dbFile, raw, messageId: `warm-up-${Date.now()}@hostile.test` });
  }

  async run(name: string, raw: Buffer, messageId?: string): Promise<Outcome> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const ms = limitNow();
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Hang(`no answer within ${Math.round(ms)} ms`)), ms);
    });
    try {
      const result = await Promise.race([this.pool.run({ dbFile: this.dbFile, raw, messageId }), limit]);
      return { name, result, ms: performance.now() - started };
    } catch (error) {
      if (error instanceof Hang) {
        await this.pool.close();
        this.pool = this.start();
        await this.warmUp();
      }
      return { name, error: error instanceof Error ? error.message : String(error), ms: performance.now() - started };
    } finally {
      clearTimeout(timer);
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** What the run prints at the end: the figures the issue's closing table asks for. */
const figures = { corpus: 0, corpusDuplicates: 0, mutants: 0, parseErrors: 0, unreadableViews: 0, files: 0 };
/** Milliseconds spent in each step, over all letters. */
const spent = { store: 0, index: 0, render: 0, attachments: 0 };
let slowest: Outcome = { name: '', ms: 0 };

function tally(outcome: Outcome): PipelineResult {
  expect(outcome.error, `${outcome.name}: ${outcome.error}`).toBeUndefined();
  const result = outcome.result as PipelineResult;
  if (outcome.ms > slowest.ms) slowest = outcome;
  for (const step of Object.keys(spent) as Array<keyof typeof spent>) spent[step] += result.ms[step];
  if (result.parseError) figures.parseErrors++;
  if (result.unreadable) figures.unreadableViews++;
  figures.files += result.savedNames.length;
  // A letter the journal could not read says so where the person looks, and still shows what it is.
  if (result.parseError || result.unreadable) expect(result.viewText, outcome.name).toContain(UNREADABLE);
  for (const name of result.savedNames) {
    expect(name, outcome.name).not.toMatch(/[/\\\p{Cc}\u202a-\u202e\u2066-\u2069]/u);
  }
  return result;
}

const corpus = corpusAvailable();

describe.skipIf(!corpus.ok)(`hostile and broken mail${corpus.ok ? '' : ` (skipped: ${corpus.reason})`}`, () => {
  let dir: string;
  let db: string;
  let pipeline: Pipeline;
  let messages: CorpusMessage[];
  /** Every interaction a letter ended as: each must be in the journal at the end. */
  const interactions = new Set<number>();

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-hostile-'));
    db = path.join(dir, 'journal.db');
    messages = corpusMessages();
    pipeline = new Pipeline(db);
    await pipeline.warmUp();
  }, 120_000);

  afterAll(async () => {
    await pipeline?.close();
    console.log(
      `hostile mail: ${figures.corpus} corpus letters (${figures.corpusDuplicates} already in the journal by ` +
        `Message-ID), ${figures.mutants} mutants, ${figures.parseErrors} marked "could not be read" by the indexer, ` +
        `${figures.unreadableViews} opened with the notice, ${figures.files} attachments taken out; slowest letter ` +
        `${Math.round(slowest.ms)} ms (${slowest.name}); limit ${PER_LETTER_MS} ms a free core (${Math.round(limitNow())} ms ` +
        `at the present load); seed ${SEED}; time in each step ` +
        `(s): ${Object.entries(spent)
          .map(([step, ms]) => `${step} ${(ms / 1000).toFixed(1)}`)
          .join(', ')}`,
    );
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stores, indexes and opens every letter of the corpus, each within the time limit', async () => {
    expect(messages.length).toBeGreaterThan(1000);
    for (const message of messages) {
      const result = tally(await pipeline.run(message.name, message.raw));
      interactions.add(result.interactionId);
      figures.corpus++;
      if (!result.created) figures.corpusDuplicates++;
    }
    const service = new JournalService({ dbFile: db, secrets: FileSecretStore.besideJournal(db) });
    try {
      expect(service.journal.index.pendingCount()).toBe(0);
      for (const id of interactions) expect(service.journal.interactions.get(id), `interaction ${id}`).toBeDefined();
    } finally {
      await service.close();
    }
  }, 600_000);

  it('survives mutated letters: truncated, flipped, broken boundaries and charsets, huge headers, nesting, NULs', async () => {
    let serial = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.nat(messages.length - 1),
        fc.array(mutationArb, { minLength: 1, maxLength: 3 }),
        async (index, mutations) => {
          const source = messages[index] as CorpusMessage;
          const name = `${source.name} ${describeMutations(mutations)}`;
          const outcome = await pipeline.run(name, mutate(source.raw, mutations), `mutant-${++serial}@hostile.test`);
          const result = tally(outcome);
          interactions.add(result.interactionId);
          figures.mutants++;
        },
      ),
      { seed: SEED, numRuns: 1_000_000, interruptAfterTimeLimit: MUTANT_SECONDS * 1000, markInterruptAsFailure: false },
    );
    // Bounded by time, not count: a free machine reads about 400 in the default budget, a crowded one far fewer.
    expect(figures.mutants).toBeGreaterThan(30);
  }, 600_000);

  it('keeps a letter nothing can read, raw, with a "could not be read" mark in the list, the pane and the CLI', async () => {
    const depth = 1200;
    const raw = Buffer.from(
      `From: bomb@hostile.example\r\nSubject: nested ${depth} deep\r\nContent-Type: multipart/mixed; boundary="b0"\r\n\r\n` +
        Array.from(
          { length: depth },
          (_, i) => `--b${i}\r\nContent-Type: multipart/mixed; boundary="b${i + 1}"\r\n\r\n`,
        ).join('') +
        `--b${depth}\r\n\r\nthe bottom\r\n`,
    );
    const result = tally(await pipeline.run('nesting bomb', raw, 'nesting-bomb@hostile.test'));
    expect(result.created).toBe(true);
    expect(result.parseError).toBeTruthy();
    expect(result.viewText).toContain(`This letter ${UNREADABLE}`);
    const service = new JournalService({ dbFile: db, secrets: FileSecretStore.besideJournal(db) });
    try {
      const record = service.journal.interactions.get(result.interactionId);
      expect(record?.title).toBe(`nested ${depth} deep`);
      expect(record?.parseError).toBe(result.parseError);
      const sha = service.journal.interactions.sourceOf(result.interactionId) as string;
      expect(service.journal.blobs.read(sha).subarray(-20).toString()).toBe(raw.subarray(-20).toString());
    } finally {
      await service.close();
    }
    const line = await runCli(['--db', db, 'chain', String(result.interactionId)]);
    expect(line.stdout).toMatch(new RegExp(`#${result.interactionId} .*nested ${depth} deep.*could not be read`));
    const exported = parseExport((await runCli(['--db', db, 'export', '--json'])).stdout);
    expect(exported.find((r) => r.id === result.interactionId)?.parseError).toBe(result.parseError);
    const all = exported.map((r) => r.id as number);
    for (const id of interactions) expect(all).toContain(id);
  }, 120_000);

  it('saves attachments named to escape the folder under safe, unique names inside it', async () => {
    const hostileNames = ['../../etc/passwd', 'CON.txt', 'invoice\u202Etxt.exe', `${'Счёт-фактура '.repeat(30)}.pdf`];
    const files = hostileNames.map((name, i) => ({
      name,
      contentType: name.endsWith('.pdf') ? 'application/pdf' : 'application/octet-stream',
      content: Buffer.from(`file ${i}: ${name}\n`),
    }));
    const raw = letter({
      from: 'Mallory <mallory@hostile.example>',
      to: 'anna@interlog.test',
      subject: 'Invoice attached',
      messageId: 'hostile-names@hostile.example',
      text: 'Please open the attachments.',
      attachments: files,
    });
    const { interactionId } = tally(await pipeline.run('hostile names', raw));
    const root = fs.mkdtempSync(path.join(dir, 'save-'));
    const to = path.join(root, 'a', 'b');
    fs.mkdirSync(to, { recursive: true });
    const cli = (...args: string[]) => runCli(['--db', db, 'attachment', ...args]);

    const listed = await cli('list', String(interactionId));
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.trim().split('\n')).toHaveLength(4);

    const saved = await cli('save', String(interactionId), '--to', to);
    expect(saved.code, saved.stderr).toBe(0);
    const written = fs.readdirSync(to).sort();
    const longName = written.find((n) => n.startsWith('Счёт-фактура')) as string;
    expect(written).toEqual(['_CON.txt', 'invoicetxt.exe', longName, 'passwd'].sort());
    expect(Buffer.byteLength(longName)).toBeLessThanOrEqual(200);
    expect(longName.endsWith('.pdf')).toBe(true);
    // Nothing escaped the folder: the two levels above it hold only the path down to it.
    expect(fs.readdirSync(root)).toEqual(['a']);
    expect(fs.readdirSync(path.join(root, 'a'))).toEqual(['b']);
    expect(fs.readFileSync(path.join(to, 'passwd'), 'utf8')).toBe('file 0: ../../etc/passwd\n');
    expect(fs.readFileSync(path.join(to, 'invoicetxt.exe'), 'utf8')).toBe('file 2: invoice\u202Etxt.exe\n');

    // Saving again never overwrites: the second copy is numbered.
    const again = await cli('save', String(interactionId), '1', '--to', to);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(path.join(to, 'passwd (2)'));
    expect(fs.readFileSync(path.join(to, 'passwd'), 'utf8')).toBe('file 0: ../../etc/passwd\n');
    expect(fs.existsSync(path.join(to, 'passwd (2)'))).toBe(true);

    const missing = await cli('save', String(interactionId), '9', '--to', to);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('has 4 attachments');
  }, 120_000);
});
