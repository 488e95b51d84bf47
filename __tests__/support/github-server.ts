import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { installGitHandlers } from './git-handlers';
import { installHistoryHandlers, RepoHistory } from './repo-history';
import type { FakeGit } from './fake-git';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, expect } from '@jest/globals';
import { resolve } from 'node:path';
import { Ajv, type ValidateFunction, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';

/**
 * A local stand-in for api.github.com that validates EVERY request (path parameters, query, body) and every
 * response against GitHub's own REST API description (`@octokit/openapi`, api.github.com.json).
 *
 * - A request that does not validate gets 422 (with the validation errors) and is recorded in `server.errors`:
 *   tests assert `expect(server.errors).toEqual([])`. A response of ours that does not validate is recorded too.
 * - Built-in handlers keep state for check runs, issue comments and pull requests; `handle()` adds or replaces
 *   handlers for any operation in the description (e.g. repos/get-content for a ledger branch store).
 * - `script()` queues responses (403 for read-only tokens, rate limits, 5xx bursts) consumed before the handlers;
 *   `always()` installs a persistent override.
 * Limits GitHub documents in prose but not in the schema (annotation title/message, comment body) are checked too.
 */

const SPEC_PATH = resolve('node_modules/@octokit/openapi/generated/api.github.com.json');
// ajv-formats is CommonJS with a default export.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Schema = Record<string, unknown>;

interface ParamSpec {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: Schema;
}

interface OperationSpec {
  operationId: string;
  method: string;
  template: string;
  regex: RegExp;
  pathParams: string[];
  parameters: ParamSpec[];
  requestBody?: { required: boolean; schema?: Schema };
  responses: Record<string, Schema | undefined>;
}

export interface RecordedRequest {
  operationId: string;
  method: string;
  /** Path without the query. */
  path: string;
  params: Record<string, string | number>;
  query: Record<string, string | number | boolean>;
  headers: Record<string, string>;
  body: unknown;
  /** The status we answered with. */
  status?: number;
}

export interface ValidationFailure {
  operationId: string;
  method: string;
  path: string;
  where: 'request' | 'response' | 'route';
  errors: string[];
}

export interface ScriptedResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (req: RecordedRequest, server: GitHubServer) => ScriptedResponse | Promise<ScriptedResponse>;
export type Matcher = string | ((req: RecordedRequest) => boolean);

// ---------------------------------------------------------------------------------------------------------------
// The API description, loaded once per test file (jest isolates modules per file).

interface Spec {
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components: {
    schemas: Record<string, Schema>;
    parameters: Record<string, ParamSpec>;
    responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
    examples: Record<string, { value: unknown }>;
  };
}

let specCache: Spec | undefined;
let ajvCache: Ajv | undefined;
let opsCache: OperationSpec[] | undefined;
const validatorCache = new Map<string, ValidateFunction>();

function spec(): Spec {
  specCache ??= JSON.parse(readFileSync(SPEC_PATH, 'utf8')) as Spec;
  return specCache;
}

function ajv(): Ajv {
  if (!ajvCache) {
    // OpenAPI 3.0 schemas: `nullable` is understood by ajv 8; `example`, `x-github` and friends are ignored
    // (strict: false). `#/components/...` refs resolve inside the registered `gh` document.
    ajvCache = new Ajv({ strict: false, allErrors: true, logger: false, validateFormats: true });
    addFormats(ajvCache);
    ajvCache.addSchema({ $id: 'gh', components: { schemas: openApiNullable(spec().components.schemas) as Record<string, Schema> } });
  }
  return ajvCache;
}

function localRefs(schema: Schema): Schema {
  return openApiNullable(JSON.parse(JSON.stringify(schema).replace(/"\$ref":"#\/components\//g, '"$ref":"gh#/components/'))) as Schema;
}

/**
 * OpenAPI 3.0 `nullable: true` next to an `enum` means null is allowed (GitHub's description relies on it, e.g. a
 * check run's `conclusion`); JSON Schema's `enum` must list it. Adds `null` to such enums, in place.
 */
function openApiNullable(node: unknown): unknown {
  if (Array.isArray(node)) node.forEach(openApiNullable);
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (o.nullable === true && Array.isArray(o.enum) && !o.enum.includes(null)) o.enum = [...o.enum, null];
    for (const v of Object.values(o)) openApiNullable(v);
    // `nullable` beside allOf/anyOf/$ref without a `type` (the issue schema's `milestone`, `pull_request` …): ajv needs
    // a type for it, so it becomes "that, or null".
    if (o.nullable === true && o.type === undefined) {
      const inner = { ...o };
      delete inner.nullable;
      for (const k of Object.keys(o)) delete o[k];
      o.anyOf = [inner, { type: 'null' }];
    }
  }
  return node;
}

function validator(key: string, schema: Schema): ValidateFunction {
  let v = validatorCache.get(key);
  if (!v) {
    v = ajv().compile(localRefs(schema));
    validatorCache.set(key, v);
  }
  return v;
}

function deref<T>(x: unknown, section: 'parameters' | 'responses'): T {
  const ref = (x as { $ref?: string }).$ref;
  if (!ref) return x as T;
  const name = ref.replace(`#/components/${section}/`, '');
  return spec().components[section][name] as T;
}

function operations(): OperationSpec[] {
  if (opsCache) return opsCache;
  const ops: OperationSpec[] = [];
  for (const [template, item] of Object.entries(spec().paths)) {
    for (const [method, raw] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const op = raw as {
        operationId: string;
        parameters?: unknown[];
        requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
        responses: Record<string, unknown>;
      };
      const pathParams: string[] = [];
      const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_m, name: string) => {
        pathParams.push(name);
        // A file path (contents API) spans segments; every other parameter is one segment.
        return name === 'path' ? '(.+)' : '([^/]+)';
      });
      const responses: Record<string, Schema | undefined> = {};
      for (const [status, r] of Object.entries(op.responses)) {
        const resp = deref<{ content?: Record<string, { schema?: Schema }> }>(r, 'responses');
        responses[status] = resp.content?.['application/json']?.schema;
      }
      ops.push({
        operationId: op.operationId,
        method: method.toUpperCase(),
        template,
        regex: new RegExp(`^${source}$`),
        pathParams,
        parameters: (op.parameters ?? []).map((p) => deref<ParamSpec>(p, 'parameters')),
        requestBody: op.requestBody
          ? { required: op.requestBody.required ?? false, schema: op.requestBody.content?.['application/json']?.schema }
          : undefined,
        responses,
      });
    }
  }
  // Literal segments win over parameters (e.g. /issues/comments/{id} over /issues/{number}/...).
  ops.sort((a, b) => a.pathParams.length - b.pathParams.length);
  opsCache = ops;
  return ops;
}

/** The operation spec for an operationId (throws when GitHub's description has none). */
export function operation(operationId: string): OperationSpec {
  const op = operations().find((o) => o.operationId === operationId);
  if (!op) throw new Error(`no operation ${operationId} in GitHub's API description`);
  return op;
}

/** An example value from the API description (deep copy), e.g. `check-run`, `issue-comment`, `pull-request`. */
export function example<T = Record<string, unknown>>(name: string): T {
  const e = spec().components.examples[name];
  if (!e) throw new Error(`no example ${name}`);
  return structuredClone(e.value) as T;
}

function formatErrors(errors: ErrorObject[] | null | undefined, prefix: string): string[] {
  return (errors ?? []).map(
    (e) =>
      `${prefix}${e.instancePath || ''} ${e.message ?? e.keyword}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''}`,
  );
}

function coerce(value: string, schema: Schema): unknown {
  const type = schema.type;
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

/** Validates a request against the operation: path parameters, query, body. Returns the errors (empty: valid). */
export function validateRequest(
  op: OperationSpec,
  req: { params: Record<string, string>; query: Record<string, string>; body: unknown; hasBody: boolean },
): string[] {
  const errors: string[] = [];
  const known = new Set<string>();
  for (const p of op.parameters) {
    if (p.in !== 'path' && p.in !== 'query') continue;
    known.add(`${p.in}:${p.name}`);
    const raw = p.in === 'path' ? req.params[p.name] : req.query[p.name];
    if (raw === undefined) {
      if (p.required || p.in === 'path') errors.push(`${p.in} parameter ${p.name} is required`);
      continue;
    }
    const v = validator(`${op.operationId}:${p.in}:${p.name}`, p.schema);
    if (!v(coerce(raw, p.schema))) errors.push(...formatErrors(v.errors, `${p.in} parameter ${p.name}`));
  }
  for (const name of Object.keys(req.query)) {
    if (!known.has(`query:${name}`)) errors.push(`query parameter ${name} is not defined for ${op.operationId}`);
  }
  if (op.requestBody?.schema) {
    if (!req.hasBody) {
      if (op.requestBody.required) errors.push('request body is required');
    } else {
      const v = validator(`${op.operationId}:body`, op.requestBody.schema);
      if (!v(req.body)) errors.push(...formatErrors(v.errors, 'body'));
    }
  } else if (req.hasBody && op.method !== 'GET') {
    errors.push(`${op.operationId} takes no request body`);
  }
  errors.push(...documentedLimits(op.operationId, req.body));
  return errors;
}

/** Limits GitHub documents in the parameter descriptions rather than in the schema. */
function documentedLimits(operationId: string, body: unknown): string[] {
  const errors: string[] = [];
  const b = (body ?? {}) as Record<string, unknown>;
  if (operationId === 'checks/create' || operationId === 'checks/update') {
    const output = (b.output ?? {}) as { annotations?: Record<string, unknown>[] };
    (output.annotations ?? []).forEach((a, i) => {
      if (typeof a.title === 'string' && a.title.length > 255)
        errors.push(`body/output/annotations/${i}/title is longer than 255 characters`);
      for (const k of ['message', 'raw_details'] as const) {
        if (typeof a[k] === 'string' && Buffer.byteLength(a[k] as string) > 64 * 1024)
          errors.push(`body/output/annotations/${i}/${k} is larger than 64 KB`);
      }
      if ((a.start_column !== undefined || a.end_column !== undefined) && a.start_line !== a.end_line) {
        errors.push(`body/output/annotations/${i}: start_column and end_column need start_line == end_line`);
      }
    });
  }
  if (operationId === 'issues/create-comment' || operationId === 'issues/update-comment') {
    if (typeof b.body === 'string' && b.body.length > 65_536) errors.push('body/body is longer than 65536 characters');
  }
  return errors;
}

/** Validates a response body against the operation's response schema for that status. */
export function validateResponse(op: OperationSpec, status: number, body: unknown): string[] {
  const documented = Object.prototype.hasOwnProperty.call(op.responses, String(status));
  let schema = op.responses[String(status)];
  if (!documented) {
    // Errors GitHub returns on every endpoint (403 forbidden / rate limited, 429, 5xx) use the basic-error shape.
    if (status >= 400) schema = { $ref: '#/components/schemas/basic-error' };
    else return [`status ${status} is not a documented response of ${op.operationId}`];
  }
  if (!schema) return body === undefined || body === '' ? [] : [];
  const v = validator(`${op.operationId}:response:${documented ? status : 'error'}`, schema);
  return v(body) ? [] : formatErrors(v.errors, `response ${status}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Canned responses.

export const responses = {
  /** What a read-only GITHUB_TOKEN (fork PRs, Dependabot) gets on writes. */
  forbidden: (): ScriptedResponse => ({
    status: 403,
    body: { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest', status: '403' },
  }),
  /** A secondary rate limit (403 + retry-after, as GitHub answers). */
  secondaryRateLimit: (retryAfter = 1, status: 403 | 429 = 403): ScriptedResponse => ({
    status,
    headers: { 'retry-after': String(retryAfter) },
    body: {
      message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
      documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
      status: String(status),
    },
  }),
  /** A primary rate limit (x-ratelimit-remaining: 0, reset in `resetIn` seconds). */
  rateLimit: (resetIn = 1): ScriptedResponse => ({
    status: 403,
    headers: {
      'x-ratelimit-limit': '1000',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + resetIn),
    },
    body: { message: 'API rate limit exceeded for installation.', documentation_url: 'https://docs.github.com/rest', status: '403' },
  }),
  serverError: (status = 502): ScriptedResponse => ({ status, body: { message: status === 503 ? 'Service Unavailable' : 'Server Error' } }),
};

// ---------------------------------------------------------------------------------------------------------------

export interface CheckRunState {
  record: Record<string, unknown>;
  annotations: Record<string, unknown>[];
  /** Every create/update body, in order. */
  bodies: Record<string, unknown>[];
}

export interface CommentState {
  record: Record<string, unknown> & { id: number; body: string };
  issueNumber: number;
}

export class GitHubServer {
  readonly requests: RecordedRequest[] = [];
  readonly errors: ValidationFailure[] = [];
  readonly checkRuns = new Map<number, CheckRunState>();
  readonly comments = new Map<number, CommentState>();
  /** Pull requests by number: head sha and head repository `owner/name` (default acme/app) (served by pulls/get). */
  readonly pulls = new Map<number, { headSha: string; headRepo?: string }>();
  /** Issues by number (issues/create, get, update, list-for-repo), written as `viewer`. */
  readonly issues = new Map<
    number,
    Record<string, unknown> & { number: number; body: string; state: string; labels: { name: string }[] }
  >();
  private nextIssue = 1;
  /** The login the token belongs to: GraphQL `viewer` answers it; `GET /user` only when `userToken` (else 403). */
  viewer = 'github-actions[bot]';
  userToken = false;
  /** Answers for POST /graphql (not in the REST description; only the `viewer { login }` query is known). */
  graphqlResponse?: ScriptedResponse;
  private readonly handlers = new Map<string, Handler>();
  private readonly queue: { match: Matcher; response: ScriptedResponse; after?: boolean }[] = [];
  private readonly overrides: { match: Matcher; handler: Handler }[] = [];
  private nextId = 1000;
  private server?: Server;
  url = '';

  /** The in-memory Git repository behind the Git data API of `owner/repo` (the ledger branch lives there). */
  readonly git: (owner: string, repo: string) => FakeGit;

  /** Repository histories (files per commit, merged pull requests, reviews) by `owner/repo`: see ./repo-history.ts. */
  readonly histories = new Map<string, RepoHistory>();
  /** Org team members by `org/team-slug`. */
  readonly teams = new Map<string, string[]>();

  constructor() {
    this.installDefaultHandlers();
    this.git = installGitHandlers(this);
    installHistoryHandlers(this, this.histories, this.teams);
  }

  /** The history of `owner/repo` (created empty on first use): files at commits, merged pull requests, reviews. */
  history(owner: string, repo: string): RepoHistory {
    let h = this.histories.get(`${owner}/${repo}`);
    if (!h) this.histories.set(`${owner}/${repo}`, (h = new RepoHistory(owner, repo)));
    return h;
  }

  static async start(): Promise<GitHubServer> {
    const s = new GitHubServer();
    await s.listen();
    return s;
  }

  /** Listens on a free port of 127.0.0.1 (`start()` does it; `useGitHubServer()` in `beforeAll`). */
  async listen(): Promise<void> {
    operations(); // load the description before the first request
    this.server = createServer((req, res) => void this.serve(req, res));
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    const { port } = this.server!.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((ok) => this.server!.close(() => ok()));
  }

  /** Adds or replaces the handler of an operation (by operationId). */
  handle(operationId: string, handler: Handler): this {
    operation(operationId);
    this.handlers.set(operationId, handler);
    return this;
  }

  /** Queues responses for matching requests, used once each, in order, before the handlers. */
  script(match: Matcher, ...scripted: ScriptedResponse[]): this {
    for (const response of scripted) this.queue.push({ match, response });
    return this;
  }

  /**
   * Carried out, then failed: the matching request is handled as usual (state changes: a comment or check run IS
   * created), but the client gets `response` instead (e.g. 502), once per response, in order.
   */
  scriptAfter(match: Matcher, ...scripted: ScriptedResponse[]): this {
    for (const response of scripted) this.queue.push({ match, response, after: true });
    return this;
  }

  /** A persistent override for matching requests (e.g. every write gets 403). */
  always(match: Matcher, response: ScriptedResponse | Handler): this {
    this.overrides.push({ match, handler: typeof response === 'function' ? response : () => response });
    return this;
  }

  /** Forgets requests, errors, scripted responses, overrides and state (handlers stay). */
  reset(): void {
    this.requests.length = 0;
    this.errors.length = 0;
    this.queue.length = 0;
    this.overrides.length = 0;
    this.checkRuns.clear();
    this.comments.clear();
    this.pulls.clear();
    this.issues.clear();
    this.nextIssue = 1;
    this.viewer = 'github-actions[bot]';
    this.userToken = false;
    this.graphqlResponse = undefined;
    this.histories.clear();
    this.teams.clear();
  }

  /** Requests for one operation. */
  calls(operationId: string): RecordedRequest[] {
    return this.requests.filter((r) => r.operationId === operationId);
  }

  newId(): number {
    return this.nextId++;
  }

  private matches(m: Matcher, r: RecordedRequest): boolean {
    return typeof m === 'function' ? m(r) : m === '*' || m === r.operationId;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
    const send = (status: number, body: unknown, extra: Record<string, string> = {}) => {
      const text = body === undefined ? '' : JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...extra });
      res.end(text);
    };
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (method === 'POST' && path === '/graphql') {
      this.serveGraphql(raw, headers, send);
      return;
    }
    const op = operations().find((o) => o.method === method && o.regex.test(path));
    if (!op) {
      this.errors.push({
        operationId: '?',
        method,
        path,
        where: 'route',
        errors: [`no operation ${method} ${path} in GitHub's API description`],
      });
      send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
      return;
    }
    const m = op.regex.exec(path)!;
    const params: Record<string, string> = {};
    op.pathParams.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1] as string)));
    const query = Object.fromEntries(url.searchParams.entries());
    let body: unknown;
    const errors: string[] = [];
    if (raw !== '') {
      try {
        body = JSON.parse(raw) as Json;
      } catch {
        errors.push('request body is not JSON');
      }
    }
    if (!errors.length) errors.push(...validateRequest(op, { params, query, body, hasBody: raw !== '' }));
    const record: RecordedRequest = {
      operationId: op.operationId,
      method,
      path,
      params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, /^\d+$/.test(v) ? Number(v) : v])),
      query: Object.fromEntries(
        Object.entries(query).map(([k, v]) => [
          k,
          coerce(v, op.parameters.find((p) => p.name === k)?.schema ?? {}) as string | number | boolean,
        ]),
      ),
      headers,
      body,
    };
    this.requests.push(record);
    if (errors.length) {
      this.errors.push({ operationId: op.operationId, method, path, where: 'request', errors });
      record.status = 422;
      send(422, {
        message: 'Validation Failed',
        errors: errors.map((e) => ({ resource: op.operationId, code: 'invalid', message: e })),
        documentation_url: 'https://docs.github.com/rest',
      });
      return;
    }
    if (!headers.authorization) {
      record.status = 401;
      send(401, { message: 'Requires authentication', documentation_url: 'https://docs.github.com/rest' });
      return;
    }
    let out: ScriptedResponse;
    try {
      const q = this.queue.findIndex((s) => this.matches(s.match, record));
      const override = this.overrides.find((o) => this.matches(o.match, record));
      const queued = q >= 0 ? this.queue[q] : undefined;
      if (queued?.after) {
        // Carried out, then the answer is lost: run the handler, answer the scripted error.
        this.queue.splice(q, 1);
        const h = this.handlers.get(op.operationId);
        if (h) await h(record, this);
        out = queued.response;
      } else if (q >= 0) out = this.queue.splice(q, 1)[0]!.response;
      else if (override) out = await override.handler(record, this);
      else {
        const h = this.handlers.get(op.operationId);
        if (!h) {
          this.errors.push({
            operationId: op.operationId,
            method,
            path,
            where: 'route',
            errors: [`no handler for ${op.operationId} in the test server`],
          });
          out = { status: 501, body: { message: `test server: no handler for ${op.operationId}` } };
        } else out = await h(record, this);
      }
    } catch (err) {
      out = { status: 500, body: { message: `test server handler failed: ${(err as Error).message}` } };
      this.errors.push({ operationId: op.operationId, method, path, where: 'response', errors: [(err as Error).message] });
    }
    let responseErrors: string[];
    try {
      responseErrors = validateResponse(op, out.status, out.body);
    } catch (err) {
      responseErrors = [`response schema could not be compiled: ${(err as Error).message}`];
    }
    if (responseErrors.length) this.errors.push({ operationId: op.operationId, method, path, where: 'response', errors: responseErrors });
    record.status = out.status;
    send(out.status, out.body, out.headers);
  }

  /**
   * POST /graphql: GraphQL is not in the REST description, so this checks by hand: authenticated, a JSON body with a
   * `query` string, and only the one query defect-gate sends (`viewer { login }`); anything else is an error.
   */
  private serveGraphql(
    raw: string,
    headers: Record<string, string>,
    send: (status: number, body: unknown, extra?: Record<string, string>) => void,
  ): void {
    const record: RecordedRequest = {
      operationId: 'graphql',
      method: 'POST',
      path: '/graphql',
      params: {},
      query: {},
      headers,
      body: undefined,
    };
    this.requests.push(record);
    let body: { query?: unknown; variables?: unknown } | undefined;
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      body = undefined;
    }
    record.body = body;
    const q = typeof body?.query === 'string' ? body.query.replace(/\s+/g, ' ').trim() : undefined;
    if (!headers.authorization) {
      record.status = 401;
      send(401, { message: 'This endpoint requires you to be authenticated.' });
      return;
    }
    if (q !== 'query { viewer { login } }') {
      this.errors.push({
        operationId: 'graphql',
        method: 'POST',
        path: '/graphql',
        where: 'request',
        errors: [`unexpected GraphQL request: ${raw.slice(0, 200)}`],
      });
      record.status = 400;
      send(400, { message: 'Problems parsing JSON' });
      return;
    }
    const q2 = this.queue.findIndex((s) => this.matches(s.match, record));
    const out: ScriptedResponse =
      q2 >= 0
        ? this.queue.splice(q2, 1)[0]!.response
        : (this.graphqlResponse ?? { status: 200, body: { data: { viewer: { login: this.viewer } } } });
    record.status = out.status;
    send(out.status, out.body, out.headers);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Built-in handlers: check runs, issue comments, pull requests.

  private installDefaultHandlers(): void {
    const repoUrl = (r: RecordedRequest) => `${this.url}/repos/${r.params.owner}/${r.params.repo}`;
    const htmlRepo = (r: RecordedRequest) => `https://github.com/${r.params.owner}/${r.params.repo}`;
    const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

    const applyCheck = (state: CheckRunState, body: Record<string, unknown>) => {
      const rec = state.record;
      for (const k of ['name', 'details_url', 'external_id', 'status', 'conclusion', 'started_at', 'completed_at'] as const) {
        if (body[k] !== undefined) rec[k] = body[k];
      }
      if (body.conclusion !== undefined && body.status === undefined) rec.status = 'completed';
      if (rec.status === 'completed' && !rec.completed_at) rec.completed_at = now();
      const output = body.output as
        { title?: string; summary?: string; text?: string; annotations?: Record<string, unknown>[] } | undefined;
      if (output) {
        state.annotations.push(...(output.annotations ?? []));
        const o = rec.output as Record<string, unknown>;
        if (output.title !== undefined) o.title = output.title;
        if (output.summary !== undefined) o.summary = output.summary;
        if (output.text !== undefined) o.text = output.text;
        o.annotations_count = state.annotations.length;
      }
      state.bodies.push(body);
    };

    this.handle('checks/create', (r) => {
      const body = r.body as Record<string, unknown>;
      const id = this.newId();
      const record = example('check-run');
      Object.assign(record, {
        id,
        node_id: `CR_${id}`,
        head_sha: body.head_sha,
        name: body.name,
        external_id: body.external_id ?? '',
        details_url: body.details_url ?? null,
        url: `${repoUrl(r)}/check-runs/${id}`,
        html_url: `${htmlRepo(r)}/runs/${id}`,
        status: body.status ?? 'queued',
        conclusion: body.conclusion ?? null,
        started_at: body.started_at ?? now(),
        completed_at: body.completed_at ?? null,
        output: {
          title: null,
          summary: null,
          text: null,
          annotations_count: 0,
          annotations_url: `${repoUrl(r)}/check-runs/${id}/annotations`,
        },
        pull_requests: [],
      });
      const state: CheckRunState = { record, annotations: [], bodies: [] };
      applyCheck(state, body);
      this.checkRuns.set(id, state);
      return { status: 201, body: record };
    });
    this.handle('checks/update', (r) => {
      const state = this.checkRuns.get(Number(r.params.check_run_id));
      if (!state) return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };
      applyCheck(state, r.body as Record<string, unknown>);
      return { status: 200, body: state.record };
    });
    this.handle('checks/list-for-ref', (r) => {
      const runs = [...this.checkRuns.values()]
        .map((c) => c.record)
        .filter((c) => c.head_sha === r.params.ref && (r.query.check_name === undefined || c.name === r.query.check_name));
      const perPage = Number(r.query.per_page ?? 30);
      const page = Number(r.query.page ?? 1);
      return { status: 200, body: { total_count: runs.length, check_runs: runs.slice((page - 1) * perPage, page * perPage) } };
    });
    this.handle('users/get-authenticated', () => {
      if (!this.userToken) return responses.forbidden();
      const user = example('private-user');
      user.login = this.viewer;
      return { status: 200, body: user };
    });
    this.handle('checks/get', (r) => {
      const state = this.checkRuns.get(Number(r.params.check_run_id));
      if (!state) return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };
      return { status: 200, body: state.record };
    });

    this.handle('issues/list-comments', (r) => {
      const issue = Number(r.params.issue_number);
      const all = [...this.comments.values()].filter((c) => c.issueNumber === issue).map((c) => c.record);
      const perPage = Number(r.query.per_page ?? 30);
      const page = Number(r.query.page ?? 1);
      const items = all.slice((page - 1) * perPage, page * perPage);
      const last = Math.max(1, Math.ceil(all.length / perPage));
      const link = (p: number, rel: string) => `<${repoUrl(r)}/issues/${issue}/comments?per_page=${perPage}&page=${p}>; rel="${rel}"`;
      const links = [
        ...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []),
        ...(page > 1 ? [link(1, 'first'), link(page - 1, 'prev')] : []),
      ];
      const headers: Record<string, string> = links.length ? { link: links.join(', ') } : {};
      return { status: 200, body: items, headers };
    });
    const newComment = (r: RecordedRequest, issue: number, text: string, login = this.viewer) => {
      const id = this.newId();
      const record = example<Record<string, unknown> & { id: number; body: string }>('issue-comment');
      const user = record.user as Record<string, unknown>;
      Object.assign(user, { login, type: login.endsWith('[bot]') ? 'Bot' : 'User', id: 41898282 });
      Object.assign(record, {
        id,
        node_id: `IC_${id}`,
        body: text,
        url: `${repoUrl(r)}/issues/comments/${id}`,
        html_url: `${htmlRepo(r)}/pull/${issue}#issuecomment-${id}`,
        issue_url: `${repoUrl(r)}/issues/${issue}`,
        created_at: now(),
        updated_at: now(),
      });
      this.comments.set(id, { record, issueNumber: issue });
      return record;
    };
    this.handle('issues/create-comment', (r) => {
      const record = newComment(r, Number(r.params.issue_number), (r.body as { body: string }).body);
      return { status: 201, body: record };
    });
    this.handle('issues/update-comment', (r) => {
      const c = this.comments.get(Number(r.params.comment_id));
      if (!c) return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };
      c.record.body = (r.body as { body: string }).body;
      c.record.updated_at = now();
      return { status: 200, body: c.record };
    });
    this.handle('issues/get-comment', (r) => {
      const c = this.comments.get(Number(r.params.comment_id));
      if (!c) return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };
      return { status: 200, body: c.record };
    });
    // Issues: create, get, update (state, state_reason, labels, assignees), list by label and state, paginated.
    const labelNames = (ls: unknown) =>
      ((ls ?? []) as (string | { name?: string })[]).map((l) => (typeof l === 'string' ? l : (l.name ?? '')));
    const issueRecord = (r: RecordedRequest, number: number, body: Record<string, unknown>, login: string) => {
      const rec = example<Record<string, unknown>>('issue');
      const user = rec.user as Record<string, unknown>;
      Object.assign(user, { login, type: login.endsWith('[bot]') ? 'Bot' : 'User', id: 41898282 });
      delete rec.pull_request;
      Object.assign(rec, {
        id: 9000 + number,
        node_id: `I_${number}`,
        number,
        title: body.title,
        body: body.body ?? '',
        state: 'open',
        state_reason: null,
        url: `${repoUrl(r)}/issues/${number}`,
        html_url: `${htmlRepo(r)}/issues/${number}`,
        comments_url: `${repoUrl(r)}/issues/${number}/comments`,
        labels: labelNames(body.labels).map((name, i) => ({
          id: i + 1,
          node_id: `L_${i}`,
          url: `${repoUrl(r)}/labels/${encodeURIComponent(name)}`,
          name,
          description: null,
          color: 'ededed',
          default: false,
        })),
        assignees: [],
        assignee: null,
        comments: 0,
        created_at: now(),
        updated_at: now(),
        closed_at: null,
      });
      return rec as Record<string, unknown> & { number: number; body: string; state: string; labels: { name: string }[] };
    };
    this.handle('issues/create', (r) => {
      const number = this.nextIssue++;
      const rec = issueRecord(r, number, r.body as Record<string, unknown>, this.viewer);
      this.issues.set(number, rec);
      return { status: 201, body: rec };
    });
    this.handle('issues/get', (r) => {
      const rec = this.issues.get(Number(r.params.issue_number));
      return rec
        ? { status: 200, body: rec }
        : { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };
    });
    this.handle('issues/update', (r) => {
      const rec = this.issues.get(Number(r.params.issue_number));
      if (!rec) return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };
      const b = r.body as Record<string, unknown>;
      if (typeof b.title === 'string') rec.title = b.title;
      if (typeof b.body === 'string') rec.body = b.body;
      if (b.labels) rec.labels = issueRecord(r, rec.number, { labels: b.labels }, this.viewer).labels;
      if (b.state === 'closed') Object.assign(rec, { state: 'closed', state_reason: b.state_reason ?? 'completed', closed_at: now() });
      if (b.state === 'open') Object.assign(rec, { state: 'open', state_reason: 'reopened', closed_at: null });
      rec.updated_at = now();
      return { status: 200, body: rec };
    });
    this.handle('issues/list-for-repo', (r) => {
      const want = String(r.query.labels ?? '')
        .split(',')
        .filter(Boolean);
      const state = String(r.query.state ?? 'open');
      const all = [...this.issues.values()]
        .filter((i) => state === 'all' || i.state === state)
        .filter((i) => want.every((l) => i.labels.some((x) => x.name === l)))
        .sort((a, b) => b.number - a.number);
      const perPage = Number(r.query.per_page ?? 30);
      const page = Number(r.query.page ?? 1);
      return { status: 200, body: all.slice((page - 1) * perPage, page * perPage) };
    });
    this.handle('pulls/get', (r) => {
      const number = Number(r.params.pull_number);
      const pr = this.pulls.get(number);
      if (!pr) return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };
      const record = example('pull-request');
      record.number = number;
      record.requested_teams = [];
      (record.head as Record<string, unknown>).sha = pr.headSha;
      const headRepo = (record.head as { repo: Record<string, unknown> }).repo;
      const full = pr.headRepo ?? `${r.params.owner}/${r.params.repo}`;
      Object.assign(headRepo, { full_name: full, name: full.split('/')[1] });
      Object.assign(headRepo.owner as Record<string, unknown>, { login: full.split('/')[0] });
      return { status: 200, body: record };
    });
  }

  /** Seeds a comment (e.g. someone else's, or an earlier run's) on an issue or PR of acme/app. */
  seedComment(issueNumber: number, body: string, login = 'octocat'): number {
    const id = this.newId();
    const record = example<Record<string, unknown> & { id: number; body: string }>('issue-comment');
    Object.assign(record.user as Record<string, unknown>, { login, type: login.endsWith('[bot]') ? 'Bot' : 'User' });
    Object.assign(record, { id, body, html_url: `https://github.com/acme/app/pull/${issueNumber}#issuecomment-${id}` });
    this.comments.set(id, { record, issueNumber });
    return id;
  }
}

/** Requests that write (everything but GET). */
export const isWrite = (r: RecordedRequest): boolean => r.method !== 'GET';

/**
 * The fake GitHub of a test file: listening before its first test, closed after its last; after each test it is reset,
 * and (unless `expectValid: false`, for files that send invalid requests on purpose) every request of the test must
 * have validated against GitHub's description.
 */
export function useGitHubServer(o: { expectValid?: boolean } = {}): GitHubServer {
  const server = new GitHubServer();
  beforeAll(() => server.listen());
  afterAll(() => server.close());
  if (o.expectValid === false) afterEach(() => server.reset());
  else
    afterEach(() => {
      const errors = [...server.errors];
      server.reset();
      expect(errors).toEqual([]);
    });
  return server;
}
