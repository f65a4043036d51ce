import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Db } from './database.js';

/** Where a blob's bytes are, for readers in other threads (the indexer's workers read packs directly). */
export interface BlobLocation {
  file: string;
  offset: number;
  length: number;
}

/** A pack file is closed and a new one begun past this size, so no single file grows without bound. */
const PACK_LIMIT = 1024 * 1024 * 1024;

/**
 * Content-addressed storage (sha256) for raw message sources, as append-only pack files: each source is written
 * once, sequentially, with one fdatasync per transaction instead of a file and an fsync per letter, and without
 * the second copy a WAL-mode SQLite blob would cost. A row is inserted in the caller's transaction only after
 * `flush()` made its bytes durable, so a crash leaves at worst unreferenced bytes at a pack's end.
 */
export class BlobStore {
  private readonly stmt;
  private writer: { pack: string; fd: number; size: number; dirty: boolean } | null = null;
  private readonly readFds = new Map<string, number>();

  constructor(
    db: Db,
    readonly dir: string,
  ) {
    this.stmt = {
      exists: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM blobs WHERE sha256 = ?'),
      insert: db.prepare('INSERT OR IGNORE INTO blobs (sha256, size, pack, offset) VALUES (?, ?, ?, ?)'),
      get: db.prepare<[string], { size: number; pack: string; offset: number }>(
        'SELECT size, pack, offset FROM blobs WHERE sha256 = ?',
      ),
    };
  }

  has(sha256: string): boolean {
    return this.stmt.exists.get(sha256) !== undefined;
  }

  /** Appends a blob and records it; call inside a transaction that calls `flush()` before it commits. */
  put(sha256: string, data: Uint8Array): void {
    if (this.has(sha256)) return;
    const w = this.openWriter(data.length);
    const offset = w.size;
    let written = 0;
    while (written < data.length) written += fs.writeSync(w.fd, data, written, data.length - written, offset + written);
    w.size += data.length;
    w.dirty = true;
    this.stmt.insert.run(sha256, data.length, w.pack, offset);
  }

  /**
   * Streams a large blob into the pack while hashing it; `finish` records it (inside the caller's transaction).
   * The bytes are written, not held: a 200 MB letter costs a buffer of one chunk.
   */
  async putStream(source: Readable): Promise<{ sha256: string; size: number; head: Buffer; record(): void }> {
    const w = this.openWriter(0);
    const offset = w.size;
    const hash = crypto.createHash('sha256');
    const headChunks: Buffer[] = [];
    let headSize = 0;
    let size = 0;
    for await (const chunk of source as AsyncIterable<Buffer>) {
      hash.update(chunk);
      let done = 0;
      while (done < chunk.length) done += fs.writeSync(w.fd, chunk, done, chunk.length - done, offset + size + done);
      size += chunk.length;
      if (headSize < 256 * 1024) {
        headChunks.push(chunk);
        headSize += chunk.length;
      }
    }
    w.size = offset + size;
    w.dirty = true;
    const sha256 = hash.digest('hex');
    // A duplicate's bytes stay as dead space at the pack's end rather than being rewound under a reader.
    return {
      sha256,
      size,
      head: Buffer.concat(headChunks),
      record: () => {
        if (!this.has(sha256)) this.stmt.insert.run(sha256, size, w.pack, offset);
      },
    };
  }

  /** Makes everything appended so far durable. Call right before the transaction recording it commits. */
  flush(): void {
    if (this.writer?.dirty) {
      fs.fdatasyncSync(this.writer.fd);
      this.writer.dirty = false;
    }
  }

  location(sha256: string): BlobLocation {
    const row = this.stmt.get.get(sha256);
    if (!row) throw new Error(`blob ${sha256} is not in the journal`);
    return { file: path.join(this.dir, row.pack), offset: row.offset, length: row.size };
  }

  read(sha256: string): Buffer {
    const loc = this.location(sha256);
    let fd = this.readFds.get(loc.file);
    if (fd === undefined) {
      fd = fs.openSync(loc.file, 'r');
      this.readFds.set(loc.file, fd);
    }
    const out = Buffer.allocUnsafe(loc.length);
    let done = 0;
    while (done < loc.length) {
      const n = fs.readSync(fd, out, done, loc.length - done, loc.offset + done);
      if (n === 0) throw new Error(`blob ${sha256} is cut short in ${loc.file}`);
      done += n;
    }
    return out;
  }

  openStream(sha256: string): Readable {
    const loc = this.location(sha256);
    return fs.createReadStream(loc.file, { start: loc.offset, end: loc.offset + loc.length - 1 });
  }

  close(): void {
    if (this.writer) fs.closeSync(this.writer.fd);
    for (const fd of this.readFds.values()) fs.closeSync(fd);
    this.writer = null;
    this.readFds.clear();
  }

  /** Each writer appends to a pack of its own, so two processes never interleave bytes in one file. */
  private openWriter(incoming: number) {
    if (this.writer && this.writer.size + incoming > PACK_LIMIT && this.writer.size > 0) {
      this.flush();
      fs.closeSync(this.writer.fd);
      this.writer = null;
    }
    if (!this.writer) {
      fs.mkdirSync(this.dir, { recursive: true });
      const pack = `pack-${Date.now().toString(36)}-${crypto.randomBytes(4).toString('hex')}.dat`;
      const fd = fs.openSync(path.join(this.dir, pack), 'wx');
      this.writer = { pack, fd, size: 0, dirty: false };
    }
    return this.writer;
  }
}
