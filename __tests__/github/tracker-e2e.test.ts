import { beforeEach, describe, expect, it } from '@jest/globals';
import { createGitHubClient } from '../../src/action/octokit';
import { runEngine } from '../../src/engine';
import { emptyBook, type LedgerBook } from '../../src/ledger/schema';
import type { Finding } from '../../src/model';
import type { Logger } from '../../src/logger';
import { parseCodeowners } from '../../src/owners/codeowners';
import { GitHubIssuesTracker } from '../../src/tracker/github-issues';
import { applyTickets, syncTracker, type TrackerSettings } from '../../src/tracker/sync';
import { responses, useGitHubServer } from '../support/github-server';
import { BASE_POLICY, finding, policyFrom } from '../helpers';

/**
 * GitHub Issues as the tracker, through the real client (retries) against the local server that validates every
 * request and response against GitHub's OpenAPI description. The ledger book is carried from run to run as a store
 * would; "deleting the ledger" starts from an empty book.
 */

const server = useGitHubServer({ expectValid: false });

let logs: { level: string; message: string }[];
const logger: Logger = {
  debug: (m) => logs.push({ level: 'debug', message: m }),
  info: (m) => logs.push({ level: 'info', message: m }),
  warning: (m) => logs.push({ level: 'warning', message: m }),
  error: (m) => logs.push({ level: 'error', message: m }),
};
beforeEach(() => {
  logs = [];
});

const codeowners = parseCodeowners('* @acme/platform\napps/payments/ @bob @acme/payments\n', '.github/CODEOWNERS');
const DAY = 86_400_000;
const T0 = Date.parse('2026-11-01T12:00:00Z');

function policyText(exceptions = '', tracker = 'when: {severity: ">= high"}\n    labels: [security]'): string {
  return `${BASE_POLICY}sla: {critical: 7, high: 30, medium: 90, low: 180, due-soon: 25%}
tracker:
  github-issues:
    ${tracker}
${exceptions}`;
}

const settingsOf = (text: string) => policyFrom(text).source.tracker?.['github-issues'] as TrackerSettings;

async function run(findings: Finding[], book: LedgerBook, day: number, text = policyText(), sha = 'c0ffee'.padEnd(40, '0')) {
  const policy = policyFrom(text);
  const r = runEngine({
    files: [{ file: 'codeql.sarif', findings, tools: [{ name: 'CodeQL' }], errors: [] }],
    policy,
    environment: 'default',
    onInputError: 'fail',
    now: new Date(T0 + day * DAY),
    ledger: book,
    codeowners,
  });
  const client = createGitHubClient('ghs_test', { baseUrl: server.url, logger, retryBaseMs: 5, throttle: false });
  const port = new GitHubIssuesTracker(client, { owner: 'acme', repo: 'app' }, 'github-actions[bot]', 0);
  const synced = await syncTracker({
    findings: r.findings,
    book: r.nextLedger,
    policy,
    settings: settingsOf(text),
    port,
    sha,
    log: logger,
  });
  return { ...synced, book: applyTickets(r.nextLedger, synced.tickets), result: r };
}

const high = (over: Partial<Finding> = {}) =>
  finding({ fingerprint: 'fp-sqli', level: 'error', path: 'apps/payments/charge.js', startLine: 10, ...over });
const writes = () =>
  server.requests
    .filter((r) => r.method !== 'GET')
    .map((r) => `${r.operationId}${r.operationId === 'issues/update' ? ` ${JSON.stringify(Object.keys(r.body as object).sort())}` : ''}`);

describe('GitHub Issues tracker', () => {
  it('open → unchanged → update → close on fix → reopen on regression → close as not planned under an exception', async () => {
    // Run 1: a high finding (owned by @bob and @acme/payments) and a low one that `when` leaves out.
    let s = await run([high(), finding({ fingerprint: 'fp-low', level: 'note', path: 'lib/a.js' })], emptyBook(), 0);
    expect(server.errors).toEqual([]);
    expect(s.summary).toMatchObject({ opened: 1, updated: 0 });
    const issue = server.issues.get(1)!;
    expect(issue.body.startsWith('<!-- defect-gate:ticket key=finding%3Afp-sqli -->\n')).toBe(true);
    expect(issue.title).toBe('[high] SQL injection in apps/payments/charge.js');
    expect(issue.labels.map((l) => l.name).sort()).toEqual(['defect-gate', 'kind:sast', 'security', 'severity:high', 'sla:within']);
    expect(server.calls('issues/create')[0]?.body).toMatchObject({ assignees: ['bob'] }); // the team is not assigned
    expect(issue.body).toContain('**Owners**: @bob @acme/payments');
    expect(issue.body).toContain('**Why this rating**');
    expect(s.book.entries['fp-sqli']?.ticket).toMatchObject({ tracker: 'github-issues', repo: 'acme/app', number: 1, state: 'open' });
    expect(s.book.entries['fp-low']?.ticket).toBeUndefined();

    // Run 2: nothing changed: no write at all.
    server.requests.length = 0;
    s = await run([high(), finding({ fingerprint: 'fp-low', level: 'note', path: 'lib/a.js' })], s.book, 1);
    expect(writes()).toEqual([]);

    // Run 3: the finding moved: its issue is updated once.
    server.requests.length = 0;
    s = await run([high({ startLine: 14 })], s.book, 2);
    expect(writes()).toEqual(['issues/update ["assignees","body","labels","title"]']);
    expect(server.issues.get(1)!.body).toContain('apps/payments/charge.js:14');

    // Run 4: CodeQL ran and no longer reports it: fixed, commented and closed as completed.
    server.requests.length = 0;
    s = await run([], s.book, 3, policyText(), 'f1xed'.padEnd(40, '0'));
    expect(server.issues.get(1)).toMatchObject({ state: 'closed', state_reason: 'completed' });
    expect(server.calls('issues/create-comment').map((c) => (c.body as { body: string }).body)).toEqual([
      'Fixed in f1xed0000000: the scanner no longer reports this finding. Closed by defect-gate.',
    ]);
    expect(s.book.entries['fp-sqli']?.ticket?.state).toBe('closed');

    // Run 5: it is back: the same issue is reopened with a comment (no new issue).
    server.requests.length = 0;
    s = await run([high()], s.book, 4);
    expect(server.issues.size).toBe(1);
    expect(server.issues.get(1)).toMatchObject({ state: 'open', state_reason: 'reopened' });
    expect((server.calls('issues/create-comment')[0]?.body as { body: string }).body).toMatch(
      /^Reopened by defect-gate: the finding is back \(a regression\) in c0ffee/,
    );

    // Run 6: an accepted risk applies: closed as not planned, with the exception's id.
    server.requests.length = 0;
    const withException = policyText(`exceptions:
  entries:
    - {id: EX-7, type: accepted-risk, match: {fingerprint: fp-sqli}, reason: Admin only, approved-by: appsec, expires: 2027-01-31}
`);
    s = await run([high()], s.book, 5, withException);
    expect(server.issues.get(1)).toMatchObject({ state: 'closed', state_reason: 'not_planned' });
    expect((server.calls('issues/create-comment')[0]?.body as { body: string }).body).toContain(
      'exception `EX-7` (accepted-risk, approved by appsec, until 2027-01-31) applies',
    );
    expect(s.book.entries['fp-sqli']?.ticket?.state).toBe('not-planned');
    // Same again: nothing to do.
    server.requests.length = 0;
    s = await run([high()], s.book, 6, withException);
    expect(writes()).toEqual([]);
    expect(server.errors).toEqual([]);
  });

  it('stops at max-new-per-run with one clear line; the next run opens the rest, most severe first', async () => {
    const text = policyText('', 'when: {severity: ">= high"}\n    max-new-per-run: 2');
    const five = [0, 1, 2, 3, 4].map((i) =>
      high({ fingerprint: `fp-${i}`, path: `apps/x${i}.js`, ...(i === 4 ? { level: undefined, securitySeverity: 9.8 } : {}) }),
    );
    let s = await run(five, emptyBook(), 0, text);
    expect(server.calls('issues/create')).toHaveLength(2);
    expect(s.summary.deferred).toBe(3);
    expect(logs.filter((l) => l.level === 'warning').map((l) => l.message)).toEqual([
      'defect-gate: opened 2 issue(s) in acme/app; 3 more wait for the next run (tracker.github-issues.max-new-per-run: 2)',
    ]);
    expect(server.issues.get(1)?.title).toMatch(/^\[critical\]/); // the critical one first
    s = await run(five, s.book, 1, text);
    s = await run(five, s.book, 2, text);
    expect(server.issues.size).toBe(5);
    expect(
      Object.values(s.book.entries)
        .map((e) => e.ticket?.number)
        .sort(),
    ).toEqual([1, 2, 3, 4, 5]);
    expect(server.errors).toEqual([]);
  });

  it('a 502 after the issue was created: looked for by marker, not created twice', async () => {
    server.scriptAfter((r) => r.operationId === 'issues/create', responses.serverError(502));
    const s = await run([high()], emptyBook(), 0);
    expect(server.calls('issues/create')).toHaveLength(1);
    expect(server.issues.size).toBe(1);
    expect(s.book.entries['fp-sqli']?.ticket?.number).toBe(1);
    expect(server.errors).toEqual([]);
  });

  it("after the ledger is deleted, issues are found again by marker, label and author (not an impostor's)", async () => {
    const first = await run([high(), high({ fingerprint: 'fp-2', path: 'apps/b.js' })], emptyBook(), 0);
    expect(server.issues.size).toBe(2);
    // Someone else writes an issue with the same marker: never adopted.
    server.viewer = 'mallory';
    const client = createGitHubClient('ghs_test', { baseUrl: server.url, logger, retryBaseMs: 5, throttle: false });
    await client.request('POST /repos/{owner}/{repo}/issues', {
      owner: 'acme',
      repo: 'app',
      title: 'x',
      body: '<!-- defect-gate:ticket key=finding%3Afp-3 -->',
      labels: ['defect-gate'],
    });
    server.viewer = 'github-actions[bot]';
    server.requests.length = 0;
    const s = await run(
      [high(), high({ fingerprint: 'fp-2', path: 'apps/b.js' }), high({ fingerprint: 'fp-3', path: 'apps/c.js' })],
      emptyBook(),
      1,
    );
    expect(s.summary.rediscovered).toBe(2);
    expect(server.calls('issues/create')).toHaveLength(1); // only fp-3's, the impostor's issue left alone
    expect(s.book.entries['fp-sqli']?.ticket?.number).toBe(first.book.entries['fp-sqli']?.ticket?.number);
    expect(s.book.entries['fp-3']?.ticket?.number).toBe(4);
    expect(server.issues.get(3)?.title).toBe('x');
    expect(server.errors).toEqual([]);
  });

  it('SLA reminders: one comment when due soon, one when breached, none in between', async () => {
    // high: 30 days, due soon in the last 25% (7.5 days).
    let s = await run([high()], emptyBook(), 0);
    server.requests.length = 0;
    s = await run([high()], s.book, 24);
    s = await run([high()], s.book, 25);
    const dueSoon = server.calls('issues/create-comment').map((c) => (c.body as { body: string }).body);
    expect(dueSoon).toEqual(['@bob @acme/payments: due soon (fix by 2026-12-01).']);
    s = await run([high()], s.book, 26);
    expect(server.calls('issues/create-comment')).toHaveLength(1);
    s = await run([high()], s.book, 31);
    expect(server.calls('issues/create-comment').map((c) => (c.body as { body: string }).body)[1]).toBe(
      '@bob @acme/payments: past its fix-by date (2026-12-01).',
    );
    s = await run([high()], s.book, 32);
    expect(server.calls('issues/create-comment')).toHaveLength(2);
    expect(s.book.entries['fp-sqli']?.ticket?.remindedFor).toBe('breached');
    expect(server.errors).toEqual([]);
  });
});

describe('defect-gate track (CLI): the ledger file, then the issues', () => {
  it('opens issues for a CodeQL run, records their numbers in the ledger; after the ledger is deleted, finds them again', async () => {
    const { mkdtempSync, copyFileSync, writeFileSync, readFileSync, rmSync, mkdirSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { runCli } = await import('../../src/cli');
    const ws = mkdtempSync(join(tmpdir(), 'dg-track-'));
    try {
      copyFileSync('__fixtures__/corpus/defectdojo/sarif/codeQL-output.sarif', join(ws, 'codeql.sarif'));
      mkdirSync(join(ws, '.github'));
      writeFileSync(join(ws, '.github/CODEOWNERS'), '* @acme/platform\n/bad/libuser.py @bob\n');
      writeFileSync(
        join(ws, 'policy.yml'),
        `${BASE_POLICY}tracker:\n  github-issues:\n    when: {severity: ">= high"}\n    group-by: rule\n`,
      );
      server.userToken = true;
      const env = {
        GITHUB_TOKEN: 'ghp_test',
        GITHUB_API_URL: server.url,
        GITHUB_REPOSITORY: 'acme/app',
        GITHUB_SHA: 'a'.repeat(40),
        DEFECT_GATE_TRACKER_PACE_MS: '0',
      };
      const cli = async (args: string[]) => {
        let stderr = '';
        const code = await runCli(args, {
          stdout: () => {},
          stderr: (s) => (stderr += s),
          cwd: ws,
          env,
          isTTY: false,
          now: () => new Date('2026-11-25T12:00:00Z'),
        });
        return { code, stderr };
      };
      // `check` never touches issues.
      await cli(['check', '--policy', 'policy.yml', '--ledger', 'file:ledger.json', 'codeql.sarif']);
      expect(server.calls('issues/list-for-repo')).toHaveLength(0);
      const first = await cli(['track', '--policy', 'policy.yml', '--ledger', 'file:ledger.json', 'codeql.sarif']);
      expect(first.stderr).toMatch(/issues in acme\/app: \d+ opened/);
      const opened = server.issues.size;
      expect(opened).toBeGreaterThan(0);
      const ledger = JSON.parse(readFileSync(join(ws, 'ledger.json'), 'utf8')) as { books: Record<string, LedgerBook> };
      const numbers = new Set(Object.values(ledger.books.default!.entries).flatMap((e) => (e.ticket ? [e.ticket.number] : [])));
      expect(numbers.size).toBe(opened);
      rmSync(join(ws, 'ledger.json'));
      server.requests.length = 0;
      const again = await cli(['track', '--policy', 'policy.yml', '--ledger', 'file:ledger.json', 'codeql.sarif']);
      expect(again.stderr).toContain(`${opened} found again by marker`);
      expect(server.calls('issues/create')).toHaveLength(0);
      expect(server.issues.size).toBe(opened);
      expect(server.errors).toEqual([]);
      // Without a written ledger, track refuses.
      expect((await cli(['track', '--policy', 'policy.yml', 'codeql.sarif'])).code).toBe(2);
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  }, 90_000);
});
