import { redactionNote } from '../redact/finding';
import { ownersCell } from '../owners/format';
import type { RatedFinding } from '../model';
import { formatInputError } from '../model';
import type { RunResult } from '../engine';
import { explainLine } from '../rate/rate';
import { code, link, md, safeUrl } from '../text/escape';
import { approvalText, summarizeExceptions } from '../exceptions/apply';
import { renderPolicyChanges } from '../policy/diff';
import { renderMetricsSection } from '../metrics/summary';
import { daysAgo, earlierLine } from '../gate/scope';
import { activityLabel } from '../gate/activity';
import { daysSince } from '../ledger/time';

/**
 * The job summary (and the base of the PR comment): verdict banner, counts by severity × tool, blocking findings with
 * location and rating explanation, gate rules, input problems, then the other findings — within a size budget.
 */

export const JOB_SUMMARY_LIMIT = 1024 * 1024;

const ICON = { pass: '✅', warn: '⚠️', fail: '❌' } as const;
const WORD = { pass: 'passed', warn: 'passed with warnings', fail: 'failed' } as const;

export interface MarkdownOptions {
  /** Maximum size in bytes (UTF-8). Default: GitHub's 1 MiB job summary limit, with a margin. */
  maxBytes?: number;
  /** Title prefix, e.g. the gate name. */
  title?: string;
  /** Where to see the complete report (e.g. the JSON report path), mentioned when tables are cut. */
  fullReport?: string;
  /** Link locations to the code at this commit. */
  code?: CodeLinks;
}

function bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Where the code is on GitHub: locations link to it at this commit. */
export interface CodeLinks {
  /** `GITHUB_SERVER_URL` (https://github.com, or a GHES host). */
  serverUrl: string;
  owner: string;
  repo: string;
  /** The commit reported on (the PR head). */
  sha: string;
}

function encodeSegment(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The address of a repository file's lines at the commit: `<server>/<owner>/<repo>/blob/<sha>/<path>#L22-L24`, each
 * path segment percent-encoded. Undefined for paths that are not plain repository-relative paths.
 */
export function codeUrl(links: CodeLinks, path: string, startLine?: number, endLine?: number): string | undefined {
  const segments = path.replace(/^\.\//, '').split('/');
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.includes('\\') || segments.some((x) => x === '' || x === '.' || x === '..'))
    return undefined;
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/i.test(links.sha)) return undefined;
  const server = links.serverUrl.replace(/\/+$/, '');
  const lines = startLine && startLine > 0 ? `#L${startLine}${endLine && endLine > startLine ? `-L${endLine}` : ''}` : '';
  const url = `${server}/${encodeSegment(links.owner)}/${encodeSegment(links.repo)}/blob/${links.sha}/${segments.map(encodeSegment).join('/')}${lines}`;
  return safeUrl(url);
}

export function locationText(f: Pick<RatedFinding, 'path' | 'startLine' | 'endLine' | 'location' | 'package'>, links?: CodeLinks): string {
  if (f.path) {
    const text = code(`${f.path}${f.startLine ? `:${f.startLine}` : ''}`, 160);
    const url = links ? codeUrl(links, f.path, f.startLine, f.endLine) : undefined;
    return url ? `[${text}](${url})` : text;
  }
  if (f.location) return md(f.location, 120);
  if (f.package) return code(`${f.package.name}${f.package.version ? `@${f.package.version}` : ''}`, 120);
  return '';
}

/** Status and SLA of a finding in words, e.g. `new · due 2026-12-01 (5 days left)`. Empty when unknown. */
export function trackingText(f: RatedFinding, now: number, tracked: boolean): string {
  const parts: string[] = [];
  if (tracked && f.status) {
    const age = f.firstSeen ? daysSince(f.firstSeen, now) : undefined;
    const label = f.status === 'new' ? '🆕 new' : f.status === 'reopened' ? '🔁 reopened' : 'existing';
    parts.push(
      f.status === 'new' || age === undefined
        ? label
        : `${label}, first seen ${f.firstSeen?.slice(0, 10)} (${age} day${age === 1 ? '' : 's'} ago)`,
    );
  }
  if (f.sla) {
    const due = f.sla.due.slice(0, 10);
    const d = f.sla.daysLeft;
    if (f.sla.state === 'breached') parts.push(`⏰ **${-d} day${d === -1 ? '' : 's'} overdue** (due ${due})`);
    else if (f.sla.state === 'due-soon') parts.push(`⌛ due ${due} (${d} day${d === 1 ? '' : 's'} left)`);
    else parts.push(`due ${due} (${d} days left)`);
  }
  return parts.join(' · ');
}

function findingRow(f: RatedFinding, now: number, tracked: boolean, links?: CodeLinks): string {
  const ids = f.cve.length
    ? ` (${f.cve
        .slice(0, 2)
        .map((c) => md(c))
        .join(', ')})`
    : '';
  const comp = f.component ? `<br>component ${md(f.component, 60)}${f.componentOwner ? ` (${md(f.componentOwner, 60)})` : ''}` : '';
  const what = `${link(f.title || f.ruleId, f.helpUri, 140)}${ids}<br>${code(f.ruleId, 80)}${comp}`;
  const ex = f.exception;
  const exText = ex
    ? `<br>${ex.state === 'active' || ex.state === 'expiring' ? '🛡️' : '⚠️'} exception ${code(ex.id, 60)} (${md(ex.type)}${ex.state === 'active' ? '' : `, ${md(ex.state)}`}${ex.problem ? `: ${md(ex.problem, 160)}` : ''})`
    : '';
  const track = trackingText(f, now, tracked) + exText;
  return `| **${md(f.severity)}** | ${what} | ${locationText(f, links)} | ${ownersCell(f.owners)} | ${md(f.tool.name, 60)} | ${md(explainLine(f), 240)}${f.gated || (ex && (ex.state === 'active' || ex.state === 'expiring')) ? '' : `<br><i>not gated: ${md(f.notGatedReason, 160)}</i>`}${track ? `<br>${track}` : ''} |`;
}

const FINDING_HEAD = '| Severity | Finding | Location | Owners | Tool | Why this rating · status · SLA |\n|---|---|---|---|---|---|';

/** Adds rows while they fit in the budget; returns the table and how many were left out. */
function table<T>(head: string, rows: readonly T[], budget: number, render?: (row: T) => string): { text: string; omitted: number } {
  // Rows are rendered one at a time and only while they fit: 100,000 findings never become 100,000 strings.
  const parts = [head];
  let used = bytes(head);
  let i = 0;
  for (; i < rows.length; i++) {
    const row = render ? render(rows[i] as T) : String(rows[i]);
    const b = bytes(row) + 1;
    if (used + b > budget) break;
    parts.push(row);
    used += b;
  }
  // A header without rows says nothing: only the note on what was left out follows.
  return { text: i === 0 ? '' : parts.join('\n'), omitted: rows.length - i };
}

export function renderMarkdown(r: RunResult, opts: MarkdownOptions = {}): string {
  const max = (opts.maxBytes ?? JOB_SUMMARY_LIMIT) - 2048;
  const now = Date.parse(r.generatedAt);
  const v = r.verdict;
  const title = opts.title ?? 'defect-gate';
  const parts: string[] = [];
  parts.push(`## ${ICON[v.status]} ${md(title, 80)}: ${WORD[v.status]} (${md(r.environment, 60)})`);
  const headline =
    v.status === 'pass'
      ? `${r.counts.gated} finding${r.counts.gated === 1 ? '' : 's'} checked against the \`${md(r.environment)}\` gate; no rule exceeded.`
      : v.reasons.map((x) => `- ${md(x, 300)}`).join('\n');
  parts.push(headline);

  // Counts by severity × tool.
  const tools = Object.keys(r.counts.byTool).sort();
  if (r.counts.gated > 0) {
    const head = `| Severity | ${tools.map((t) => md(t, 40)).join(' | ')} | Total |\n|---|${tools.map(() => '---:|').join('')}---:|`;
    const rows = r.levels.map(
      (l) => `| ${md(l)} | ${tools.map((t) => String(r.counts.byTool[t]?.[l] ?? 0)).join(' | ')} | **${r.counts.bySeverity[l] ?? 0}** |`,
    );
    parts.push(`${head}\n${rows.join('\n')}`);
  }
  const c = r.counts;
  if (r.tracked || c.slaBreached > 0 || c.slaDueSoon > 0) {
    const t: string[] = [];
    if (r.tracked) t.push(`🆕 ${c.new} new`, `🔁 ${c.reopened} reopened`, `✅ ${c.fixed} fixed`);
    t.push(`⏰ ${c.slaBreached} past SLA`, `⌛ ${c.slaDueSoon} due soon`);
    parts.push(`**Tracking:** ${t.join(' · ')}`);
  }
  const notes: string[] = [];
  if (r.counts.notGated > 0) notes.push(`${r.counts.notGated} more reported but not gated (suppressed by the scanner or not a failure)`);
  if (r.tools.length > 0) notes.push(`tools: ${r.tools.map((t) => md(`${t.name}${t.version ? ` ${t.version}` : ''}`, 60)).join(', ')}`);
  const redacted = redactionNote(r.findings);
  if (redacted) notes.push(redacted);
  if (notes.length) parts.push(`<sub>${notes.join(' · ')}</sub>`);

  // Gate rules.
  const ruleRows = v.rules.map(
    (g) =>
      `| ${g.exceeded ? (g.action === 'fail' ? '❌' : '⚠️') : '✅'} | ${md(g.name, 120)} | ${md(g.conditions, 200)} | ${g.count} | ${g.max} | ${g.action} |`,
  );
  parts.push(
    `### Gate \`${md(r.environment)}\`\n| | Rule | Counts | Found | Max | Action |\n|---|---|---|---:|---:|---|\n${ruleRows.join('\n') || '| | (no rules) | | | | |'}`,
  );

  // Scan coverage (policy `coverage:`): every required activity, failing ones first.
  if (v.coverage?.length) {
    const rows = [...v.coverage]
      .sort((a, b) => Number(a.ok) - Number(b.ok) || a.activity.localeCompare(b.activity))
      .map(
        (c) =>
          `| ${c.ok ? '✅' : '❌'} | ${md(activityLabel(c.activity), 60)} | ${c.lastReported ? `${c.lastReported.slice(0, 10)} (${daysAgo(c.lastReported, new Date(now))})` : 'never'} | ${md(c.tools.join(', ') || '—', 120)} | ${md(c.max, 20)} |`,
      );
    parts.push(`### Scan coverage\n| | Activity | Last reported | By | Max age |\n|---|---|---|---|---|\n${rows.join('\n')}`);
  }

  // Input problems: always shown in full (they explain a fail-closed verdict).
  if (r.errors.length > 0) {
    const lines = r.errors.slice(0, 50).map((e) => `- ${md(formatInputError(e), 400)}`);
    if (r.errors.length > 50) lines.push(`- … and ${r.errors.length - 50} more`);
    parts.push(`### Input problems (${r.errors.length})\n${lines.join('\n')}`);
  }

  // Policy changes made by a pull request (gated by the base branch's policy): they take effect after merge.
  const policyChanges = renderPolicyChanges(r.policyChanges);
  if (policyChanges) parts.push(policyChanges);

  let used = bytes(parts.join('\n\n'));
  const cutNote = (n: number) =>
    `\n\n<sub>… ${n} more not shown (size limit)${opts.fullReport ? `; see ${md(opts.fullReport, 200)}` : ''}.</sub>`;

  // In report order the findings that block come first (no lookup of a million fingerprints); else one pass.
  let blocking: RatedFinding[] = [];
  let others: RatedFinding[] = [];
  if (r.blockingFirst !== undefined) {
    blocking = r.findings.slice(0, r.blockingFirst);
    others = r.findings.slice(r.blockingFirst);
  } else for (const f of r.findings) (r.blocking.has(f.fingerprint) ? blocking : others).push(f);
  if (blocking.length > 0) {
    const t = table(FINDING_HEAD, blocking, Math.max(0, max - used - 400), (f) => findingRow(f, now, r.tracked, opts.code));
    const s = `### Blocking findings (${blocking.length})\n${t.text}${t.omitted ? cutNote(t.omitted) : ''}`;
    parts.push(s);
    used += bytes(s) + 2;
  }
  if (others.length > 0) {
    const t = table(FINDING_HEAD, others, Math.max(0, max - used - 800), (f) => findingRow(f, now, r.tracked, opts.code));
    const s = `<details><summary>Other findings (${others.length})</summary>\n\n${t.text}${t.omitted ? cutNote(t.omitted) : ''}\n\n</details>`;
    parts.push(s);
    used += bytes(s) + 2;
  }
  // gate-scope: ledger: the ledger's open findings of tools not in this run, as last seen, apart from this run's.
  const earlier = earlierLine(r.fromLedger, r.blocking, new Date(now));
  if (earlier) {
    const t = table(
      `${FINDING_HEAD.split('\n')[0]} Last seen |\n${FINDING_HEAD.split('\n')[1]}---|`,
      r.fromLedger,
      Math.max(0, max - used - 600),
      (f) => `${findingRow(f, now, r.tracked, opts.code)} ${f.lastSeen.slice(0, 10)} |`,
    );
    const hasBlocking = r.fromLedger.some((f) => r.blocking.has(f.fingerprint));
    const s = `<details${hasBlocking ? ' open' : ''}><summary>${md(earlier, 400)}</summary>\n\n${t.text}${t.omitted ? cutNote(t.omitted) : ''}\n\n</details>`;
    parts.push(s);
    used += bytes(s) + 2;
  }
  if (r.exceptions.length > 0) {
    const sum = summarizeExceptions(r.exceptions);
    const order = { expired: 0, unverified: 1, pending: 2, expiring: 3, stale: 4, active: 5 } as const;
    const list = [...r.exceptions].sort((a, b) => order[a.state] - order[b.state] || a.id.localeCompare(b.id));
    const icon = {
      expired: '⛔ expired',
      unverified: '🔒 unverified',
      pending: '⏳ not active yet',
      expiring: '⌛ expiring',
      stale: '💤 stale',
      active: '✅ active',
    } as const;
    const rows = list.map(
      (e) =>
        `| ${icon[e.state]} | ${code(e.id, 60)} | ${md(e.type)} | ${e.applied}/${e.matched}${e.notAllowed ? ` (${e.notAllowed} not allowed)` : ''} | ${md(e.approval ? approvalText(e.approval) : e.unverified ? `${e.approvedBy ?? '—'}: not verified, ${e.unverified}` : (e.approvedBy ?? '—'), 240)} | ${e.expires ?? '—'}${e.daysLeft !== undefined && e.state !== 'expired' ? ` (${e.daysLeft} d)` : ''} | ${link(e.ticket ?? '', e.ticket, 60)} |`,
    );
    const head = `| State | Exception | Type | Applied/matched | Approved by | Expires | Ticket |\n|---|---|---|---:|---|---|---|`;
    const t = table(head, rows, Math.max(0, max - used - 600));
    const counts = `${sum.byState.active} active · ${sum.byState.expiring} expiring soon · ${sum.byState.expired} expired · ${sum.byState.pending ? `${sum.byState.pending} not active yet (approved-on after today) · ` : ''}${sum.byState.stale} stale (matched nothing) — by type: ${Object.entries(
      sum.byType,
    )
      .map(([k, v]) => `${md(k)} ${v}`)
      .join(', ')} — by approver: ${Object.entries(sum.byApprover)
      .map(([k, v]) => `${md(k, 60)} ${v}`)
      .join(', ')}`;
    const open = sum.byState.expired > 0 || sum.byState.expiring > 0 || (sum.byState.unverified ?? 0) > 0 ? ' open' : '';
    const sec = `<details${open}><summary>Exceptions (${r.exceptions.length}): ${sum.byState.expired} expired, ${sum.byState.expiring} expiring soon${sum.byState.unverified ? `, ${sum.byState.unverified} unverified` : ''}</summary>\n\n${counts}\n\n${t.text}${t.omitted ? cutNote(t.omitted) : ''}\n\n</details>`;
    parts.push(sec);
    used += bytes(sec) + 2;
  }
  if (r.fixed.length > 0) {
    const rows = r.fixed.map(
      (f) =>
        `| ${md(f.severity)} | ${md(f.title || f.ruleId, 140)}<br>${code(f.ruleId, 80)} | ${f.path ? locationText(f, opts.code) : md(f.location, 120)} | ${md(f.tool.name, 60)} | ${f.firstSeen.slice(0, 10)} |`,
    );
    const t = table('| Severity | Finding | Location | Tool | First seen |\n|---|---|---|---|---|', rows, Math.max(0, max - used - 400));
    parts.push(
      `<details><summary>Fixed in this run (${r.fixed.length})</summary>\n\n${t.text}${t.omitted ? cutNote(t.omitted) : ''}\n\n</details>`,
    );
  }
  parts.push(...renderMetricsSection(r, max - bytes(parts.join('\n\n')) - 200));
  return `${parts.join('\n\n')}\n`;
}
