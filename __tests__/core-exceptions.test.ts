import { describe, expect, it } from '@jest/globals';
import { applyExceptions, approvalText, dateState, summarizeExceptions, type ExceptionStatus } from '../src/exceptions/apply';
import { approvalsNeeded, canonicalJson, compileException, DAY, type CompiledException } from '../src/policy/exceptions';
import { compareVersions, compileVersionRange } from '../src/policy/version-range';
import { rateAll } from '../src/rate/rate';
import type { Policy } from '../src/policy/compile';
import type { ExceptionEntryInput } from '../src/policy/schema';
import type { Finding, RatedFinding, VerifiedApproval } from '../src/model';
import { BASE_POLICY, finding, first, must, policyFrom } from './helpers';

/**
 * The exceptions core, exactly: what a finding's exception reference holds (and does not), which exception wins when
 * several match, the max-days window on both sides of its limit, the counts per exception, verified approvals, the
 * matchers an entry compiles to, and version ranges. Written against the mutants StrykerJS left alive
 * (MUTATE_SCOPE=exceptions npm run mutate).
 */

const NOW = new Date('2026-12-01T12:00:00Z');

// `require: [reason]`: entries here leave out approved-by or expires where that is the point.
const withExceptions = (section: string): Policy =>
  policyFrom(
    BASE_POLICY.replace(
      'gates:\n  default:\n    - {name: No critical, severity: critical}\n',
      `exceptions:\n  require: [reason]\n${section}\ngates:\n  default:\n    - {name: No high+, severity: ">= high"}\n`,
    ),
  );

const rated = (p: Policy, ...over: Partial<Finding>[]): RatedFinding[] =>
  rateAll(
    over.map((o, i) => finding({ fingerprint: `f${i}`, level: 'error', ...o })),
    p,
  );

const statusOf = (list: ExceptionStatus[], id: string) =>
  must(
    list.find((e) => e.id === id),
    `exception ${id}`,
  );

describe('the exception reference on a finding holds exactly what the entry says', () => {
  const p = withExceptions(`  entries:
    - id: FULL
      type: mitigated
      match: {rule: js/sql-injection}
      reason: WAF in front
      approved-by: alice
      approved-on: 2026-11-01
      expires: 2027-06-30
      ticket: SEC-1
      control: WAF rule 942100
    - id: BARE
      type: false-positive
      match: {rule: js/xss}
      reason: Not reachable
    - id: EXT
      type: sla-extension
      match: {rule: py/*}
      reason: Vendor fix
      due: 2027-01-31`);

  it('every field given is copied, nothing else is added', () => {
    const r = applyExceptions(rated(p, { ruleId: 'js/sql-injection' }, { ruleId: 'js/xss' }, { ruleId: 'py/eval' }), p.exceptions, NOW);
    const [full, bare, ext] = r.findings as [RatedFinding, RatedFinding, RatedFinding];
    expect(full.exception).toStrictEqual({
      id: 'FULL',
      type: 'mitigated',
      state: 'active',
      approvedBy: 'alice',
      approvedOn: '2026-11-01',
      expires: '2027-06-30',
      reason: 'WAF in front',
      ticket: 'SEC-1',
      control: 'WAF rule 942100',
    });
    expect(full.notGatedReason).toBe('exception FULL (mitigated, approved by alice, until 2027-06-30)');
    expect(bare.exception).toStrictEqual({ id: 'BARE', type: 'false-positive', state: 'active', reason: 'Not reachable' });
    expect(bare.notGatedReason).toBe('exception BARE (false-positive)');
    expect(ext.exception).toStrictEqual({ id: 'EXT', type: 'sla-extension', state: 'active', reason: 'Vendor fix', due: '2027-01-31' });
    // An SLA extension moves the due date only: the finding stays gated, with no reason to be out of the gate.
    expect(ext.gated).toBe(true);
    expect(ext).not.toHaveProperty('notGatedReason');
  });

  it('the status of each exception: counts, dates and days left, and only the fields the entry has', () => {
    const r = applyExceptions(
      rated(p, { ruleId: 'js/sql-injection' }, { ruleId: 'js/sql-injection' }, { ruleId: 'py/eval' }),
      p.exceptions,
      NOW,
    );
    expect(statusOf(r.exceptions, 'FULL')).toStrictEqual({
      id: 'FULL',
      type: 'mitigated',
      file: 'policy',
      state: 'active',
      matched: 2,
      applied: 2,
      notAllowed: 0,
      approvedBy: 'alice',
      approvedOn: '2026-11-01',
      expires: '2027-06-30',
      // 2027-07-01T00:00Z − 2026-12-01T12:00Z = 211.5 days: 211 whole days.
      daysLeft: 211,
      reason: 'WAF in front',
      ticket: 'SEC-1',
    });
    expect(statusOf(r.exceptions, 'BARE')).toStrictEqual({
      id: 'BARE',
      type: 'false-positive',
      file: 'policy',
      state: 'stale',
      matched: 0,
      applied: 0,
      notAllowed: 0,
      reason: 'Not reachable',
    });
    expect(statusOf(r.exceptions, 'EXT')).toMatchObject({ state: 'active', matched: 1, applied: 1, notAllowed: 0 });
  });

  it('a finding out of the gate for another reason keeps that reason when an exception applies', () => {
    const [f] = rated(p, { ruleId: 'js/sql-injection', resultKind: 'review' });
    expect(f?.gated).toBe(false);
    const out = first(applyExceptions([f as RatedFinding], p.exceptions, NOW).findings);
    expect(out.exception?.state).toBe('active');
    expect(out.notGatedReason).toBe('SARIF result kind "review" is not a failure');
  });

  it('without exceptions the findings array is returned as it is; an entry that matches nothing is stale', () => {
    const none = withExceptions('  expiring-days: 3');
    const fs = rated(none, { ruleId: 'js/sql-injection' });
    const r = applyExceptions(fs, none.exceptions, NOW);
    expect(r.findings).toBe(fs);
    expect(r.exceptions).toEqual([]);
  });
});

describe('several exceptions match one finding', () => {
  const p = withExceptions(`  max-days: {high: 30, low: 400}
  entries:
    - {id: A-EXPIRED, type: accepted-risk, match: {rule: js/*}, reason: r, approved-on: 2026-01-01, expires: 2026-01-10}
    - {id: B-TOO-LONG, type: accepted-risk, match: {rule: js/*}, reason: r, approved-on: 2026-11-01, expires: 2027-11-01}
    - {id: C-OK, type: false-positive, match: {rule: js/*}, reason: r, approved-on: 2026-11-20, expires: 2026-12-19}
    - {id: D-OK-TOO, type: false-positive, match: {rule: js/*}, reason: r, approved-on: 2026-11-20, expires: 2026-12-10}`);

  it('the first that applies wins over earlier ones that do not; a later one that applies too does not replace it', () => {
    const r = applyExceptions(rated(p, { ruleId: 'js/x' }), p.exceptions, NOW);
    expect(first(r.findings).exception).toMatchObject({ id: 'C-OK', state: 'active' });
    expect(first(r.findings).gated).toBe(false);
    // Every exception that matched counts the finding; only the winner applied to it.
    expect(r.exceptions.map((e) => [e.id, e.state, e.matched, e.applied, e.notAllowed])).toEqual([
      ['A-EXPIRED', 'expired', 1, 0, 0],
      ['B-TOO-LONG', 'active', 1, 0, 1],
      ['C-OK', 'active', 1, 1, 0],
      ['D-OK-TOO', 'expiring', 1, 0, 0],
    ]);
  });

  it('when none applies, the first that matched is reported (expired before not-allowed)', () => {
    const q = withExceptions(`  max-days: {high: 30, low: 400}
  entries:
    - {id: A-EXPIRED, type: accepted-risk, match: {rule: js/*}, reason: r, approved-on: 2026-01-01, expires: 2026-01-10}
    - {id: B-TOO-LONG, type: accepted-risk, match: {rule: js/*}, reason: r, approved-on: 2026-11-01, expires: 2027-11-01}`);
    const r = applyExceptions(rated(q, { ruleId: 'js/x' }), q.exceptions, NOW);
    expect(first(r.findings).exception).toMatchObject({ id: 'A-EXPIRED', state: 'expired', problem: 'expired on 2026-01-10' });
    expect(first(r.findings).gated).toBe(true);
    const swapped = withExceptions(`  max-days: {high: 30, low: 400}
  entries:
    - {id: B-TOO-LONG, type: accepted-risk, match: {rule: js/*}, reason: r, approved-on: 2026-11-01, expires: 2027-11-01}
    - {id: A-EXPIRED, type: accepted-risk, match: {rule: js/*}, reason: r, approved-on: 2026-01-01, expires: 2026-01-10}`);
    const s = applyExceptions(rated(swapped, { ruleId: 'js/x' }), swapped.exceptions, NOW);
    expect(first(s.findings).exception).toMatchObject({
      id: 'B-TOO-LONG',
      state: 'not-allowed',
      problem: 'approved for 365 days; at most 30 for high findings (exceptions.max-days)',
    });
  });

  it('an expired one is replaced by a later one that applies (and a not-allowed one too)', () => {
    const q = withExceptions(`  max-days: {high: 30, low: 400}
  entries:
    - {id: A-EXPIRED, type: accepted-risk, match: {rule: js/*}, reason: r, approved-on: 2026-01-01, expires: 2026-01-10}
    - {id: C-OK, type: false-positive, match: {rule: js/*}, reason: r, approved-on: 2026-11-20, expires: 2026-12-19}`);
    expect(first(applyExceptions(rated(q, { ruleId: 'js/x' }), q.exceptions, NOW).findings).exception?.id).toBe('C-OK');
  });
});

describe('max-days: the approved window on both sides of its limit', () => {
  // approved-on 2026-11-01, expires 2026-11-30: a window of 29 days (expires − approved-on, as the policy loader counts
  // it). Another level allows longer, so that the loader accepts the entry and the limit is checked per finding.
  const policy = (max: number, extra = 'approved-on: 2026-11-01, expires: 2026-11-30') =>
    withExceptions(`  max-days: {high: ${max}, low: 400}
  entries:
    - {id: W, type: accepted-risk, match: {rule: js/*}, reason: r, ${extra}}`);
  const on = new Date('2026-11-15T00:00:00Z');
  const ref = (p: Policy, f: Partial<Finding> = {}) =>
    first(applyExceptions(rated(p, { ruleId: 'js/x', ...f }), p.exceptions, on).findings);

  it('a window of exactly max-days is allowed; one day over is not', () => {
    expect(ref(policy(29)).exception?.state).toBe('active');
    expect(ref(policy(28)).exception).toMatchObject({
      state: 'not-allowed',
      problem: 'approved for 29 days; at most 28 for high findings (exceptions.max-days)',
    });
  });

  it('only the severity of the finding counts: max-days of another level does not apply', () => {
    expect(ref(policy(28), { level: 'warning' }).exception?.state).toBe('active');
  });

  it('without approved-on the window cannot be checked: not allowed, and says why', () => {
    expect(ref(policy(30, 'expires: 2026-11-30')).exception).toMatchObject({
      state: 'not-allowed',
      problem: 'no approved-on date: the window cannot be checked against max-days for high (30)',
    });
  });

  it('without expiry: not allowed where max-days is set, allowed where it is not; an SLA extension needs none', () => {
    expect(ref(policy(30, 'approved-on: 2026-11-01')).exception).toMatchObject({
      state: 'not-allowed',
      problem: 'no expiry date: high findings need one (exceptions.max-days)',
    });
    expect(ref(policy(30, 'approved-on: 2026-11-01'), { level: 'warning' }).exception?.state).toBe('active');
    const ext = withExceptions(`  max-days: {high: 30}
  entries:
    - {id: X, type: sla-extension, match: {rule: js/*}, reason: r, approved-on: 2026-11-01, due: 2026-12-31}`);
    expect(ref(ext).exception?.state).toBe('active');
  });

  it('a type not allowed for the severity names both; one allowed for it applies', () => {
    const p = withExceptions(`  allow: {false-positive: ">= high"}
  entries:
    - {id: FP, type: false-positive, match: {rule: js/*}, reason: r}`);
    expect(ref(p, { level: 'warning' }).exception).toMatchObject({
      state: 'not-allowed',
      problem: 'false-positive is not allowed for medium findings (exceptions.allow)',
    });
    expect(ref(p).exception?.state).toBe('active');
  });
});

describe('pending: approved on a later day than now', () => {
  const p = withExceptions(`  entries:
    - {id: P, type: accepted-risk, match: {rule: js/*}, reason: r, approved-on: 2026-12-02, expires: 2027-03-01}`);
  const at = (iso: string) => applyExceptions(rated(p, { ruleId: 'js/x' }), p.exceptions, new Date(iso));

  it('the last instant before the approval day: pending, does not apply, and says so', () => {
    const r = at('2026-12-01T23:59:59.999Z');
    expect(first(r.findings).exception).toMatchObject({
      state: 'not-allowed',
      problem: 'not active yet: approved-on 2026-12-02 is after today (2026-12-01)',
    });
    expect(first(r.findings).gated).toBe(true);
    expect(statusOf(r.exceptions, 'P')).toMatchObject({ state: 'pending', matched: 1, applied: 0, notAllowed: 1 });
  });

  it('the first instant of the approval day: active', () => {
    const r = at('2026-12-02T00:00:00.000Z');
    expect(first(r.findings).exception?.state).toBe('active');
    expect(statusOf(r.exceptions, 'P')).toMatchObject({ state: 'active', applied: 1, notAllowed: 0 });
  });

  it('pending even when nothing matches (not stale)', () => {
    const r = applyExceptions([], p.exceptions, new Date('2026-12-01T00:00:00Z'));
    expect(statusOf(r.exceptions, 'P').state).toBe('pending');
  });
});

describe('dateState', () => {
  const e = (entry: Partial<ExceptionEntryInput>): CompiledException =>
    compileException({ id: 'E', type: 'accepted-risk', match: { rule: 'x' }, reason: 'r', ...entry } as ExceptionEntryInput, 'p.yml');
  const t = (iso: string) => Date.parse(iso);

  it('without expiry: active from its approval day on, whatever the window', () => {
    expect(dateState(e({}), t('2030-01-01T00:00:00Z'), 14)).toBe('active');
    expect(dateState(e({ 'approved-on': '2026-12-02' }), t('2026-12-02T00:00:00Z'), 10_000)).toBe('active');
  });

  it('expiring from exactly expiring-days before the end; expired at the end even if approved later (expired first)', () => {
    const x = e({ expires: '2026-12-31' });
    expect(dateState(x, t('2027-01-01T00:00:00Z') - 3 * DAY, 3)).toBe('expiring');
    expect(dateState(x, t('2027-01-01T00:00:00Z') - 3 * DAY - 1, 3)).toBe('active');
    expect(dateState(e({ expires: '2026-12-31', 'approved-on': '2027-02-01' }), t('2027-01-15T00:00:00Z'), 3)).toBe('expired');
  });
});

describe('verified approvals (exceptions.approvers)', () => {
  const section = (extra = '') => `  approvers: {users: [Alice, bob], teams: [acme/appsec], min: {critical: 2}}
${extra}  entries:
    - {id: V, type: accepted-risk, match: {rule: js/*}, reason: r, approved-by: someone, approved-on: 2026-11-01, expires: 2027-01-31}`;
  const withApproval = (p: Policy, a: VerifiedApproval | undefined) => {
    for (const e of p.exceptions.entries) {
      if (a) e.approval = a;
      else delete e.approval;
    }
    return p;
  };
  const alice: VerifiedApproval = {
    approvers: [{ login: 'alice', team: 'acme/appsec' }],
    pr: { number: 7, mergedAt: '2026-11-02T09:00:00Z' },
  };

  it('compiles approvers: logins lower-cased, teams as written, min by severity, else default, else 1', () => {
    const p = withExceptions(section());
    const a = must(p.exceptions.approvers, 'approvers');
    expect([...a.users]).toEqual(['alice', 'bob']);
    expect(a.teams).toEqual(['acme/appsec']);
    expect(a.notRequester).toBe(true);
    expect(p.exceptions.verify).toBe('enforce');
    expect(approvalsNeeded(a, 'critical')).toBe(2);
    expect(approvalsNeeded(a, 'high')).toBe(1);
    expect(approvalsNeeded({ ...a, min: Object.assign(Object.create(null), { default: 3 }) }, 'high')).toBe(3);
    expect(approvalsNeeded({ ...a, min: Object.assign(Object.create(null), { default: 3, high: 0 }) }, 'high')).toBe(0);
    expect(approvalsNeeded(a, 'constructor')).toBe(1);
    expect(withExceptions('  entries: []').exceptions.verify).toBe('off');
    expect(withExceptions('  expiring-days: 3').exceptions.expiringDays).toBe(3);
    expect(withExceptions('  entries: []').exceptions.expiringDays).toBe(14);
  });

  it('approvers without users or teams compile to none of them; not-requester as written', () => {
    const teamsOnly = withExceptions(`  approvers: {teams: [acme/appsec], not-requester: false}
  entries: []`);
    const a = must(teamsOnly.exceptions.approvers, 'approvers');
    expect([...a.users]).toEqual([]);
    expect(a.notRequester).toBe(false);
    const usersOnly = withExceptions(`  approvers: {users: [bob]}
  entries: []`);
    expect(must(usersOnly.exceptions.approvers, 'approvers').teams).toEqual([]);
  });

  it('a verified approval names the approvers on the finding and in the reason (not the written approved-by)', () => {
    const p = withApproval(withExceptions(section()), alice);
    const r = applyExceptions(rated(p, { ruleId: 'js/x' }), p.exceptions, NOW);
    const f = first(r.findings);
    expect(f.exception).toStrictEqual({
      id: 'V',
      type: 'accepted-risk',
      state: 'active',
      approvedBy: '@alice (acme/appsec) in #7 on 2026-11-02',
      approvedOn: '2026-11-01',
      expires: '2027-01-31',
      reason: 'r',
      approval: alice,
    });
    expect(f.notGatedReason).toBe('exception V (accepted-risk, approved by @alice (acme/appsec) in #7 on 2026-11-02, until 2027-01-31)');
    const st = statusOf(r.exceptions, 'V');
    expect(st.approval).toBe(alice);
    expect(st.approvedBy).toBe('someone');
    expect(st).not.toHaveProperty('unverified');
  });

  it('too few approvals: unverified with enforce (counted as not allowed), applies with a warning with warn', () => {
    const crit = { ruleId: 'js/x', securitySeverity: 9.5 };
    const p = withApproval(withExceptions(section()), alice);
    const r = applyExceptions(rated(p, crit), p.exceptions, NOW);
    expect(first(r.findings).exception).toMatchObject({
      state: 'unverified',
      problem: '2 approvals needed for critical findings; #7 has 1 (@alice)',
    });
    expect(first(r.findings).gated).toBe(true);
    expect(statusOf(r.exceptions, 'V')).toMatchObject({ state: 'unverified', matched: 1, applied: 0, notAllowed: 1 });
    const warn = withApproval(withExceptions(section('  verify-approvals: warn\n')), alice);
    const w = applyExceptions(rated(warn, crit), warn.exceptions, NOW);
    expect(first(w.findings).exception).toMatchObject({
      state: 'active',
      problem: 'approval not verified (verify-approvals: warn): 2 approvals needed for critical findings; #7 has 1 (@alice)',
    });
    expect(statusOf(w.exceptions, 'V')).toMatchObject({ state: 'active', applied: 1, notAllowed: 0 });
  });

  it('without a pull request the count says "verified"; with nobody, "none"', () => {
    const crit = { ruleId: 'js/x', securitySeverity: 9.5 };
    const p = withApproval(withExceptions(section()), { approvers: [{ login: 'bob' }] });
    expect(first(applyExceptions(rated(p, crit), p.exceptions, NOW).findings).exception?.problem).toBe(
      '2 approvals needed for critical findings; 1 verified (@bob)',
    );
    const q = withApproval(withExceptions(section()), { approvers: [], pr: { number: 9 } });
    expect(first(applyExceptions(rated(q, { ruleId: 'js/x' }), q.exceptions, NOW).findings).exception?.problem).toBe(
      '1 approvals needed for high findings; #9 has 0 (none)',
    );
  });

  it('an approval not verified at all (a command without GitHub): unverified, and the status says why', () => {
    const p = withApproval(withExceptions(section()), undefined);
    const r = applyExceptions(rated(p, { ruleId: 'js/x' }), p.exceptions, NOW);
    expect(first(r.findings).exception).toMatchObject({ state: 'unverified', problem: 'its approval was not verified' });
    expect(statusOf(r.exceptions, 'V')).toMatchObject({ state: 'unverified', unverified: 'approvals are not verified by this command' });
  });

  it('an unverified exception that applied elsewhere, or expired, keeps that state', () => {
    const p = withApproval(withExceptions(section()), alice);
    const r = applyExceptions(rated(p, { ruleId: 'js/x' }, { ruleId: 'js/y', securitySeverity: 9.5 }), p.exceptions, NOW);
    expect(statusOf(r.exceptions, 'V')).toMatchObject({ state: 'active', applied: 1, notAllowed: 1 });
    const late = applyExceptions(rated(p, { ruleId: 'js/y', securitySeverity: 9.5 }), p.exceptions, new Date('2027-02-01T00:00:00Z'));
    expect(statusOf(late.exceptions, 'V').state).toBe('expired');
    expect(first(late.findings).exception?.state).toBe('expired');
  });

  it('a problem with the approval is the reason, and the verified approvers are not named', () => {
    const p = withApproval(withExceptions(section()), { approvers: [{ login: 'dev' }], problem: '#7 was approved only by its author' });
    const r = applyExceptions(rated(p, { ruleId: 'js/x' }), p.exceptions, NOW);
    expect(first(r.findings).exception).toMatchObject({
      state: 'unverified',
      problem: '#7 was approved only by its author',
      approvedBy: 'someone',
    });
    expect(statusOf(r.exceptions, 'V')).toMatchObject({ unverified: '#7 was approved only by its author' });
    expect(statusOf(r.exceptions, 'V')).not.toHaveProperty('approval');
  });

  it('approvalText', () => {
    expect(approvalText({ approvers: [{ login: 'a' }, { login: 'b', team: 'o/t' }] })).toBe('approved by @a, @b (o/t)');
    expect(approvalText({ approvers: [{ login: 'a' }], pr: { number: 3 } })).toBe('approved by @a in #3');
    expect(approvalText({ approvers: [{ login: 'a' }], pr: { number: 3, mergedAt: '2026-01-02T03:04:05Z' } })).toBe(
      'approved by @a in #3 on 2026-01-02',
    );
  });
});

describe('summarizeExceptions', () => {
  const s = (over: Partial<ExceptionStatus>): ExceptionStatus => ({
    id: 'x',
    type: 'accepted-risk',
    file: 'p.yml',
    state: 'active',
    matched: 0,
    applied: 0,
    notAllowed: 0,
    ...over,
  });

  it('counts states, types and approvers ("(none)" without one); unverified only when there are some', () => {
    const plain = summarizeExceptions([
      s({ approvedBy: 'al' }),
      s({ state: 'stale', type: 'mitigated' }),
      s({ state: 'stale', approvedBy: 'al' }),
    ]);
    expect(plain).toStrictEqual({
      byState: { active: 1, expiring: 0, expired: 0, pending: 0, stale: 2 },
      byType: { 'accepted-risk': 2, mitigated: 1 },
      byApprover: { al: 2, '(none)': 1 },
    });
    expect(summarizeExceptions([s({ state: 'unverified' }), s({ state: 'unverified' })]).byState.unverified).toBe(2);
  });
});

describe('what an entry matches', () => {
  const c = (match: ExceptionEntryInput['match']) =>
    compileException({ id: 'M', type: 'false-positive', match, reason: 'r' } as ExceptionEntryInput, 'p.yml');

  it('a fingerprint, with or without the ~N occurrence suffix', () => {
    const t = c({ fingerprint: 'abc' }).test;
    expect(t(finding({ fingerprint: 'abc' }))).toBe(true);
    expect(t(finding({ fingerprint: 'abc~2' }))).toBe(true);
    expect(t(finding({ fingerprint: 'abc~' }))).toBe(false);
    expect(t(finding({ fingerprint: 'abcd' }))).toBe(false);
    expect(t(finding({ fingerprint: 'abc~12' }))).toBe(true);
    // Only a suffix at the end is an occurrence number.
    expect(t(finding({ fingerprint: 'ab~1c' }))).toBe(false);
    expect(c({ fingerprint: ['x', 'abc~2'] }).test(finding({ fingerprint: 'abc~2' }))).toBe(true);
  });

  it('rule and path globs; a finding without a path never matches a path', () => {
    expect(c({ rule: 'js/*' }).test(finding({ ruleId: 'js/a' }))).toBe(true);
    expect(c({ rule: 'js/*' }).test(finding({ ruleId: 'py/a' }))).toBe(false);
    expect(c({ path: 'src/**' }).test(finding({ path: 'src/a/b.js' }))).toBe(true);
    expect(c({ path: 'src/**' }).test(finding({ path: 'lib/b.js' }))).toBe(false);
    expect(c({ path: '**' }).test(finding({ path: undefined }))).toBe(false);
  });

  it('a tool, in any case, also among the tools that agreed (alsoReportedBy)', () => {
    const t = c({ tool: 'semgrep*' }).test;
    expect(t(finding({ tool: { name: 'Semgrep OSS' } }))).toBe(true);
    expect(t(finding({ tool: { name: 'CodeQL' }, alsoReportedBy: [{ name: 'semgrep' }] }))).toBe(true);
    expect(t(finding({ tool: { name: 'CodeQL' }, alsoReportedBy: [{ name: 'Snyk' }] }))).toBe(false);
    expect(t(finding({ tool: { name: 'CodeQL' } }))).toBe(false);
  });

  it('a CVE in any case, among the finding CVEs or as its rule id', () => {
    const t = c({ cve: 'cve-2024-0001' }).test;
    expect(t(finding({ cve: ['CVE-2024-0001'] }))).toBe(true);
    expect(t(finding({ cve: ['cve-2024-0001'] }))).toBe(true);
    expect(t(finding({ cve: [], ruleId: 'cve-2024-0001' }))).toBe(true);
    expect(t(finding({ cve: ['CVE-2024-0002'], ruleId: 'x' }))).toBe(false);
  });

  it('a package name in any case; a finding without a package never matches', () => {
    const t = c({ package: 'Lodash' }).test;
    expect(t(finding({ package: { name: 'lodash', version: '1' } }))).toBe(true);
    expect(t(finding({ package: { name: 'underscore', version: '1' } }))).toBe(false);
    expect(t(finding({}))).toBe(false);
  });

  it('a version range; a finding without a version never matches it', () => {
    const t = c({ version: '< 2.0' }).test;
    expect(t(finding({ package: { name: 'a', version: '1.9' } }))).toBe(true);
    expect(t(finding({ package: { name: 'a', version: '2.0' } }))).toBe(false);
    expect(t(finding({ package: { name: 'a' } }))).toBe(false);
    expect(t(finding({}))).toBe(false);
  });

  it('a component; every condition must hold; an empty match matches nothing', () => {
    expect(c({ component: 'pay' }).test(finding({ component: 'pay' }))).toBe(true);
    expect(c({ component: 'pay' }).test(finding({ component: 'admin' }))).toBe(false);
    expect(c({ component: 'pay' }).test(finding({}))).toBe(false);
    const both = c({ rule: 'js/*', path: 'src/**' }).test;
    expect(both(finding({ ruleId: 'js/a', path: 'src/x.js' }))).toBe(true);
    expect(both(finding({ ruleId: 'js/a', path: 'lib/x.js' }))).toBe(false);
    expect(both(finding({ ruleId: 'py/a', path: 'src/x.js' }))).toBe(false);
    expect(c({}).test(finding({}))).toBe(false);
  });

  it('dates: ends the day after expires, approved at the start of its day, due at the last instant of its day (UTC)', () => {
    const e = compileException(
      {
        id: 'D',
        type: 'sla-extension',
        match: { rule: 'x' },
        reason: 'r',
        'approved-on': '2026-11-01',
        expires: '2026-12-31',
        due: '2027-01-31',
      } as ExceptionEntryInput,
      'p.yml',
    );
    expect(e.endsAt).toBe(Date.parse('2027-01-01T00:00:00Z'));
    expect(e.approvedAt).toBe(Date.parse('2026-11-01T00:00:00Z'));
    expect(e.dueAt).toBe(Date.parse('2027-01-31T23:59:59.999Z'));
    const bare = compileException({ id: 'D', type: 'false-positive', match: { rule: 'x' }, reason: 'r' } as ExceptionEntryInput, 'p.yml');
    expect(bare).not.toHaveProperty('endsAt');
    expect(bare).not.toHaveProperty('approvedAt');
    expect(bare).not.toHaveProperty('dueAt');
  });

  it('the content hash does not depend on key order, and changes with any value', () => {
    const a = compileException(
      { id: 'H', type: 'false-positive', match: { rule: 'x', path: 'y' }, reason: 'r' } as ExceptionEntryInput,
      'p.yml',
    );
    const b = compileException(
      { reason: 'r', match: { path: 'y', rule: 'x' }, type: 'false-positive', id: 'H' } as ExceptionEntryInput,
      'q.yml',
    );
    const c2 = compileException(
      { id: 'H', type: 'false-positive', match: { rule: 'x', path: 'z' }, reason: 'r' } as ExceptionEntryInput,
      'p.yml',
    );
    expect(a.contentHash).toBe(b.contentHash);
    expect(a.contentHash).not.toBe(c2.contentHash);
    expect(a.contentHash).toMatch(/^[0-9a-f]{32}$/);
    expect(canonicalJson({ b: [1, { d: null, c: 'x' }], a: undefined, e: true })).toBe('{"b":[1,{"c":"x","d":null}],"e":true}');
    expect(canonicalJson(undefined)).toBe('null');
  });
});

describe('version ranges, exactly', () => {
  it('numeric segments compare as numbers; leading zeros sort after; a number after a word', () => {
    expect(compareVersions('1.10', '1.9')).toBe(1);
    expect(compareVersions('1.9', '1.10')).toBe(-1);
    expect(compareVersions('1.01', '1.1')).toBe(1);
    expect(compareVersions('1.1', '1.01')).toBe(-1);
    expect(compareVersions('1.1', '1.a')).toBe(1);
    expect(compareVersions('1.a', '1.1')).toBe(-1);
    expect(compareVersions('1.b', '1.a')).toBe(1);
    expect(compareVersions('1.a', '1.b')).toBe(-1);
    expect(compareVersions('1.a', '1.a')).toBe(0);
  });

  it('missing segments are 0; separators . _ : are the same; a leading v only before a digit', () => {
    expect(compareVersions('1', '1.0.0')).toBe(0);
    expect(compareVersions('1.0.1', '1')).toBe(1);
    expect(compareVersions('1_2:3', '1.2.3')).toBe(0);
    expect(compareVersions('V1.2', '1.2')).toBe(0);
    // 'vx' is not stripped to 'x': compared as text, 'vx' < 'x'.
    expect(compareVersions('vx', 'x')).toBe(-1);
    expect(compareVersions(' 1.2 ', '1.2')).toBe(0);
  });

  it('a segment is a number only when it is all digits ("1a" is a word, and sorts before 1)', () => {
    expect(compareVersions('1.1a', '1.1')).toBe(-1);
    expect(compareVersions('1.1', '1.1a')).toBe(1);
  });

  it('a v is dropped only at the start: "1.v2" keeps its "v2" segment', () => {
    expect(compareVersions('1.v2', '1.2')).toBe(-1);
  });

  it('a version that is only a pre-release ("-10"): compared as pre-releases, numerically', () => {
    expect(compareVersions('-10', '-9')).toBe(1);
    expect(compareVersions('-9', '-10')).toBe(-1);
  });

  it('a pre-release (- or ~) sorts before its release, build metadata (+) is ignored', () => {
    expect(compareVersions('1.0-rc1', '1.0')).toBe(-1);
    expect(compareVersions('1.0', '1.0-rc1')).toBe(1);
    expect(compareVersions('1.0~beta', '1.0')).toBe(-1);
    expect(compareVersions('1.0+build5', '1.0')).toBe(0);
    expect(compareVersions('1.0-rc2', '1.0-rc1')).toBe(1);
    expect(compareVersions('1.0-rc1', '1.0-rc2')).toBe(-1);
    expect(compareVersions('1.0-2', '1.0-10')).toBe(-1);
    expect(compareVersions('1.0-rc1', '1.0-rc1')).toBe(0);
    expect(compareVersions('1.1-rc1', '1.0')).toBe(1);
  });

  it('every operator on both sides of its version', () => {
    const m = (spec: string, v: string) => compileVersionRange(spec)(v);
    expect([m('>= 2.0', '1.9'), m('>= 2.0', '2.0'), m('>= 2.0', '2.1')]).toEqual([false, true, true]);
    expect([m('<= 2.0', '1.9'), m('<= 2.0', '2.0'), m('<= 2.0', '2.1')]).toEqual([true, true, false]);
    expect([m('> 2.0', '1.9'), m('> 2.0', '2.0'), m('> 2.0', '2.1')]).toEqual([false, false, true]);
    expect([m('< 2.0', '1.9'), m('< 2.0', '2.0'), m('< 2.0', '2.1')]).toEqual([true, false, false]);
    expect([m('== 2.0', '1.9'), m('== 2.0', '2.0'), m('== 2.0', '2.1')]).toEqual([false, true, false]);
    expect([m('=2.0', '1.9'), m('=2.0', '2.0.0'), m('=2.0', '2.1')]).toEqual([false, true, false]);
    expect([m('2.0', '1.9'), m('2.0', '2.0'), m('2.0', '2.1')]).toEqual([false, true, false]);
    expect(m('>= 1.0, < 2.0,', '1.5')).toBe(true);
    expect(m(' >= 1.0 , < 2.0 ', '0.9')).toBe(false);
    expect(compileVersionRange('>= 1.0')(undefined)).toBe(false);
  });

  it('refuses an empty range and a condition without a single version', () => {
    expect(() => compileVersionRange('')).toThrow('empty version range');
    expect(() => compileVersionRange(' , ')).toThrow('empty version range');
    expect(() => compileVersionRange('>=')).toThrow('invalid version condition ">=": expected e.g. "1.2.3", ">= 1.0" or "< 2.0"');
    expect(() => compileVersionRange('>= 1.0 2.0')).toThrow('invalid version condition ">= 1.0 2.0"');
  });
});

describe('exceptions: the remaining edges (Stryker survivors of src/exceptions/apply.ts)', () => {
  const alice: VerifiedApproval = { approvers: [{ login: 'alice' }], pr: { number: 7, mergedAt: '2026-11-02T09:00:00Z' } };
  const approvers = (extra = '', min = '{critical: 2}') => `  approvers: {users: [alice, bob], min: ${min}}\n${extra}  entries:\n`;
  const entry = (id: string, extra = '') =>
    `    - {id: ${id}, type: accepted-risk, match: {rule: js/*}, reason: r, approved-by: someone, approved-on: 2026-11-01, expires: 2027-01-31${extra}}\n`;
  const run = (p: Policy, f: Partial<Finding> = { ruleId: 'js/x' }) => applyExceptions(rated(p, f), p.exceptions, NOW);

  it('at the instant an exception ends it is expired, even when approved later (not pending)', () => {
    const x = compileException(
      {
        id: 'E',
        type: 'accepted-risk',
        match: { rule: 'x' },
        reason: 'r',
        expires: '2026-12-31',
        'approved-on': '2027-02-01',
      } as ExceptionEntryInput,
      'p.yml',
    );
    expect(dateState(x, Date.parse('2027-01-01T00:00:00Z'), 3)).toBe('expired');
    expect(dateState(x, Date.parse('2027-01-01T00:00:00Z') - 1, 3)).toBe('pending');
  });

  it('an entry without reason or any optional field: nothing added to the finding or the status', () => {
    const p = withExceptions('  entries: []');
    const bare = compileException({ id: 'N', type: 'false-positive', match: { rule: 'js/*' } } as ExceptionEntryInput, 'p.yml');
    const r = applyExceptions(rated(p, { ruleId: 'js/x' }), { ...p.exceptions, entries: [bare] }, NOW);
    expect(first(r.findings).exception).toStrictEqual({ id: 'N', type: 'false-positive', state: 'active' });
    expect(first(r.exceptions)).toStrictEqual({
      id: 'N',
      type: 'false-positive',
      file: 'p.yml',
      state: 'active',
      matched: 1,
      applied: 1,
      notAllowed: 0,
    });
  });

  it('max-days without approved-on or expiry: the missing expiry is the reason', () => {
    const p = withExceptions(`  max-days: {high: 30}
  entries:
    - {id: W, type: accepted-risk, match: {rule: js/*}, reason: r}`);
    expect(first(run(p).findings).exception).toMatchObject({
      state: 'not-allowed',
      problem: 'no expiry date: high findings need one (exceptions.max-days)',
    });
  });

  it('a verified approval with nobody in it does not replace the written approved-by', () => {
    const p = withExceptions(approvers() + entry('V'));
    for (const e of p.exceptions.entries) e.approval = { approvers: [], pr: { number: 9 } };
    expect(first(run(p).findings).exception).toMatchObject({ state: 'unverified', approvedBy: 'someone' });
  });

  it('verify-approvals: off with approvers set: approvals are not looked at, on the finding or in the status', () => {
    const p = withExceptions(approvers('  verify-approvals: off\n') + entry('V'));
    const r = run(p);
    expect(first(r.findings).exception).toStrictEqual({
      id: 'V',
      type: 'accepted-risk',
      state: 'active',
      approvedBy: 'someone',
      approvedOn: '2026-11-01',
      expires: '2027-01-31',
      reason: 'r',
    });
    expect(first(r.exceptions)).not.toHaveProperty('unverified');
    expect(first(r.exceptions).state).toBe('active');
  });

  it('too few approvals lists every approver', () => {
    const p = withExceptions(approvers('', '{critical: 3}') + entry('V'));
    for (const e of p.exceptions.entries) e.approval = { approvers: [{ login: 'alice' }, { login: 'bob' }], pr: { number: 7 } };
    expect(first(run(p, { ruleId: 'js/x', securitySeverity: 9.5 }).findings).exception?.problem).toBe(
      '3 approvals needed for critical findings; #7 has 2 (@alice, @bob)',
    );
  });

  it('not allowed for the severity under enforce: not-allowed (not unverified), and the exception stays active', () => {
    const p = withExceptions(`  allow: {accepted-risk: critical}\n${approvers()}${entry('V')}`);
    const r = run(p);
    expect(first(r.findings).exception).toMatchObject({
      state: 'not-allowed',
      problem: 'accepted-risk is not allowed for high findings (exceptions.allow)',
    });
    expect(first(r.exceptions)).toMatchObject({
      state: 'active',
      matched: 1,
      applied: 0,
      notAllowed: 1,
      unverified: 'approvals are not verified by this command',
    });
    for (const e of p.exceptions.entries) e.approval = alice;
    expect(first(run(p).exceptions)).toMatchObject({ state: 'active', notAllowed: 1 });
  });

  it('a not-allowed or unverified first match is replaced by a later one that applies; expired by an expiring one', () => {
    const notAllowedFirst = withExceptions(`  allow: {accepted-risk: critical}
  entries:
    - {id: A, type: accepted-risk, match: {rule: js/*}, reason: r}
    - {id: B, type: false-positive, match: {rule: js/*}, reason: r}`);
    expect(first(run(notAllowedFirst).findings).exception).toMatchObject({ id: 'B', state: 'active' });
    const unverifiedFirst = withExceptions(approvers() + entry('A') + entry('B'));
    const [a, b] = unverifiedFirst.exceptions.entries as [CompiledException, CompiledException];
    delete a.approval;
    b.approval = alice;
    expect(first(run(unverifiedFirst).findings).exception).toMatchObject({ id: 'B', state: 'active' });
    const expiredFirst = withExceptions(`  entries:
    - {id: A, type: accepted-risk, match: {rule: js/*}, reason: r, approved-on: 2026-01-01, expires: 2026-01-10}
    - {id: B, type: accepted-risk, match: {rule: js/*}, reason: r, approved-on: 2026-11-20, expires: 2026-12-05}`);
    expect(first(run(expiredFirst).findings).exception).toMatchObject({ id: 'B', state: 'expiring' });
  });

  it('a verified exception that matches nothing is stale under enforce, not unverified', () => {
    const p = withExceptions(approvers() + entry('V'));
    for (const e of p.exceptions.entries) e.approval = alice;
    expect(first(applyExceptions([], p.exceptions, NOW).exceptions).state).toBe('stale');
    const unapproved = withExceptions(approvers() + entry('V'));
    expect(first(applyExceptions([], unapproved.exceptions, NOW).exceptions)).toMatchObject({
      state: 'stale',
      unverified: 'approvals are not verified by this command',
    });
  });
});
