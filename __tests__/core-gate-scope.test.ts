import { describe, expect, it } from '@jest/globals';
import {
  daysAgo,
  earlierByTool,
  earlierLine,
  findingFromEntry,
  GateScopeError,
  ledgerScopeEntries,
  mergeExceptionStatuses,
  resolveGateScope,
  type LedgerScopeFinding,
} from '../src/gate/scope';
import { evaluateCoverage, runTools, type ToolsRun } from '../src/gate/coverage';
import { activitiesOf, activityLabel, durationWords, parseDuration } from '../src/gate/activity';
import type { UnknownEnvironmentError } from '../src/gate/gate';
import { evaluateGate } from '../src/gate/gate';
import { UserError } from '../src/errors';
import type { ExceptionStatus } from '../src/exceptions/apply';
import type { LedgerBook, LedgerEntry, RunSnapshot } from '../src/ledger/schema';
import type { InputError } from '../src/model';
import type { CoverageRequirement } from '../src/policy/compile';
import { BASE_POLICY, ledgerEntry, policyFrom } from './helpers';

/**
 * The pure parts of gate scope `ledger`, scan coverage and verification activities (src/gate/scope.ts, coverage.ts,
 * activity.ts), each function on its own: the CLI suite (gate-scope.test.ts) checks verdicts end to end but not the
 * findings rebuilt from the ledger, the report lines or the boundaries. Written against Stryker's survivors.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const policy = policyFrom(`${BASE_POLICY}gate-scope: {production: ledger, staging: run}\n`);

const entry = (over: Partial<LedgerEntry> = {}): LedgerEntry =>
  ledgerEntry({
    fingerprint: 'fp-1',
    tool: 'ZAP',
    ruleId: '10020',
    title: 'Missing anti-clickjacking header',
    kind: 'dast',
    lastSeen: '2026-03-04T05:06:07.000Z',
    ...over,
  });

describe('resolveGateScope', () => {
  it('the explicit choice wins over the policy; the policy over the default; the default is run', () => {
    expect(resolveGateScope('run', policy, 'production', true)).toBe('run');
    expect(resolveGateScope('ledger', policy, 'staging', true)).toBe('ledger');
    expect(resolveGateScope(undefined, policy, 'production', true)).toBe('ledger');
    expect(resolveGateScope(undefined, policy, 'staging', false)).toBe('run');
    expect(resolveGateScope(undefined, policy, 'default', false)).toBe('run');
    expect(resolveGateScope(undefined, policy, 'default', true)).toBe('run');
  });

  it('ledger without a ledger is a usage error that says where the choice came from', () => {
    const thrown = (f: () => unknown): GateScopeError => {
      try {
        f();
      } catch (e) {
        return e as GateScopeError;
      }
      throw new Error('expected a GateScopeError');
    };
    const explicit = thrown(() => resolveGateScope('ledger', policy, 'staging', false));
    expect(explicit).toBeInstanceOf(GateScopeError);
    expect(explicit).toBeInstanceOf(UserError);
    expect(explicit.name).toBe('GateScopeError');
    expect(explicit.code).toBe('usage');
    expect(explicit.message).toBe(
      'gate scope "ledger" needs a ledger: give --ledger file:PATH (Action: the `ledger` input), or use --gate-scope run',
    );
    const fromPolicy = thrown(() => resolveGateScope(undefined, policy, 'production', false));
    expect(fromPolicy.message).toBe(
      'the policy\'s gate-scope for "production" is "ledger", which needs a ledger: give --ledger file:PATH (Action: the `ledger` input), or pass --gate-scope run (Action input gate-scope: run)',
    );
  });
});

describe('findingFromEntry', () => {
  // What every finding rebuilt from the default entry() says of its identity and of its last sighting.
  const rebuilt = {
    fingerprint: 'fp-1',
    fingerprintSource: 'ledger',
    tool: { name: 'ZAP' },
    source: { file: 'ledger', format: 'ledger', pointer: '$.entries["fp-1"]' },
    ruleId: '10020',
    title: 'Missing anti-clickjacking header',
    message: 'Missing anti-clickjacking header',
  };
  const lastSighting = {
    explanation: [{ step: 'base', detail: 'rated high when last seen 2026-03-04 by ZAP (ledger)', to: 'high' }],
    status: 'existing',
    firstSeen: '2026-01-01T00:00:00.000Z',
    lastSeen: '2026-03-04T05:06:07.000Z',
  };

  it('rebuilds everything the gate and the reports read from a full entry', () => {
    const e = entry({
      path: 'app/server.js',
      startLine: 12,
      location: 'https://app.example/login',
      component: 'web',
      owners: ['@acme/web'],
      cwe: ['CWE-1021'],
      published: '2025-12-01T00:00:00.000Z',
      kevDueDate: '2026-04-01',
      seen: {
        gated: true,
        level: 'warning',
        scannerSeverity: 'Medium',
        score: 7.5,
        cve: ['CVE-2025-1'],
        tags: ['external'],
        package: { ecosystem: 'npm', name: 'lodash', version: '4.17.20', fixedVersions: ['4.17.21'] },
        kev: true,
        epss: 0.5,
      },
    });
    expect(findingFromEntry(e, policy)).toEqual({
      ...rebuilt,
      kind: 'dast',
      cwe: ['CWE-1021'],
      cve: ['CVE-2025-1'],
      tags: ['external'],
      resultKind: 'fail',
      suppressions: [],
      severity: 'high',
      rank: policy.rankOf('high'),
      gated: true,
      ...lastSighting,
      level: 'warning',
      scannerSeverity: 'Medium',
      securitySeverity: 7.5,
      package: { ecosystem: 'npm', name: 'lodash', version: '4.17.20', fixedVersions: ['4.17.21'] },
      exploit: { kev: true, epss: 0.5, kevDueDate: '2026-04-01' },
      path: 'app/server.js',
      startLine: 12,
      location: 'https://app.example/login',
      component: 'web',
      owners: ['@acme/web'],
      published: '2025-12-01T00:00:00.000Z',
    });
    expect(policy.rankOf('high')).toBe(1);
  });

  it('a minimal entry: nothing invented, and a finding not gated then says so', () => {
    expect(findingFromEntry(entry({ gated: false, kind: 'port-scan', owners: [] }), policy)).toStrictEqual({
      ...rebuilt,
      kind: 'other',
      cwe: [],
      cve: [],
      tags: [],
      resultKind: 'fail',
      suppressions: [],
      severity: 'high',
      rank: 1,
      gated: false,
      notGatedReason: 'not gated when last seen',
      ...lastSighting,
    });
  });

  it('a level the policy no longer has counts as the most severe, and says so', () => {
    const f = findingFromEntry(entry({ severity: 'P1' }), policy);
    expect(f.rank).toBe(0);
    expect(f.severity).toBe('P1');
    expect(f.explanation).toEqual([
      {
        step: 'base',
        detail: 'rated P1 when last seen 2026-03-04 (ledger); not a level of this policy, so counted as the most severe',
        to: 'P1',
      },
    ]);
    expect(findingFromEntry(entry({ severity: 'low' }), policy).rank).toBe(3);
  });

  it('gated: the latest sighting decides; old entries without it count an open exception as gated (exceptions apply again)', () => {
    const ex = (over: Partial<NonNullable<LedgerEntry['exceptions']>[number]>) => ({
      id: 'EX-1',
      type: 'accepted-risk',
      from: '2026-02-01T00:00:00.000Z',
      ...over,
    });
    const gated = (over: Partial<LedgerEntry>) => findingFromEntry(entry(over), policy).gated;
    expect(gated({ gated: false })).toBe(false);
    expect(gated({ gated: true })).toBe(true);
    expect(gated({ gated: false, exceptions: [ex({})] })).toBe(true);
    expect(gated({ gated: false, exceptions: [ex({ to: '2026-02-10T00:00:00.000Z' })] })).toBe(false);
    expect(gated({ gated: false, exceptions: [ex({ type: 'sla-extension' })] })).toBe(false);
    expect(gated({ gated: false, exceptions: [ex({ to: '2026-02-10T00:00:00.000Z' }), ex({ id: 'EX-2' })] })).toBe(true);
    expect(gated({ gated: false, exceptions: [ex({ type: 'sla-extension' }), ex({ type: 'false-positive' })] })).toBe(true);
    // The sighting wins over the entry's fields and its exception history.
    expect(gated({ gated: true, seen: { gated: false } })).toBe(false);
    expect(gated({ gated: false, exceptions: [ex({})], seen: { gated: false } })).toBe(false);
    expect(gated({ gated: false, seen: { gated: true } })).toBe(true);
    const notGated = findingFromEntry(entry({ seen: { gated: false, notGatedReason: 'kind: note' } }), policy);
    expect(notGated.notGatedReason).toBe('kind: note');
    expect(findingFromEntry(entry({ seen: { gated: false } }), policy).notGatedReason).toBe('not gated when last seen');
    expect(findingFromEntry(entry({ seen: { gated: true, notGatedReason: 'stale' } }), policy)).not.toHaveProperty('notGatedReason');
  });

  it('zero and false are kept; empty lists and absent parts are left out', () => {
    const f = findingFromEntry(
      entry({ seen: { gated: true, score: 0, kev: false, epss: 0, package: { name: 'left-pad', fixedVersions: [] } } }),
      policy,
    );
    expect(f.securitySeverity).toBe(0);
    expect(f.exploit).toEqual({ kev: false, epss: 0 });
    expect(f.package).toEqual({ name: 'left-pad' });
    expect(findingFromEntry(entry({ seen: { gated: true, package: { name: 'a' } } }), policy).package).toStrictEqual({ name: 'a' });
    expect(findingFromEntry(entry({ kevDueDate: '2026-05-01' }), policy).exploit).toEqual({ kevDueDate: '2026-05-01' });
    expect(findingFromEntry(entry({ seen: { gated: true, epss: 0.1 } }), policy).exploit).toEqual({ epss: 0.1 });
    expect(findingFromEntry(entry({ seen: { gated: true, kev: true } }), policy).exploit).toEqual({ kev: true });
    const bare = findingFromEntry(entry({ seen: { gated: true } }), policy);
    for (const key of ['exploit', 'package', 'level', 'scannerSeverity', 'securitySeverity', 'owners', 'published', 'path']) {
      expect(bare).not.toHaveProperty(key);
    }
    expect(findingFromEntry(entry({ startLine: 0, path: '' }), policy)).toMatchObject({ startLine: 0, path: '' });
  });

  it('the package is a copy: changing the finding does not change the ledger', () => {
    const e = entry({ seen: { gated: true, package: { name: 'a', fixedVersions: ['2'] } } });
    const f = findingFromEntry(e, policy);
    f.package?.fixedVersions?.push('3');
    expect(e.seen?.package?.fixedVersions).toEqual(['2']);
  });
});

describe('ledgerScopeEntries', () => {
  it('open, not reported by this run, and of a tool that did not run (any case); in fingerprint order', () => {
    const book: LedgerBook = {
      entries: {
        c: entry({ fingerprint: 'c', tool: 'Burp' }),
        a: entry({ fingerprint: 'a', tool: 'ZAP' }),
        e: entry({ fingerprint: 'e', tool: 'zap' }),
        b: entry({ fingerprint: 'b', tool: 'Burp', state: 'fixed' }),
        d: entry({ fingerprint: 'd', tool: 'Pentest' }),
        f: entry({ fingerprint: 'f', tool: 'CodeQL' }),
        B: entry({ fingerprint: 'B', tool: 'Nuclei' }),
      },
      runs: [],
    };
    const fps = (reported: string[], ran: string[]) => ledgerScopeEntries(book, new Set(reported), ran).map((e) => e.fingerprint);
    expect(fps([], [])).toEqual(['B', 'a', 'c', 'd', 'e', 'f']);
    expect(fps(['d'], ['codeql'])).toEqual(['B', 'a', 'c', 'e']);
    expect(fps([], ['Zap', 'BURP'])).toEqual(['B', 'd', 'f']);
    expect(ledgerScopeEntries({ entries: {}, runs: [] }, new Set(), [])).toEqual([]);
    // Many entries in a shuffled order (the sort's merging paths, not only its insertion sort).
    const many = Array.from({ length: 300 }, (_, i) => `fp-${String((i * 7919) % 300).padStart(3, '0')}`);
    const big: LedgerBook = { entries: Object.fromEntries(many.map((fp) => [fp, entry({ fingerprint: fp })])), runs: [] };
    expect(ledgerScopeEntries(big, new Set(), []).map((e) => e.fingerprint)).toEqual([...many].sort());
  });
});

describe('earlier runs in words', () => {
  const now = new Date('2026-03-10T12:00:00.000Z');
  const scoped = (fingerprint: string, tool: string, lastSeen: string): LedgerScopeFinding =>
    findingFromEntry(entry({ fingerprint, tool, lastSeen }), policy);

  it('daysAgo: whole days, today for less than one and for the future', () => {
    expect(daysAgo('2026-03-10T12:00:00.000Z', now)).toBe('today');
    expect(daysAgo('2026-03-09T12:00:00.001Z', now)).toBe('today');
    expect(daysAgo('2026-03-09T12:00:00.000Z', now)).toBe('1 day ago');
    expect(daysAgo('2026-03-08T12:00:00.000Z', now)).toBe('2 days ago');
    expect(daysAgo('2026-03-12T12:00:00.000Z', now)).toBe('today');
  });

  it('earlierByTool: counted per tool, the latest sighting, most findings first then by name', () => {
    const fs = [
      scoped('1', 'ZAP', '2026-03-01T00:00:00.000Z'),
      scoped('2', 'ZAP', '2026-03-05T00:00:00.000Z'),
      scoped('3', 'ZAP', '2026-03-03T00:00:00.000Z'),
      scoped('4', 'Pentest', '2026-02-01T00:00:00.000Z'),
      scoped('5', 'Burp', '2026-03-02T00:00:00.000Z'),
    ];
    expect(earlierByTool(fs)).toEqual([
      { tool: 'ZAP', count: 3, lastSeen: '2026-03-05T00:00:00.000Z' },
      { tool: 'Burp', count: 1, lastSeen: '2026-03-02T00:00:00.000Z' },
      { tool: 'Pentest', count: 1, lastSeen: '2026-02-01T00:00:00.000Z' },
    ]);
    expect(earlierByTool([])).toEqual([]);
    // The same instant written two ways: the first stays.
    const same = [scoped('1', 'ZAP', '2026-03-05T00:00:00Z'), scoped('2', 'ZAP', '2026-03-05T00:00:00.000Z')];
    expect(earlierByTool(same)[0]?.lastSeen).toBe('2026-03-05T00:00:00Z');
  });

  it('earlierLine: none, one tool, several tools with counts, blocking, and more than five tools', () => {
    expect(earlierLine(undefined, new Set(), now)).toBeUndefined();
    expect(earlierLine([], new Set(), now)).toBeUndefined();
    expect(earlierLine([scoped('1', 'ZAP', '2026-03-10T01:00:00.000Z')], new Set(), now)).toBe(
      'From earlier runs (gate scope: ledger): 1 finding, last seen today by ZAP',
    );
    const two = [scoped('1', 'ZAP', '2026-03-08T01:00:00.000Z'), scoped('2', 'ZAP', '2026-03-09T01:00:00.000Z')];
    expect(earlierLine(two, new Set(['2', 'other']), now)).toBe(
      'From earlier runs (gate scope: ledger): 2 findings (1 blocking), last seen 1 day ago by ZAP',
    );
    const mixed = [...two, scoped('3', 'Burp', '2026-03-01T00:00:00.000Z')];
    expect(earlierLine(mixed, new Set(['1', '3']), now)).toBe(
      'From earlier runs (gate scope: ledger): 3 findings (2 blocking), 2 last seen 1 day ago by ZAP; 1 last seen 9 days ago by Burp',
    );
    const seven = ['A', 'B', 'C', 'D', 'E', 'F', 'G'].map((t, i) => scoped(String(i), t, '2026-03-10T00:00:00.000Z'));
    expect(earlierLine(seven, new Set(), now)).toBe(
      'From earlier runs (gate scope: ledger): 7 findings, 1 last seen today by A; 1 last seen today by B; 1 last seen today by C; 1 last seen today by D; 1 last seen today by E; 2 more tools',
    );
    const five = seven.slice(0, 5);
    expect(earlierLine(five, new Set(), now)).toBe(
      'From earlier runs (gate scope: ledger): 5 findings, 1 last seen today by A; 1 last seen today by B; 1 last seen today by C; 1 last seen today by D; 1 last seen today by E',
    );
  });
});

describe('mergeExceptionStatuses', () => {
  const status = (over: Partial<ExceptionStatus>): ExceptionStatus => ({
    id: 'EX-1',
    type: 'accepted-risk',
    file: 'policy.yml',
    state: 'active',
    matched: 0,
    applied: 0,
    notAllowed: 0,
    ...over,
  });

  it('adds the counts of the same exception; a stale one used only by earlier findings takes their state', () => {
    const run = [
      status({ id: 'EX-1', state: 'stale' }),
      status({ id: 'EX-2', state: 'active', matched: 2, applied: 1, notAllowed: 1 }),
      status({ id: 'EX-3', state: 'unverified', matched: 1 }),
      status({ id: 'EX-4', state: 'unverified', matched: 1 }),
      status({ id: 'EX-5', state: 'stale' }),
      status({ id: 'EX-6', state: 'stale' }),
    ];
    const earlier = [
      status({ id: 'EX-1', state: 'active', matched: 3, applied: 3 }),
      status({ id: 'EX-2', state: 'expiring', matched: 1, applied: 1, notAllowed: 0 }),
      status({ id: 'EX-3', state: 'active', matched: 1, applied: 1 }),
      status({ id: 'EX-4', state: 'active', matched: 1, applied: 0, notAllowed: 1 }),
      status({ id: 'EX-5', state: 'active', matched: 0 }),
      status({ id: 'EX-other', state: 'active', matched: 4, applied: 4 }),
    ];
    expect(mergeExceptionStatuses(run, earlier)).toEqual([
      status({ id: 'EX-1', state: 'active', matched: 3, applied: 3 }),
      status({ id: 'EX-2', state: 'active', matched: 3, applied: 2, notAllowed: 1 }),
      status({ id: 'EX-3', state: 'active', matched: 2, applied: 1 }),
      status({ id: 'EX-4', state: 'unverified', matched: 2, applied: 0, notAllowed: 1 }),
      status({ id: 'EX-5', state: 'stale' }),
      status({ id: 'EX-6', state: 'stale' }),
    ]);
    expect(mergeExceptionStatuses(run, [])).toEqual(run);
  });
});

describe('coverage', () => {
  const req = (activity: string, days: number): CoverageRequirement => ({ activity, maxAgeMs: days * DAY, text: `${days}d` });
  const now = new Date('2026-03-31T00:00:00.000Z');

  it('runTools: tools whose scan did not complete (any case) did not report; kinds carried when recorded', () => {
    const snap = { at: '2026-03-01T00:00:00.000Z', tools: ['ZAP', 'CodeQL', 'Trivy'], incomplete: ['zap'] } as unknown as RunSnapshot;
    expect(runTools(snap)).toEqual({ at: '2026-03-01T00:00:00.000Z', tools: ['CodeQL', 'Trivy'] });
    expect(runTools(snap)).not.toHaveProperty('toolKinds');
    const kinds = { ...snap, incomplete: undefined, toolKinds: { Nightly: ['dast'] } } as unknown as RunSnapshot;
    expect(runTools(kinds)).toEqual({
      at: '2026-03-01T00:00:00.000Z',
      tools: ['ZAP', 'CodeQL', 'Trivy'],
      toolKinds: { Nightly: ['dast'] },
    });
    const upper = { ...snap, tools: ['zap', 'ZAP'], incomplete: ['Zap'] } as unknown as RunSnapshot;
    expect(runTools(upper).tools).toEqual([]);
  });

  it('no requirement, no check', () => {
    expect(evaluateCoverage([], [{ at: '2026-03-30T00:00:00.000Z', tools: ['CodeQL'] }], new Map(), now)).toEqual([]);
  });

  it('the latest report per activity, in any order; tools of the same instant together, sorted; later runs and bad dates ignored', () => {
    const runs: ToolsRun[] = [
      { at: '2026-03-20T00:00:00.000Z', tools: ['ZAP'] },
      { at: '2026-03-25T00:00:00.000Z', tools: ['Nuclei', 'CodeQL'] },
      { at: '2026-03-25T00:00:00.000Z', tools: ['Burp'] },
      { at: '2026-03-10T00:00:00.000Z', tools: ['Arachni'] },
      { at: '2026-04-02T00:00:00.000Z', tools: ['Nikto'] },
      { at: 'yesterday', tools: ['Wapiti'] },
    ];
    const [dast, sast] = evaluateCoverage([req('dast', 30), req('sast', 30)], runs, new Map(), now);
    expect(dast).toEqual({
      activity: 'dast',
      max: '30d',
      lastReported: '2026-03-25T00:00:00.000Z',
      tools: ['Burp', 'Nuclei'],
      ageDays: 6,
      ok: true,
    });
    expect(sast?.tools).toEqual(['CodeQL']);
    const reversed = evaluateCoverage([req('dast', 30)], [...runs].reverse(), new Map(), now);
    expect(reversed[0]?.tools).toEqual(['Burp', 'Nuclei']);
  });

  it('a tool unknown by name counts for the kinds it reported; an override replaces everything', () => {
    const runs: ToolsRun[] = [{ at: '2026-03-30T00:00:00.000Z', tools: ['nightly', 'custom'], toolKinds: { nightly: ['dast'] } }];
    expect(evaluateCoverage([req('dast', 7)], runs, new Map(), now)[0]?.ok).toBe(true);
    expect(evaluateCoverage([req('pentest', 7)], runs, new Map([['custom', ['pentest']]]), now)[0]).toMatchObject({
      ok: true,
      tools: ['custom'],
    });
    expect(evaluateCoverage([req('dast', 7)], runs, new Map([['nightly', ['sast']]]), now)[0]?.ok).toBe(false);
  });

  it('the maximum age holds to its last instant and fails one millisecond later', () => {
    const at = '2026-03-01T00:00:00.000Z';
    const runs: ToolsRun[] = [{ at, tools: ['ZAP'] }];
    const limit = new Date(Date.parse(at) + 30 * DAY);
    expect(evaluateCoverage([req('dast', 30)], runs, new Map(), limit)[0]).toEqual({
      activity: 'dast',
      max: '30d',
      lastReported: at,
      tools: ['ZAP'],
      ageDays: 30,
      ok: true,
    });
    expect(evaluateCoverage([req('dast', 30)], runs, new Map(), new Date(limit.getTime() + 1))[0]).toEqual({
      activity: 'dast',
      max: '30d',
      lastReported: at,
      tools: ['ZAP'],
      ageDays: 30,
      ok: false,
      reason: 'DAST has not reported for 30 days, max 30 days (last 2026-03-01 by ZAP)',
    });
  });

  it('never reported, and several tools in the reason', () => {
    expect(evaluateCoverage([req('iac', 7)], [], new Map(), now)).toEqual([
      {
        activity: 'iac',
        max: '7d',
        tools: [],
        ok: false,
        reason:
          "IaC has never reported (max 7 days): run a iac tool in this pipeline or one that writes this ledger, or map a tool to it in the policy's `activities:`",
      },
    ]);
    const both = evaluateCoverage([req('sast', 7)], [{ at: '2026-03-01T00:00:00.000Z', tools: ['Semgrep', 'CodeQL'] }], new Map(), now);
    expect(both[0]?.reason).toBe('SAST has not reported for 30 days, max 7 days (last 2026-03-01 by CodeQL, Semgrep)');
  });
});

describe('activities', () => {
  it('kinds map to activities; other and malformed kinds do not; names known by tool add theirs; sorted, no repeats', () => {
    expect(activitiesOf('scanner', ['secret', 'sast', 'secret'])).toEqual(['sast', 'secrets']);
    expect(activitiesOf('scanner', ['other'])).toEqual([]);
    expect(activitiesOf('scanner', ['pentest', 'threat-model'])).toEqual(['pentest', 'threat-model']);
    expect(activitiesOf('scanner', ['Bad Kind', '1abc', 'abc!', '', '-x'])).toEqual([]);
    expect(activitiesOf('Trivy', ['container'])).toEqual(['container', 'sca']);
    expect(activitiesOf('CodeQL', [])).toEqual(['sast']);
    expect(activitiesOf('gitleaks', ['secret'])).toEqual(['secrets']);
  });

  it('an override (any case) replaces everything, as a copy', () => {
    const forced = ['dast'];
    const overrides = new Map([['codeql', forced]]);
    const got = activitiesOf('CodeQL', ['sast'], overrides);
    expect(got).toEqual(['dast']);
    got.push('x');
    expect(forced).toEqual(['dast']);
    expect(activitiesOf('Semgrep', [], overrides)).toEqual(['sast']);
  });

  it('labels', () => {
    expect(
      ['sast', 'sca', 'secrets', 'iac', 'container', 'dast', 'pentest', 'threat-model', 'bug-bounty', 'constructor'].map(activityLabel),
    ).toEqual([
      'SAST',
      'SCA',
      'Secrets scanning',
      'IaC',
      'Container scanning',
      'DAST',
      'Pentest',
      'Threat modelling',
      'bug-bounty',
      'constructor',
    ]);
  });

  it('parseDuration: days as numbers, h/d/w with spaces and decimals; anything else is undefined', () => {
    expect(parseDuration(2)).toBe(2 * DAY);
    expect(parseDuration(0)).toBe(0);
    expect(parseDuration(-1)).toBeUndefined();
    expect(parseDuration(Number.NaN)).toBeUndefined();
    expect(parseDuration(Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(parseDuration('12h')).toBe(12 * HOUR);
    expect(parseDuration('2w')).toBe(14 * DAY);
    expect(parseDuration(' 7 d ')).toBe(7 * DAY);
    expect(parseDuration('1.25d')).toBe(1.25 * DAY);
    expect(parseDuration('0d')).toBe(0);
    for (const bad of ['x7d', '7dx', '7', 'd', '1.d', '-1d', '7m', '7 days']) expect(parseDuration(bad)).toBeUndefined();
  });

  it('durationWords: days and hours, singular and plural, hours dropped from 60 days', () => {
    expect(durationWords(0)).toBe('0 hours');
    expect(durationWords(HOUR)).toBe('1 hour');
    expect(durationWords(5 * HOUR + 59 * 60_000)).toBe('5 hours');
    expect(durationWords(DAY)).toBe('1 day');
    expect(durationWords(DAY + HOUR)).toBe('1 day 1 hour');
    expect(durationWords(2 * DAY + 3 * HOUR)).toBe('2 days 3 hours');
    expect(durationWords(59 * DAY + 3 * HOUR)).toBe('59 days 3 hours');
    expect(durationWords(60 * DAY + 3 * HOUR)).toBe('60 days');
    expect(durationWords(61 * DAY)).toBe('61 days');
  });
});

describe('evaluateGate: coverage and named inputs', () => {
  const gatePolicy = policyFrom(BASE_POLICY);
  const opts = (onInputError: 'fail' | 'warn' = 'fail') => ({ environment: 'default', onInputError });
  const named = (name: string, reason: string, severity: InputError['severity'] = 'fatal'): InputError => ({
    file: 'x',
    message: reason,
    severity,
    input: { name, reason },
  });

  it('an unknown environment: a policy error about the environment', () => {
    let err: UnknownEnvironmentError | undefined;
    try {
      evaluateGate([], [], gatePolicy, { environment: 'prod', onInputError: 'fail' });
    } catch (e) {
      err = e as UnknownEnvironmentError;
    }
    expect(err?.code).toBe('policy');
    expect(err?.option).toBe('environment');
    expect(err?.message).toBe('no gate profile "prod" in the policy: expected one of default (policy `gates:`)');
  });

  it('a failed coverage check fails with its reason, or names its activity when it has none', () => {
    const v = evaluateGate([], [], gatePolicy, {
      ...opts(),
      coverage: [
        { activity: 'sast', max: '7d', tools: ['CodeQL'], ok: true },
        { activity: 'dast', max: '7d', tools: [], ok: false, reason: 'DAST has never reported' },
        { activity: 'iac', max: '7d', tools: [], ok: false },
      ],
    });
    expect(v.status).toBe('fail');
    expect(v.reasons).toEqual(['failed: coverage: DAST has never reported', 'failed: coverage: iac is not covered']);
    expect(v.coverage).toHaveLength(3);
    expect(evaluateGate([], [], gatePolicy, { ...opts(), coverage: [] })).not.toHaveProperty('coverage');
  });

  it('an input that is not a scanner file is named once with its reason (cut at 240 characters)', () => {
    const long = 'x'.repeat(300);
    const errors = [
      named('the ledger branch:defect-gate-data', 'not valid JSON'),
      named('the ledger branch:defect-gate-data', 'a second reason'),
      named('the approvals', long, 'partial'),
    ];
    const fail = evaluateGate([], errors, gatePolicy, opts('fail'));
    expect(fail.status).toBe('fail');
    expect(fail.reasons).toEqual([
      'failed: the ledger branch:defect-gate-data could not be read: not valid JSON (on-input-error: fail)',
      `failed: the approvals could not be read: ${'x'.repeat(239)}… (on-input-error: fail)`,
    ]);
    expect(fail.inputErrors).toEqual({ count: 3, blocking: true });
    const warn = evaluateGate([], errors.slice(0, 1), gatePolicy, opts('warn'));
    expect(warn.status).toBe('warn');
    expect(warn.reasons).toEqual(['warning: the ledger branch:defect-gate-data could not be read: not valid JSON (on-input-error: warn)']);
    expect(warn.inputErrors).toEqual({ count: 1, blocking: false });
    const exact = evaluateGate([], [named('the policy', 'y'.repeat(240))], gatePolicy, opts('warn'));
    expect(exact.reasons).toEqual([`warning: the policy could not be read: ${'y'.repeat(240)} (on-input-error: warn)`]);
  });

  it('a named input does not also count as a scanner error; a scanner error naming an input is only a scanner warning', () => {
    const v = evaluateGate([], [named('the ledger', 'gone'), named('the tool', 'said so', 'scanner')], gatePolicy, opts('fail'));
    expect(v.reasons).toEqual([
      'failed: the ledger could not be read: gone (on-input-error: fail)',
      'warning: the scanner reported errors in 1 input file',
    ]);
    const scannerOnly = evaluateGate([], [named('the tool', 'said so', 'scanner')], gatePolicy, opts('fail'));
    expect(scannerOnly.status).toBe('warn');
    expect(scannerOnly.inputErrors.blocking).toBe(false);
  });

  it('a named input under warn does not lower a failing verdict', () => {
    const coverage = [{ activity: 'dast', max: '7d', tools: [], ok: false, reason: 'no DAST' }];
    const v = evaluateGate([], [named('the ledger', 'gone')], gatePolicy, { ...opts('warn'), coverage });
    expect(v.status).toBe('fail');
  });
});
