import type { RunResult } from '../engine';
import type { VerdictStatus } from '../gate/gate';
import { renderMarkdown } from '../report/markdown';
import { md } from '../report/escape';
import { batches, type CheckAnnotation } from './annotations';
import type { GitHubClient, RepoRef } from './client';
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
}

export function checkTitle(r: RunResult): string {
  const n = r.counts.blocking;
  const g = r.counts.gated;
  const s = (k: number) => (k === 1 ? '' : 's');
  switch (r.verdict.status) {
    case 'fail':
      return n > 0 ? `Failed: ${n} blocking finding${s(n)} (${r.environment})` : `Failed (${r.environment}): ${r.verdict.reasons.length} reason${s(r.verdict.reasons.length)}`;
    case 'warn':
      return `Passed with warnings: ${g} finding${s(g)} (${r.environment})`;
    default:
      return `Passed: ${g} finding${s(g)}, none blocking (${r.environment})`;
  }
}

export function checkOutput(r: RunResult, opts: CheckOutputOptions): CheckOutput {
  // renderMarkdown budgets in UTF-8 bytes (≥ characters) and keeps a margin; trimWithNote guarantees the limit.
  let summary = renderMarkdown(r, { title: opts.title, maxBytes: CHECK_OUTPUT_MAX_CHARS - 1024, fullReport: opts.fullReport });
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
  /** A stable id for the check run (e.g. the gate scope). */
  externalId?: string;
  now: () => Date;
}

export interface CheckRunResult {
  id: number;
  url?: string;
  requests: number;
}

/** Creates the check run in progress, then completes it, sending annotations 50 per request. */
export async function publishCheckRun(client: GitHubClient, repo: RepoRef, req: CheckRunRequest): Promise<CheckRunResult> {
  const created = await client.request<{ id: number; html_url?: string | null }>('POST /repos/{owner}/{repo}/check-runs', {
    ...repo,
    name: req.name,
    head_sha: req.headSha,
    status: 'in_progress',
    started_at: req.now().toISOString(),
    ...(req.detailsUrl ? { details_url: req.detailsUrl } : {}),
    ...(req.externalId ? { external_id: req.externalId } : {}),
  });
  const id = created.data.id;
  const groups = batches(req.annotations, ANNOTATIONS_PER_REQUEST);
  const last = groups.pop() ?? [];
  let requests = 1;
  for (const group of groups) {
    await client.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
      ...repo,
      check_run_id: id,
      output: { ...req.output, annotations: group },
    });
    requests++;
  }
  await client.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
    ...repo,
    check_run_id: id,
    status: 'completed',
    conclusion: req.conclusion,
    completed_at: req.now().toISOString(),
    output: { ...req.output, ...(last.length ? { annotations: last } : {}) },
  });
  requests++;
  return { id, url: created.data.html_url ?? undefined, requests };
}
