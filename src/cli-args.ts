import { resolve } from 'node:path';
import type { LedgerSettings } from './check';
import { fetchClient, readRepoFile } from './github/contents';
import type { RemotePolicyFetcher } from './io/policy';
import { FileLedgerStore } from './ledger/file-store';
import { checkScope, parseLedgerSpec } from './ledger/store';
import type { RunDateRule } from './ledger/track';
import { isoTime } from './ingest/util';
import { VERSION } from './version';

/** Flag handling shared by the CLI's commands (src/cli.ts, src/cli-policy.ts). */

/**
 * `--now`: an ISO 8601 date or time that exists (the check of scanner and ledger times, src/ingest/util.ts isoTime:
 * 2026-02-30, 2026-13-01 or 24:00:61 are refused, not rolled over), or the error message for a usage error.
 */
export function parseNow(raw: string | undefined, fallback: Date): Date | string {
  if (raw === undefined) return fallback;
  const iso = isoTime(raw);
  if (iso === undefined) {
    return `invalid --now "${raw}": expected an ISO 8601 date or time that exists, such as 2026-12-31 or 2026-12-31T12:00:00Z`;
  }
  return new Date(iso);
}

/** `DEFECT_GATE_LEDGER_LOCK_WAIT_MS`: how long a run waits for another run's ledger lock (default 120 s). */
export function lockWaitMs(env: Record<string, string | undefined>): number | undefined {
  const v = Number(env.DEFECT_GATE_LEDGER_LOCK_WAIT_MS);
  return env.DEFECT_GATE_LEDGER_LOCK_WAIT_MS && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/**
 * `--ledger file:PATH`, `--ledger-scope` and `--allow-backdated`: the ledger of a CLI command (files only: branch
 * ledgers are the Action's), or the error message for a usage error. A run dated by `--now` is refused when it is
 * before the ledger's last run (unless --allow-backdated); one dated by the clock only when the ledger is ahead of it.
 */
export function fileLedger(
  flags: { ledger?: string; 'ledger-scope'?: string; 'allow-backdated'?: boolean; now?: string },
  workspace: string,
  now: Date,
  write: boolean,
  opts: { clock?: () => Date; env?: Record<string, string | undefined>; note?: (message: string) => void } = {},
): LedgerSettings | undefined | string {
  if (flags.ledger === undefined) return flags['allow-backdated'] ? '--allow-backdated needs --ledger file:PATH' : undefined;
  let spec;
  let scope;
  try {
    spec = parseLedgerSpec(flags.ledger);
    scope = checkScope(flags['ledger-scope'] ?? 'default');
  } catch (err) {
    return (err as Error).message;
  }
  if (spec.kind !== 'file') return `--ledger ${flags.ledger}: the CLI keeps its ledger in a file (file:PATH); branch ledgers are written by the Action`;
  const waitMs = lockWaitMs(opts.env ?? {});
  const store = new FileLedgerStore(resolve(workspace, spec.path), () => now, spec.path, {
    ...(waitMs !== undefined ? { waitMs } : {}),
    ...(opts.note ? { onStale: opts.note } : {}),
  });
  const runDate: RunDateRule = {
    ...(flags['allow-backdated'] ? { allowBackdated: true } : {}),
    ...(flags.now === undefined ? { clock: opts.clock ?? (() => new Date()) } : {}),
  };
  return { store, scope, write, runDate };
}

/** Reads `owner/repo/path@ref` base policies (`extends`) through the GitHub API with GITHUB_TOKEN or GH_TOKEN. */
export function remotePolicyFetcher(env: Record<string, string | undefined>): RemotePolicyFetcher {
  return (spec) => readRepoFile(fetchClient(env.GITHUB_API_URL || 'https://api.github.com', env.GITHUB_TOKEN || env.GH_TOKEN, `defect-gate/${VERSION}`), spec);
}
