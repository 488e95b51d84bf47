import type { RunResult } from '../engine';
import { hasPolicyChanges } from '../policy/diff';
import type { Logger } from '../logger';
import { buildAnnotations } from './annotations';
import { checkOutput, CONCLUSION, publishCheckRun } from './check-run';
import { describeError, httpStatus, type GitHubClient } from './client';
import { renderComment, sameLogin, upsertStickyComment, type CommentMode } from './comment';
import { randomUUID } from 'node:crypto';
import type { CodeLinks } from '../report/markdown';
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
  /** The login the Action comments as (`comment-author`); empty: asked from GitHub (see `resolveCommentAuthor`). */
  commentAuthor?: string;
  /** The check run's external id, unique to this run (found again by it after a 5xx); default a random one. */
  externalId?: string;
  /** The web address of GitHub (`GITHUB_SERVER_URL`), for links to code at the head commit. */
  serverUrl?: string;
  now: () => Date;
}

export interface Skipped {
  what: 'check run' | 'PR comment' | 'check run annotations';
  status?: number;
  reason: string;
}

export interface PublishOutcome {
  /** `problem`: the check run was completed, but something after its creation failed (e.g. annotations missing). */
  checkRun?: { id: number; url?: string; annotations: number; problem?: string };
  comment?: { id: number; action: 'created' | 'updated'; url?: string };
  /** A pull request the Action refused to comment on (its head is not the commit this run checked). */
  refused?: string;
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

/** The default login of the Actions token, when GitHub cannot say (`GET /user` is forbidden for GITHUB_TOKEN). */
export const ACTIONS_BOT = 'github-actions[bot]';

/**
 * The login the Action's token writes as: the `comment-author` input, else GraphQL `viewer` (it answers for user
 * tokens, GITHUB_TOKEN and App installation tokens alike), else `GET /user` (user tokens), else `github-actions[bot]`.
 */
export async function resolveCommentAuthor(client: GitHubClient, configured: string | undefined, logger: Logger): Promise<string> {
  if (configured) return configured;
  if (client.graphql) {
    try {
      const r = await client.graphql<{ viewer?: { login?: string } }>('query { viewer { login } }');
      if (r.viewer?.login) return r.viewer.login;
    } catch (err) {
      logger.debug(`defect-gate: GraphQL viewer unavailable (${describeError(err)}); asking GET /user`);
    }
  }
  try {
    const r = await client.request<{ login?: string }>('GET /user');
    if (r.data.login) return r.data.login;
  } catch (err) {
    logger.debug(`defect-gate: GET /user unavailable (${describeError(err)}); assuming ${ACTIONS_BOT}`);
  }
  return ACTIONS_BOT;
}

interface PullHead {
  head: { sha: string; repo?: { full_name?: string } | null };
}

/** Why the PR may not be commented on (its head is not what this run checked), or undefined when it may. */
export async function verifyPullRequest(client: GitHubClient, target: ReportTarget): Promise<string | undefined> {
  if (!target.verify || target.prNumber === undefined) return undefined;
  const res = await client.request<PullHead>('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
    owner: target.owner,
    repo: target.repo,
    pull_number: target.prNumber,
  });
  const head = res.data.head;
  const want = target.verify;
  if (head.sha.toLowerCase() !== want.headSha.toLowerCase()) {
    return `pull request #${target.prNumber} has head ${head.sha.slice(0, 12)}, not ${want.headSha.slice(0, 12)}, the commit this run checked (a PR number from an artifact that names another PR, or a newer push, which its own run reports)`;
  }
  const repo = head.repo?.full_name;
  if (want.headRepo && (!repo || repo.toLowerCase() !== want.headRepo.toLowerCase())) {
    return `pull request #${target.prNumber} comes from ${repo ?? 'a deleted repository'}, not ${want.headRepo}, where the checked run's commit comes from`;
  }
  return undefined;
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

/** Links to code at the commit reported on, when it is known. */
function codeLinks(settings: PublishSettings, target: ReportTarget, sha: string | undefined): { code?: CodeLinks } {
  if (!sha || !/^[0-9a-f]{40}([0-9a-f]{24})?$/i.test(sha)) return {};
  return { code: { serverUrl: settings.serverUrl ?? 'https://github.com', owner: target.owner, repo: target.repo, sha } };
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
        const output = checkOutput(result, {
          title: settings.title,
          fullReport: settings.runUrl,
          omittedAnnotations: set.omitted,
          ...codeLinks(settings, target, headSha),
        });
        const run = await publishCheckRun(client, repo, {
          name: settings.checkName,
          headSha,
          conclusion: CONCLUSION[result.verdict.status],
          output,
          annotations: set.annotations,
          detailsUrl: settings.runUrl,
          externalId: settings.externalId ?? `defect-gate:${randomUUID()}`,
          now: settings.now,
        });
        outcome.checkRun = { id: run.id, url: run.url, annotations: run.annotations, ...(run.problem ? { problem: run.problem } : {}) };
        if (run.recovered)
          logger.info(
            `defect-gate: the check run was created although GitHub answered with an error; found it (id ${run.id}) instead of creating another`,
          );
        if (run.problem) {
          outcome.skipped.push({ what: 'check run annotations', reason: run.problem });
          logger.debug(`defect-gate: check run ${run.id} completed after a failure: ${run.problem}`);
        }
        logger.info(
          `defect-gate: check run "${settings.checkName}" on ${headSha.slice(0, 7)}: ${CONCLUSION[result.verdict.status]}, ${run.annotations} annotation(s)`,
        );
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
        const refused = await verifyPullRequest(client, target);
        if (refused) {
          outcome.refused = `defect-gate: refused to comment: ${refused}. Pass pr-number and head-sha from the same pull request (head-sha: github.event.workflow_run.head_sha); this needs pull-requests: read.`;
          logger.error(outcome.refused);
        } else {
          const author = await resolveCommentAuthor(client, settings.commentAuthor, logger);
          const res = await upsertStickyComment(client, repo, {
            prNumber: target.prNumber,
            scope: settings.checkName,
            mode: settings.comment,
            verdict: result.verdict.status,
            author,
            ...(hasPolicyChanges(result.policyChanges) ? { createOnPass: 'the pull request changes the policy' } : {}),
            body: (previous) =>
              renderComment(result, {
                scope: settings.checkName,
                title: settings.title,
                runUrl: settings.runUrl,
                previous,
                policyPath: settings.policyPath,
                headSha: target.headSha,
                ...codeLinks(settings, target, target.headSha),
              }),
          });
          if (res.action === 'skipped') outcome.notes.push(`no comment: ${res.reason}`);
          else {
            outcome.comment = { id: res.id, action: res.action, url: res.url };
            if (res.ignored > 0)
              logger.info(`defect-gate: left ${res.ignored} comment(s) with this gate's marker alone: not written by ${author}`);
            if (res.recovered)
              logger.info(
                `defect-gate: the comment was created although GitHub answered with an error; found it (id ${res.id}) instead of posting another`,
              );
            if (res.author && !sameLogin(res.author, author)) {
              logger.warning(
                `defect-gate: the comment was written as ${res.author}, but comments by ${author} were looked for; set comment-author: ${res.author} so that the next run updates it`,
              );
            }
            logger.info(`defect-gate: ${res.action} the comment on #${target.prNumber}`);
          }
        }
      } catch (err) {
        fail('PR comment', err);
      }
    }
  }
  outcome.warning = skippedWarning(outcome.skipped);
  return outcome;
}
