import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import {
  buildClientSchema,
  execute,
  GraphQLError,
  parse,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';
import { gitBlobSha, shardEntries, trimRuns } from '../../src/ledger/branch-store';
import { prng } from './mutate';
import { LEDGER_VERSION, type LedgerBook, type LedgerEntry, type RunSnapshot } from '../../src/ledger/schema';

/**
 * A simulated GitHub organization of N repositories, served over HTTP like api.github.com: `POST /graphql` (every
 * query parsed and validated against GitHub's published schema, `@octokit/graphql-schema`, then executed by
 * graphql-js over the simulated data) and `GET /repos/{owner}/{repo}/git/blobs/{sha}` (the fallback for blobs whose
 * GraphQL `text` is truncated). Used by the org report tests (300 repositories, no latency) and `bench/org.mjs`
 * (5,000 repositories, 50 ms per call).
 *
 * Ledgers are generated deterministically per repository (seeded by index and version) and serialised by the ledger
 * branch store's own writer (`shardEntries`, `trimRuns`, the meta file), so the files are those a real run writes:
 * `<scope>/meta.json`, `<scope>/runs.json`, `<scope>/entries/<xx>.json`. The files are made once per repository
 * and version and kept: in memory (tests), or on disk (`diskCache`, the bench: 5,000 ledgers are ~185 MB, made once
 * and reused between runs), so that serving a page costs little next to the report that reads it.
 *
 * Like GitHub: `first` is required on connections and at most 100; answers carry `x-ratelimit-*` headers and
 * `rateLimit { cost remaining }` goes down per query; a request without a token gets 401.
 */

// The introspection result (schema.json): the package's SDL file defines two fields twice, which graphql-js refuses.
const SCHEMA_PATH = resolve('node_modules/@octokit/graphql-schema/schema.json');
let schemaCache: GraphQLSchema | undefined;
export function githubSchema(): GraphQLSchema {
  schemaCache ??= buildClientSchema(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as IntrospectionQuery);
  return schemaCache;
}

/** Validation errors of a query against GitHub's GraphQL schema (empty when valid). */
export function validateQuery(query: string): string[] {
  let doc: DocumentNode;
  try {
    doc = parse(query);
  } catch (err) {
    return [(err as GraphQLError).message];
  }
  return validate(githubSchema(), doc).map((e) => e.message);
}

const DAY = 86_400_000;
const TOOLS: [string, string, string[], string[]][] = [
  ['CodeQL', 'sast', ['js/xss', 'js/sql-injection', 'js/path-injection', 'js/weak-crypto'], ['CWE-79', 'CWE-89', 'CWE-22', 'CWE-327']],
  ['Semgrep', 'sast', ['express-open-redirect', 'jwt-none-alg'], ['CWE-601', 'CWE-347']],
  ['Trivy', 'sca', ['CVE-2024-29041', 'CVE-2024-45590', 'CVE-2024-37890', 'CVE-2023-45857'], ['CWE-601', 'CWE-400', 'CWE-476', 'CWE-352']],
  ['Gitleaks', 'secret', ['aws-access-token', 'generic-api-key'], ['CWE-798']],
  ['Checkov', 'iac', ['CKV_AWS_20', 'CKV_K8S_20'], ['CWE-284', 'CWE-250']],
];
const SEVERITIES = ['critical', 'high', 'high', 'medium', 'medium', 'medium', 'low', 'low', 'info'];
const COMPONENTS = ['api', 'web', 'auth', 'payments', 'infra'];
const TEAMS = ['@acme/platform', '@acme/payments', '@acme/web', '@acme/security'];

export interface SimOptions {
  org?: string;
  repos: number;
  /** Share of repositories with a ledger (default 0.8). */
  withLedger?: number;
  /** Every `bigEvery`-th repository has a big ledger (`bigEntries` entries and more, several shards). Default 500. */
  bigEvery?: number;
  /** Entries of a big ledger (at least; up to 1.6 times). Default 2,500. */
  bigEntries?: number;
  /** Other ledgers have 0 to `maxEntries` entries (skewed towards few). Default 160. */
  maxEntries?: number;
  /** Blob text above this many bytes is truncated in GraphQL answers (isTruncated). Default 512 KiB. */
  textLimit?: number;
  /** Milliseconds added to every answer. */
  latencyMs?: number;
  /** The simulated "now" the ledgers are written at. */
  now: Date;
  branch?: string;
  scope?: string;
  /** Answer REST blob reads for every blob served (not only truncated ones): a cache that lost a file. */
  serveAllBlobs?: boolean;
  /**
   * Where generated ledger files are kept between runs (bench/out/: generating 5,000 ledgers costs more CPU than the
   * report that reads them). `key` names what else the files depend on (the bench passes a hash of the bundled
   * simulator, hence of the ledger writer): files of other options or code are in another directory. Without it, files
   * are kept in memory (the tests: 300 repositories).
   */
  diskCache?: { dir: string; key: string };
}

interface RepoState {
  name: string;
  version: number;
  pushedAt: string;
  /** `pushedAt` in ms (the PUSHED_AT order sorts 5,000 repositories per page). */
  pushedMs: number;
  /** When the ledger was last written (meta.json's `updatedAt`): a push to another branch does not change it. */
  ledgerAt: string;
  archived: boolean;
  ledger: boolean;
}

interface GenFile {
  path: string;
  name: string;
  text: string;
  oid: string;
}

export class OrgSim {
  readonly org: string;
  readonly branch: string;
  readonly scope: string;
  private readonly repos: RepoState[] = [];
  /** GraphQL requests answered (every POST /graphql). */
  graphqlCalls = 0;
  /** REST requests answered. */
  restCalls = 0;
  /** Queries that did not validate against GitHub's schema, and other protocol errors. */
  readonly errors: string[] = [];
  private points = 5000;
  private restRemaining = 5000;
  private server?: Server;
  url = '';
  /** Blobs served truncated, by oid: the REST fallback answers these. */
  private readonly truncated = new Map<string, string>();
  private clock: number;

  constructor(readonly o: SimOptions) {
    this.org = o.org ?? 'acme';
    this.branch = o.branch ?? 'defect-gate-data';
    this.scope = o.scope ?? 'default';
    this.clock = o.now.getTime();
    const rnd = prng(42);
    for (let i = 0; i < o.repos; i++) {
      const pushedMs = Math.floor((o.now.getTime() - Math.floor(rnd() * 90 * DAY) - DAY) / 1000) * 1000;
      this.repos.push({
        name: `repo-${String(i).padStart(5, '0')}`,
        version: 0,
        pushedAt: new Date(pushedMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        pushedMs,
        ledgerAt: new Date(pushedMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        archived: i % 97 === 96,
        ledger: rnd() < (o.withLedger ?? 0.8),
      });
    }
    if (o.diskCache) {
      const what = JSON.stringify([o.diskCache.key, o.now, o.bigEvery, o.bigEntries, o.maxEntries, this.scope, LEDGER_VERSION]);
      this.diskDir = join(o.diskCache.dir, `ledgers-${createHash('sha256').update(what).digest('hex').slice(0, 16)}`);
      mkdirSync(this.diskDir, { recursive: true });
    }
  }

  /** The directory of this simulation's generated ledgers (with `diskCache`). */
  readonly diskDir?: string;
  private readonly memFiles = new Map<string, GenFile[]>();
  private readonly memBooks = new Map<string, LedgerBook>();
  /** Ledgers generated (not found in the disk or memory cache), for the bench's log. */
  generated = 0;

  /** Repositories in the organization, archived ones included. */
  get size(): number {
    return this.repos.length;
  }

  get calls(): number {
    return this.graphqlCalls + this.restCalls;
  }

  resetCounts(): void {
    this.graphqlCalls = 0;
    this.restCalls = 0;
  }

  /** A push that changes repository `i`'s ledger (a new run wrote it). */
  touchLedger(i: number): void {
    const r = this.repos[i] as RepoState;
    r.version++;
    r.ledger = true;
    this.push(r);
    r.ledgerAt = r.pushedAt;
  }

  /** A push to another branch: the ledger does not change. */
  touchCode(i: number): void {
    this.push(this.repos[i] as RepoState);
  }

  /** A new repository (with a ledger), pushed now. */
  addRepo(name: string): void {
    const r: RepoState = { name, version: 0, pushedAt: '', pushedMs: 0, ledgerAt: '', archived: false, ledger: true };
    this.repos.push(r);
    this.push(r);
    r.ledgerAt = r.pushedAt;
  }

  removeRepo(name: string): void {
    const i = this.repos.findIndex((r) => r.name === name);
    if (i >= 0) this.repos.splice(i, 1);
  }

  private push(r: RepoState): void {
    this.clock += 1000;
    r.pushedMs = this.clock;
    r.pushedAt = new Date(this.clock).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  /** The ledger book of repository `name` as it is now (what the report must find). */
  book(name: string): LedgerBook | undefined {
    const i = this.repos.findIndex((r) => r.name === name);
    const r = this.repos[i];
    return r?.ledger ? this.bookOf(i, r) : undefined;
  }

  /** Books are generated once per repository and version (the tests compare several reports with them). */
  private bookOf(i: number, r: RepoState): LedgerBook {
    const key = `${i}:${r.version}`;
    let b = this.memBooks.get(key);
    if (!b) {
      b = this.generate(i, r);
      this.memBooks.set(key, b);
    }
    return b;
  }

  repositoryNames(): string[] {
    return this.repos.filter((r) => !r.archived).map((r) => `${this.org}/${r.name}`);
  }

  private generate(i: number, r: RepoState): LedgerBook {
    const rnd = prng(i * 7919 + r.version * 104729 + 1);
    const now = this.o.now.getTime();
    const big = (this.o.bigEvery ?? 500) > 0 && i % (this.o.bigEvery ?? 500) === 7;
    const n = big
      ? Math.floor((this.o.bigEntries ?? 2500) * (1 + rnd() * 0.6))
      : Math.floor(rnd() * rnd() * (this.o.maxEntries ?? 160)) + (r.version > 0 ? 1 : 0);
    const entries: Record<string, LedgerEntry> = {};
    for (let k = 0; k < n; k++) {
      const [tool, kind, rules, cwes] = TOOLS[Math.floor(rnd() * TOOLS.length)] as (typeof TOOLS)[number];
      const ri = Math.floor(rnd() * rules.length);
      const component = COMPONENTS[Math.floor(rnd() * COMPONENTS.length)] as string;
      const severity = SEVERITIES[Math.floor(rnd() * SEVERITIES.length)] as string;
      const first = now - Math.floor(rnd() * 300 * DAY) - 3_600_000;
      const iso = (x: number) => new Date(x).toISOString();
      const fp = `${(i * 2654435761 + r.version * 40503 + k * 2246822519).toString(16).padStart(12, '0')}${k.toString(16).padStart(6, '0')}`;
      const events: LedgerEntry['events'] = [{ at: iso(first), type: 'opened', severity }];
      let state: 'open' | 'fixed' = 'open';
      let fixedAt: string | undefined;
      let reopenedAt: string | undefined;
      let reopenedCount = 0;
      if (rnd() < 0.55) {
        const fix = Math.min(now - 60_000, first + Math.floor(rnd() * 120 * DAY) + 3_600_000);
        events.push({ at: iso(fix), type: 'fixed' });
        state = 'fixed';
        fixedAt = iso(fix);
        if (rnd() < 0.15 && fix + 5 * DAY < now) {
          const re = fix + Math.floor(rnd() * ((now - fix) / 2));
          events.push({ at: iso(re), type: 'reopened', severity });
          reopenedAt = iso(re);
          reopenedCount = 1;
          state = 'open';
          fixedAt = undefined;
          if (rnd() < 0.5) {
            const fix2 = Math.min(now - 60_000, re + Math.floor(rnd() * 30 * DAY) + 3_600_000);
            events.push({ at: iso(fix2), type: 'fixed' });
            state = 'fixed';
            fixedAt = iso(fix2);
          }
        }
      }
      const excepted = rnd() < 0.06;
      const team = TEAMS[Math.floor(rnd() * TEAMS.length)] as string;
      entries[fp] = {
        fingerprint: fp,
        tool,
        ruleId: rules[ri] as string,
        title: `${rules[ri]} in ${component}`,
        kind,
        path: `services/${component}/src/file${Math.floor(rnd() * 20)}.ts`,
        component,
        owners: rnd() < 0.8 ? [team, `@dev${Math.floor(rnd() * 30)}`] : [],
        cwe: [cwes[Math.min(ri, cwes.length - 1)] as string],
        environments: { default: iso(first), ...(rnd() < 0.5 ? { production: iso(first + DAY) } : {}) },
        firstSeen: iso(first),
        lastSeen: iso(state === 'open' ? now - 60_000 : Date.parse(fixedAt as string) - 1000),
        state,
        ...(fixedAt ? { fixedAt } : {}),
        reopenedCount,
        ...(reopenedAt ? { reopenedAt } : {}),
        severity,
        gated: !excepted,
        events,
        ...(excepted
          ? {
              exceptions: [
                {
                  id: `EX-${i}-${k}`,
                  type: rnd() < 0.7 ? 'accepted-risk' : 'false-positive',
                  from: iso(first + DAY),
                  approvedBy: 'security-team',
                },
              ],
            }
          : {}),
      };
    }
    const runs: RunSnapshot[] = [];
    const nRuns = Math.floor(rnd() * 60) + 5;
    for (let k = 0; k < nRuns; k++) {
      runs.push({
        at: new Date(now - (nRuns - k) * DAY).toISOString(),
        environment: k % 3 === 0 ? 'production' : 'default',
        event: 'push',
        ref: 'refs/heads/main',
        tools: TOOLS.map((t) => t[0]),
        toolKinds: Object.fromEntries(TOOLS.map((t) => [t[0], [t[1]]])),
        open: {},
        new: 0,
        fixed: 0,
        reopened: 0,
        slaBreached: 0,
        slaDueSoon: 0,
        verdict: k % 4 === 0 ? 'fail' : 'pass',
      });
    }
    return { entries, runs };
  }

  /** The files of repository `i` at its version: from the disk (bench) or memory (tests) cache, else generated. */
  private files(i: number, r: RepoState): GenFile[] {
    const key = this.fileKey(i, r);
    if (this.diskDir) {
      const path = join(this.diskDir, `${key}.json`);
      try {
        return JSON.parse(readFileSync(path, 'utf8')) as GenFile[];
      } catch {
        // not generated yet
      }
      const files = this.write(i, r);
      writeFileSync(`${path}.tmp`, JSON.stringify(files));
      renameSync(`${path}.tmp`, path);
      return files;
    }
    let files = this.memFiles.get(key);
    if (!files) {
      files = this.write(i, r);
      this.memFiles.set(key, files);
    }
    return files;
  }

  private fileKey(i: number, r: RepoState): string {
    return `${i}-${r.version}-${Date.parse(r.ledgerAt) / 1000}`;
  }

  /** Every ledger generated (and kept) ahead of the first query, so that serving costs little (the bench). */
  pregenerate(): void {
    this.repos.forEach((r, i) => {
      if (!r.ledger) return;
      if (this.diskDir && existsSync(join(this.diskDir, `${this.fileKey(i, r)}.json`))) return;
      this.files(i, r);
    });
  }

  /** The files the ledger branch store writes for this book under `<scope>/`. */
  private write(i: number, r: RepoState): GenFile[] {
    this.generated++;
    const book = this.diskDir ? this.generate(i, r) : this.bookOf(i, r);
    const shards = shardEntries(book.entries);
    const out: GenFile[] = [];
    const add = (path: string, text: string) =>
      out.push({ path: `${this.scope}/${path}`, name: path.split('/').pop() as string, text, oid: gitBlobSha(text) });
    for (const [p, text] of shards) add(p, text);
    add('runs.json', trimRuns(book.runs));
    add(
      'meta.json',
      `${JSON.stringify({ schema: 'defect-gate-ledger', version: LEDGER_VERSION, updatedAt: r.ledgerAt, shards: shards.size }, null, 1)}\n`,
    );
    return out;
  }

  private treeOf(files: GenFile[], dir: string): Record<string, unknown> {
    const limit = this.o.textLimit ?? 512 * 1024;
    const entries: Record<string, unknown>[] = [];
    const subdirs = new Set<string>();
    for (const f of files) {
      const rel = f.path.slice(dir.length + 1);
      if (rel.includes('/')) {
        subdirs.add(rel.split('/')[0] as string);
        continue;
      }
      const size = Buffer.byteLength(f.text);
      const truncated = size > limit;
      if (truncated || this.o.serveAllBlobs) this.truncated.set(f.oid, f.text);
      entries.push({
        name: rel,
        path: f.path,
        type: 'blob',
        oid: f.oid,
        mode: 33188,
        object: {
          __typename: 'Blob',
          oid: f.oid,
          byteSize: size,
          isTruncated: truncated,
          isBinary: false,
          text: truncated ? null : f.text,
        },
      });
    }
    for (const d of [...subdirs].sort()) {
      const sub = this.treeOf(files, `${dir}/${d}`);
      entries.push({ name: d, path: `${dir}/${d}`, type: 'tree', oid: sub.oid, mode: 16384, object: sub });
    }
    entries.sort((a, b) => String(a.name).localeCompare(String(b.name)));
    const oid = createHash('sha1')
      .update(entries.map((e) => `${String(e.name)}:${String(e.oid)}`).join('\n'))
      .digest('hex');
    return { __typename: 'Tree', oid, entries };
  }

  private repositoryObject(i: number, r: RepoState): Record<string, unknown> {
    return {
      __typename: 'Repository',
      name: r.name,
      nameWithOwner: `${this.org}/${r.name}`,
      isArchived: r.archived,
      pushedAt: r.pushedAt,
      object: ({ expression }: { expression?: string }) => {
        if (!r.ledger) return null;
        if (expression !== `${this.branch}:${this.scope}`) return null;
        const files = this.files(i, r);
        return this.treeOf(files, this.scope);
      },
    };
  }

  private connection(args: { first?: number; after?: string; orderBy?: { field: string; direction: string } }): Record<string, unknown> {
    if (args.first === undefined)
      throw new GraphQLError('You must provide a `first` or `last` value to properly paginate the `repositories` connection.');
    if (args.first > 100 || args.first < 1)
      throw new GraphQLError(
        `Requesting ${args.first} records on the \`repositories\` connection exceeds the \`first\` limit of 100 records.`,
      );
    const idx = this.repos.map((r, i) => ({ r, i }));
    const field = args.orderBy?.field ?? 'CREATED_AT';
    const dir = args.orderBy?.direction === 'DESC' ? -1 : 1;
    if (field === 'NAME') idx.sort((a, b) => dir * a.r.name.localeCompare(b.r.name));
    else if (field === 'PUSHED_AT')
      idx.sort((a, b) => dir * (a.r.pushedMs - b.r.pushedMs) || (a.r.name < b.r.name ? -1 : a.r.name > b.r.name ? 1 : 0));
    else if (field !== 'CREATED_AT') throw new GraphQLError(`simulator: ordering by ${field} is not simulated`);
    const start = args.after
      ? Number(
          Buffer.from(args.after, 'base64')
            .toString('utf8')
            .replace(/^cursor:/, ''),
        )
      : 0;
    if (!Number.isInteger(start) || start < 0) throw new GraphQLError('`after` is not a valid cursor');
    const page = idx.slice(start, start + args.first);
    const end = start + page.length;
    return {
      totalCount: this.repos.length,
      pageInfo: { hasNextPage: end < idx.length, endCursor: page.length ? Buffer.from(`cursor:${end}`).toString('base64') : null },
      nodes: page.map(({ r, i }) => this.repositoryObject(i, r)),
    };
  }

  /** Answers queued for the next GraphQL requests (a secondary rate limit, a 502), before the simulation. */
  readonly scripted: { status: number; headers?: Record<string, string>; body: unknown }[] = [];

  private async graphql(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    this.graphqlCalls++;
    const next = this.scripted.shift();
    if (next) {
      res.writeHead(next.status, { 'content-type': 'application/json; charset=utf-8', ...next.headers });
      res.end(JSON.stringify(next.body));
      return;
    }
    let payload: { query?: unknown; variables?: unknown };
    try {
      payload = JSON.parse(body) as typeof payload;
    } catch {
      return this.send(res, 400, { message: 'Problems parsing JSON' }, 'graphql');
    }
    if (typeof payload.query !== 'string') return this.send(res, 400, { message: 'A query attribute must be specified' }, 'graphql');
    let doc: DocumentNode;
    try {
      doc = parse(payload.query);
    } catch (err) {
      this.errors.push(`parse: ${(err as Error).message}`);
      return this.send(res, 200, { errors: [{ message: (err as Error).message }] }, 'graphql');
    }
    const invalid = validate(githubSchema(), doc);
    if (invalid.length) {
      this.errors.push(...invalid.map((e) => `validate: ${e.message}`));
      return this.send(res, 200, { errors: invalid.map((e) => ({ message: e.message })) }, 'graphql');
    }
    this.points -= 1;
    const root = {
      rateLimit: {
        cost: 1,
        limit: 5000,
        remaining: this.points,
        used: 5000 - this.points,
        resetAt: new Date(this.o.now.getTime() + 3_600_000).toISOString(),
        nodeCount: 100,
      },
      organization: ({ login }: { login: string }) =>
        login.toLowerCase() === this.org.toLowerCase()
          ? { __typename: 'Organization', login: this.org, repositories: (a: Parameters<OrgSim['connection']>[0]) => this.connection(a) }
          : null,
    };
    const result = await execute({
      schema: githubSchema(),
      document: doc,
      rootValue: root,
      variableValues: (payload.variables ?? {}) as Record<string, unknown>,
    });
    if (result.errors?.length) this.errors.push(...result.errors.map((e) => `execute: ${e.message}`));
    void req;
    return this.send(res, 200, result, 'graphql');
  }

  private send(res: ServerResponse, status: number, body: unknown, resource: 'graphql' | 'core'): void {
    const remaining = resource === 'graphql' ? this.points : this.restRemaining;
    const text = JSON.stringify(body);
    const headers = {
      'content-type': 'application/json; charset=utf-8',
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-used': String(5000 - remaining),
      'x-ratelimit-reset': String(Math.floor(this.o.now.getTime() / 1000) + 3600),
      'x-ratelimit-resource': resource,
    };
    const delay = this.o.latencyMs ?? 0;
    const go = () => {
      res.writeHead(status, headers);
      res.end(text);
    };
    if (delay > 0) setTimeout(go, delay);
    else go();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    if (!req.headers.authorization) return this.send(res, 401, { message: 'Requires authentication' }, 'core');
    if (req.method === 'POST' && url.pathname === '/graphql') return this.graphql(req, res, body);
    const m = /^\/repos\/([^/]+)\/([^/]+)\/git\/blobs\/([0-9a-f]{40})$/.exec(url.pathname);
    if (req.method === 'GET' && m) {
      this.restCalls++;
      this.restRemaining--;
      const text = this.truncated.get(m[3] as string);
      if (text === undefined || m[1] !== this.org) return this.send(res, 404, { message: 'Not Found' }, 'core');
      const size = Buffer.byteLength(text);
      return this.send(
        res,
        200,
        {
          sha: m[3],
          node_id: 'B_1',
          size,
          url: `${this.url}${url.pathname}`,
          content: Buffer.from(text).toString('base64'),
          encoding: 'base64',
        },
        'core',
      );
    }
    this.restCalls++;
    this.errors.push(`unexpected request ${req.method} ${url.pathname}`);
    return this.send(res, 404, { message: 'Not Found' }, 'core');
  }

  async start(): Promise<string> {
    githubSchema();
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.errors.push(`simulator crashed: ${String(err)}`);
        res.writeHead(500);
        res.end();
      });
    });
    await new Promise<void>((ok) => this.server?.listen(0, '127.0.0.1', ok));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    await new Promise<void>((ok) => (this.server ? this.server.close(() => ok()) : ok()));
  }
}
