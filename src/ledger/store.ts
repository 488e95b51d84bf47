import type { LedgerBook } from './schema';

/**
 * Where the ledger lives. `update` applies `apply` to the latest book and saves it; when the save loses a race
 * against another writer, the store re-reads and applies again (bounded), so two writers lose nothing.
 */
export interface LedgerStore {
  /** e.g. `file:.defect-gate/ledger.json`, `branch:defect-gate-data`. */
  readonly describe: string;
  read(scope: string): Promise<LedgerBook | undefined>;
  update(scope: string, apply: (book: LedgerBook) => LedgerBook): Promise<void>;
}

export const SCOPE_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function checkScope(scope: string): string {
  if (!SCOPE_RE.test(scope)) {
    throw new Error(`invalid ledger scope "${scope}": expected letters, digits, '.', '_' or '-' (at most 100), e.g. "backend-sast"`);
  }
  return scope;
}

/** Parses `file:PATH` / `branch:NAME`; a bare value is a file path. */
export function parseLedgerSpec(spec: string): { kind: 'file'; path: string } | { kind: 'branch'; branch: string } {
  const s = spec.trim();
  if (s.startsWith('branch:')) {
    const branch = s.slice('branch:'.length).trim();
    if (!/^[A-Za-z0-9._/-]+$/.test(branch) || branch.includes('..') || branch.startsWith('/') || branch.endsWith('/')) {
      throw new Error(`invalid ledger branch "${branch}": expected a branch name such as branch:defect-gate-data`);
    }
    return { kind: 'branch', branch };
  }
  const path = s.startsWith('file:') ? s.slice('file:'.length).trim() : s;
  if (!path) throw new Error(`invalid ledger "${spec}": expected file:PATH or branch:NAME`);
  return { kind: 'file', path };
}
