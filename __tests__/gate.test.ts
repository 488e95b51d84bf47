import { describe, expect, it } from '@jest/globals';
import { evaluateGate, UnknownEnvironmentError } from '../src/gate/gate';
import { rateAll } from '../src/rate/rate';
import type { InputError } from '../src/model';
import { BASE_POLICY, finding, policyFrom } from './helpers';

const policy = policyFrom(
  BASE_POLICY.replace(
    'gates:\n  default:\n    - {name: No critical, severity: critical}\n',
    `gates:
  default:
    - {name: No critical, severity: critical}
  production:
    - {name: No high or worse, severity: ">= high", max: 0}
    - {name: Few mediums, severity: medium, max: 2}
    - {name: Lows, severity: "<= low", max: 0, action: warn}
  secrets:
    - {name: No secrets, kind: secret}
    - {name: Not in payments, path: "services/payments/**", severity: [critical, medium]}
`,
  ),
);

const opts = (environment: string, onInputError: 'fail' | 'warn' = 'fail') => ({ environment, onInputError });

describe('gate', () => {
  it('passes when no rule is exceeded', () => {
    const rated = rateAll([finding({ level: 'warning' }), finding({ level: 'warning' })], policy);
    const v = evaluateGate(rated, [], policy, opts('production'));
    expect(v.status).toBe('pass');
    expect(v.reasons).toEqual([]);
    expect(v.rules.map((r) => [r.name, r.count, r.exceeded])).toEqual([
      ['No high or worse', 0, false],
      ['Few mediums', 2, false],
      ['Lows', 0, false],
    ]);
  });

  it('fails on a severity comparison and names the rule and the findings', () => {
    const crit = finding({ fingerprint: 'c', securitySeverity: 9.8 });
    const high = finding({ fingerprint: 'h', level: 'error' });
    const v = evaluateGate(rateAll([crit, high, finding({ level: 'note' })], policy), [], policy, opts('production'));
    expect(v.status).toBe('fail');
    expect(v.blocking.sort()).toEqual(['c', 'h']);
    expect(v.reasons).toEqual(['failed: "No high or worse": 2 findings (max 0)', 'warning: "Lows": 1 finding (max 0)']);
  });

  it('counts against max: more than max fails', () => {
    const three = rateAll(
      [1, 2, 3].map(() => finding({ level: 'warning' })),
      policy,
    );
    expect(evaluateGate(three, [], policy, opts('production')).status).toBe('fail');
    expect(evaluateGate(three.slice(0, 2), [], policy, opts('production')).status).toBe('pass');
  });

  it('warns without blocking for warn rules', () => {
    const v = evaluateGate(rateAll([finding({ level: 'note' })], policy), [], policy, opts('production'));
    expect(v.status).toBe('warn');
    expect(v.blocking).toEqual([]);
  });

  it('uses matcher fields besides severity (kind, path, severity lists)', () => {
    const rated = rateAll(
      [
        finding({ fingerprint: 's', kind: 'secret' }),
        finding({ fingerprint: 'p', path: 'services/payments/a.go', level: 'warning' }),
        finding({ path: 'services/payments/b.go', level: 'error' }),
      ],
      policy,
    );
    const v = evaluateGate(rated, [], policy, opts('secrets'));
    expect(v.rules.map((r) => r.findings)).toEqual([['s'], ['p']]);
  });

  it('ignores findings that are not gated', () => {
    const rated = rateAll(
      [
        finding({ securitySeverity: 10, suppressions: [{ kind: 'inSource' }] }),
        finding({ securitySeverity: 10, resultKind: 'informational' }),
      ],
      policy,
    );
    expect(evaluateGate(rated, [], policy, opts('default')).status).toBe('pass');
  });

  it('fails closed on unreadable inputs, or warns when asked', () => {
    const errors: InputError[] = [{ file: 'bad.sarif', message: 'not valid JSON', severity: 'fatal' }];
    const failed = evaluateGate([], errors, policy, opts('default'));
    expect(failed.status).toBe('fail');
    expect(failed.inputErrors.blocking).toBe(true);
    expect(failed.reasons).toEqual(['failed: 1 input file could not be read completely: findings may be missing (on-input-error: fail)']);
    const warned = evaluateGate([], errors, policy, opts('default', 'warn'));
    expect(warned.status).toBe('warn');
    expect(warned.inputErrors.blocking).toBe(false);
  });

  it('only warns about errors the scanner reported itself', () => {
    const v = evaluateGate([], [{ file: 'semgrep.json', message: 'parse error in a.py', severity: 'scanner' }], policy, opts('default'));
    expect(v.status).toBe('warn');
  });

  it('rejects an unknown environment, listing the known ones', () => {
    expect(() => evaluateGate([], [], policy, opts('prod'))).toThrow(UnknownEnvironmentError);
    expect(() => evaluateGate([], [], policy, opts('prod'))).toThrow(
      'no gate profile "prod" in the policy: expected one of default, production, secrets',
    );
  });
});
