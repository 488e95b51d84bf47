import { mkdirSync, writeFileSync } from 'node:fs';
import { outputPathProblem } from '../io/atomic';
import { dirname, resolve } from 'node:path';
import { FileLedgerStore } from '../ledger/file-store';
import { BranchLedgerStore, type GitHubRequest } from '../ledger/branch-store';
import { checkScope, parseLedgerSpec } from '../ledger/store';
import type { LedgerBook } from '../ledger/schema';
import { loadPolicy } from '../io/policy';
import type { Policy } from '../policy/compile';
import { computeMetrics, type Metrics, type MetricsOptions } from '../metrics/compute';
import { renderMetricsMarkdown } from '../metrics/markdown';
import { renderMetricsHtml } from '../metrics/html';
import { renderOrgHtml, renderOrgMarkdown } from '../metrics/org';
import { apiBaseUrl, cliGitHubClient } from '../github/octokit';
import { graphqlOverRequest, OrgApiError, type GraphqlFn } from '../github/org-ledgers';
import { runOrgReport } from '../github/org-report';
import { defaultCacheDir, OrgCache } from '../io/org-cache';
import { NdjsonWriter } from '../io/ndjson';
import { stripControl } from '../text/escape';
import { errorMessage } from '../errors';
import { UsageError, UserError } from '../errors';
import { parseNow } from './args';
import { EXIT, usageError, type CliIO } from './io';
import { commandHelp, formatOption, OPT, parseCommand, type CommandSpec } from './options';
import { defaultSince, type BucketKind } from '../metrics/time';
import { DEFAULT_RETENTION_DAYS, retentionFromEnv } from '../ledger/compact';
import { DAY_MS } from '../ledger/time';

/**
 * `defect-gate report`: the metrics report of one ledger (file, or a branch read through the API) or of every
 * repository of an organization (`--org`), as Markdown, one self-contained HTML file, or JSON for dashboards.
 * The I/O shell around the pure src/metrics/ modules.
 */

export const DEFAULT_LEDGER_BRANCH = 'defect-gate-data';

export const REPORT_OPTIONS = {
  ledger: { ...OPT.ledger, arg: 'file:PATH|branch:NAME', help: 'the ledger (a branch is read through the API, with --repo)' },
  repo: { ...OPT.repo, help: 'read the ledger branch of this repository (default branch: defect-gate-data)' },
  org: {
    ...OPT.org,
    help: 'every repository of the organization: hot spots, SLA compliance, worst offenders (GraphQL, 100 repositories a query; docs/org-report.md)',
  },
  export: {
    type: 'string',
    arg: 'ndjson FILE',
    help: 'with --org: one row per finding per repository, for a data warehouse (docs/org-report.md)',
  },
  cache: {
    type: 'string',
    arg: 'DIR',
    help: 'with --org: where ledger files are cached between reports; default: DEFECT_GATE_CACHE_DIR or the user cache directory',
  },
  'no-cache': { type: 'boolean', help: 'with --org: no cache (every ledger read from GitHub)' },
  branch: OPT.branch,
  scope: OPT.scope,
  'ledger-scope': { ...OPT['ledger-scope'], help: 'the same as --scope' },
  policy: { ...OPT.policy, help: 'the policy whose levels, SLA and exceptions the metrics use; default: the built-in one' },
  since: OPT.since,
  until: OPT.until,
  bucket: OPT.bucket,
  format: formatOption(['markdown', 'html', 'json']),
  output: OPT.output,
  html: OPT.html,
  'production-env': OPT['production-env'],
  'api-url': OPT['api-url'],
  now: OPT.now,
  workspace: OPT.workspace,
  help: OPT.help,
} as const;

export const REPORT: CommandSpec = {
  name: 'report',
  usage: ['report (--ledger file:PATH | --repo OWNER/REPO [--branch NAME] | --org OWNER) [options]'],
  about:
    'Writes defect metrics from a ledger: open by severity, component, CWE and tool; opened / fixed / reopened per bucket; time to resolve; SLA compliance and breaches; age; accepted risk; window of exposure; verification coverage; hot spots. As Markdown (default), one self-contained HTML file, or JSON.',
  options: REPORT_OPTIONS,
};

/** `defect-gate report …`; `argv` follows `report`. */
export async function runReportCli(argv: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseCommand(argv, REPORT_OPTIONS);
  } catch (err) {
    return usageError(io, errorMessage(err), 'report');
  }
  const { values: o, positionals: files } = parsed;
  if (o.help) {
    io.stdout(commandHelp(REPORT));
    return EXIT.ok;
  }
  const now = parseNow(o.now, io.now());
  if (typeof now === 'string') return usageError(io, now, 'report');
  // `--export ndjson FILE`: the one positional is the export's file.
  const exportPath = o.export !== undefined && files.length === 1 ? files[0] : undefined;
  if (files.length > (exportPath !== undefined ? 1 : 0))
    return usageError(io, `report takes no files (got "${files[exportPath !== undefined ? 1 : 0]}")`, 'report');
  return runReportCommand(
    {
      ledger: o.ledger,
      org: o.org,
      cache: o.cache,
      noCache: o['no-cache'],
      exportFormat: o.export,
      exportPath,
      repo: o.repo,
      branch: o.branch,
      scope: o.scope ?? o['ledger-scope'],
      policy: o.policy,
      workspace: resolve(io.cwd, o.workspace ?? '.'),
      since: o.since,
      until: o.until,
      bucket: o.bucket,
      format: o.format,
      output: o.output,
      html: o.html,
      apiUrl: o['api-url'],
      productionEnv: o['production-env'],
      now,
    },
    io,
  );
}

export interface ReportCommandOptions {
  ledger?: string;
  org?: string;
  repo?: string;
  branch?: string;
  scope?: string;
  policy?: string;
  workspace: string;
  since?: string;
  until?: string;
  bucket?: string;
  format?: string;
  output?: string;
  html?: string;
  apiUrl?: string;
  productionEnv?: string[];
  /** --org: the cache directory (default: DEFECT_GATE_CACHE_DIR or the user's cache directory); --no-cache: none. */
  cache?: string;
  noCache?: boolean;
  /** --org: `--export ndjson FILE` (docs/org-report.md). */
  exportFormat?: string;
  exportPath?: string;
  now: Date;
}

export interface ReportIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: Record<string, string | undefined>;
}

export interface ReportDeps {
  /** The GitHub API (tests); default: an Octokit client from --api-url / GITHUB_API_URL and GITHUB_TOKEN / GH_TOKEN. */
  request?: GitHubRequest;
  /** Milliseconds per second of retry delays (tests). */
  retryBaseMs?: number;
  /** GraphQL for --org (tests); default: `POST /graphql` through `request`. */
  graphql?: GraphqlFn;
  /** Repositories per page when listing an organization (GitHub's maximum, 100, by default). */
  pageSize?: number;
  /** This machine's clock, for the age of the --org cache (tests). */
  clock?: () => Date;
  /** Age of the last full listing after which --org lists every repository again (default 24 h). */
  cacheMaxAgeMs?: number;
}

/** `2026-03-01`, `2026-03-01T12:00:00Z` or a month `2026-03`; `end` makes a date-only value the end of that day/month. */
export function parsePeriodDate(flag: string, v: string, end: boolean): Date {
  const s = v.trim();
  let m = /^(\d{4})-(\d{2})$/.exec(s);
  if (m) {
    const y = Number(m[1]);
    const mo = Number(m[2]) - 1;
    if (mo >= 0 && mo < 12) return new Date(end ? Date.UTC(y, mo + 1, 1) - 1 : Date.UTC(y, mo, 1));
  }
  m = /^\d{4}-\d{2}-\d{2}$/.exec(s);
  if (m) {
    const t = Date.parse(`${s}T00:00:00Z`);
    if (!Number.isNaN(t)) return new Date(end ? t + 86_400_000 - 1 : t);
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(Date.parse(s))) return new Date(Date.parse(s));
  throw new UsageError(`invalid ${flag} "${v}": expected a date such as 2026-06-01, a month such as 2026-06, or an ISO time`);
}

export function metricsOptions(o: ReportCommandOptions, policy: Policy): MetricsOptions {
  const bucket = o.bucket ?? 'month';
  if (bucket !== 'week' && bucket !== 'month') throw new UsageError(`invalid --bucket "${bucket}": expected week or month`);
  const since = o.since !== undefined ? parsePeriodDate('--since', o.since, false) : undefined;
  let until = o.until !== undefined ? parsePeriodDate('--until', o.until, true) : undefined;
  if (until && until.getTime() > o.now.getTime()) until = o.now;
  if (since && since.getTime() > (until ?? o.now).getTime()) throw new UsageError(`--since ${o.since} is after the end of the period`);
  const prod = (o.productionEnv ?? [])
    .flatMap((x) => x.split(','))
    .map((x) => x.trim())
    .filter(Boolean);
  return {
    now: o.now,
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
    bucket: bucket as BucketKind,
    levels: policy.levels,
    sla: policy.sla,
    productionEnvironments: prod.length ? prod : ['production'],
    exceptions: policy.exceptions.entries.map((e) => ({
      id: e.id,
      type: e.type,
      ...(e.entry['approved-by'] ? { approvedBy: e.entry['approved-by'] } : {}),
      ...(e.entry.expires ? { expires: e.entry.expires } : {}),
      ...(e.entry.due ? { due: e.entry.due } : {}),
    })),
    expiringDays: Math.max(policy.exceptions.expiringDays, 30),
  };
}

function splitRepo(s: string): { owner: string; repo: string } {
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(s.trim());
  if (!m) throw new UsageError(`invalid repository "${s}": expected OWNER/REPO`);
  return { owner: m[1] as string, repo: m[2] as string };
}

function statusOf(err: unknown): number | undefined {
  const s = (err as { status?: unknown })?.status;
  return typeof s === 'number' ? s : undefined;
}

function describe(err: unknown): string {
  const status = statusOf(err);
  const msg = (err instanceof Error ? err.message : String(err)).split('\n')[0]?.slice(0, 200) ?? '';
  return status ? `HTTP ${status}: ${msg}` : msg;
}

export async function runReportCommand(o: ReportCommandOptions, io: ReportIO, deps: ReportDeps = {}): Promise<number> {
  try {
    return await report(o, io, deps);
  } catch (err) {
    if (err instanceof UsageError) return usageError(io, err.message, 'report');
    // A policy or ledger that cannot be used, GitHub's answer (with its HTTP status) or GraphQL errors: exit 2, the message.
    if (err instanceof UserError || err instanceof OrgApiError || statusOf(err) !== undefined) {
      io.stderr(`defect-gate: ${stripControl(describe(err))}\n`);
      return 2;
    }
    throw err;
  }
}

async function report(o: ReportCommandOptions, io: ReportIO, deps: ReportDeps): Promise<number> {
  const format = o.format ?? 'markdown';
  if (format !== 'markdown' && format !== 'html' && format !== 'json')
    throw new UsageError(`invalid --format "${format}" for report: expected markdown, html or json`);
  const scope = o.scope ?? 'default';
  try {
    checkScope(scope);
  } catch (err) {
    throw new UsageError(errorMessage(err));
  }
  const branch = o.branch ?? DEFAULT_LEDGER_BRANCH;
  if (o.org !== undefined && (o.ledger !== undefined || o.repo !== undefined))
    throw new UsageError('--org reads every repository of the organization: do not combine it with --ledger or --repo');
  const { policy } = loadPolicy(o.policy, o.workspace);
  const mo = metricsOptions(o, policy);
  // Ledgers forget findings fixed longer ago than the retention window (src/ledger/compact.ts): a period that starts
  // before it counts fewer fixes than there were. Said, not hidden.
  let retention: number;
  try {
    retention = retentionFromEnv(io.env.DEFECT_GATE_LEDGER_RETENTION_DAYS) ?? DEFAULT_RETENTION_DAYS;
  } catch (err) {
    throw new UsageError(errorMessage(err));
  }
  const periodStart = mo.since?.getTime() ?? defaultSince((mo.until ?? mo.now).getTime(), mo.bucket ?? 'month');
  const horizon = mo.now.getTime() - retention * DAY_MS;
  if (periodStart < horizon) {
    io.stderr(
      `warning: the period starts ${new Date(periodStart).toISOString().slice(0, 10)}, before the ledger's retention window (${retention} days: findings fixed before ${new Date(horizon).toISOString().slice(0, 10)} are forgotten when a ledger is written, unless DEFECT_GATE_LEDGER_RETENTION_DAYS was larger there); fixes, MTTR and reopen figures before that date may be incomplete\n`,
    );
  }
  const api = (): GitHubRequest =>
    deps.request ??
    cliGitHubClient(io.env, {
      apiUrl: o.apiUrl,
      warn: (m) => io.stderr(`warning: ${m}\n`),
      // The reports only read (the organization's ledgers through GraphQL, blobs, a repository's ledger branch).
      queriesOnly: true,
      ...(deps.retryBaseMs !== undefined ? { retryBaseMs: deps.retryBaseMs } : {}),
    }).request;
  const now = () => o.now;

  let markdown: () => string;
  let htmlText: () => string;
  let json: unknown;
  if (o.org !== undefined) {
    const org = o.org.trim();
    if (!/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(org)) throw new UsageError(`invalid --org "${o.org}": expected an organization login`);
    const request = api();
    const base = apiBaseUrl(io.env, o.apiUrl);
    const graphql = deps.graphql ?? graphqlOverRequest(request, base);
    const cacheDir = o.noCache ? undefined : o.cache !== undefined ? resolve(o.workspace, o.cache) : defaultCacheDir(io.env);
    let writer: NdjsonWriter | undefined;
    if (o.exportFormat !== undefined || o.exportPath !== undefined) {
      if (o.exportFormat !== 'ndjson') throw new UsageError(`invalid --export "${o.exportFormat ?? ''}": expected --export ndjson FILE`);
      if (!o.exportPath) throw new UsageError('--export ndjson needs the file: --export ndjson FILE');
      const path = resolve(o.workspace, o.exportPath);
      const why = outputPathProblem(path);
      if (why) throw new UsageError(`--export: cannot write ${JSON.stringify(path)}: ${why}`);
      writer = new NdjsonWriter(path);
    }
    io.stderr(
      `${org}: reading ledger branch ${branch} (scope ${scope}) of every repository through GraphQL${cacheDir ? `; cache ${cacheDir}` : '; no cache'}\n`,
    );
    let out: Awaited<ReturnType<typeof runOrgReport>>;
    try {
      const w = writer;
      out = await runOrgReport(graphql, request, {
        org,
        branch,
        scope,
        api: base,
        metrics: mo,
        ...(cacheDir ? { cache: new OrgCache(cacheDir) } : {}),
        ...(deps.cacheMaxAgeMs !== undefined ? { maxAgeMs: deps.cacheMaxAgeMs } : {}),
        clock: deps.clock ?? (() => new Date()),
        ...(deps.pageSize ? { pageSize: deps.pageSize } : {}),
        ...(w ? { sink: { row: (r) => w.write(r), reset: () => w.reset() } } : {}),
        log: (m) => io.stderr(`${m}\n`),
      });
      writer?.close();
    } catch (err) {
      writer?.abort();
      throw err;
    }
    const { metrics: agg, stats } = out;
    io.stderr(
      `${org}: ${stats.totalCount} repositories (${stats.archived} archived, skipped); ${stats.mode} listing${stats.reason ? ` (${stats.reason})` : ''}; ${stats.changed} ledgers read, ${stats.fromCache} from the cache; ${stats.graphqlCalls + stats.restCalls} API calls (${stats.graphqlCalls} GraphQL, ${stats.restCalls} REST)${stats.rateLimitRemaining !== undefined ? `; GraphQL points left: ${stats.rateLimitRemaining}` : ''}\n`,
    );
    if (writer) io.stderr(`export: ${o.exportPath} (${writer.rows} rows)\n`);
    markdown = () => renderOrgMarkdown(agg);
    htmlText = () => renderOrgHtml(agg);
    json = agg;
  } else {
    let book: LedgerBook | undefined;
    let subject: string;
    const spec = o.ledger !== undefined ? parseSpec(o.ledger) : o.repo !== undefined ? ({ kind: 'branch', branch } as const) : undefined;
    if (!spec)
      throw new UsageError(
        'report needs a ledger: --ledger file:PATH, --ledger branch:NAME --repo OWNER/REPO, --repo OWNER/REPO, or --org OWNER',
      );
    if (spec.kind === 'file') {
      const store = new FileLedgerStore(resolve(o.workspace, spec.path), now, spec.path);
      book = await store.read(scope);
      subject = `${spec.path} (scope ${scope})`;
      if (!book) throw new UsageError(`no ledger book "${scope}" in ${spec.path} (does the file exist? is --scope right?)`);
    } else {
      const repoText = o.repo ?? io.env.GITHUB_REPOSITORY;
      if (!repoText) throw new UsageError('a branch ledger needs the repository: --repo OWNER/REPO (or GITHUB_REPOSITORY)');
      const repo = splitRepo(repoText);
      book = await new BranchLedgerStore(api(), repo, spec.branch, now).read(scope);
      subject = `${repo.owner}/${repo.repo} (scope ${scope})`;
      if (!book) throw new UsageError(`no ledger book "${scope}" on branch ${spec.branch} of ${repo.owner}/${repo.repo}`);
    }
    const m: Metrics = computeMetrics(book, mo);
    markdown = () => renderMetricsMarkdown(m, { subject });
    htmlText = () => renderMetricsHtml(m, { subject });
    json = { ...m, subject };
  }
  const main = format === 'json' ? `${JSON.stringify(json, null, 2)}\n` : format === 'html' ? htmlText() : markdown();
  if (o.output) {
    write(resolve(o.workspace, o.output), main, 'output');
    io.stderr(`report: ${o.output}\n`);
  } else io.stdout(main);
  if (o.html) {
    write(resolve(o.workspace, o.html), format === 'html' ? main : htmlText(), 'html');
    io.stderr(`HTML report: ${o.html}\n`);
  }
  return 0;
}

function parseSpec(s: string): ReturnType<typeof parseLedgerSpec> {
  try {
    return parseLedgerSpec(s);
  } catch (err) {
    throw new UsageError(errorMessage(err));
  }
}

function write(path: string, text: string, option: string): void {
  const why = outputPathProblem(path);
  if (why) throw new UsageError(`--${option}: cannot write the report to ${JSON.stringify(path)}: ${why}`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}
