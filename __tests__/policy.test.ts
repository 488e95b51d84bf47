import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parsePolicy } from '../src/policy/load';
import { compilePolicy } from '../src/policy/compile';
import { BASE_POLICY, defaultPolicy, policyErrors, policyFrom } from './helpers';

const errorsOf = (yaml: string): string[] => policyErrors(() => parsePolicy(yaml, 'p.yml'));

describe('default policy', () => {
  it('loads, with the documented bands, levels and SLA days', () => {
    const p = defaultPolicy();
    expect(p.levels).toEqual(['critical', 'high', 'medium', 'low', 'info']);
    expect(p.bands.map((b) => [b.level, b.min])).toEqual([
      ['critical', 9],
      ['high', 7],
      ['medium', 4],
      ['low', 0.1],
    ]);
    expect(p.sla.days).toEqual({ critical: 7, high: 30, medium: 90, low: 180 });
    expect(p.sla.dueSoon).toEqual({ percent: 25 });
    expect(Object.keys(p.gates).sort()).toEqual(['default', 'production', 'pull-request']);
  });

  it('is the file shipped in policies/ (the bundle embeds the same text)', () => {
    const onDisk = readFileSync('policies/default.yml', 'utf8');
    expect(compilePolicy(parsePolicy(onDisk, 'policies/default.yml')).source).toEqual(defaultPolicy().source);
  });
});

describe('policy validation errors have file:line:column', () => {
  it('unknown level in a gate', () => {
    const errs = errorsOf(`${BASE_POLICY}    - {name: Bad, severity: ">= hihg"}\n`);
    expect(errs).toEqual([
      'p.yml:10:29: gates.default[1].severity: unknown level "hihg": expected one of critical, high, medium, low, info',
    ]);
  });

  it('unknown key, pointing at the key', () => {
    const errs = errorsOf(BASE_POLICY.replace('gates:', 'gatez: {}\ngates:'));
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(/^p\.yml:7:1: gatez: unknown key "gatez"/);
  });

  it('wrong type', () => {
    const errs = errorsOf(BASE_POLICY.replace('levels: [critical, high, medium, low, info]', 'levels: 5'));
    expect(errs[0]).toBe('p.yml:3:11: severity.levels: expected a list, got 5');
  });

  it('missing required key', () => {
    const errs = errorsOf('version: 1\ngates: {default: []}\n');
    expect(errs[0]).toMatch(/^p\.yml:1:1: severity: missing required key/);
  });

  it('YAML syntax error', () => {
    const errs = errorsOf('version: 1\nseverity: [\n');
    expect(errs[0]).toMatch(/^p\.yml:\d+:\d+: YAML syntax error/);
  });

  it('duplicate keys', () => {
    const errs = errorsOf(`${BASE_POLICY}version: 1\n`);
    expect(errs[0]).toMatch(/^p\.yml:10:1: duplicate key: a key may appear only once in a mapping/);
  });

  it('bands out of order, unknown levels in maps, rules that change nothing, SLA keys', () => {
    const yaml = `version: 1
severity:
  levels: [P1, P2, P3]
  from-score: {P1: 5, P2: 7}
  from-level: {error: P0}
  rules:
    - {name: Nothing, when: {kind: secret}}
    - {name: Everything, when: {}, set: P1}
sla: {P1: 7, P9: 3, due-soon: soon}
gates:
  default: []
`;
    const errs = errorsOf(yaml);
    expect(errs).toEqual([
      'p.yml:4:20: severity.from-score.P1: band of "P1" (5) must be higher than the band of the less severe "P2" (7)',
      'p.yml:5:23: severity.from-level.error: unknown level "P0": expected one of P1, P2, P3',
      'p.yml:7:7: severity.rules[0]: rule "Nothing" changes nothing: give one of set, raise, lower, floor, cap',
      'p.yml:8:32: severity.rules[1].when: rule "Everything" has no conditions: it would apply to every finding; use `severity.default` or add a condition',
      'p.yml:9:14: sla.P9: unknown level "P9": expected one of P1, P2, P3, due-soon or restart-on-reopen',
      'p.yml:9:31: sla.due-soon: expected days (a number) or a percentage of the SLA such as "25%"',
    ]);
  });

  it('an empty file', () => {
    expect(errorsOf('')[0]).toMatch(/^p\.yml:1:1: the policy file is empty/);
  });
});

describe("the organization's own levels", () => {
  it('work everywhere: bands, maps, rules, gates', () => {
    const p = policyFrom(`version: 1
severity:
  levels: [P1, P2, P3, P4]
  from-score: {P1: 9, P2: 7, P3: 4}
  from-level: {error: P2, warning: P3, note: P4}
  rules:
    - {name: Secrets, when: {kind: secret}, set: P1}
gates:
  production:
    - {name: No P1 or P2, severity: ">= P2"}
`);
    expect(p.levels).toEqual(['P1', 'P2', 'P3', 'P4']);
    expect(p.gates.production?.[0]?.ranks).toEqual(new Set([0, 1]));
  });
});
