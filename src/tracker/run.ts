import type { CheckOutcome, LedgerSettings } from '../check';
import type { GitHubClient, RepoRef } from '../github/client';
import { describeError } from '../github/client';
import type { CodeLinks } from '../report/markdown';
import type { Logger } from '../logger';
import { GitHubIssuesTracker } from './github-issues';
import { applyTickets, syncTracker, type SyncSummary } from './sync';

/**
 * The shells' part of tracker sync (Action after a ledger write, `defect-gate track`): only when the policy has
 * `tracker.github-issues` and this run WROTE the ledger (default branch, schedule, dispatch; never a pull request),
 * then the issue numbers are written back into the ledger. A tracker failure is a warning: it never changes the verdict.
 */
export async function syncIssuesAfterRun(opts: {
  outcome: CheckOutcome;
  ledger: LedgerSettings | undefined;
  client: GitHubClient;
  /** This repository (`GITHUB_REPOSITORY`); the policy's `repo` takes precedence. */
  repo: RepoRef;
  /** The login the token writes as (issues by anyone else are never adopted or edited). */
  author: string;
  sha?: string;
  code?: CodeLinks;
  log: Logger;
  paceMs?: number;
}): Promise<SyncSummary | undefined> {
  const settings = opts.outcome.policy.source.tracker?.['github-issues'];
  if (!settings) return undefined;
  if (!opts.ledger || !opts.outcome.written.ledger) {
    opts.log.info(
      'defect-gate: tracker.github-issues: not synced (this run did not write the ledger; issues follow the ledger of the default branch and schedules)',
    );
    return undefined;
  }
  const [owner, repo] = settings.repo ? settings.repo.split('/') : [opts.repo.owner, opts.repo.repo];
  const port = new GitHubIssuesTracker(opts.client, { owner: owner as string, repo: repo as string }, opts.author, opts.paceMs ?? 1000);
  try {
    const result = opts.outcome.result;
    const synced = await syncTracker({
      findings: result.findings,
      book: result.nextLedger,
      policy: opts.outcome.policy,
      settings,
      port,
      ...(opts.sha ? { sha: opts.sha } : {}),
      ...(opts.code ? { code: opts.code } : {}),
      log: opts.log,
    });
    if (synced.tickets.size) await opts.ledger.store.update(opts.ledger.scope, (latest) => applyTickets(latest, synced.tickets));
    return synced.summary;
  } catch (err) {
    opts.log.warning(`defect-gate: tracker ${port.where}: ${describeError(err)} (the issues are brought up to date by the next run)`);
    return undefined;
  }
}
