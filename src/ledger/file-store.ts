import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { emptyBook, LEDGER_VERSION, LedgerFormatError, migrateLedger, type LedgerBook, type LedgerFile } from './schema';
import { compactBook } from './compact';
import { checkScope, type LedgerStore } from './store';
import { withFileLock, type LockOptions } from './file-lock';
import { parseJson } from '../ingest/json';
import { ledgerParts, readLedgerLines } from './lines';
import { redactLedger } from '../redact/finding';
import { errorMessage } from '../errors';

/**
 * The ledger in one JSON file (CLI default): schema-versioned, migrated on read, written atomically.
 *
 * Reads need no lock (the file is replaced by a rename: a reader sees the old file or the new one). An update holds
 * `<ledger>.lock` (src/ledger/file-lock.ts) while it reads the latest file, applies this run and renames a temporary
 * file over it, so concurrent runs each add their run. Temporary files (`<ledger>.<pid>.<time>.tmp`) left by a run
 * killed while writing are removed by the next update: only the lock's holder writes them.
 *
 * Cheap on the hot path (issue #21): the file is laid out one entry per line and read lazily (src/ledger/lines.ts: an
 * entry is parsed only when a run changes it or something reads it whole), and the update of a run that read the
 * ledger reuses what it read when the file has not changed since (same text), instead of reading it again. Books are
 * compacted when written (src/ledger/compact.ts: fixed findings are forgotten `retentionDays` after their fix, default
 * DEFAULT_RETENTION_DAYS).
 */
export class FileLedgerStore implements LedgerStore {
  readonly describe: string;

  constructor(
    private readonly path: string,
    private readonly now: () => Date,
    display = path,
    private readonly lock: LockOptions & { onStale?: (message: string) => void; retentionDays?: number } = {},
  ) {
    this.describe = `file:${display}`;
  }

  /** The lock file held while the ledger is written. */
  get lockFile(): string {
    return `${this.path}.lock`;
  }

  /** The bytes last read and what they parsed to: an update finding the same bytes does not parse them again. */
  private last: { bytes: Buffer; file: LedgerFile } | undefined;

  private load(): LedgerFile | undefined {
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new LedgerFormatError(this.describe, `cannot read the ledger: ${errorMessage(err)}`);
    }
    // Compared byte for byte (a hand edit of the same size keeping the first line is another file too).
    if (this.last?.bytes.equals(bytes)) return this.last.file;
    // A file exactly as defect-gate writes it is read lazily (src/ledger/lines.ts); any other is parsed and validated.
    const file = readLedgerLines(bytes) ?? this.parse(bytes.toString('utf8'));
    this.last = { bytes, file };
    return file;
  }

  private parse(text: string): LedgerFile {
    const parsed = parseJson(text);
    if (!parsed.ok) throw new LedgerFormatError(`${this.describe}:${parsed.line}:${parsed.column}`, `not valid JSON: ${parsed.message}`);
    return migrateLedger(parsed.value, this.describe);
  }

  async read(scope: string): Promise<LedgerBook | undefined> {
    const books = this.load()?.books;
    // Own members only: a scope named constructor is a scope, not Object.prototype.constructor.
    return books && Object.hasOwn(books, checkScope(scope)) ? books[scope] : undefined;
  }

  async update(scope: string, apply: (book: LedgerBook) => LedgerBook): Promise<void> {
    checkScope(scope);
    mkdirSync(dirname(this.path), { recursive: true });
    await withFileLock(
      this.lockFile,
      () => {
        this.removeLeftovers();
        const file = this.load() ?? { schema: 'defect-gate-ledger', version: LEDGER_VERSION, updatedAt: '', books: {} };
        const now = this.now();
        const book = apply((Object.hasOwn(file.books, scope) ? file.books[scope] : undefined) ?? emptyBook());
        const retention = this.lock.retentionDays !== undefined ? { retentionDays: this.lock.retentionDays } : {};
        // Every book written is redacted with the current rules, which the file records (src/ledger/lines.ts): a book
        // of another scope read from a file written with other rules is redacted here, not on its next run.
        // (This scope's book is the engine's, redacted when it read the ledger: src/engine.ts.)
        for (const [s, b] of Object.entries(file.books)) if (s !== scope) redactLedger(b);
        const next: LedgerFile = {
          ...file,
          updatedAt: now.toISOString(),
          books: { ...file.books, [scope]: compactBook(book, now, retention) },
        };
        this.last = undefined;
        const tmp = `${this.path}.${process.pid}.${Date.now()}.tmp`;
        const fd = openSync(tmp, 'wx');
        try {
          const { head, body } = ledgerParts(next);
          writeAll(fd, head);
          writeAll(fd, body);
          fsyncSync(fd); // the ledger is the record: on disk before it replaces the old one
        } finally {
          closeSync(fd);
        }
        renameSync(tmp, this.path);
      },
      this.lock,
    );
  }

  /** Temporary files of this ledger left by a run killed while writing it (called holding the lock). */
  private removeLeftovers(): void {
    const base = basename(this.path);
    const dir = dirname(this.path);
    const ours = (f: string) => f.startsWith(`${base}.`) && /^\.\d+\.\d+\.tmp$/.test(f.slice(base.length));
    for (const f of readdirSync(dir)) {
      if (!ours(f)) continue;
      try {
        unlinkSync(join(dir, f));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  }
}

/** Writes an ASCII text or bytes whole (a write may take less than it is given). */
function writeAll(fd: number, data: string | Buffer): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done);
}

/** The ledger file's text (src/ledger/lines.ts: one entry per line, read lazily). */
export { ledgerText } from './lines';
