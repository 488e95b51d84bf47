import { countFindings, type RunResult } from '../../src/engine';
import type { RatedFinding } from '../../src/model';
import type { VerdictStatus } from '../../src/gate/gate';
import { finding } from '../helpers';

/** Hand-built run results for the GitHub reporting tests. */

export const LEVELS = ['critical', 'high', 'medium', 'low', 'info'];

export function rated(over: Partial<RatedFinding> = {}): RatedFinding {
  const severity = over.severity ?? 'high';
  return {
    ...finding(over),
    severity,
    rank: LEVELS.indexOf(severity),
    gated: true,
    explanation: [{ step: 'base', detail: 'SARIF level error', to: severity }],
    ...over,
  } as RatedFinding;
}

export function runResult(
  findings: RatedFinding[],
  opts: { status?: VerdictStatus; blocking?: string[]; environment?: string } & Partial<
    Pick<RunResult, 'pullRequest' | 'fixed' | 'tracked'>
  > = {},
): RunResult {
  const status = opts.status ?? (opts.blocking?.length ? 'fail' : 'pass');
  const blocking = new Set(opts.blocking ?? []);
  const env = opts.environment ?? 'pull-request';
  const reasons =
    status === 'fail'
      ? [`failed: "No high": ${blocking.size} finding${blocking.size === 1 ? '' : 's'} (max 0)`]
      : status === 'warn'
        ? ['warning: "Few mediums": 6 findings (max 5)']
        : [];
  // Only the fields the GitHub reporting reads are built; the engine's RunResult has more (ledger, exceptions).
  const result: Partial<RunResult> = {
    generatedAt: '2026-01-01T00:00:00.000Z',
    environment: env,
    levels: LEVELS,
    findings,
    duplicates: [],
    blocking,
    errors: [],
    inputs: [],
    tools: [{ name: 'CodeQL' }],
    verdict: {
      status,
      environment: env,
      rules: [
        {
          name: 'No high',
          action: 'fail',
          conditions: 'severity >= high',
          max: 0,
          count: blocking.size,
          exceeded: status === 'fail',
          findings: [...blocking],
        },
      ],
      reasons,
      blocking: [...blocking],
      inputErrors: { count: 0, blocking: false },
    },
    counts: countFindings(findings, LEVELS, blocking, opts.fixed?.length ?? 0),
    fixed: opts.fixed ?? [],
    exceptions: [],
    tracked: opts.tracked ?? (opts.pullRequest !== undefined || findings.some((f) => f.status !== undefined)),
    ...(opts.pullRequest ? { pullRequest: opts.pullRequest } : {}),
  };
  return result as RunResult;
}

/** n findings, the first `nBlocking` blocking. */
export function manyFindings(n: number, nBlocking = 0): { findings: RatedFinding[]; blocking: string[] } {
  const findings: RatedFinding[] = [];
  for (let i = 0; i < n; i++) {
    findings.push(
      rated({
        fingerprint: `fp-${i}`,
        severity: i < nBlocking ? 'high' : i % 2 ? 'medium' : 'low',
        path: `src/file${i}.js`,
        startLine: i + 1,
        title: `Finding ${i}`,
      }),
    );
  }
  return { findings, blocking: findings.slice(0, nBlocking).map((f) => f.fingerprint) };
}
