import { resolve } from 'node:path';
import type { LedgerSettings } from './check';
import { fetchClient, readRepoFile } from './github/contents';
import type { RemotePolicyFetcher } from './io/policy';
import { FileLedgerStore } from './ledger/file-store';
import { checkScope, parseLedgerSpec } from './ledger/store';
import { VERSION } from './version';

/** Flag handling shared by the CLI's commands (src/cli.ts, src/cli-policy.ts). */

/** `--now`: an ISO 8601 date, or the error message for a usage error. */
export function parseNow(raw: string | undefined, fallback: Date): Date | string {
  if (raw === undefined) return fallback;
  const t = Date.parse(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(t)) {
    return `invalid --now "${raw}": expected an ISO 8601 date such as 2026-12-31 or 2026-12-31T12:00:00Z`;
  }
  return new Date(t);
}

/**
 * `--ledger file:PATH` and `--ledger-scope`: the ledger of a CLI command (files only: branch ledgers are the Action's),
 * or the error message for a usage error.
 */
export function fileLedger(
  flags: { ledger?: string; 'ledger-scope'?: string },
  workspace: string,
  now: Date,
  write: boolean,
): LedgerSettings | undefined | string {
  if (flags.ledger === undefined) return undefined;
  let spec;
  let scope;
  try {
    spec = parseLedgerSpec(flags.ledger);
    scope = checkScope(flags['ledger-scope'] ?? 'default');
  } catch (err) {
    return (err as Error).message;
  }
  if (spec.kind !== 'file') return `--ledger ${flags.ledger}: the CLI keeps its ledger in a file (file:PATH); branch ledgers are written by the Action`;
  return { store: new FileLedgerStore(resolve(workspace, spec.path), () => now, spec.path), scope, write };
}

/** Reads `owner/repo/path@ref` base policies (`extends`) through the GitHub API with GITHUB_TOKEN or GH_TOKEN. */
export function remotePolicyFetcher(env: Record<string, string | undefined>): RemotePolicyFetcher {
  return (spec) => readRepoFile(fetchClient(env.GITHUB_API_URL || 'https://api.github.com', env.GITHUB_TOKEN || env.GH_TOKEN, `defect-gate/${VERSION}`), spec);
}
