import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { emptyBook, LEDGER_VERSION, LedgerFormatError, migrateLedger, type LedgerBook, type LedgerFile } from './schema';
import { checkScope, type LedgerStore } from './store';
import { parseJson } from '../ingest/json';

/** The ledger in one JSON file (CLI default): schema-versioned, migrated on read, written atomically. */
export class FileLedgerStore implements LedgerStore {
  readonly describe: string;

  constructor(
    private readonly path: string,
    private readonly now: () => Date,
    display = path,
  ) {
    this.describe = `file:${display}`;
  }

  private load(): LedgerFile | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new LedgerFormatError(this.describe, `cannot read the ledger: ${(err as Error).message}`);
    }
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
    const file = this.load() ?? { schema: 'defect-gate-ledger', version: LEDGER_VERSION, updatedAt: '', books: {} };
    const next: LedgerFile = {
      ...file,
      updatedAt: this.now().toISOString(),
      books: { ...file.books, [scope]: apply((Object.hasOwn(file.books, scope) ? file.books[scope] : undefined) ?? emptyBook()) },
    };
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(next, null, 1)}\n`);
    renameSync(tmp, this.path);
  }
}
