import { describe, expect, it } from '@jest/globals';
import { runEngine } from '../src/engine';
import { diffPolicies } from '../src/policy/diff';
import { BASE_POLICY, finding, policyFrom } from './helpers';

/**
 * Issue #17, the pure parts: how many verified approvals an exception needs (by the severity of the finding it applies
 * to), the `exception: unverified` gate condition, verify-approvals warn / off, and the policy diff.
 */

const NOW = new Date('2026-12-01T12:00:00Z');
const POLICY = BASE_POLICY.replace(
  'gates:\n  default:\n    - {name: No critical, severity: critical}\n',
  `gates:
  default:
    - {name: No high+, severity: ">= high"}
    - {name: Unverified exceptions, exception: unverified, action: warn}
exceptions:
  approvers: {users: [alice, bob], min: {critical: 2, default: 1}}
  entries:
    - {id: EX-1, type: accepted-risk, match: {rule: js/sql-injection}, reason: r, approved-by: alice, expires: 2027-01-31}
`,
);

function run(policyYaml: string, approvers: string[], problem?: string) {
  const policy = policyFrom(policyYaml);
  for (const e of policy.exceptions.entries)
    e.approval = {
      approvers: approvers.map((login) => ({ login })),
      pr: { number: 12, mergedAt: '2026-11-02T10:00:00Z' },
      ...(problem ? { problem } : {}),
    };
  const files = [
    {
      file: 'x.sarif',
      format: 'sarif',
      findings: [
        finding({ fingerprint: 'crit', securitySeverity: 9.5 }),
        finding({ fingerprint: 'high', securitySeverity: 7.5, path: 'src/b.js' }),
      ],
      tools: [{ name: 'CodeQL' }],
      errors: [],
    },
  ];
  return runEngine({ files, policy, environment: 'default', onInputError: 'fail', now: NOW } as never);
}

describe('verified approvals applied to findings', () => {
  it('one approver is enough for a high finding, not for a critical one (min: {critical: 2})', () => {
    const r = run(POLICY, ['alice']);
    const crit = r.findings.find((f) => f.fingerprint === 'crit')!;
    const high = r.findings.find((f) => f.fingerprint === 'high')!;
    expect(high.exception).toMatchObject({ id: 'EX-1', state: 'active', approvedBy: '@alice in #12 on 2026-11-02' });
    expect(high.gated).toBe(false);
    expect(crit.exception).toMatchObject({ state: 'unverified', problem: '2 approvals needed for critical findings; #12 has 1 (@alice)' });
    expect(crit.gated).toBe(true);
    expect(r.verdict.rules.map((g) => [g.name, g.count])).toEqual([
      ['No high+', 1],
      ['Unverified exceptions', 1],
    ]);
    expect(r.exceptions[0]).toMatchObject({ id: 'EX-1', state: 'active', applied: 1, notAllowed: 1 });
  });

  it('two approvers: applies to both; a problem: applies to neither, and the exception is listed as unverified', () => {
    expect(run(POLICY, ['alice', 'bob']).verdict.status).toBe('pass');
    const r = run(POLICY, [], '#12 was approved only by its author (@dev)');
    expect(r.findings.every((f) => f.exception?.state === 'unverified' && f.gated)).toBe(true);
    expect(r.exceptions[0]).toMatchObject({ state: 'unverified', unverified: '#12 was approved only by its author (@dev)' });
  });

  it('verify-approvals: warn applies it and says why; off ignores approvals', () => {
    const warn = run(POLICY.replace('  entries:', '  verify-approvals: warn\n  entries:'), [], 'approved only by its author');
    expect(warn.findings.every((f) => f.exception?.state === 'active' && !f.gated)).toBe(true);
    expect(warn.findings[0]!.exception!.problem).toBe('approval not verified (verify-approvals: warn): approved only by its author');
    const off = run(POLICY.replace('  entries:', '  verify-approvals: off\n  entries:'), [], 'approved only by its author');
    expect(off.verdict.status).toBe('pass');
  });
});

describe('policy diff (takes effect after merge)', () => {
  it('lists exceptions added, changed and removed, gate rules and SLA changes, and who must approve', () => {
    const base = policyFrom(`${POLICY}sla: {critical: 7}\n`);
    const head = policyFrom(
      `${POLICY.replace('EX-1, type: accepted-risk', 'EX-1, type: false-positive').replace('    - {name: Unverified exceptions, exception: unverified, action: warn}\n', '')}    - {id: EX-2, type: false-positive, match: {path: "test/**"}, reason: r, approved-by: me, expires: 2027-01-31}\nsla: {critical: 30}\n`,
    );
    const d = diffPolicies(base, head, 'main at 1111111');
    expect(d.exceptions).toEqual([
      {
        change: 'changed',
        id: 'EX-1',
        type: 'false-positive',
        match: 'rule js/sql-injection',
        approvedBy: 'alice',
        expires: '2027-01-31',
        fields: ['type'],
      },
      { change: 'added', id: 'EX-2', type: 'false-positive', match: 'path test/**', approvedBy: 'me', expires: '2027-01-31' },
    ]);
    expect(d.gates).toEqual([{ profile: 'default', change: 'removed', rule: 'Unverified exceptions' }]);
    expect(d.sla).toEqual([{ key: 'critical', from: '7 days', to: '30 days' }]);
    expect(d.approvers).toBe('@alice, @bob (at least: critical 2, default 1)');
    expect(diffPolicies(base, base, 'x')).toMatchObject({ exceptions: [], gates: [], sla: [], other: [] });
  });
});
