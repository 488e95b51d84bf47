import { describe, expect, it } from '@jest/globals';
import { parsePolicy, parseExceptionsFile } from '../src/policy/load';
import { policyErrors } from './helpers';

/** Policy errors point at the line: the field, what is allowed, at the value's own line and column (#15 A). */

const HEAD = 'version: 1\nseverity:\n  levels: [critical, high, medium, low]\n';

describe('bad values inside a gate rule', () => {
  it('name the field, what is allowed and the value, at the value (not "Invalid input" at the profile)', () => {
    const text = `${HEAD}gates:\n  default:\n    - name: no criticals\n      severity: ">= critical"\n      action: warnn\n      max: five\n`;
    expect(policyErrors(() => parsePolicy(text, 'p.yml')).sort()).toEqual([
      'p.yml:8:15: gates.default[0].action: invalid value "warnn": expected one of "fail", "warn"',
      'p.yml:9:12: gates.default[0].max: expected a number, got "five"',
    ]);
  });

  it('in a profile that extends another (the mapping form of the union)', () => {
    const text = `${HEAD}gates:\n  default: []\n  production:\n    extends: default\n    rules:\n      - name: x\n        action: stop\n`;
    expect(policyErrors(() => parsePolicy(text, 'p.yml'))).toEqual([
      'p.yml:10:17: gates.production.rules[0].action: invalid value "stop": expected one of "fail", "warn"',
    ]);
  });

  it('in an exceptions file too', () => {
    const text = 'entries:\n  - id: EX-1\n    type: accepted\n    match: {rule: x}\n';
    expect(policyErrors(() => parseExceptionsFile(text, 'ex.yml', undefined, ['critical']))).toEqual([
      'ex.yml:3:11: entries[0].type: invalid value "accepted": expected one of "accepted-risk", "false-positive", "mitigated", "sla-extension"',
    ]);
  });
});

describe('every problem of a policy in one run', () => {
  it('an unknown key no longer hides a bad level', () => {
    const text = 'version: 1\nbogus: 1\nseverity:\n  levels: [critical, high]\n  default: nope\ngates:\n  default: []\n';
    expect(policyErrors(() => parsePolicy(text, 'p.yml'))).toEqual([
      'p.yml:2:1: bogus: unknown key "bogus": check the spelling against the policy format in the README',
      'p.yml:5:12: severity.default: unknown level "nope": expected one of critical, high',
    ]);
  });

  it('a wrong type and a bad level elsewhere: both', () => {
    const text = `${HEAD}  default: nope\nsla:\n  critical: soon\ngates:\n  default: []\n`;
    expect(policyErrors(() => parsePolicy(text, 'p.yml'))).toEqual(
      expect.arrayContaining(['p.yml:4:12: severity.default: unknown level "nope": expected one of critical, high, medium, low']),
    );
    expect(policyErrors(() => parsePolicy(text, 'p.yml'))).toHaveLength(2);
  });
});

describe("YAML syntax errors at the parser's real line and column", () => {
  it('bad indentation: where the misplaced key starts', () => {
    const text = 'version: 1\nseverity:\n  levels: [critical, high]\n   default: high\ngates:\n  default: []\n';
    expect(policyErrors(() => parsePolicy(text, 'p.yml'))).toEqual([
      'p.yml:4:4: YAML syntax error: All mapping items must start at the same column',
    ]);
  });

  it('duplicate keys: the second one', () => {
    const text = 'version: 1\nseverity:\n  levels: [critical, high]\n  levels: [a]\ngates:\n  default: []\n';
    expect(policyErrors(() => parsePolicy(text, 'p.yml'))).toEqual([
      'p.yml:4:3: duplicate key: a key may appear only once in a mapping (the second value would silently replace the first); remove or rename one',
    ]);
  });
});
