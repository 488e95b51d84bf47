import { describe, expect, it } from '@jest/globals';
import { evaluateGate, UnknownEnvironmentError } from '../src/gate/gate';
import { rateAll } from '../src/rate/rate';
import type { InputError, RatedFinding } from '../src/model';
import { BASE_POLICY, finding, policyFrom } from './helpers';

/**
 * Gate rules the main gate tests leave implicit (written against Stryker's survivors in src/gate/gate.ts): rules that
 * count excepted findings, score conditions from CVSS, the conditions text, and how input errors combine with rules.
 */

const policy = policyFrom(
  BASE_POLICY.replace(
    'gates:\n  default:\n    - {name: No critical, severity: critical}\n',
    `gates:
  default:
    - {name: No critical, severity: critical}
  excepted:
    - {name: Accepted risk in use, exception: [active, expiring], max: 0, action: warn}
    - {name: Anything, max: 100}
  in-use-or-expired:
    - {name: In use or expired, exception: [expiring, expired]}
  scored:
    - {name: Score 7+, score: ">= 7"}
  mixed:
    - {name: No high+, severity: ">= high"}
    - {name: Lows, severity: low, action: warn}
`,
  ),
);
const opts = (environment: string, onInputError: 'fail' | 'warn' = 'fail') => ({ environment, onInputError });
const rated = (...fs: Parameters<typeof finding>[0][]) =>
  rateAll(
    fs.map((f) => finding(f)),
    policy,
  );
const excepted = (f: RatedFinding, state: 'active' | 'expiring' | 'expired' | 'not-allowed'): RatedFinding => ({
  ...f,
  gated: state === 'expired' || state === 'not-allowed',
  exception: { id: 'EX-1', type: 'accepted-risk', state },
});

describe('gate rules', () => {
  it('an unknown environment: a named error with the known profiles', () => {
    let err: unknown;
    try {
      evaluateGate([], [], policy, opts('prod'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnknownEnvironmentError);
    expect((err as UnknownEnvironmentError).name).toBe('UnknownEnvironmentError');
    expect((err as UnknownEnvironmentError).environment).toBe('prod');
    expect((err as UnknownEnvironmentError).known).toEqual(['default', 'excepted', 'in-use-or-expired', 'scored', 'mixed']);
  });

  it('exception: active|expiring counts findings taken out of the gate by an exception; other rules do not', () => {
    const [a, b, c, d, e] = rated(
      { fingerprint: 'a' },
      { fingerprint: 'b' },
      { fingerprint: 'c' },
      { fingerprint: 'd' },
      { fingerprint: 'e', suppressions: [{ kind: 'inSource' }] },
    );
    const fs = [excepted(a!, 'active'), excepted(b!, 'expiring'), excepted(c!, 'expired'), excepted(d!, 'not-allowed'), e!];
    expect(e!.gated).toBe(false);
    const v = evaluateGate(fs, [], policy, opts('excepted'));
    expect(v.rules.map((r) => [r.name, r.findings])).toEqual([
      ['Accepted risk in use', ['a', 'b']],
      // Only gated findings: the expired and not-allowed exceptions do not apply; the suppressed one is not gated.
      ['Anything', ['c', 'd']],
    ]);
    expect(v.status).toBe('warn');
    expect(v.blocking).toEqual([]);
  });

  it('a finding out of the gate for another reason (suppressed) is not counted because its exception expired', () => {
    const [s, x, y] = rated({ fingerprint: 's', suppressions: [{ kind: 'inSource' }] }, { fingerprint: 'x' }, { fingerprint: 'y' });
    const fs = [
      { ...s!, exception: { id: 'EX-1', type: 'accepted-risk' as const, state: 'expired' as const } },
      excepted(x!, 'expired'),
      excepted(y!, 'expiring'),
    ];
    expect(evaluateGate(fs, [], policy, opts('in-use-or-expired')).rules[0]?.findings).toEqual(['x', 'y']);
  });

  it('the conditions in words, or "every gated finding" for a rule without any', () => {
    const v = evaluateGate([], [], policy, opts('excepted'));
    expect(v.rules.map((r) => r.conditions)).toEqual(['exception active|expiring', 'every gated finding']);
  });

  it('a score condition reads the security-severity, else the CVSS score', () => {
    const fs = rated(
      { fingerprint: 'cvss-only', cvss: { version: '3.1', score: 8.1 } },
      { fingerprint: 'sec-sev', securitySeverity: 7, cvss: { version: '3.1', score: 2 } },
      { fingerprint: 'low-sec-sev', securitySeverity: 6.9, cvss: { version: '3.1', score: 9 } },
      { fingerprint: 'none' },
    );
    expect(evaluateGate(fs, [], policy, opts('scored')).rules[0]?.findings).toEqual(['cvss-only', 'sec-sev']);
  });
});

describe('input errors and rules together', () => {
  const fatal = (file: string): InputError => ({ file, message: 'not valid JSON', severity: 'fatal' });
  const scanner = (file: string): InputError => ({ file, message: 'parse error in a.py', severity: 'scanner' });

  it('counts files, not errors, with the plural right', () => {
    const one = evaluateGate([], [fatal('a.sarif'), { ...fatal('a.sarif'), severity: 'partial' }], policy, opts('default'));
    expect(one.reasons).toEqual(['failed: 1 input file could not be read completely: findings may be missing (on-input-error: fail)']);
    expect(one.inputErrors).toEqual({ count: 2, blocking: true });
    const two = evaluateGate([], [fatal('a.sarif'), fatal('b.sarif')], policy, opts('default', 'warn'));
    expect(two.reasons).toEqual(['warning: 2 input files could not be read completely: findings may be missing (on-input-error: warn)']);
    expect(two.inputErrors).toEqual({ count: 2, blocking: false });
  });

  it('scanner-reported errors only warn, never block, and are not repeated for a file already lost', () => {
    const v = evaluateGate([], [scanner('s.json'), scanner('t.json')], policy, opts('default', 'fail'));
    expect(v.status).toBe('warn');
    expect(v.inputErrors).toEqual({ count: 2, blocking: false });
    expect(v.reasons).toEqual(['warning: the scanner reported errors in 2 input files']);
    const lostToo = evaluateGate([], [fatal('s.json'), scanner('s.json'), scanner('u.json')], policy, opts('default', 'warn'));
    expect(lostToo.reasons).toEqual([
      'warning: 1 input file could not be read completely: findings may be missing (on-input-error: warn)',
      'warning: the scanner reported errors in 1 input file',
    ]);
    const onlyLost = evaluateGate([], [fatal('s.json'), scanner('s.json')], policy, opts('default', 'warn'));
    expect(onlyLost.reasons).toHaveLength(1);
  });

  it('a warning never turns a failing verdict into a warning', () => {
    const fs = rated({ fingerprint: 'h', level: 'error' }, { fingerprint: 'l', level: 'note' });
    const v = evaluateGate(fs, [fatal('a.sarif'), scanner('b.sarif')], policy, opts('mixed', 'warn'));
    expect(v.status).toBe('fail');
    expect(v.blocking).toEqual(['h']);
    expect(v.reasons).toEqual([
      'failed: "No high+": 1 finding (max 0)',
      'warning: "Lows": 1 finding (max 0)',
      'warning: 1 input file could not be read completely: findings may be missing (on-input-error: warn)',
      'warning: the scanner reported errors in 1 input file',
    ]);
  });

  it('a warning rule and input warnings: warn; nothing at all: pass', () => {
    const fs = rated({ fingerprint: 'l', level: 'note' });
    expect(evaluateGate(fs, [scanner('b.sarif')], policy, opts('mixed')).status).toBe('warn');
    expect(evaluateGate([], [], policy, opts('mixed'))).toEqual({
      status: 'pass',
      environment: 'mixed',
      rules: [
        { name: 'No high+', action: 'fail', conditions: 'severity >= high', max: 0, count: 0, exceeded: false, findings: [] },
        { name: 'Lows', action: 'warn', conditions: 'severity low', max: 0, count: 0, exceeded: false, findings: [] },
      ],
      reasons: [],
      blocking: [],
      inputErrors: { count: 0, blocking: false },
    });
  });
});
