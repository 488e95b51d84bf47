import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from '../src/cli';
import { runReportCommand, parsePeriodDate } from '../src/cli/report';
import { BranchLedgerStore } from '../src/ledger/branch-store';
import type { LedgerBook, LedgerFile } from '../src/ledger/schema';
import { example, GitHubServer, type RecordedRequest, type ScriptedResponse } from './support/github-server';
import { FakeGit, HttpError } from './support/fake-git';

const LEDGER = resolve('__fixtures__/metrics/ledger.json');
const NOW = new Date('2026-06-30T20:00:00Z');
const FIXTURE_BOOK = (JSON.parse(readFileSync(LEDGER, 'utf8')) as LedgerFile).books.default as LedgerBook;

// The fixture ledger was never compacted: a retention window longer than its history (no retention warning).
async function cli(args: string[], env: Record<string, string> = { DEFECT_GATE_LEDGER_RETENTION_DAYS: '400' }) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    cwd: process.cwd(),
    env,
    isTTY: false,
    now: () => NOW,
  });
  return { code, stdout, stderr };
}

describe('defect-gate report (ledger file)', () => {
  it('writes the monthly Markdown report with Mermaid charts and tables', async () => {
    const r = await cli(['report', '--ledger', `file:${LEDGER}`, '--since', '2026-01', '--until', '2026-06']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('# Security defect metrics');
    expect(r.stdout).toContain('Period 2026-01-01 to 2026-06-30 (by month)');
    expect(r.stdout).toContain('```mermaid\nxychart-beta');
    expect(r.stdout).toContain('| Month | Opened | Reopened | Fixed | Open at end | Past SLA at end |');
    expect(r.stdout).toContain('## Verification coverage');
  });

  it('warns when the period starts before the ledger retention window (fixes before it may be forgotten)', async () => {
    const inside = await cli(['report', '--ledger', `file:${LEDGER}`, '--since', '2026-04-02'], {});
    expect(inside.code).toBe(0);
    expect(inside.stderr).toBe('');
    // 90 days before NOW (2026-06-30T20:00Z) is 2026-04-01T20:00Z: a period from 2026-04-01 starts before it.
    const before = await cli(['report', '--ledger', `file:${LEDGER}`, '--since', '2026-04-01'], {});
    expect(before.code).toBe(0);
    expect(before.stderr).toContain("warning: the period starts 2026-04-01, before the ledger's retention window (90 days");
    const defaultPeriod = await cli(['report', '--ledger', `file:${LEDGER}`], {});
    expect(defaultPeriod.stderr).toContain('warning: the period starts 2026-01-01');
    const longer = await cli(['report', '--ledger', `file:${LEDGER}`], { DEFECT_GATE_LEDGER_RETENTION_DAYS: '200' });
    expect(longer.stderr).toBe('');
    const bad = await cli(['report', '--ledger', `file:${LEDGER}`], { DEFECT_GATE_LEDGER_RETENTION_DAYS: 'soon' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid DEFECT_GATE_LEDGER_RETENTION_DAYS "soon"');
  });

  it('writes JSON for dashboards and the HTML file with --html', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dg-report-'));
    const r = await cli([
      'report',
      '--ledger',
      `file:${LEDGER}`,
      '--format',
      'json',
      '--bucket',
      'week',
      '--since',
      '2026-05-01',
      '--html',
      join(dir, 'r.html'),
    ]);
    expect(r.code).toBe(0);
    const m = JSON.parse(r.stdout) as {
      schema: string;
      period: { bucket: string; since: string };
      flow: { buckets: unknown[] };
      open: { total: number };
    };
    expect(m.schema).toBe('defect-gate-metrics');
    expect(m.period).toMatchObject({ bucket: 'week', since: '2026-05-01T00:00:00.000Z' });
    expect(m.flow.buckets.length).toBe(10); // weeks of Apr 27 (May 1 is a Friday) … Jun 29
    expect(m.open.total).toBeGreaterThan(0);
    const html = readFileSync(join(dir, 'r.html'), 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<svg');
    expect(r.stderr).toContain('HTML report:');
  });

  it('writes to --output instead of stdout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dg-report-'));
    const r = await cli(['report', '--ledger', `file:${LEDGER}`, '--format', 'html', '-o', join(dir, 'out.html')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(join(dir, 'out.html'), 'utf8')).toContain('</html>');
  });

  it('rejects bad flags with exit 2 and a message naming the value', async () => {
    expect((await cli(['report', '--ledger', `file:${LEDGER}`, '--bucket', 'day'])).stderr).toContain(
      'invalid --bucket "day": expected week or month',
    );
    expect((await cli(['report', '--ledger', `file:${LEDGER}`, '--since', 'yesterday'])).code).toBe(2);
    expect((await cli(['report', '--ledger', `file:${LEDGER}`, '--format', 'text'])).stderr).toContain('expected markdown, html or json');
    expect((await cli(['report'])).stderr).toContain('report needs a ledger');
    expect((await cli(['report', '--ledger', 'file:/nonexistent/ledger.json'])).stderr).toContain('no ledger book "default"');
    expect((await cli(['report', '--org', 'acme', '--repo', 'acme/x'])).code).toBe(2);
    expect((await cli(['report', '--ledger', 'branch:defect-gate-data'])).stderr).toContain('--repo OWNER/REPO');
  });

  it('parses period dates: days, months (end of month for --until), ISO times', () => {
    expect(parsePeriodDate('--since', '2026-02', false).toISOString()).toBe('2026-02-01T00:00:00.000Z');
    expect(parsePeriodDate('--until', '2026-02', true).toISOString()).toBe('2026-02-28T23:59:59.999Z');
    expect(parsePeriodDate('--until', '2026-02-10', true).toISOString()).toBe('2026-02-10T23:59:59.999Z');
    expect(parsePeriodDate('--since', '2026-02-10T12:00:00Z', false).toISOString()).toBe('2026-02-10T12:00:00.000Z');
  });
});

/** Serves the Git data API of several FakeGit repositories through the validating local GitHub server. */
function gitHandler(repos: Map<string, FakeGit>, route: string, shape: (data: Record<string, unknown>, r: RecordedRequest) => unknown) {
  return (r: RecordedRequest): ScriptedResponse => {
    const git = repos.get(`${r.params.owner}/${r.params.repo}`);
    if (!git) return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };
    try {
      const params: Record<string, unknown> = { ...r.params, ...r.query };
      const res = git.handle(route, params);
      return { status: res.status, body: shape(res.data as Record<string, unknown>, r) };
    } catch (err) {
      if (err instanceof HttpError)
        return { status: err.status, body: { message: err.message, documentation_url: 'https://docs.github.com/rest' } };
      throw err;
    }
  };
}

describe('defect-gate report --repo (local GitHub server)', () => {
  let server: GitHubServer;
  const repos = new Map<string, FakeGit>();
  const names = ['acme/payments', 'acme/web', 'acme/no-ledger', 'acme/old'];

  beforeAll(async () => {
    server = await GitHubServer.start();
    const u = (r: RecordedRequest, p: string) => `${server.url}/repos/${r.params.owner}/${r.params.repo}/${p}`;
    server.handle('repos/list-for-org', (r) => {
      const perPage = Number(r.query.per_page ?? 30);
      const page = Number(r.query.page ?? 1);
      const all = names.map((full, i) => {
        const x = example<Record<string, unknown>>('minimal-repository');
        const [owner, name] = full.split('/') as [string, string];
        Object.assign(x, { id: 100 + i, name, full_name: full, archived: full === 'acme/old' });
        Object.assign(x.owner as Record<string, unknown>, { login: owner });
        return x;
      });
      return { status: 200, body: all.slice((page - 1) * perPage, page * perPage) };
    });
    server.handle(
      'git/get-ref',
      gitHandler(repos, 'GET /repos/{owner}/{repo}/git/ref/{ref}', (d, r) => ({
        ...d,
        url: u(r, `git/${String(d.ref)}`),
        object: { ...(d.object as object), url: u(r, 'git/commits/x') },
      })),
    );
    server.handle(
      'git/get-commit',
      gitHandler(repos, 'GET /repos/{owner}/{repo}/git/commits/{commit_sha}', (d, r) => {
        const c = example<Record<string, unknown>>('git-commit');
        return {
          ...c,
          sha: d.sha,
          node_id: 'C_1',
          url: u(r, `git/commits/${String(d.sha)}`),
          html_url: `https://github.com/${r.params.owner}/${r.params.repo}/commit/${String(d.sha)}`,
          message: d.message,
          tree: { sha: (d.tree as { sha: string }).sha, url: u(r, 'git/trees/x') },
          parents: (d.parents as { sha: string }[]).map((p) => ({
            sha: p.sha,
            url: u(r, `git/commits/${p.sha}`),
            html_url: `https://github.com/x/y/commit/${p.sha}`,
          })),
        };
      }),
    );
    server.handle(
      'git/get-tree',
      gitHandler(repos, 'GET /repos/{owner}/{repo}/git/trees/{tree_sha}', (d, r) => ({
        ...d,
        url: u(r, `git/trees/${String(d.sha)}`),
        tree: (d.tree as Record<string, unknown>[]).map((e) => ({ ...e, url: u(r, `git/blobs/${String(e.sha)}`) })),
      })),
    );
    server.handle(
      'git/get-blob',
      gitHandler(repos, 'GET /repos/{owner}/{repo}/git/blobs/{file_sha}', (d, r) => ({
        ...d,
        node_id: 'B_1',
        url: u(r, `git/blobs/${String(d.sha)}`),
      })),
    );

    // Two repositories with a ledger on the branch (written by the real branch store), one without, one archived.
    const payments = new FakeGit();
    await new BranchLedgerStore(payments.request, { owner: 'acme', repo: 'payments' }, 'defect-gate-data', () => NOW).update(
      'default',
      () => FIXTURE_BOOK,
    );
    const web = new FakeGit();
    const webBook: LedgerBook = {
      entries: Object.fromEntries(Object.entries(FIXTURE_BOOK.entries).slice(0, 30)),
      runs: FIXTURE_BOOK.runs.slice(-50),
    };
    await new BranchLedgerStore(web.request, { owner: 'acme', repo: 'web' }, 'defect-gate-data', () => NOW).update(
      'default',
      () => webBook,
    );
    repos.set('acme/payments', payments);
    repos.set('acme/web', web);
    repos.set('acme/no-ledger', new FakeGit());
  });

  afterAll(async () => {
    await server?.close();
  });

  it('reads one repository ledger branch with --repo', async () => {
    server.reset();
    let stdout = '';
    const code = await runReportCommand(
      { repo: 'acme/web', workspace: process.cwd(), now: NOW, format: 'json', apiUrl: server.url },
      { stdout: (s) => (stdout += s), stderr: () => {}, env: { GITHUB_TOKEN: 't' } },
      { retryBaseMs: 1 },
    );
    expect(code).toBe(0);
    expect(server.errors).toEqual([]);
    expect((JSON.parse(stdout) as { subject: string }).subject).toBe('acme/web (scope default)');
  });
});
