import type { RunResult } from '../engine';
import type { VerdictStatus } from '../gate/gate';
import { renderMarkdown, type CodeLinks } from '../report/markdown';
import { md } from '../text/escape';
import { batches, type CheckAnnotation } from './annotations';
import { describeError, type GitHubClient, type RepoRef } from './client';
import { createOnce } from './create';
import { ANNOTATIONS_PER_REQUEST, CHECK_OUTPUT_MAX_CHARS, trimWithNote } from './limits';

/**
 * The check run: created `in_progress`, then completed with the verdict's conclusion, a title, the summary (the job
 * summary's markdown, trimmed to the API's limit) and annotations in batches of 50 (each update appends).
 */

export type CheckConclusion = 'success' | 'failure' | 'neutral';

export const CONCLUSION: Record<VerdictStatus, CheckConclusion> = { pass: 'success', warn: 'neutral', fail: 'failure' };

export interface CheckOutput {
  title: string;
  summary: string;
}

export interface CheckOutputOptions {
  /** Title of the summary (the `name` input). */
  title: string;
  /** Where the complete report is (the run's job summary URL, or the JSON report path). */
  fullReport?: string;
  /** Annotations left out because of `max-annotations`. */
  omittedAnnotations?: number;
  /** Link locations to the code at the head commit. */
  code?: CodeLinks;
}

export function checkTitle(r: RunResult): string {
  const n = r.counts.blocking;
  const g = r.counts.gated;
  const s = (k: number) => (k === 1 ? '' : 's');
  switch (r.verdict.status) {
    case 'fail':
      return n > 0
        ? `Failed: ${n} blocking finding${s(n)} (${r.environment})`
        : `Failed (${r.environment}): ${r.verdict.reasons.length} reason${s(r.verdict.reasons.length)}`;
    case 'warn':
      return `Passed with warnings: ${g} finding${s(g)} (${r.environment})`;
    default:
      return `Passed: ${g} finding${s(g)}, none blocking (${r.environment})`;
  }
}

export function checkOutput(r: RunResult, opts: CheckOutputOptions): CheckOutput {
  // renderMarkdown budgets in UTF-8 bytes (≥ characters) and keeps a margin; trimWithNote guarantees the limit.
  let summary = renderMarkdown(r, {
    title: opts.title,
    maxBytes: CHECK_OUTPUT_MAX_CHARS - 1024,
    fullReport: opts.fullReport,
    ...(opts.code ? { code: opts.code } : {}),
  });
  if (opts.omittedAnnotations) {
    summary += `\n<sub>${opts.omittedAnnotations} more finding(s) not annotated (max-annotations).</sub>\n`;
  }
  const note = `<sub>… cut to GitHub's check run limit of ${CHECK_OUTPUT_MAX_CHARS} characters${opts.fullReport ? `; the full report: ${md(opts.fullReport, 300)}` : ''}.</sub>`;
  return { title: checkTitle(r), summary: trimWithNote(summary, CHECK_OUTPUT_MAX_CHARS, note) };
}

export interface CheckRunRequest {
  name: string;
  headSha: string;
  conclusion: CheckConclusion;
  output: CheckOutput;
  annotations: CheckAnnotation[];
  /** Link from the check run to the workflow run. */
  detailsUrl?: string;
  /** An id unique to this run's check run: found again by it after a create that failed with a 5xx. */
  externalId: string;
  now: () => Date;
}

export interface CheckRunResult {
  id: number;
  url?: string;
  requests: number;
  /** Annotations sent (all of them unless `problem`). */
  annotations: number;
  /** What went wrong after the check run was created (it was completed anyway, saying so). */
  problem?: string;
  /** True when the create failed with a 5xx and the check run was found to exist. */
  recovered?: boolean;
}

interface CheckRunRecord {
  id: number;
  html_url?: string | null;
  external_id?: string | null;
}

/** Finds this run's check run (by name, head sha and external id) after an ambiguous create. */
export async function findCheckRun(
  client: GitHubClient,
  repo: RepoRef,
  req: Pick<CheckRunRequest, 'name' | 'headSha' | 'externalId'>,
): Promise<CheckRunRecord | undefined> {
  for (let page = 1; page <= 10; page++) {
    const res = await client.request<{ total_count: number; check_runs: CheckRunRecord[] }>(
      'GET /repos/{owner}/{repo}/commits/{ref}/check-runs',
      {
        ...repo,
        ref: req.headSha,
        check_name: req.name,
        filter: 'all',
        per_page: 100,
        page,
      },
    );
    const found = res.data.check_runs.find((c) => c.external_id === req.externalId);
    if (found) return found;
    if (res.data.check_runs.length < 100) return undefined;
  }
  return undefined;
}

/** The summary of a check run completed after a failure: what went wrong first, then the report. */
export function withProblem(output: CheckOutput, problem: string): CheckOutput {
  const line = `> [!WARNING]\n> defect-gate could not finish this check run: ${md(problem, 400)}. The verdict stands; the job summary has the full report.\n\n`;
  return {
    title: output.title,
    summary: trimWithNote(line + output.summary, CHECK_OUTPUT_MAX_CHARS, "<sub>… cut to GitHub's check run limit.</sub>"),
  };
}

/**
 * Creates the check run in progress, then completes it, sending annotations 50 per request. A create that fails with
 * a 5xx is looked up before it is sent again. Once created, the check run is always completed: when an update fails,
 * one last update completes it with the verdict's conclusion and a line saying what went wrong.
 */
export async function publishCheckRun(client: GitHubClient, repo: RepoRef, req: CheckRunRequest): Promise<CheckRunResult> {
  let requests = 0;
  const created = await createOnce(
    async () => {
      requests++;
      const res = await client.request<CheckRunRecord>('POST /repos/{owner}/{repo}/check-runs', {
        ...repo,
        name: req.name,
        head_sha: req.headSha,
        status: 'in_progress',
        started_at: req.now().toISOString(),
        external_id: req.externalId,
        ...(req.detailsUrl ? { details_url: req.detailsUrl } : {}),
        request: { idempotent: false },
      });
      return res.data;
    },
    () => findCheckRun(client, repo, req),
  );
  const id = created.value.id;
  const groups = batches(req.annotations, ANNOTATIONS_PER_REQUEST);
  const last = groups.pop() ?? [];
  let sent = 0;
  try {
    for (const group of groups) {
      requests++;
      await client.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
        ...repo,
        check_run_id: id,
        output: { ...req.output, annotations: group },
      });
      sent += group.length;
    }
    requests++;
    await client.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
      ...repo,
      check_run_id: id,
      status: 'completed',
      conclusion: req.conclusion,
      completed_at: req.now().toISOString(),
      output: { ...req.output, ...(last.length ? { annotations: last } : {}) },
    });
    sent += last.length;
  } catch (err) {
    const problem = `${describeError(err)} (${sent} of ${req.annotations.length} annotations sent)`;
    requests++;
    // Never leave it in progress. When this fails too, the caller reports the first error.
    await client
      .request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
        ...repo,
        check_run_id: id,
        status: 'completed',
        conclusion: req.conclusion,
        completed_at: req.now().toISOString(),
        output: withProblem(req.output, problem),
      })
      .catch(() => {
        throw err;
      });
    return {
      id,
      url: created.value.html_url ?? undefined,
      requests,
      annotations: sent,
      problem,
      ...(created.recovered ? { recovered: true } : {}),
    };
  }
  return { id, url: created.value.html_url ?? undefined, requests, annotations: sent, ...(created.recovered ? { recovered: true } : {}) };
}
