import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import initSqlJs from 'sql.js';
import { runCli } from '../src/cli';
import { ORG_QUERIES } from '../src/github/org-ledgers';
import { loadPolicy } from '../src/io/policy';
import { computeMetrics, type Metrics } from '../src/metrics/compute';
import type { LedgerBook } from '../src/ledger/schema';
import { aggregateOrg, type OrgMetrics } from '../src/metrics/org';
import { OrgExportRowSchema, type OrgExportRow } from '../src/metrics/org-export';
import { metricsOptions, runReportCommand } from '../src/cli/report';
import { OrgSim, validateQuery } from './support/org-sim';

/**
 * `report --org` against a simulated organization of 300 repositories (__tests__/support/org-sim.ts: GitHub's
 * GraphQL schema, realistic ledgers written by the ledger branch store's writer). The bench (bench/org.mjs) runs the
 * same at 5,000 repositories with 50 ms per call.
 */

const NOW = new Date('2026-06-30T20:00:00Z');
// Each report reads (and the expected aggregate recomputes) ~300 ledgers: seconds alone, more on a shared machine.
jest.setTimeout(180_000);
const N = 300;

/**
 * Figures rounded to 12 significant digits: owners' MTTR is a mean weighted over repositories, summed in listing
 * order (by name, or pushed first on a second report), and floating-point sums depend on their order in the last bits.
 */
function rounded(x: unknown): unknown {
  if (typeof x === 'number') return Number.isInteger(x) ? x : Number(x.toPrecision(12));
  if (Array.isArray(x)) return x.map(rounded);
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, rounded(v)]));
  return x;
}

// Metrics per book (the simulator keeps one book per repository and version): each expected aggregate recomputes
// only the ledgers that changed since the last one.
const metricsOf = new WeakMap<LedgerBook, Metrics>();
function expectedAggregate(sim: OrgSim): OrgMetrics {
  const { policy } = loadPolicy(undefined, process.cwd());
  const mo = metricsOptions({ workspace: process.cwd(), now: NOW }, policy);
  return aggregateOrg(
    sim.org,
    sim.repositoryNames().map((full) => {
      const book = sim.book(full.split('/')[1] as string);
      if (!book) return { repo: full };
      let m = metricsOf.get(book);
      if (!m) metricsOf.set(book, (m = computeMetrics(book, mo)));
      return { repo: full, metrics: m };
    }),
    NOW,
  );
}

async function report(sim: OrgSim, cache: string, extra: string[] = []) {
  let stdout = '';
  let stderr = '';
  const argv = ['report', '--org', sim.org, '--format', 'json', '--api-url', sim.url, '--cache', cache, ...extra];
  const code = await runCli(argv, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    cwd: process.cwd(),
    // (The simulated ledgers keep a year of history: no retention warning for the 6-month period.)
    env: { GITHUB_TOKEN: 'test-token', DEFECT_GATE_LEDGER_RETENTION_DAYS: '400' },
    isTTY: false,
    now: () => NOW,
  });
  return { code, stdout, stderr, org: code === 0 ? (JSON.parse(stdout) as OrgMetrics) : undefined };
}

/** The same through runReportCommand, for a clock other than the real one (the cache's age). */
async function reportAt(sim: OrgSim, cache: string, clock: Date) {
  let stdout = '';
  let stderr = '';
  const code = await runReportCommand(
    { org: sim.org, workspace: process.cwd(), now: NOW, format: 'json', apiUrl: sim.url, cache },
    { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: { GITHUB_TOKEN: 't', DEFECT_GATE_LEDGER_RETENTION_DAYS: '400' } },
    { retryBaseMs: 1, clock: () => clock },
  );
  return { code, stderr, org: JSON.parse(stdout) as OrgMetrics };
}

describe('GraphQL queries', () => {
  it('every query the org report sends validates against GitHub’s published schema (@octokit/graphql-schema)', () => {
    expect(Object.keys(ORG_QUERIES).length).toBeGreaterThan(0);
    for (const [name, q] of Object.entries(ORG_QUERIES)) expect({ name, errors: validateQuery(q) }).toEqual({ name, errors: [] });
  });

  it('the validation catches a field GitHub does not have (the check is not vacuous)', () => {
    const bad = (ORG_QUERIES.OrgLedgers as string).replace('isTruncated', 'isCut');
    expect(validateQuery(bad).join('\n')).toContain('Cannot query field "isCut" on type "Blob"');
  });
});

describe(`report --org: a simulated organization of ${N} repositories`, () => {
  let sim: OrgSim;
  const cache = mkdtempSync(join(tmpdir(), 'dg-org-cache-'));
  const exportFile = join(mkdtempSync(join(tmpdir(), 'dg-org-export-')), 'findings.ndjson');
  let first: OrgMetrics;

  beforeAll(async () => {
    // 16 KiB of GraphQL text per blob here (GitHub's own limit is larger), so that the big ledgers' files take the REST
    // fallback; ledgers smaller than the bench's (0-40 entries, every 150th 400-640): what is checked does not need more.
    sim = new OrgSim({ repos: N, now: NOW, textLimit: 16 * 1024, bigEvery: 150, bigEntries: 400, maxEntries: 40, serveAllBlobs: true });
    await sim.start();
  });

  afterAll(async () => {
    await sim?.close();
  });

  it('first report: 100 repositories per query, truncated blobs read by oid, the aggregate of every ledger', async () => {
    sim.resetCounts();
    const r = await report(sim, cache, ['--export', 'ndjson', exportFile]);
    expect(r.stderr).not.toContain('warning');
    expect(r.code).toBe(0);
    expect(sim.errors).toEqual([]);
    expect(sim.graphqlCalls).toBe(Math.ceil(N / 100));
    // Big ledgers (every 150th repository, and the larger ones) have shards above the text limit: each is one REST call, no more.
    expect(sim.restCalls).toBeGreaterThan(0);
    expect(r.stderr).toContain(`${sim.calls} API calls (${sim.graphqlCalls} GraphQL, ${sim.restCalls} REST)`);
    expect(r.stderr).toContain('full listing (no previous listing in the cache)');
    first = r.org as OrgMetrics;
    expect(first.repositories.errors).toEqual([]);
    expect(rounded(first)).toEqual(rounded(expectedAggregate(sim)));
    expect(first.repositories.withLedger).toBeGreaterThan(N / 2);
    expect(first.open.total).toBeGreaterThan(500);
    expect(first.repositories.listed).toBe(sim.repositoryNames().length);
  });

  it('NDJSON export: the rows validate, and SQL over them (SQLite) gives the report’s own headline figures', async () => {
    const lines = readFileSync(exportFile, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    const rows = lines.map((l) => OrgExportRowSchema.parse(JSON.parse(l)) as OrgExportRow);
    expect(rows.length).toBeGreaterThan(first.open.total);
    const SQL = await initSqlJs({ locateFile: (f) => resolve('node_modules/sql.js/dist', f) });
    const db = new SQL.Database();
    db.run('CREATE TABLE findings (repo TEXT, fingerprint TEXT, severity TEXT, status TEXT, sla_state TEXT, fixes TEXT)');
    const ins = db.prepare('INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?)');
    for (const r of rows) ins.run([r.repo, r.fingerprint, r.severity, r.status, r.sla_state, JSON.stringify(r.fixes)]);
    ins.free();
    const q = (sql: string) => db.exec(sql)[0]?.values ?? [];
    // Open by severity.
    const bySev = Object.fromEntries(
      q("SELECT severity, COUNT(*) FROM findings WHERE status = 'open' GROUP BY severity").map(([s, n]) => [s, n]),
    );
    expect(bySev).toEqual(Object.fromEntries(Object.entries(first.open.bySeverity).filter(([, n]) => n > 0)));
    expect(q("SELECT COUNT(*) FROM findings WHERE status = 'open'")[0]?.[0]).toBe(first.open.total);
    expect(q("SELECT COUNT(*) FROM findings WHERE status = 'open' AND sla_state = 'breached'")[0]?.[0]).toBe(first.sla.pastSla);
    // SLA compliance over the fixes of the period.
    const [fixed, within] = q(
      "SELECT SUM(json_extract(f.value, '$.within_sla') IS NOT NULL), SUM(json_extract(f.value, '$.within_sla') = 1) FROM findings, json_each(findings.fixes) AS f",
    )[0] as [number, number];
    expect({ fixed, within, compliance: within / fixed }).toEqual({
      fixed: first.sla.fixed,
      within: first.sla.fixedWithinSla,
      compliance: first.sla.compliance,
    });
    // MTTR: median over repositories of each repository's median days to fix.
    const mttr = q(`
      WITH d AS (SELECT repo, json_extract(f.value, '$.days') AS days FROM findings, json_each(findings.fixes) AS f),
      r AS (SELECT repo, days, ROW_NUMBER() OVER (PARTITION BY repo ORDER BY days) AS i, COUNT(*) OVER (PARTITION BY repo) AS n FROM d),
      m AS (SELECT repo, AVG(days) AS med FROM r WHERE i IN ((n + 1) / 2, (n + 2) / 2) GROUP BY repo),
      o AS (SELECT med, ROW_NUMBER() OVER (ORDER BY med) AS i, COUNT(*) OVER () AS n FROM m)
      SELECT AVG(med) FROM o WHERE i IN ((n + 1) / 2, (n + 2) / 2)`)[0]?.[0] as number;
    expect(first.mttrMedianDays).toBeDefined();
    expect(mttr).toBeCloseTo(first.mttrMedianDays as number, 9);
    db.close();
  });

  it('second report with nothing changed: one GraphQL call, no REST, the same aggregate from the cache', async () => {
    sim.resetCounts();
    const r = await report(sim, cache);
    expect(r.code).toBe(0);
    expect(sim.errors).toEqual([]);
    expect({ graphql: sim.graphqlCalls, rest: sim.restCalls }).toEqual({ graphql: 1, rest: 0 });
    expect(r.stderr).toContain('incremental listing');
    expect(rounded(r.org)).toEqual(rounded(first));
  });

  it('second report after pushes: re-reads only the repositories pushed since, and sees their new ledgers', async () => {
    sim.touchLedger(5);
    sim.touchLedger(123);
    sim.touchCode(40); // a push elsewhere: the ledger did not change
    sim.resetCounts();
    const r = await report(sim, cache);
    expect(r.code).toBe(0);
    expect(sim.errors).toEqual([]);
    expect(sim.graphqlCalls).toBe(1);
    // The 3 pushed, and the repository pushed last before the previous listing (its pushedAt is the watermark, >=).
    expect(r.stderr).toMatch(/incremental listing; 4 ledgers read, \d+ from the cache/);
    expect(rounded(r.org)).toEqual(rounded(expectedAggregate(sim)));
    expect(rounded(r.org)).not.toEqual(rounded(first));
  });

  it('a repository removed (the count does not add up): lists everything again, and says why', async () => {
    sim.removeRepo('repo-00002');
    sim.resetCounts();
    const r = await report(sim, cache);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('full listing (the organization has');
    expect(rounded(r.org)).toEqual(rounded(expectedAggregate(sim)));
    expect(r.org?.perRepository.some((x) => x.repo === 'acme/repo-00002')).toBe(false);
  });

  it('a repository added is read by the incremental listing (it was pushed)', async () => {
    sim.addRepo('zz-new');
    sim.resetCounts();
    const r = await report(sim, cache);
    expect(r.stderr).toContain('incremental listing');
    expect(rounded(r.org)).toEqual(rounded(expectedAggregate(sim)));
    expect(r.org?.perRepository.some((x) => x.repo === 'acme/zz-new')).toBe(true);
  });

  it('a damaged pack in the cache is not believed: everything is listed (and read) again', async () => {
    const packs = readdirSync(join(cache, 'packs'));
    // One pack per page of 100 repositories (and one per incremental listing since), nothing else.
    expect(packs.length).toBeGreaterThanOrEqual(Math.ceil(N / 100));
    expect(packs.every((f) => /^[0-9a-f]{16}\.json\.gz$/.test(f))).toBe(true);
    for (const f of packs) writeFileSync(join(cache, 'packs', f), 'not gzip');
    sim.touchLedger(7);
    sim.resetCounts();
    const r = await report(sim, cache);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('full listing (the cache lost ledger files');
    expect(sim.graphqlCalls).toBe(1 + Math.ceil(sim.size / 100));
    expect(rounded(r.org)).toEqual(rounded(expectedAggregate(sim)));
  });

  it('a cache older than a day: a full listing again', async () => {
    sim.resetCounts();
    const r = await reportAt(sim, cache, new Date(Date.now() + 25 * 3_600_000));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('older than the cache');
    expect(sim.graphqlCalls).toBe(Math.ceil(sim.size / 100)); // archived repositories are listed too
    expect(rounded(r.org)).toEqual(rounded(expectedAggregate(sim)));
  });

  it('renders the organization report as Markdown and HTML; waits out a secondary rate limit', async () => {
    sim.scripted.push({
      status: 403,
      headers: { 'retry-after': '1' },
      body: { message: 'You have exceeded a secondary rate limit.', documentation_url: 'https://docs.github.com/graphql' },
    });
    const html = join(mkdtempSync(join(tmpdir(), 'dg-org-html-')), 'org.html');
    let stdout = '';
    let stderr = '';
    const code = await runReportCommand(
      { org: sim.org, workspace: process.cwd(), now: NOW, apiUrl: sim.url, cache, html },
      { stdout: (x) => (stdout += x), stderr: (x) => (stderr += x), env: { GITHUB_TOKEN: 't', DEFECT_GATE_LEDGER_RETENTION_DAYS: '400' } },
      { retryBaseMs: 1, clock: () => NOW },
    );
    expect(code).toBe(0);
    expect(stderr).toContain('secondary rate limit');
    expect(stdout).toContain('# Security defect metrics: acme');
    expect(stdout).toContain('## Worst offenders');
    expect(readFileSync(html, 'utf8')).toContain('SLA compliance per repository');
  });

  it('an organization GitHub does not know is exit 2 with the reason, and no export file', async () => {
    const file = join(tmpdir(), `dg-none-${process.pid}.ndjson`);
    let stderr = '';
    const code = await runCli(['report', '--org', 'nobody', '--no-cache', '--api-url', sim.url, '--export', 'ndjson', file], {
      stdout: () => {},
      stderr: (s) => (stderr += s),
      cwd: process.cwd(),
      env: { GITHUB_TOKEN: 't', DEFECT_GATE_LEDGER_RETENTION_DAYS: '400' },
      isTTY: false,
      now: () => NOW,
    });
    expect(code).toBe(2);
    expect(stderr).toContain('organization "nobody" not found');
    expect(() => readFileSync(file)).toThrow();
  });

  it('--export takes ndjson only', async () => {
    let stderr = '';
    const code = await runCli(['report', '--org', 'acme', '--export', 'csv', 'x.csv'], {
      stdout: () => {},
      stderr: (s) => (stderr += s),
      cwd: process.cwd(),
      env: {},
      isTTY: false,
      now: () => NOW,
    });
    expect(code).toBe(2);
    expect(stderr).toContain('invalid --export "csv": expected --export ndjson FILE');
  });
});
