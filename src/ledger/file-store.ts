import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { emptyBook, LEDGER_VERSION, LedgerFormatError, migrateLedger, type LedgerBook, type LedgerFile } from './schema';
import { compactBook } from './compact';
import { checkScope, type LedgerStore } from './store';
import { withFileLock, type LockOptions } from './file-lock';
import { parseJson } from '../ingest/json';
import { errorMessage } from '../errors';

/**
 * The ledger in one JSON file (CLI default): schema-versioned, migrated on read, written atomically.
 *
 * Reads need no lock (the file is replaced by a rename: a reader sees the old file or the new one). An update holds
 * `<ledger>.lock` (src/ledger/file-lock.ts) while it reads the latest file, applies this run and renames a temporary
 * file over it, so concurrent runs each add their run. Temporary files (`<ledger>.<pid>.<time>.tmp`) left by a run
 * killed while writing are removed by the next update: only the lock's holder writes them.
 *
 * Cheap on the hot path (issue #21): the file is written as compact JSON (no pretty-printing of a 10 MB file), and
 * the update of a run that read the ledger reuses what it read when the file has not changed since (same text),
 * instead of parsing it again. Books are compacted when written (src/ledger/compact.ts: fixed findings are forgotten
 * `retentionDays` after their fix, default DEFAULT_RETENTION_DAYS).
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

  /** The text last read and what it parsed to: an update finding the same text does not parse it again. */
  private last: { text: string; file: LedgerFile } | undefined;

  private load(): LedgerFile | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new LedgerFormatError(this.describe, `cannot read the ledger: ${errorMessage(err)}`);
    }
    if (this.last?.text === text) return this.last.file;
    const parsed = parseJson(text);
    if (!parsed.ok) throw new LedgerFormatError(`${this.describe}:${parsed.line}:${parsed.column}`, `not valid JSON: ${parsed.message}`);
    const file = migrateLedger(parsed.value, this.describe);
    this.last = { text, file };
    return file;
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
        const next: LedgerFile = {
          ...file,
          updatedAt: now.toISOString(),
          books: { ...file.books, [scope]: compactBook(book, now, retention) },
        };
        this.last = undefined;
        const tmp = `${this.path}.${process.pid}.${Date.now()}.tmp`;
        const fd = openSync(tmp, 'wx');
        try {
          writeSync(fd, ledgerText(next));
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

/**
 * The ledger file's text: compact JSON on one line (earlier versions indented it: 45 % larger, and slower to write
 * and read; both forms read the same).
 */
export function ledgerText(file: LedgerFile): string {
  return `${JSON.stringify(file)}\n`;
}
