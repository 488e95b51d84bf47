import * as core from '@actions/core';
import { resolve } from 'node:path';
import type { CheckSettings } from '../check';
import { parseFormatOverrides, splitList } from '../io/inputs';
import { checkScope, parseLedgerSpec } from '../ledger/store';

type LedgerSpec = ReturnType<typeof parseLedgerSpec>;

/** The `ledger` input's default, as in action.yml. */
export const DEFAULT_LEDGER = 'branch:defect-gate-data';
import { COMMENT_MODES, type CommentMode } from '../github/comment';
import { UserError, errorMessage } from '../errors';

/**
 * The one reader of Action inputs: builds the typed settings; nothing else calls core.getInput.
 * Input errors name the bad value and the expected form.
 */

export class InputValidationError extends UserError {
  constructor(message: string) {
    super('usage', message);
    this.name = 'InputValidationError';
  }
}

export interface ActionSettings extends CheckSettings {
  /** Name shown in the summary title. */
  name: string;
  /** Whether to write the job summary. */
  jobSummary: boolean;
  /**
   * Most check-run annotations; workflow-command annotations (the fallback without a check run) are capped at 10,
   * what GitHub shows per type per step.
   */
  maxAnnotations: number;
  /** GitHub reporting (src/github/): token, check run, sticky PR comment, and where to report. */
  github: GitHubSettings;
  /**
   * `policy-source`: where the policy is read. `base`: from the pull request's base commit through the API (the
   * default on pull_request, pull_request_target and merge_group events); `workspace`: from the checkout.
   * Undefined: the default for the event.
   */
  policySource?: 'base' | 'workspace';
  /** The ledger (`ledger`, `ledger-write`, `ledger-scope`); undefined when `ledger` is empty (tracking off). */
  ledger?: { spec: LedgerSpec; write: 'auto' | 'true' | 'false'; scope: string };
}

export interface GitHubSettings {
  /** Token for the API; empty turns GitHub reporting off (job summary and workflow-command annotations only). */
  token: string;
  /** Create a check run (`check-run`). */
  checkRun: boolean;
  /** Check run name (`check-name`); empty: `<name> (<environment>)`. Also the sticky comment's scope. */
  checkName?: string;
  /** `comment`: always | on-failure | never. */
  comment: CommentMode;
  /** `annotation-level`: the policy level at or above which non-blocking findings are `warning` annotations. */
  annotationLevel?: string;
  /** `pr-number`: the pull request to report on (workflow_run jobs). */
  prNumber?: number;
  /** `head-sha`: the commit to report on (workflow_run jobs). */
  headSha?: string;
  /** `comment-author`: the login the token writes as; empty: asked from GitHub. */
  commentAuthor?: string;
}

function choice<T extends string>(name: string, value: string, allowed: readonly T[], fallback: T): T {
  if (value === '') return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new InputValidationError(`Invalid input '${name}': '${value}'. Expected one of: ${allowed.join(', ')}.`);
}

function bool(name: string, value: string, fallback: boolean): boolean {
  if (value === '') return fallback;
  if (/^(true|yes|on|1)$/i.test(value)) return true;
  if (/^(false|no|off|0)$/i.test(value)) return false;
  throw new InputValidationError(`Invalid input '${name}': '${value}'. Expected true or false.`);
}

export function readActionSettings(env: NodeJS.ProcessEnv = process.env): ActionSettings {
  const get = (n: string) => core.getInput(n).trim();
  const files = splitList(core.getInput('files'));
  if (files.length === 0) {
    throw new InputValidationError(
      "Input 'files' is empty. Expected the scanner reports to check: paths, directories or globs, newline- or comma-separated (e.g. 'results/*.sarif').",
    );
  }
  let formatOverrides;
  try {
    formatOverrides = parseFormatOverrides(splitList(core.getInput('input-formats')));
  } catch (err) {
    throw new InputValidationError(`Invalid input 'input-formats': ${errorMessage(err)}`);
  }
  const maxRaw = get('max-annotations');
  const maxAnnotations = maxRaw === '' ? 50 : Number(maxRaw);
  if (!Number.isInteger(maxAnnotations) || maxAnnotations < 0) {
    throw new InputValidationError(`Invalid input 'max-annotations': '${maxRaw}'. Expected a whole number (0 to turn annotations off).`);
  }
  const workspace = resolve(env.GITHUB_WORKSPACE || process.cwd());
  return {
    name: get('name') || 'defect-gate',
    files,
    policy: get('policy') || undefined,
    environment: get('environment') || undefined,
    eventName: env.GITHUB_EVENT_NAME,
    onInputError: choice('on-input-error', get('on-input-error'), ['fail', 'warn'] as const, 'fail'),
    reportPath: get('report') || undefined,
    sarifOutput: get('sarif-output') || undefined,
    kevFile: get('kev-file') || undefined,
    epssFile: get('epss-file') || undefined,
    workspace,
    formatOverrides,
    jobSummary: bool('job-summary', get('job-summary'), true),
    maxAnnotations,
    github: readGitHubSettings(get),
    ...(get('verify-approvals')
      ? { verifyApprovals: choice('verify-approvals', get('verify-approvals'), ['enforce', 'warn', 'off'] as const, 'enforce') }
      : {}),
    ...(get('gate-scope') ? { gateScope: choice('gate-scope', get('gate-scope'), ['run', 'ledger'] as const, 'run') } : {}),
    ...(get('policy-source')
      ? { policySource: choice('policy-source', get('policy-source'), ['base', 'workspace'] as const, 'base') }
      : {}),
    ...readLedgerSettings(get),
  };
}

function readLedgerSettings(get: (name: string) => string): Pick<ActionSettings, 'ledger'> {
  // Empty means the default (what action.yml declares); `none` turns tracking off.
  const raw = get('ledger') || DEFAULT_LEDGER;
  if (raw === 'none' || raw === 'false' || raw === 'off') return {};
  let spec: LedgerSpec;
  let scope: string;
  try {
    spec = parseLedgerSpec(raw);
    scope = checkScope(get('ledger-scope') || 'default');
  } catch (err) {
    throw new InputValidationError(`Invalid input '${/scope/.test(errorMessage(err)) ? 'ledger-scope' : 'ledger'}': ${errorMessage(err)}.`);
  }
  return { ledger: { spec, scope, write: choice('ledger-write', get('ledger-write'), ['auto', 'true', 'false'] as const, 'auto') } };
}

function readGitHubSettings(get: (name: string) => string): GitHubSettings {
  const prRaw = get('pr-number').replace(/^#/, '');
  let prNumber: number | undefined;
  if (prRaw !== '') {
    prNumber = Number(prRaw);
    if (!/^\d+$/.test(prRaw) || !Number.isSafeInteger(prNumber) || prNumber < 1) {
      throw new InputValidationError(`Invalid input 'pr-number': '${prRaw}'. Expected a pull request number, e.g. 42.`);
    }
  }
  const headSha = get('head-sha').toLowerCase();
  if (headSha !== '' && !/^([0-9a-f]{40}|[0-9a-f]{64})$/.test(headSha)) {
    throw new InputValidationError(`Invalid input 'head-sha': '${headSha}'. Expected a full commit sha (40 hexadecimal characters).`);
  }
  const commentAuthor = get('comment-author').replace(/^@/, '');
  if (commentAuthor !== '' && !/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/.test(commentAuthor)) {
    throw new InputValidationError(
      `Invalid input 'comment-author': '${commentAuthor}'. Expected a GitHub login, e.g. github-actions[bot] or my-app[bot].`,
    );
  }
  return {
    token: get('token'),
    checkRun: bool('check-run', get('check-run'), true),
    checkName: get('check-name') || undefined,
    comment: choice('comment', get('comment'), COMMENT_MODES, 'on-failure'),
    annotationLevel: get('annotation-level') || undefined,
    ...(prNumber !== undefined ? { prNumber } : {}),
    ...(headSha ? { headSha } : {}),
    ...(commentAuthor ? { commentAuthor } : {}),
  };
}
