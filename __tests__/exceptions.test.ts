import { describe, expect, it, beforeAll, afterAll } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareVersions, compileVersionRange } from '../src/policy/version-range';
import { summarizeExceptions } from '../src/exceptions/apply';
import { runEngine, type EngineInput } from '../src/engine';
import { emptyBook } from '../src/ledger/schema';
import { loadPolicy } from '../src/io/policy';
import { buildReport } from '../src/report/json';
import { ReportSchema } from '../src/report/schema';
import { renderMarkdown } from '../src/report/markdown';
import { runCli } from '../src/cli';
import { BASE_POLICY, finding, policyErrors, policyFrom } from './helpers';
import type { Finding } from '../src/model';

const NOW = new Date('2026-11-25T12:00:00Z');

const POLICY = BASE_POLICY.replace(
  'gates:\n  default:\n    - {name: No critical, severity: critical}\n',
  `sla: {critical: 7, high: 30, medium: 90, low: 180}
exceptions:
  max-days: {critical: 30, high: 90, medium: 180, low: 365}
  allow: {accepted-risk: "<= high"}
  expiring-days: 14
  entries:
    - id: EX-1
      type: accepted-risk
      match: {rule: "js/sql-injection", path: "legacy/**"}
      reason: Internal admin tool, replaced in Q1
      approved-by: security-team
      approved-on: 2026-10-02
      expires: 2026-12-31
      ticket: https://tracker.example/SEC-123
    - id: EX-2
      type: false-positive
      match: {fingerprint: fp-old}
      reason: Not reachable
      approved-by: alice
      approved-on: 2026-01-01
      expires: 2026-06-30
    - id: EX-3
      type: mitigated
      match: {cve: CVE-2024-0001, package: lodash, version: "< 4.17.21"}
      control: WAF rule 942100
      reason: Input never reaches the sink
      approved-by: bob
      approved-on: 2026-11-01
      expires: 2026-12-01
    - id: EX-4
      type: sla-extension
      match: {rule: "py/*"}
      due: 2027-03-31
      reason: Vendor fix pending
      approved-by: carol
      approved-on: 2026-11-01
      expires: 2027-03-31
    - id: EX-5
      type: false-positive
      match: {tool: "Nothing*"}
      reason: Matches nothing
      approved-by: dave
      approved-on: 2026-11-01
      expires: 2027-01-01
gates:
  default:
    - {name: No critical, severity: critical}
    - {name: No high, severity: high}
    - {name: No expired exceptions, exception: expired, action: warn}
    - {name: Expiring, exception: expiring, action: warn}
`,
);

function engine(findings: Finding[], over: Partial<EngineInput> = {}) {
  return runEngine({
    files: [{ file: 'x', findings, errors: [], tools: [{ name: 'CodeQL' }] }],
    policy: policyFrom(POLICY),
    environment: 'default',
    onInputError: 'fail',
    now: NOW,
    ...over,
  });
}

describe('version ranges', () => {
  it('compares versions segment by segment', () => {
    expect(compareVersions('1.10.0', '1.9.9')).toBe(1);
    expect(compareVersions('4.17.20', '4.17.21')).toBe(-1);
    expect(compareVersions('1.0.0-rc1', '1.0.0')).toBe(-1);
    expect(compareVersions('v2.0', '2.0.0')).toBe(0);
  });
  it('matches exact versions and ranges', () => {
    expect(compileVersionRange('1.2.3')('1.2.3')).toBe(true);
    expect(compileVersionRange('>= 1.0, < 2.0')('1.9.9')).toBe(true);
    expect(compileVersionRange('>= 1.0, < 2.0')('2.0.0')).toBe(false);
    expect(() => compileVersionRange('>= ')).toThrow(/invalid version condition/);
  });
});

describe('exception effects', () => {
  it('an active accepted risk takes the finding out of the gate, and it is still reported with the id', () => {
    const f = finding({ fingerprint: 'a', path: 'legacy/admin.js', level: 'error' });
    const r = engine([f]);
    expect(r.verdict.status).toBe('pass');
    expect(r.findings[0]).toMatchObject({
      gated: false,
      notGatedReason: 'exception EX-1 (accepted-risk, approved by security-team, until 2026-12-31)',
    });
    expect(r.findings[0]?.exception).toMatchObject({ id: 'EX-1', state: 'active', ticket: 'https://tracker.example/SEC-123' });
    const same = engine([finding({ fingerprint: 'b', path: 'src/app.js', level: 'error' })]);
    expect(same.verdict.rules[1]).toMatchObject({ name: 'No high', count: 1 });
  });

  it('an expired exception stops applying and is reported as expired; gates can match it', () => {
    const r = engine([finding({ fingerprint: 'fp-old', level: 'error' })]);
    expect(r.findings[0]).toMatchObject({ gated: true, exception: { id: 'EX-2', state: 'expired', problem: 'expired on 2026-06-30' } });
    expect(r.verdict.rules.find((g) => g.name === 'No high')?.count).toBe(1);
    expect(r.verdict.rules.find((g) => g.name === 'No expired exceptions')?.count).toBe(1);
    expect(r.exceptions.find((e) => e.id === 'EX-2')?.state).toBe('expired');
  });

  it('matches CVE + package + version range; expiring within the window', () => {
    const pkg = (version: string) =>
      finding({
        fingerprint: `p${version}`,
        kind: 'sca',
        cve: ['CVE-2024-0001', 'GHSA-xxxx-yyyy-zzzz'],
        package: { name: 'lodash', version },
        securitySeverity: 7.5,
      });
    const r = engine([pkg('4.17.20'), pkg('4.17.21')]);
    const [a, b] = [r.findings.find((f) => f.fingerprint === 'p4.17.20'), r.findings.find((f) => f.fingerprint === 'p4.17.21')];
    expect(a?.exception).toMatchObject({ id: 'EX-3', state: 'expiring', control: 'WAF rule 942100' });
    expect(a?.gated).toBe(false);
    expect(b?.exception).toBeUndefined();
    // Taken out of the gate by the exception, yet a rule about expiring exceptions still sees it.
    expect(r.verdict.rules.find((g) => g.name === 'Expiring')).toMatchObject({ count: 1, findings: ['p4.17.20'] });
    expect(r.verdict.rules.find((g) => g.name === 'No high')).toMatchObject({ count: 1, findings: ['p4.17.21'] });
  });

  it('is not allowed where the policy forbids it: type per severity and max-days per severity', () => {
    const crit = finding({ fingerprint: 'c', path: 'legacy/x.js', securitySeverity: 9.8 });
    const r = engine([crit]);
    expect(r.findings[0]).toMatchObject({
      gated: true,
      exception: { id: 'EX-1', state: 'not-allowed', problem: 'accepted-risk is not allowed for critical findings (exceptions.allow)' },
    });
    expect(r.verdict.status).toBe('fail');
    const policy = policyFrom(
      POLICY.replace('allow: {accepted-risk: "<= high"}', 'allow: {}').replace(
        'max-days: {critical: 30, high: 90, medium: 180, low: 365}',
        'max-days: {critical: 30, high: 60, medium: 180, low: 365}',
      ),
    );
    const r2 = engine([finding({ fingerprint: 'h', path: 'legacy/x.js', level: 'error' })], { policy });
    expect(r2.findings[0]?.exception).toMatchObject({
      state: 'not-allowed',
      problem: 'approved for 90 days; at most 60 for high findings (exceptions.max-days)',
    });
  });

  it('an SLA extension moves the due date and keeps the finding gated', () => {
    const r = engine([finding({ fingerprint: 's', ruleId: 'py/sql-injection', level: 'warning' })], { ledger: emptyBook() });
    expect(r.findings[0]?.gated).toBe(true);
    expect(r.findings[0]?.sla).toMatchObject({
      due: '2027-03-31T23:59:59.999Z',
      reason: 'SLA extension EX-4 to 2027-03-31, approved by carol',
    });
  });

  it('reports stale exceptions, and counts by state, type and approver', () => {
    const r = engine([]);
    const report = buildReport(r, 'p.yml');
    expect(() => ReportSchema.parse(report)).not.toThrow();
    expect(report.exceptions.byState).toEqual({ active: 0, expiring: 0, expired: 1, pending: 0, stale: 4 });
    expect(report.exceptions.byType).toEqual({ 'accepted-risk': 1, 'false-positive': 2, mitigated: 1, 'sla-extension': 1 });
    expect(report.exceptions.byApprover['security-team']).toBe(1);
    const md = renderMarkdown(r);
    expect(md).toContain('<details open><summary>Exceptions (5): 1 expired, 0 expiring soon</summary>');
    expect(md).toMatch(/\| ⛔ expired \| `EX-2` \|/);
  });

  it('the ledger records when an exception started and stopped applying', () => {
    const f = finding({ fingerprint: 'a', path: 'legacy/admin.js', level: 'error' });
    const r1 = engine([f], { ledger: emptyBook(), now: new Date('2026-11-01T00:00:00Z') });
    expect(r1.nextLedger.entries.a?.exceptions).toEqual([
      { id: 'EX-1', type: 'accepted-risk', from: '2026-11-01T00:00:00.000Z', approvedBy: 'security-team' },
    ]);
    const r2 = engine([f], { ledger: r1.nextLedger, now: new Date('2027-01-02T00:00:00Z') });
    expect(r2.findings[0]?.exception?.state).toBe('expired');
    expect(r2.nextLedger.entries.a?.exceptions).toEqual([
      { id: 'EX-1', type: 'accepted-risk', from: '2026-11-01T00:00:00.000Z', to: '2027-01-02T00:00:00.000Z', approvedBy: 'security-team' },
    ]);
  });
});

describe('exception rules are policy errors with file:line:column', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dg-exc-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const errorsOf = (files: Record<string, string>, main = 'policy.yml'): string[] => {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    return policyErrors(() => loadPolicy(main, dir));
  };

  const withExceptions = (section: string) => BASE_POLICY.replace('gates:', `${section}gates:`);

  it('required fields, type-specific fields, dates, windows, ids, matches', () => {
    // The same entries, the last one's expiry a calendar date or not.
    const entries = (lastExpires: string) =>
      withExceptions(`exceptions:
  max-days: {critical: 30, high: 90}
  entries:
    - {id: A, type: accepted-risk, match: {rule: x}}
    - {id: B, type: mitigated, match: {rule: x}, reason: r, approved-by: me, expires: 2026-12-01}
    - {id: C, type: sla-extension, match: {rule: x}, reason: r, approved-by: me, expires: 2026-12-01}
    - {id: D, type: false-positive, match: {}, reason: r, approved-by: me, approved-on: 2026-12-02, expires: 2026-12-01}
    - {id: E, type: false-positive, match: {rule: x}, reason: r, approved-by: me, approved-on: 2026-01-01, expires: 2026-12-01}
    - {id: E, type: false-positive, match: {package: p, version: ">= "}, reason: r, approved-by: me, expires: ${lastExpires}}
`);
    const errs = errorsOf({ 'policy.yml': entries('2026-02-30') });
    // Schema errors (invalid date) stop before semantic checks; check them separately.
    expect(errs.some((e) => /entries\[5\]\.expires: .*real calendar date/.test(e))).toBe(true);
    const sem = errorsOf({ 'policy.yml': entries('2026-02-28') });
    expect(sem).toEqual([
      'policy.yml:10:7: exceptions.entries[0]: exception "A" needs `reason` (policy `exceptions.require`)',
      'policy.yml:10:7: exceptions.entries[0]: exception "A" needs `approved-by` (policy `exceptions.require`)',
      'policy.yml:10:7: exceptions.entries[0]: exception "A" needs `expires` (policy `exceptions.require`)',
      'policy.yml:11:7: exceptions.entries[1]: exception "B" is `mitigated`: name the compensating control in `control`',
      'policy.yml:12:7: exceptions.entries[2]: exception "C" is an `sla-extension`: give the new due date in `due`',
      'policy.yml:13:44: exceptions.entries[3].match: exception "D" matches nothing: give a fingerprint, rule, path, cve, package, component or tool',
      'policy.yml:13:101: exceptions.entries[3].expires: expires (2026-12-01) is before approved-on (2026-12-02)',
      'policy.yml:14:108: exceptions.entries[4].expires: the exception runs 334 days from approved-on to expires; the policy allows at most 90 (exceptions.max-days)',
      'policy.yml:15:8: exceptions.entries[5].id: exception id "E" is used twice: ids must be unique',
      'policy.yml:15:66: exceptions.entries[5].match.version: invalid version condition ">=": expected e.g. "1.2.3", ">= 1.0" or "< 2.0"',
    ]);
  });

  it('included exception files are checked in place, and ids are unique across files', () => {
    const entry = (id: string) =>
      `  - {id: ${id}, type: false-positive, match: {rule: x}, reason: r, approved-by: me, expires: 2026-12-01}\n`;
    const errs = errorsOf({
      'policy.yml': withExceptions(`exceptions:\n  include: [security/exceptions.yml]\n  entries:\n  ${entry('EX-1')}`),
      'security/exceptions.yml': `entries:\n${entry('EX-2')}${entry('EX-1')}  - {id: EX-3, type: nope, match: {rule: x}}\n`,
    });
    expect(errs).toEqual([
      'security/exceptions.yml:4:22: entries[2].type: invalid value "nope": expected one of "accepted-risk", "false-positive", "mitigated", "sla-extension"',
    ]);
    const dup = errorsOf({
      'policy.yml': withExceptions(`exceptions:\n  include: [security/exceptions.yml]\n  entries:\n  ${entry('EX-1')}`),
      'security/exceptions.yml': `entries:\n${entry('EX-2')}${entry('EX-1')}`,
    });
    expect(dup).toEqual([
      'security/exceptions.yml:3:10: entries[1].id: exception id "EX-1" is already used at policy.yml:10:12: ids must be unique',
    ]);
    const missing = errorsOf({ 'policy.yml': withExceptions('exceptions:\n  include: [nope.yml]\n') });
    expect(missing).toEqual(['policy.yml:8:13: exceptions.include[0]: cannot read nope.yml: file not found']);
  });

  it('included exceptions apply like inline ones', () => {
    writeFileSync(join(dir, 'policy.yml'), withExceptions('exceptions:\n  include: [inc.yml]\n'));
    writeFileSync(
      join(dir, 'inc.yml'),
      'entries:\n  - {id: INC-1, type: false-positive, match: {rule: "js/*"}, reason: r, approved-by: me, expires: 2027-01-01}\n',
    );
    const { policy } = loadPolicy('policy.yml', dir);
    const r = runEngine({
      files: [{ file: 'x', findings: [finding({ securitySeverity: 9.9 })], errors: [], tools: [] }],
      policy,
      environment: 'default',
      onInputError: 'fail',
      now: NOW,
    });
    expect(r.verdict.status).toBe('pass');
    expect(r.exceptions[0]).toMatchObject({ id: 'INC-1', file: 'inc.yml', state: 'active', applied: 1 });
  });
});

describe('defect-gate exceptions (CLI review)', () => {
  let ws: string;
  beforeAll(() => {
    ws = mkdtempSync(join(tmpdir(), 'dg-exc-cli-'));
    writeFileSync(join(ws, 'policy.yml'), POLICY);
    copyFileSync('__fixtures__/corpus/defectdojo/sarif/codeQL-output.sarif', join(ws, 'codeql.sarif'));
  });
  afterAll(() => rmSync(ws, { recursive: true, force: true }));
  const cli = async (args: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, {
      stdout: (s) => (stdout += s),
      stderr: (s) => (stderr += s),
      cwd: ws,
      env: {},
      isTTY: false,
      now: () => NOW,
    });
    return { code, stdout, stderr };
  };

  it('lists exceptions by state and exits 1 when any expired', async () => {
    const r = await cli(['exceptions', '--policy', 'policy.yml']);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toBe('5 exception(s): 3 active, 1 expiring within 14 days, 1 expired');
    expect(r.stdout).toMatch(/^ {2}EXPIRED {2}EX-2 {2}false-positive, approved by alice, expired 2026-06-30 {2}\[policy\.yml\]$/m);
    expect(r.stdout).toMatch(/^ {2}EXPIRING EX-3 {2}mitigated, approved by bob, expires 2026-12-01 \(6 days\)/m);
  });

  it('--expiring widens the window; with FILES it shows matches and stale ones; --format json', async () => {
    const r = await cli(['exceptions', '--policy', 'policy.yml', '--expiring', '40d', '--format', 'json', 'codeql.sarif']);
    const j = JSON.parse(r.stdout) as {
      expiringDays: number;
      byState: Record<string, number>;
      entries: { id: string; state: string; matched: number }[];
    };
    expect(j.expiringDays).toBe(40);
    expect(j.entries.find((e) => e.id === 'EX-4')).toMatchObject({ state: 'active', matched: expect.any(Number) });
    expect((j.entries.find((e) => e.id === 'EX-4')?.matched ?? 0) > 0).toBe(true);
    expect(j.entries.find((e) => e.id === 'EX-5')?.state).toBe('stale');
    expect(j.entries.find((e) => e.id === 'EX-1')?.state).toBe('stale');
    expect((await cli(['exceptions', '--expiring', 'soon'])).stderr).toContain('invalid --expiring "soon"');
    expect((await cli(['exceptions'])).code).toBe(0); // the default policy has no exceptions
  });
});

describe('exception summaries', () => {
  it('count approvers and types named like Object.prototype members', () => {
    const entry = (id: string, approvedBy: string) => ({
      id,
      type: 'accepted-risk' as const,
      file: 'p.yml',
      state: 'active' as const,
      matched: 1,
      applied: 1,
      notAllowed: 0,
      approvedBy,
    });
    const s = summarizeExceptions([entry('a', 'constructor'), entry('b', 'constructor'), entry('c', 'toString'), entry('d', '__proto__')]);
    expect(s.byApprover).toEqual({ constructor: 2, toString: 1, ['__proto__']: 1 });
    expect(Object.keys(s.byApprover).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    expect(s.byType).toEqual({ 'accepted-risk': 4 });
  });
});
