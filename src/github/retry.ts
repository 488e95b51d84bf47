import { UserError } from '../errors';

/**
 * When to try a GitHub request again, and for how long in total. Used by the one client factory
 * (src/action/octokit.ts) as an Octokit `request` wrap, around the throttling plugin (which keeps primary and secondary
 * rate limits).
 *
 * - 5xx answers and network errors are retried with back-off (`delays`), but only for requests that may be repeated:
 *   a create (`request: { idempotent: false }`) that got a 5xx may have been carried out, so its caller looks for the
 *   object before creating it again (src/github/create.ts).
 * - 429 without a rate-limit header the throttling plugin knows (e.g. `retry-after` alone) is a refusal: retried after
 *   `retry-after` (capped by `maxRetryAfter`), at most `rateLimitRetries` times, for every method.
 * - Everything else (4xx: 401, 403, 404, 409, 422 …) is never retried here.
 * - The total time spent waiting is bounded by `budget` for the whole run (all clients sharing one `RetryState`), and once
 *   a request gave up because GitHub did not answer (network errors, 5xx), GitHub counts as down: later requests get
 *   one attempt each, so a run with GitHub unreachable reaches its verdict in seconds, not minutes.
 */

export interface RetryPolicy {
  /** Back-off before each retry of a 5xx / network error, in seconds; its length is the number of retries. */
  delays: readonly number[];
  /** Most retries of a 429 (and of a rate limit the throttling plugin reports). */
  rateLimitRetries: number;
  /** Longest `retry-after` / rate-limit reset honoured, in seconds; a longer one is not waited for. */
  maxRetryAfter: number;
  /** Most seconds spent waiting in total, across every request of the run. */
  budget: number;
  /**
   * Seconds one attempt may take before it is abandoned (GitHub ends requests itself after 10 s), and once GitHub is
   * down; a timed-out attempt is charged to the budget. A network that drops packets would otherwise hang for minutes.
   */
  attemptTimeout: number;
  downTimeout: number;
  /** Milliseconds per second of delay (1000; tests make it small). Timeouts are always real seconds. */
  baseMs: number;
}

/**
 * 3 retries after 1, 2 and 4 s; 2 retries of a rate limit up to 10 s each; at most 15 s of waiting per run; 15 s per
 * attempt (3 s once GitHub is down).
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  delays: [1, 2, 4],
  rateLimitRetries: 2,
  maxRetryAfter: 10,
  budget: 15,
  attemptTimeout: 15,
  downTimeout: 3,
  baseMs: 1000,
};

/** Shared by every client of one run: how much of the budget is spent, and whether GitHub is down. */
export class RetryState {
  /** Seconds (in policy units) waited so far. */
  waited = 0;
  /** Why GitHub counts as down (the last request that gave up), if it does. */
  down?: string;
  /** Every attempt made (for tests and the log). */
  attempts = 0;
  constructor(readonly policy: RetryPolicy = DEFAULT_RETRY_POLICY) {}

  /** Charges time lost (a timed-out attempt) to the budget, even past it. */
  charge(seconds: number): void {
    this.waited += seconds;
  }

  /** Takes `seconds` from the budget; false (and nothing taken) when they do not fit. */
  take(seconds: number): boolean {
    if (this.waited + seconds > this.policy.budget + 1e-9) return false;
    this.waited += seconds;
    return true;
  }
}

export type Failure =
  | { kind: 'network'; message: string }
  | { kind: 'server'; status: number; message: string }
  | { kind: 'too-many'; status: 429; retryAfter?: number; message: string }
  | { kind: 'other'; status?: number; message: string };

interface ErrorShape {
  status?: unknown;
  message?: unknown;
  response?: { status?: number; headers?: Record<string, string | number | undefined>; data?: unknown };
  name?: unknown;
}

/** Whether an attempt was abandoned for taking too long (Octokit wraps fetch's TimeoutError as its `cause`). */
export function isTimeout(err: unknown): boolean {
  const e = err as { name?: unknown; timedOut?: unknown; cause?: { name?: unknown } } | undefined;
  return e?.timedOut === true || e?.name === 'TimeoutError' || e?.cause?.name === 'TimeoutError';
}

/** What kind of failure an Octokit error is. Octokit reports fetch failures as status 500 without a response. */
export function classify(err: unknown): Failure {
  const e = (typeof err === 'object' && err !== null ? err : {}) as ErrorShape;
  const message = String(e.message ?? err)
    .split('\n')[0]!
    .slice(0, 300);
  const status = typeof e.status === 'number' ? e.status : undefined;
  if (isTimeout(err)) return { kind: 'network', message: 'timed out' };
  if (e.name === 'AbortError') return { kind: 'network', message };
  if (status === undefined || (status === 500 && !e.response)) return { kind: 'network', message };
  if (status >= 500) return { kind: 'server', status, message };
  if (status === 429) {
    const headers = e.response?.headers ?? {};
    // The throttling plugin keeps secondary rate limits and exhausted quotas; the rest of the 429s are ours.
    if (/\bsecondary rate\b/i.test(message) || String(headers['x-ratelimit-remaining']) === '0') return { kind: 'other', status, message };
    const ra = Number(headers['retry-after']);
    return { kind: 'too-many', status: 429, ...(Number.isFinite(ra) && ra >= 0 ? { retryAfter: ra } : {}), message };
  }
  return { kind: 'other', ...(status ? { status } : {}), message };
}

export interface AttemptContext {
  /** Retries of this request so far. */
  retries: number;
  /** Whether the request may be sent again after a 5xx (false for creates). */
  idempotent: boolean;
}

/** The seconds to wait before trying again, or undefined to give up. Takes the wait from the budget. */
export function nextDelay(state: RetryState, failure: Failure, ctx: AttemptContext): number | undefined {
  const p = state.policy;
  if (failure.kind === 'too-many') {
    if (ctx.retries >= p.rateLimitRetries) return undefined;
    const wait = failure.retryAfter ?? 1;
    if (wait > p.maxRetryAfter) return undefined;
    return state.take(wait) ? wait : undefined;
  }
  if (failure.kind !== 'network' && failure.kind !== 'server') return undefined;
  if (!ctx.idempotent || state.down !== undefined) return undefined;
  const wait = p.delays[ctx.retries];
  if (wait === undefined) return undefined;
  return state.take(wait) ? wait : undefined;
}

/** Whether a rate limit reported by the throttling plugin may be waited out (bounded wait, within the budget). */
export function mayWaitRateLimit(state: RetryState, retryAfter: number, retryCount: number): boolean {
  const p = state.policy;
  if (retryCount >= p.rateLimitRetries || retryAfter > p.maxRetryAfter) return false;
  return state.take(retryAfter);
}

/** An error after GitHub did not answer usefully (network error or 5xx), saying so; keeps the status and response. */
export class GitHubUnavailableError extends UserError {
  readonly status?: number;
  readonly response?: unknown;
  constructor(
    message: string,
    readonly cause: unknown,
  ) {
    super('github', message);
    this.name = 'GitHubUnavailableError';
    const e = cause as ErrorShape;
    // Octokit's status 500 for "no answer" is no HTTP status: keep only statuses GitHub sent.
    if (typeof e?.status === 'number' && e.response) this.status = e.status;
    if (e?.response) this.response = e.response;
  }
}

export interface WrapOptions {
  state: RetryState;
  /** Where GitHub is (for messages). */
  baseUrl: string;
  sleep?: (ms: number) => Promise<void>;
  warn: (message: string) => void;
  debug: (message: string) => void;
}

interface RequestOptions {
  method?: string;
  url?: string;
  request?: { idempotent?: boolean; signal?: AbortSignal };
}

const defaultSleep = (ms: number) => new Promise<void>((ok) => setTimeout(ok, ms));

/** The request wrap: tries `request(options)`, retrying as the policy says. */
export function retryWrap(o: WrapOptions) {
  const sleep = o.sleep ?? defaultSleep;
  return async <T>(request: (options: RequestOptions) => Promise<T>, options: RequestOptions): Promise<T> => {
    const method = (options.method ?? 'GET').toUpperCase();
    const idempotent = options.request?.idempotent ?? method !== 'POST';
    const what = `${method} ${options.url ?? ''}`;
    const callerSignal = options.request?.signal !== undefined;
    for (let retries = 0; ; retries++) {
      o.state.attempts++;
      const p = o.state.policy;
      const timeout = o.state.down !== undefined ? p.downTimeout : p.attemptTimeout;
      const controller = callerSignal ? undefined : new AbortController();
      const timer = controller
        ? setTimeout(() => controller.abort(new DOMException('The attempt took too long', 'TimeoutError')), Math.max(1, timeout * 1000))
        : undefined;
      // In place: Octokit's inner request reads these very options (a copy is not seen with @actions/github's fetch).
      if (controller) options.request = Object.assign(options.request ?? {}, { signal: controller.signal });
      try {
        const res = await request(options);
        clearTimeout(timer);
        o.state.down = undefined;
        return res;
      } catch (err) {
        clearTimeout(timer);
        if (controller?.signal.aborted && typeof err === 'object' && err !== null) (err as { timedOut?: boolean }).timedOut = true;
        const failure = classify(err);
        if (isTimeout(err)) o.state.charge(timeout);
        const wait = nextDelay(o.state, failure, { retries, idempotent });
        if (wait === undefined) {
          if (failure.kind === 'network' || failure.kind === 'server') {
            const attempts = retries + 1;
            const reason = `${failure.kind === 'server' ? `HTTP ${failure.status}` : 'no answer'}: ${failure.message}`;
            // One 5xx on a create (not retried: its caller looks first) does not make GitHub down.
            if (idempotent || o.state.down !== undefined) o.state.down = `${what}: ${reason}`;
            throw new GitHubUnavailableError(
              `GitHub API unavailable at ${o.baseUrl} (${what}: ${reason}; ${attempts} attempt${attempts === 1 ? '' : 's'})`,
              err,
            );
          }
          throw err;
        }
        const line = `GitHub API ${failure.kind === 'too-many' ? 'answered 429 (too many requests)' : failure.kind === 'server' ? `answered HTTP ${failure.status}` : `did not answer (${failure.message})`} on ${what}: retrying in ${wait} s (retry ${retries + 1})`;
        if (failure.kind === 'too-many') o.warn(line);
        else o.debug(line);
        await sleep(wait * o.state.policy.baseMs);
      }
    }
  };
}
