import type { RunResult } from '../engine';
import type { Logger } from '../logger';
import { buildAnnotations } from './annotations';
import { checkOutput, CONCLUSION, publishCheckRun } from './check-run';
import { describeError, httpStatus, type GitHubClient } from './client';
import { renderComment, upsertStickyComment, type CommentMode } from './comment';
import type { ReportTarget } from './target';

/**
 * GitHub reporting for one run: the check run and the sticky PR comment. Never throws and never changes the verdict:
 * what could not be published is collected and reported in ONE warning, and the caller falls back to the job summary
 * and workflow-command annotations.
 */

export interface PublishSettings {
  /** Create the check run. */
  checkRun: boolean;
  /** Name of the check run; also the sticky comment's scope. */
  checkName: string;
  comment: CommentMode;
  /** Most check-run annotations. */
  maxAnnotations: number;
  /** Rank at or above which non-blocking findings are `warning` annotations. */
  warningRank: number;
  /** Title in the summary and comment (the `name` input). */
  title: string;
  /** URL of the workflow run (job summary). */
  runUrl?: string;
  /** Policy file (workspace-relative), for the exception hint. */
  policyPath?: string;
  now: () => Date;
}

export interface Skipped {
  what: 'check run' | 'PR comment';
  status?: number;
  reason: string;
}

export interface PublishOutcome {
  checkRun?: { id: number; url?: string; annotations: number };
  comment?: { id: number; action: 'created' | 'updated'; url?: string };
  /** What failed (HTTP errors, network errors) — the caller falls back. */
  skipped: Skipped[];
  /** Informational notes (e.g. no PR to comment on, comment not needed). */
  notes: string[];
  /** The one warning to show, when something was skipped. */
  warning?: string;
}

/** The one warning naming what was skipped and why. */
export function skippedWarning(skipped: readonly Skipped[]): string | undefined {
  if (skipped.length === 0) return undefined;
  const what = skipped.map((s) => s.what).join(' and ');
  const forbidden = skipped.every((s) => s.status === 403 || s.status === 404);
  if (forbidden) {
    return (
      `defect-gate: skipped the ${what}: the token may not write here (HTTP ${skipped[0]?.status}; usual for pull requests ` +
      `from forks and Dependabot, whose tokens are read-only, or missing permissions: checks: write, pull-requests: write). ` +
      `The verdict is enforced as usual; see the job summary and the annotations. For fork PRs, report from a ` +
      `workflow_run job (README: "Pull requests from forks").`
    );
  }
  const why = skipped.map((s) => `${s.what}: ${s.reason}`).join('; ');
  return `defect-gate: skipped the ${what} (${why}). The verdict is enforced as usual; see the job summary and the annotations.`;
}

async function resolveHeadSha(client: GitHubClient, target: ReportTarget): Promise<string | undefined> {
  if (target.headSha || target.prNumber === undefined) return target.headSha;
  const res = await client.request<{ head: { sha: string } }>('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
    owner: target.owner,
    repo: target.repo,
    pull_number: target.prNumber,
  });
  return res.data.head.sha;
}

export async function publishToGitHub(
  client: GitHubClient,
  result: RunResult,
  target: ReportTarget,
  settings: PublishSettings,
  logger: Logger,
): Promise<PublishOutcome> {
  const outcome: PublishOutcome = { skipped: [], notes: [] };
  const repo = { owner: target.owner, repo: target.repo };
  const fail = (what: Skipped['what'], err: unknown) => {
    const status = httpStatus(err);
    outcome.skipped.push({ what, ...(status ? { status } : {}), reason: describeError(err) });
    logger.debug(`defect-gate: ${what} failed: ${describeError(err)}`);
  };

  if (settings.checkRun) {
    try {
      const headSha = await resolveHeadSha(client, target);
      if (!headSha) {
        outcome.notes.push('no commit to report on (no head sha): check run not created');
      } else {
        const set = buildAnnotations(result, { max: settings.maxAnnotations, warningRank: settings.warningRank });
        const output = checkOutput(result, { title: settings.title, fullReport: settings.runUrl, omittedAnnotations: set.omitted });
        const run = await publishCheckRun(client, repo, {
          name: settings.checkName,
          headSha,
          conclusion: CONCLUSION[result.verdict.status],
          output,
          annotations: set.annotations,
          detailsUrl: settings.runUrl,
          externalId: settings.checkName,
          now: settings.now,
        });
        outcome.checkRun = { id: run.id, url: run.url, annotations: set.annotations.length };
        logger.info(`defect-gate: check run "${settings.checkName}" on ${headSha.slice(0, 7)}: ${CONCLUSION[result.verdict.status]}, ${set.annotations.length} annotation(s)`);
      }
    } catch (err) {
      fail('check run', err);
    }
  }

  if (settings.comment !== 'never') {
    if (target.prNumber === undefined) {
      outcome.notes.push('not a pull request (no PR number): no comment');
    } else {
      try {
        const res = await upsertStickyComment(client, repo, {
          prNumber: target.prNumber,
          scope: settings.checkName,
          mode: settings.comment,
          verdict: result.verdict.status,
          body: (previous) =>
            renderComment(result, {
              scope: settings.checkName,
              title: settings.title,
              runUrl: settings.runUrl,
              previous,
              policyPath: settings.policyPath,
              headSha: target.headSha,
            }),
        });
        if (res.action === 'skipped') outcome.notes.push(`no comment: ${res.reason}`);
        else {
          outcome.comment = { id: res.id, action: res.action, url: res.url };
          logger.info(`defect-gate: ${res.action} the comment on #${target.prNumber}`);
        }
      } catch (err) {
        fail('PR comment', err);
      }
    }
  }
  outcome.warning = skippedWarning(outcome.skipped);
  return outcome;
}
