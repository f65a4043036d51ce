import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import type { Db } from './database.js';

export type BlobCodec = 'raw' | 'br';

/**
 * Content-addressed storage (sha256) for raw message sources. Small blobs live in the database, so they commit
 * in the same transaction as the rows that name them; large ones are files, made durable before that commit.
 */
export class BlobStore {
  private readonly insert;
  private readonly select;
  private readonly exists;

  constructor(
    db: Db,
    readonly dir: string,
  ) {
    this.insert = db.prepare(
      'INSERT OR IGNORE INTO blobs (sha256, size, codec, location, data) VALUES (?, ?, ?, ?, ?)',
    );
    this.select = db.prepare<
      [string],
      { size: number; codec: BlobCodec; location: 'db' | 'file'; data: Buffer | null }
    >('SELECT size, codec, location, data FROM blobs WHERE sha256 = ?');
    this.exists = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM blobs WHERE sha256 = ?');
  }

  has(sha256: string): boolean {
    return this.exists.get(sha256) !== undefined;
  }

  putInline(sha256: string, size: number, codec: BlobCodec, data: Uint8Array): void {
    this.insert.run(sha256, size, codec, 'db', data);
  }

  /** Where a large blob's file lives; callers write to a temp file in `dir` and hand it to `adoptFile`. */
  filePath(sha256: string): string {
    return path.join(this.dir, sha256.slice(0, 2), sha256);
  }

  tempPath(): string {
    fs.mkdirSync(this.dir, { recursive: true });
    return path.join(this.dir, `.incoming-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  }

  /** Makes a finished temp file durable under its hash; the row is written in the caller's transaction. */
  adoptFile(sha256: string, tempFile: string): void {
    const target = this.filePath(sha256);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const fd = fs.openSync(tempFile, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tempFile, target);
  }

  recordFile(sha256: string, size: number): void {
    this.insert.run(sha256, size, 'raw', 'file', null);
  }

  read(sha256: string): Buffer {
    const row = this.select.get(sha256);
    if (!row) throw new Error(`blob ${sha256} is not in the journal`);
    const data = row.location === 'file' ? fs.readFileSync(this.filePath(sha256)) : (row.data ?? Buffer.alloc(0));
    return row.codec === 'br' ? zlib.brotliDecompressSync(data) : data;
  }

  openStream(sha256: string): Readable {
    const row = this.select.get(sha256);
    if (!row) throw new Error(`blob ${sha256} is not in the journal`);
    if (row.location === 'file') {
      const file = fs.createReadStream(this.filePath(sha256));
      return row.codec === 'br' ? file.pipe(zlib.createBrotliDecompress()) : file;
    }
    const decoder = row.codec === 'br' ? zlib.createBrotliDecompress() : null;
    const data = row.data ?? Buffer.alloc(0);
    if (!decoder) return Readable.from([data]);
    decoder.end(data);
    return decoder;
  }
}
