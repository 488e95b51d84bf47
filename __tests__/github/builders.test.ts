import { describe, expect, it } from '@jest/globals';
import { annotationFor, batches, buildAnnotations, resolveWarningRank } from '../../src/github/annotations';
import { checkOutput, checkTitle, CONCLUSION } from '../../src/github/check-run';
import { previousVerdict, renderComment, stickyMarker } from '../../src/github/comment';
import {
  ANNOTATION_MESSAGE_MAX_BYTES,
  CHECK_OUTPUT_MAX_CHARS,
  COMMENT_MAX_CHARS,
  trimWithNote,
  truncateBytes,
} from '../../src/github/limits';
import { resolveTarget } from '../../src/github/target';
import { manyFindings, rated, runResult } from './fixtures';

const RUN_URL = 'https://github.com/acme/app/actions/runs/42';

describe('check-run annotations', () => {
  it('uses failure for blocking, warning at or above the level, notice below; skips not-gated and non-file findings', () => {
    const blocking = rated({ fingerprint: 'b', severity: 'high' });
    const medium = rated({ fingerprint: 'm', severity: 'medium' });
    const low = rated({ fingerprint: 'l', severity: 'low' });
    const suppressed = rated({ fingerprint: 's', severity: 'critical', gated: false, notGatedReason: 'suppressed' });
    const outside = rated({ fingerprint: 'o', path: undefined, location: '/usr/lib/x.so' });
    const r = runResult([blocking, medium, low, suppressed, outside], { blocking: ['b'] });
    const { annotations, omitted } = buildAnnotations(r, { max: 50, warningRank: 2 });
    expect(annotations.map((a) => [a.path, a.annotation_level])).toEqual([
      ['src/app.js', 'failure'],
      ['src/app.js', 'warning'],
      ['src/app.js', 'notice'],
    ]);
    expect(omitted).toBe(0);
    expect(annotations.some((a) => a.path.includes('/usr/lib'))).toBe(false);
  });

  it('puts new and reopened findings first, then blocking, then by severity; caps at max', () => {
    const old = rated({ fingerprint: 'old', severity: 'critical', status: 'existing' });
    const fresh = rated({ fingerprint: 'new', severity: 'low', status: 'new' });
    const back = rated({ fingerprint: 'back', severity: 'medium', status: 'reopened' });
    const r = runResult([old, fresh, back], { blocking: ['old'] });
    const { annotations, omitted } = buildAnnotations(r, { max: 2, warningRank: 2 });
    expect(annotations.map((a) => a.title)).toEqual(['medium (reopened): SQL injection', 'low (new): SQL injection']);
    expect(omitted).toBe(1);
    expect(buildAnnotations(r, { max: 0, warningRank: 2 }).annotations).toEqual([]);
  });

  it('ignores statuses without a ledger (every finding is "new" then)', () => {
    const a = rated({ fingerprint: 'a', severity: 'critical', status: 'new' });
    const b = rated({ fingerprint: 'b', severity: 'low', status: 'new' });
    const r = runResult([b, a], { tracked: false });
    expect(buildAnnotations(r, { max: 5, warningRank: 2 }).annotations.map((x) => x.title)).toEqual([
      'critical: SQL injection',
      'low: SQL injection',
    ]);
    const body = renderComment(runResult([a, b], { tracked: false, blocking: ['a'], pullRequest: { introduced: ['a', 'b'], fixed: [] } }), {
      scope: 's',
      title: 't',
    });
    expect(body).not.toContain('Introduced by this PR');
    expect(body).toContain('#### Blocking findings (1)');
  });

  it('keeps lines valid, columns only on one line, titles ≤ 255, messages ≤ 64 KB', () => {
    const f = rated({ startLine: undefined, endLine: undefined, title: 'T'.repeat(400), message: '€'.repeat(40_000) }) as ReturnType<
      typeof rated
    > & { path: string };
    const a = annotationFor(f, 'warning');
    expect([a.start_line, a.end_line]).toEqual([1, 1]);
    expect(a.title!.length).toBeLessThanOrEqual(255);
    expect(Buffer.byteLength(a.message)).toBeLessThanOrEqual(ANNOTATION_MESSAGE_MAX_BYTES);
    const cols = annotationFor({ ...f, startLine: 3, endLine: 3, startColumn: 2, endColumn: 9 }, 'notice');
    expect([cols.start_column, cols.end_column]).toEqual([2, 9]);
    const multi = annotationFor({ ...f, startLine: 3, endLine: 5, startColumn: 2, endColumn: 9 }, 'notice');
    expect(multi.start_column).toBeUndefined();
    const backwards = annotationFor({ ...f, startLine: 8, endLine: 2 }, 'notice');
    expect([backwards.start_line, backwards.end_line]).toEqual([8, 8]);
  });

  it('strips control and bidi characters from annotation text, and mentions SLA and first seen when known', () => {
    const f = rated({
      message: 'evil\u202e txt\u0007',
      sla: {
        days: 30,
        start: '2026-01-01',
        due: '2026-01-31T00:00:00Z',
        state: 'breached',
        daysLeft: -3,
        reason: 'first seen 2026-01-01 + 30 days (high)',
      },
      firstSeen: '2026-01-01T00:00:00Z',
    }) as ReturnType<typeof rated> & { path: string };
    const a = annotationFor(f, 'failure');
    expect(a.message).not.toMatch(/[\u202e\u0007]/);
    expect(a.message).toContain('Fix by 2026-01-31 (overdue by 3 day(s)');
    expect(a.message).toContain('First seen 2026-01-01');
  });

  it('resolves the warning level from the policy levels', () => {
    expect(resolveWarningRank(['critical', 'high', 'medium', 'low'], undefined)).toEqual({ rank: 2 });
    expect(resolveWarningRank(['P1', 'P2', 'P3', 'P4', 'P5'], undefined)).toEqual({ rank: 2 });
    expect(resolveWarningRank(['P1', 'P2', 'P3', 'P4', 'P5'], 'p2')).toEqual({ rank: 1 });
    expect(resolveWarningRank(['high', 'low'], 'hihg')).toEqual({
      error: "Invalid input 'annotation-level': 'hihg'. Expected one of the policy's levels: high, low.",
    });
  });

  it('batches by 50', () => {
    expect(
      batches(
        Array.from({ length: 120 }, (_, i) => i),
        50,
      ).map((b) => b.length),
    ).toEqual([50, 50, 20]);
    expect(batches([], 50)).toEqual([]);
  });
});

describe('check-run output', () => {
  it('maps the verdict to a conclusion and a title', () => {
    expect(CONCLUSION).toEqual({ pass: 'success', warn: 'neutral', fail: 'failure' });
    const { findings, blocking } = manyFindings(3, 1);
    expect(checkTitle(runResult(findings, { blocking }))).toBe('Failed: 1 blocking finding (pull-request)');
    expect(checkTitle(runResult(findings, { status: 'warn' }))).toBe('Passed with warnings: 3 findings (pull-request)');
    expect(checkTitle(runResult(findings))).toBe('Passed: 3 findings, none blocking (pull-request)');
  });

  it('keeps the summary within 65,535 characters with a note pointing to the full report', () => {
    const { findings, blocking } = manyFindings(3000, 1500);
    for (const f of findings) f.message = 'x'.repeat(500);
    const out = checkOutput(runResult(findings, { blocking }), { title: 'gate', fullReport: RUN_URL, omittedAnnotations: 2950 });
    expect(out.summary.length).toBeLessThanOrEqual(CHECK_OUTPUT_MAX_CHARS);
    expect(out.summary).toMatch(/more not shown \(size limit\)|cut to GitHub's check run limit/);
  });

  it('trimWithNote never exceeds the limit and closes an open <details>', () => {
    const text = `head\n<details><summary>x</summary>\n\n${'line of text\n'.repeat(10_000)}`;
    const out = trimWithNote(text, 5000, '<sub>cut</sub>');
    expect(out.length).toBeLessThanOrEqual(5000);
    expect(out).toContain('</details>');
    expect(out.trimEnd().endsWith('<sub>cut</sub>')).toBe(true);
    expect(trimWithNote('short', 10, 'n')).toBe('short');
    expect(truncateBytes('ééé', 5)).toBe('é…');
    expect(Buffer.byteLength(truncateBytes('é'.repeat(100), 50))).toBeLessThanOrEqual(50);
  });
});

describe('the sticky PR comment', () => {
  const opts = {
    scope: 'defect-gate (pull-request)',
    title: 'defect-gate',
    runUrl: RUN_URL,
    policyPath: '.github/defect-gate.yml',
    headSha: 'b'.repeat(40),
  };

  it('starts with the scope marker and records the verdict; links the run; explains exceptions on failure', () => {
    const { findings, blocking } = manyFindings(3, 1);
    const body = renderComment(runResult(findings, { blocking }), opts);
    expect(body.startsWith(stickyMarker(opts.scope))).toBe(true);
    expect(body.startsWith('<!-- defect-gate:scope=defect-gate (pull-request) -->')).toBe(true);
    expect(stickyMarker('a --> b')).toBe('<!-- defect-gate:scope=a -_ b -->');
    expect(previousVerdict(body)).toBe('fail');
    expect(body).toContain('### ❌ defect-gate: failed (pull-request)');
    expect(body).toContain(`[Full report (job summary)](${RUN_URL})`);
    expect(body).toContain('How to request an exception');
    expect(body).toContain('`.github/defect-gate.yml`');
    expect(body).toContain('#### Blocking findings (1)');
    expect(body).not.toContain('Introduced by this PR');
    expect(body).not.toContain('Fixed by this PR');
    expect(body).not.toContain('SLA');
  });

  it('says "passes now; previously failed" when a failing PR is fixed', () => {
    const body = renderComment(runResult([rated({ severity: 'low' })]), { ...opts, previous: 'fail' });
    expect(body).toContain('### ✅ defect-gate: passed (pull-request)');
    expect(body).toContain('✅ Passes now; previously failed.');
    expect(body).not.toContain('How to request an exception');
    expect(renderComment(runResult([]), { ...opts, previous: 'pass' })).not.toContain('Passes now');
  });

  it('shows introduced, fixed and SLA sections only when the ledger data is there', () => {
    const intro = rated({ fingerprint: 'i1', title: 'New XSS', status: 'new' });
    const existing = rated({
      fingerprint: 'e1',
      title: 'Old secret',
      status: 'existing',
      sla: { days: 30, start: '2025-12-01', due: '2025-12-31T00:00:00Z', state: 'breached', daysLeft: -5, reason: 'first seen + 30 days' },
    });
    const soon = rated({
      fingerprint: 'e2',
      title: 'Aging lib',
      severity: 'medium',
      status: 'existing',
      sla: { days: 90, start: '2025-10-01', due: '2026-01-05T00:00:00Z', state: 'due-soon', daysLeft: 4, reason: 'first seen + 90 days' },
    });
    const r = runResult([intro, existing, soon], {
      blocking: ['i1', 'e1'],
      pullRequest: { introduced: ['i1'], fixed: ['gone1', 'gone2'] },
      fixed: [
        {
          fingerprint: 'gone1',
          tool: { name: 'Semgrep' },
          ruleId: 'r',
          title: 'Fixed SQLi',
          severity: 'high',
          path: 'src/db.js',
          startLine: 4,
          firstSeen: '2025-01-01',
          fixedAt: '2026-01-01',
        },
      ],
    });
    const body = renderComment(r, opts);
    expect(body).toContain('#### Introduced by this PR (1)');
    expect(body).toMatch(/Introduced by this PR \(1\)\n[^#]*New XSS/);
    expect(body).toContain('#### Fixed by this PR (2)');
    expect(body).toContain('Fixed SQLi');
    expect(body).toContain('`gone2`');
    expect(body).toContain('#### SLA: 1 breached, 1 due soon');
    expect(body).toContain('**overdue 5 d**');
    expect(body).toContain('4 d left');
    expect(body).toContain('#### Other blocking findings (1)');
    // Statuses without pullRequest: introduced = new or reopened.
    const byStatus = renderComment(runResult([intro, existing]), opts);
    expect(byStatus).toContain('#### Introduced by this PR (1)');
    expect(byStatus).not.toContain('Fixed by this PR');
  });

  it('stays within 65,536 characters on a huge run, with a pointer to the full report', () => {
    const { findings, blocking } = manyFindings(5000, 5000);
    for (const f of findings) f.title = `${'long title '.repeat(20)}`;
    const body = renderComment(runResult(findings, { blocking }), opts);
    expect(body.length).toBeLessThanOrEqual(COMMENT_MAX_CHARS);
    expect(body).toContain(`more: see the [full report](${RUN_URL})`);
    const tiny = renderComment(
      runResult(findings, { blocking, pullRequest: { introduced: findings.map((f) => f.fingerprint), fixed: [] } }),
      { ...opts, maxChars: 3000 },
    );
    expect(tiny.length).toBeLessThanOrEqual(3000);
    expect(tiny.startsWith(stickyMarker(opts.scope))).toBe(true);
  });

  it('neutralizes hostile scanner text: mentions, refs, HTML, markdown links, javascript: URLs', () => {
    const evil = rated({
      fingerprint: 'x',
      title: '@octocat please see #123 <img src=x onerror=alert(1)> [click](javascript:alert(1)) ![i](https://evil/x.png)',
      helpUri: 'javascript:alert(1)',
      path: 'src/`rm -rf`|x.js',
      tool: { name: '<b>Evil</b> @admin' },
    });
    const withLink = rated({ fingerprint: 'y', title: 'ok', helpUri: 'https://example.com/rule?a=(1)' });
    const r = runResult([evil, withLink], { blocking: ['x', 'y'] });
    const body = renderComment(r, { ...opts, title: '@team <script>' });
    expect(body).not.toMatch(/@octocat|@admin|@team/);
    expect(body).not.toMatch(/<img|<script|<b>/);
    expect(body).not.toMatch(/\]\(javascript:/);
    expect(body).toContain('\\[click\\]\\(javascript:alert\\(1\\)\\)');
    expect(body).not.toContain('](https://evil');
    expect(body).not.toMatch(/(^|[^\\])#123/);
    expect(body).toContain('[ok](https://example.com/rule?a=%281%29)');
    const annotations = buildAnnotations(r, { max: 10, warningRank: 2 }).annotations;
    expect(annotations[0]!.title).toContain('@octocat');
  });
});

describe('the report target', () => {
  const base = { repository: 'acme/app', sha: 'a'.repeat(40) };
  it('uses the PR head sha on pull_request events, not GITHUB_SHA', () => {
    const t = resolveTarget({
      ...base,
      eventName: 'pull_request',
      payload: { pull_request: { number: 7, head: { sha: 'b'.repeat(40) } } },
    });
    expect(t).toMatchObject({ owner: 'acme', repo: 'app', prNumber: 7, headSha: 'b'.repeat(40) });
  });
  it('reads workflow_run payloads and lets inputs override', () => {
    const payload = { workflow_run: { head_sha: 'c'.repeat(40), pull_requests: [{ number: 12 }] } };
    expect(resolveTarget({ ...base, eventName: 'workflow_run', payload })).toMatchObject({ prNumber: 12, headSha: 'c'.repeat(40) });
    const fork = { workflow_run: { head_sha: 'c'.repeat(40), pull_requests: [] } };
    expect(resolveTarget({ ...base, eventName: 'workflow_run', payload: fork })).toMatchObject({
      prNumber: undefined,
      headSha: 'c'.repeat(40),
    });
    // The commit a workflow_run checked is the event's; the PR from the input must have it as its head (verify).
    expect(resolveTarget({ ...base, eventName: 'workflow_run', payload: fork, prNumber: 13 })).toMatchObject({
      prNumber: 13,
      headSha: 'c'.repeat(40),
      verify: { headSha: 'c'.repeat(40) },
    });
    expect(resolveTarget({ ...base, eventName: 'workflow_run', payload: fork, prNumber: 13, headSha: 'd'.repeat(40) })).toMatchObject({
      prNumber: 13,
      headSha: 'd'.repeat(40),
    });
  });
  it('uses GITHUB_SHA and no PR on push; rejects a bad repository', () => {
    expect(resolveTarget({ ...base, eventName: 'push', payload: {} })).toMatchObject({ headSha: 'a'.repeat(40), prNumber: undefined });
    expect(resolveTarget({ ...base, eventName: 'push', payload: null })).toMatchObject({ headSha: 'a'.repeat(40) });
    expect(resolveTarget({ repository: 'nope', eventName: 'push', payload: {} })).toEqual({
      error: "GITHUB_REPOSITORY is 'nope'. Expected format {owner}/{repo}.",
    });
  });
});
