import { earlierLine } from '../gate/scope';
import { redactionNote } from '../redact/finding';
import { ownersCell } from '../owners/format';
import type { FixedFinding, RatedFinding } from '../model';
import type { RunResult } from '../engine';
import type { VerdictStatus } from '../gate/gate';
import { locationText, type CodeLinks } from '../report/markdown';
import { code, link, md, safeUrl } from '../text/escape';
import { isNew } from './annotations';
import { renderPolicyChanges } from '../policy/diff';
import type { GitHubClient, RepoRef } from './client';
import { COMMENT_MAX_CHARS } from './limits';
import { createOnce } from './create';

/**
 * The sticky pull-request comment: one per gate scope, found again by a hidden marker and updated in place on every
 * push. Verdict, what the PR introduces and fixes, SLA due soon / breached, blocking findings, how to ask for an
 * exception, and a link to the full job summary; within GitHub's 65,536-character limit. Rendering is pure.
 */

export type CommentMode = 'always' | 'on-failure' | 'never';
export const COMMENT_MODES: readonly CommentMode[] = ['always', 'on-failure', 'never'];

const ICON = { pass: '✅', warn: '⚠️', fail: '❌' } as const;
const WORD = { pass: 'passed', warn: 'passed with warnings', fail: 'failed' } as const;
const PREVIOUS = { warn: 'previously passed with warnings', fail: 'previously failed' } as const;
/** Most rows in one table of the comment; the rest is in the job summary. */
const MAX_ROWS = 25;

/** A scope name safe inside an HTML comment (no `--`, no `>`), and stable. */
export function scopeKey(scope: string): string {
  return (
    scope
      .replace(/[^A-Za-z0-9_.:/@ ()-]/g, '_')
      .replace(/-{2,}/g, '-')
      .trim()
      .slice(0, 200) || 'default'
  );
}

export function stickyMarker(scope: string): string {
  return `<!-- defect-gate:scope=${scopeKey(scope)} -->`;
}

const VERDICT_MARK = /<!-- defect-gate:verdict=(pass|warn|fail) -->/;

/** The verdict recorded in an earlier comment body (undefined when none). */
export function previousVerdict(body: string | undefined | null): VerdictStatus | undefined {
  const m = VERDICT_MARK.exec(body ?? '');
  return m ? (m[1] as VerdictStatus) : undefined;
}

export interface CommentOptions {
  /** The gate scope (one comment per scope), e.g. `defect-gate (pull-request)`. */
  scope: string;
  /** Title, e.g. the `name` input. */
  title: string;
  /** URL of the workflow run (its job summary has the full report). */
  runUrl?: string;
  /** The verdict of the comment being replaced, if any. */
  previous?: VerdictStatus;
  /** Policy file (workspace-relative) where exceptions are recorded; empty for the built-in policy. */
  policyPath?: string;
  /** The commit the verdict is for. */
  headSha?: string;
  /** Maximum length in characters (default: GitHub's 65,536). */
  maxChars?: number;
  /** Link locations to the code at the head commit. */
  code?: CodeLinks;
}

function findingRow(f: RatedFinding, tracked: boolean, links?: CodeLinks): string {
  const tag = tracked && f.status === 'reopened' ? ' <sub>reopened</sub>' : '';
  return `| **${md(f.severity, 40)}** | ${link(f.title || f.ruleId, f.helpUri, 140)}${tag} | ${locationText(f, links)} | ${ownersCell(f.owners)} | ${md(f.tool.name, 60)} |`;
}
const FINDING_HEAD = '| Severity | Finding | Location | Owners | Tool |\n|---|---|---|---|---|';

function fixedRow(f: FixedFinding | string): string {
  if (typeof f === 'string') return `| | ${code(f, 80)} | | | |`;
  // No link: a fixed finding's lines are gone at the head commit.
  const where = f.path ? code(`${f.path}${f.startLine ? `:${f.startLine}` : ''}`, 160) : md(f.location, 120);
  return `| ${md(f.severity, 40)} | ${md(f.title || f.ruleId, 140)} | ${where} | | ${md(f.tool.name, 60)} |`;
}

function slaRow(f: RatedFinding, links?: CodeLinks): string {
  const sla = f.sla!;
  const state = sla.state === 'breached' ? `**overdue ${-sla.daysLeft} d**` : `${sla.daysLeft} d left`;
  return `| **${md(f.severity, 40)}** | ${link(f.title || f.ruleId, f.helpUri, 140)} | ${locationText(f, links)} | ${md(sla.due.slice(0, 10), 20)} | ${state} |`;
}
const SLA_HEAD = '| Severity | Finding | Location | Fix by | |\n|---|---|---|---|---|';

interface Section {
  heading: string;
  head: string;
  rows: string[];
  after?: string;
}

/** Renders a table section with as many rows as fit in `budget` characters (and MAX_ROWS). */
function renderSection(s: Section, budget: number, moreWhere: string): string {
  let text = s.heading;
  let shown = 0;
  for (const row of s.rows) {
    if (shown >= MAX_ROWS || text.length + s.head.length + row.length + 200 > budget) break;
    // The header only with a row under it: an empty table says nothing.
    text += `${shown === 0 ? `\n${s.head}` : ''}\n${row}`;
    shown++;
  }
  if (shown < s.rows.length) text += `\n\n<sub>… ${s.rows.length - shown} more: ${moreWhere}.</sub>`;
  if (s.after) text += `\n\n${s.after}`;
  return text;
}

/** What this PR introduces; undefined without a ledger (`tracked`), when every finding would count as new. */
export function introducedFindings(r: RunResult): RatedFinding[] | undefined {
  // An empty ledger calls every finding new: that is no comparison with the base branch.
  if (!r.tracked || r.baseline === false) return undefined;
  if (r.pullRequest) {
    const set = new Set(r.pullRequest.introduced);
    return r.findings.filter((f) => set.has(f.fingerprint));
  }
  if (r.findings.some((f) => f.status !== undefined)) return r.findings.filter((f) => f.gated && isNew(f));
  return undefined;
}

export function fixedFindings(r: RunResult): (FixedFinding | string)[] | undefined {
  if (!r.tracked || !r.pullRequest) return undefined;
  const byFp = new Map(r.fixed.map((f) => [f.fingerprint, f]));
  return r.pullRequest.fixed.map((fp) => byFp.get(fp) ?? fp);
}

export function renderComment(r: RunResult, opts: CommentOptions): string {
  const max = opts.maxChars ?? COMMENT_MAX_CHARS;
  const v = r.verdict;
  const runUrl = safeUrl(opts.runUrl);
  const moreWhere = runUrl ? `see the [full report](${runUrl})` : 'see the job summary';
  const head: string[] = [stickyMarker(opts.scope), `<!-- defect-gate:verdict=${v.status} -->`];
  head.push(`### ${ICON[v.status]} ${md(opts.title, 80)}: ${WORD[v.status]} (${md(r.environment, 60)})`);
  if (v.status === 'pass' && opts.previous && opts.previous !== 'pass') {
    head.push(`**✅ Passes now; ${PREVIOUS[opts.previous]}.**`);
  }
  if (v.reasons.length)
    head.push(
      v.reasons
        .slice(0, 10)
        .map((x) => `- ${md(x, 300)}`)
        .join('\n'),
    );
  const sev = r.levels
    .filter((l) => (r.counts.bySeverity[l] ?? 0) > 0)
    .map((l) => `${md(l, 40)} ${r.counts.bySeverity[l]}`)
    .join(' · ');
  head.push(
    `**${r.counts.gated}** finding${r.counts.gated === 1 ? '' : 's'} gated, **${r.counts.blocking}** blocking${sev ? ` (${sev})` : ''}.`,
  );
  const redacted = redactionNote(r.findings);
  if (redacted) head.push(`<sub>${redacted}</sub>`);

  if (r.tracked && r.baseline === false) {
    head.push(
      '<sub>No baseline yet: the ledger has no run of the default branch recorded, so this comment cannot tell which findings this pull request introduces. It will once a run on the default branch (or a schedule) has written the ledger.</sub>',
    );
  }
  // Policy changes made by this pull request: shown, not applied (the base branch's policy gates it).
  const policyChanges = renderPolicyChanges(r.policyChanges, { heading: '####', maxRows: 20 });
  if (policyChanges) head.push(policyChanges);
  const sections: Section[] = [];
  const introduced = introducedFindings(r);
  if (introduced) {
    sections.push({
      heading: `#### Introduced by this PR (${introduced.length})`,
      head: FINDING_HEAD,
      rows: introduced.map((f) => findingRow(f, true, opts.code)),
      ...(introduced.length === 0 ? { after: 'None: this pull request adds no findings.' } : {}),
    });
  }
  const fixed = fixedFindings(r);
  if (fixed && fixed.length > 0) {
    sections.push({ heading: `#### Fixed by this PR (${fixed.length})`, head: FINDING_HEAD, rows: fixed.map(fixedRow) });
  }
  const sla = r.findings.filter((f) => f.gated && f.sla && f.sla.state !== 'within');
  if (sla.length > 0) {
    const breached = sla.filter((f) => f.sla!.state === 'breached').length;
    sla.sort((a, b) => a.sla!.daysLeft - b.sla!.daysLeft);
    sections.push({
      heading: `#### SLA: ${breached} breached, ${sla.length - breached} due soon`,
      head: SLA_HEAD,
      rows: sla.map((f) => slaRow(f, opts.code)),
    });
  }
  const introducedSet = new Set(introduced?.map((f) => f.fingerprint));
  const blocking = r.findings.filter((f) => r.blocking.has(f.fingerprint) && !introducedSet.has(f.fingerprint));
  if (blocking.length > 0) {
    sections.push({
      heading: `#### ${introduced ? 'Other blocking findings' : 'Blocking findings'} (${blocking.length})`,
      head: FINDING_HEAD,
      rows: blocking.map((f) => findingRow(f, r.tracked === true && r.baseline !== false, opts.code)),
    });
  }

  // gate-scope: ledger: open findings of tools not in this run (a nightly DAST, a pentest), as the ledger last saw them.
  const earlier = earlierLine(r.fromLedger, r.blocking, new Date(r.generatedAt));
  if (earlier) {
    const shown = [
      ...r.fromLedger.filter((f) => r.blocking.has(f.fingerprint)),
      ...r.fromLedger.filter((f) => !r.blocking.has(f.fingerprint) && f.gated),
    ];
    sections.push({
      heading: `#### ${md(earlier, 300)}`,
      head: `${FINDING_HEAD.split('\n')[0]} Last seen |\n${FINDING_HEAD.split('\n')[1]}---|`,
      rows: shown.map((f) => `${findingRow(f, false, opts.code)} ${f.lastSeen.slice(0, 10)} |`),
    });
  }

  const tail: string[] = [];
  if (v.status !== 'pass') {
    const where = opts.policyPath ? `the policy file ${code(opts.policyPath, 200)}` : 'your policy file';
    tail.push(
      `<details><summary>How to request an exception</summary>\n\nIf a finding is a false positive, mitigated, or an accepted risk, ` +
        `record an exception in ${where} (a reason, who approved it, and an expiry date) and have it reviewed like any ` +
        `other change; your security team owns that file. Fixing the finding is always the preferred way to pass.\n\n</details>`,
    );
  }
  const sha = opts.headSha && /^[0-9a-f]{7,64}$/i.test(opts.headSha) ? ` for ${code(opts.headSha.slice(0, 7))}` : '';
  tail.push(
    `<sub>${runUrl ? `[Full report (job summary)](${runUrl})` : 'Full report: the job summary of this run'} · defect-gate${sha}</sub>`,
  );

  const headText = head.join('\n\n');
  const tailText = tail.join('\n\n');
  let body = headText;
  let remaining = max - headText.length - tailText.length - 8;
  for (const s of sections) {
    if (remaining < 400) {
      body += `\n\n<sub>${md(s.heading.replace(/^#+ /, ''), 200)}: ${moreWhere}.</sub>`;
      remaining -= 300;
      continue;
    }
    const text = renderSection(s, Math.min(remaining, Math.floor(max / 2)), moreWhere);
    body += `\n\n${text}`;
    remaining -= text.length + 2;
  }
  body += `\n\n${tailText}\n`;
  return body.length <= max ? body : `${body.slice(0, max - tailText.length - 20)}\n\n…\n\n${tailText}\n`.slice(0, max);
}

export interface CommentRequest {
  prNumber: number;
  scope: string;
  mode: CommentMode;
  verdict: VerdictStatus;
  /**
   * The login the Action writes as (`github-actions[bot]` for GITHUB_TOKEN, `<app>[bot]` for an App, the user of a
   * personal token): only a marker comment by this author is the sticky comment. Anyone can write the marker.
   */
  author: string;
  /** Renders the body, given the verdict recorded in the existing comment (if any). */
  body: (previous: VerdictStatus | undefined) => string;
  /**
   * Why the comment is worth creating although the gate passed (e.g. "the PR changes the policy"): `on-failure` then
   * creates it too, so the reviewers of a policy change see what takes effect after merge.
   */
  createOnPass?: string;
}

export type CommentResult =
  | { action: 'created' | 'updated'; id: number; url?: string; author?: string; recovered?: boolean; ignored: number }
  | { action: 'skipped'; reason: string };

interface IssueComment {
  id: number;
  body?: string | null;
  html_url?: string;
  user?: { login?: string } | null;
}

/** Logins compare case-insensitively on GitHub. */
export function sameLogin(a: string | undefined | null, b: string | undefined | null): boolean {
  return !!a && !!b && a.toLowerCase() === b.toLowerCase();
}

/** Whether a comment is the sticky comment of `scope` written by `author`: the marker at the very start, and the author. */
export function isStickyComment(c: IssueComment, marker: string, author: string): boolean {
  return (c.body ?? '').startsWith(marker) && sameLogin(c.user?.login, author);
}

export interface StickySearch {
  found?: IssueComment;
  /** Comments that start with the marker but were written by someone else (left alone). */
  ignored: number;
}

/** Finds the sticky comment by its marker and author, listing every page of the PR's comments. */
export async function findStickyComment(
  client: GitHubClient,
  repo: RepoRef,
  prNumber: number,
  scope: string,
  author: string,
): Promise<StickySearch> {
  const marker = stickyMarker(scope);
  const perPage = 100;
  let ignored = 0;
  for (let page = 1; page <= 100; page++) {
    const res = await client.request<IssueComment[]>('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      ...repo,
      issue_number: prNumber,
      per_page: perPage,
      page,
    });
    for (const c of res.data) {
      if (isStickyComment(c, marker, author)) return { found: c, ignored };
      if ((c.body ?? '').startsWith(marker)) ignored++;
    }
    if (res.data.length < perPage) return { ignored };
  }
  return { ignored };
}

/**
 * Creates or updates the sticky comment. `on-failure` creates one only when the gate fails or warns (or `createOnPass`
 * gives a reason, such as a change of the policy), but always updates an existing one (so a fixed PR says it passes now); `always` creates or updates; `never` does nothing.
 * A create that fails with a 5xx is looked up (marker and author) before it is sent again.
 */
export async function upsertStickyComment(client: GitHubClient, repo: RepoRef, req: CommentRequest): Promise<CommentResult> {
  if (req.mode === 'never') return { action: 'skipped', reason: 'comment: never' };
  const search = await findStickyComment(client, repo, req.prNumber, req.scope, req.author);
  const existing = search.found;
  if (existing) {
    const res = await client.request<IssueComment>('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
      ...repo,
      comment_id: existing.id,
      body: req.body(previousVerdict(existing.body)),
    });
    return {
      action: 'updated',
      id: existing.id,
      url: res.data.html_url,
      author: res.data.user?.login ?? undefined,
      ignored: search.ignored,
    };
  }
  if (req.mode === 'on-failure' && req.verdict === 'pass' && !req.createOnPass)
    return { action: 'skipped', reason: 'the gate passed (comment: on-failure)' };
  const body = req.body(undefined);
  const created = await createOnce(
    async () =>
      (
        await client.request<IssueComment>('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
          ...repo,
          issue_number: req.prNumber,
          body,
          request: { idempotent: false },
        })
      ).data,
    async () => (await findStickyComment(client, repo, req.prNumber, req.scope, req.author)).found,
  );
  const c = created.value;
  return {
    action: 'created',
    id: c.id,
    url: c.html_url,
    author: c.user?.login ?? undefined,
    ignored: search.ignored,
    ...(created.recovered ? { recovered: true } : {}),
  };
}
