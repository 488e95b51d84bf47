import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyExceptions } from '../src/exceptions/apply';
import { parseExceptionsFile, parsePolicy } from '../src/policy/load';
import { catchAllMatch, lintPolicy } from '../src/policy/lint';
import { parsePolicyTests, PolicyTestFileError } from '../src/policy/testing';
import { formatPolicyError } from '../src/policy/load';
import { rateAll } from '../src/rate/rate';
import { runCli } from '../src/cli';
import { BASE_POLICY, finding, policyErrors, policyFrom } from './helpers';

/**
 * Issue #14, fail closed: policy and exception files that could hide a finding are errors at their line (blank
 * required texts, duplicate keys, alias bombs), exceptions approved in the future do not apply, and an exception
 * that matches everything is reported by `policy validate` (an error with --strict).
 */

const NOW = new Date('2026-11-25T12:00:00Z');

const withExceptions = (entries: string) => BASE_POLICY.replace('gates:', `exceptions:\n  entries:\n${entries}gates:`);

const EX = (over: Record<string, string> = {}) => {
  const fields: Record<string, string> = {
    id: 'EX-1',
    type: 'accepted-risk',
    match: '{rule: "js/sql-injection", path: "legacy/**"}',
    reason: 'Internal admin tool',
    'approved-by': 'security-team',
    'approved-on': '2026-11-01',
    expires: '2026-12-31',
    ...over,
  };
  return Object.entries(fields)
    .map(([k, v], i) => `${i === 0 ? '    - ' : '      '}${k}: ${v}\n`)
    .join('');
};

describe('exceptions: blank texts are policy errors at their line', () => {
  it.each([
    ['reason', '" "'],
    ['approved-by', '"  \\t "'],
    ['ticket', '" "'],
  ])('a blank %s', (field, value) => {
    const yaml = withExceptions(EX({ [field]: value }));
    const line = yaml.split('\n').findIndex((l) => l.trimStart().startsWith(`${field}:`)) + 1;
    const errors = policyErrors(() => parsePolicy(yaml, 'p.yml'));
    expect(errors).toEqual([
      expect.stringMatching(new RegExp(`^p\\.yml:${line}:\\d+: exceptions\\.entries\\[0\\]\\.${field}: must not be blank`)),
    ]);
  });

  it('blank names of rules, gate rules and components, and blank match values', () => {
    const yaml = withExceptions(EX({ match: '{component: " "}' }))
      .replace('    - {name: No critical, severity: critical}', '    - {name: " ", severity: critical}')
      .replace('gates:', 'components:\n  - {name: "\\t", paths: ["src/**"]}\ngates:');
    const errors = policyErrors(() => parsePolicy(yaml, 'p.yml')).join('\n');
    expect(errors).toMatch(/exceptions\.entries\[0\]\.match\.component: must not be blank/);
    expect(errors).toMatch(/components\[0\]\.name: must not be blank/);
    expect(errors).toMatch(/gates\.default\[0\]\.name: must not be blank/);
  });

  it('in an included exceptions file too', () => {
    const text = `entries:\n${EX({ 'approved-by': '" "' }).replace(/^ {4}/gm, '  ')}`;
    expect(policyErrors(() => parseExceptionsFile(text, 'ex.yml', undefined, ['high']))).toEqual([
      expect.stringMatching(/^ex\.yml:6:\d+: entries\[0\]\.approved-by: must not be blank/),
    ]);
  });
});

describe('exceptions approved after now are not active yet', () => {
  const policy = policyFrom(
    withExceptions(EX({ 'approved-on': '2026-12-01' }) + EX({ id: 'EX-2', match: '{rule: "other"}', 'approved-on': '2026-11-25' })),
  );

  it('does not apply: the finding stays gated, and says why', () => {
    const [rated] = rateAll([finding({ path: 'legacy/a.js' })], policy);
    const r = applyExceptions([rated!], policy.exceptions, NOW);
    const f = r.findings[0]!;
    expect(f.gated).toBe(true);
    expect(f.exception).toMatchObject({
      id: 'EX-1',
      state: 'not-allowed',
      problem: 'not active yet: approved-on 2026-12-01 is after today (2026-11-25)',
    });
    expect(r.exceptions.map((e) => [e.id, e.state, e.applied])).toEqual([
      ['EX-1', 'pending', 0],
      ['EX-2', 'stale', 0],
    ]);
    // From approved-on on, it applies.
    const later = applyExceptions([rated!], policy.exceptions, new Date('2026-12-01T00:00:00Z'));
    expect(later.findings[0]?.gated).toBe(false);
    expect(later.exceptions[0]?.state).toBe('active');
  });

  it('the exceptions listing and policy validate say so', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'dg-pending-'));
    try {
      writeFileSync(join(ws, 'p.yml'), withExceptions(EX({ 'approved-on': '2026-12-01' })));
      let out = '';
      const io = { stdout: (s: string) => (out += s), stderr: (s: string) => (out += s), cwd: ws, env: {}, isTTY: false, now: () => NOW };
      expect(await runCli(['exceptions', '--policy', 'p.yml'], io)).toBe(0);
      expect(out).toContain('1 exception(s): 0 active, 0 expiring within 14 days, 0 expired, 1 not active yet (approved-on after today)');
      expect(out).toMatch(/PENDING +EX-1 +accepted-risk, approved by security-team, not active until 2026-12-01 \(approved-on\)/);
      out = '';
      expect(await runCli(['policy', 'validate', 'p.yml'], io)).toBe(0);
      expect(out).toMatch(
        /p\.yml:\d+:\d+: warning: exceptions\.entries\[0\]\.approved-on: exception "EX-1" is approved on 2026-12-01, after today \(2026-11-25\)/,
      );
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });
});

describe('an exception that matches every finding', () => {
  it.each([
    ['{rule: "*"}', 'rule "*"'],
    ['{path: "**"}', 'path "**"'],
    ['{rule: "**", path: ["**/*", "*"]}', 'rule "**", path "**/*"|"*"'],
    ['{tool: "*", package: "*"}', 'tool "*", package "*"'],
  ])('match %s is a lint warning, an error with --strict', async (match, shown) => {
    const yaml = withExceptions(EX({ match }));
    const line = yaml.split('\n').findIndex((l) => l.includes('match:')) + 1;
    const [p] = lintPolicy(yaml, 'p.yml', { levels: ['critical', 'high', 'medium', 'low', 'info'], now: NOW });
    expect(p).toMatchObject({ line, severity: 'warning', path: 'exceptions.entries[0].match' });
    expect(p?.message).toBe(
      `exception "EX-1" matches every finding (${shown}): it would switch the gate off; name the rule, path, package, CVE or fingerprint it is for`,
    );
    const strict = lintPolicy(yaml, 'p.yml', { levels: ['critical'], now: NOW, strict: true });
    expect(strict[0]?.severity).toBe('error');
  });

  it('narrower matches are not reported', () => {
    for (const m of [
      { rule: 'js/*' },
      { path: 'legacy/**' },
      { path: '**', fingerprint: 'abc' },
      { rule: '*', cve: 'CVE-2021-44228' },
      { path: '*' },
      { tool: 'trivy*' },
    ]) {
      expect(catchAllMatch(m)).toBeUndefined();
    }
  });

  it('in an included exceptions file too (policy validate)', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'dg-catchall-inc-'));
    try {
      writeFileSync(join(ws, 'p.yml'), BASE_POLICY.replace('gates:', 'exceptions:\n  include: [exceptions/team.yml]\ngates:'));
      mkdirSync(join(ws, 'exceptions'));
      writeFileSync(
        join(ws, 'exceptions', 'team.yml'),
        `entries:\n${EX({ match: '{rule: "*", path: "**"}', 'approved-on': '2026-12-24' }).replace(/^ {4}/gm, '  ')}`,
      );
      let out = '';
      const io = { stdout: (s: string) => (out += s), stderr: (s: string) => (out += s), cwd: ws, env: {}, isTTY: false, now: () => NOW };
      expect(await runCli(['policy', 'validate', '--strict', 'p.yml'], io)).toBe(2);
      expect(out).toContain(
        'exceptions/team.yml:4:12: error: entries[0].match: exception "EX-1" matches every finding (rule "*", path "**")',
      );
      expect(out).toContain(
        'exceptions/team.yml:7:18: warning: entries[0].approved-on: exception "EX-1" is approved on 2026-12-24, after today (2026-11-25)',
      );
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });

  it('policy validate --strict fails (exit 2) and prints it as an error', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'dg-catchall-'));
    try {
      writeFileSync(join(ws, 'p.yml'), withExceptions(EX({ match: '{path: "**"}' })));
      let out = '';
      const io = { stdout: (s: string) => (out += s), stderr: (s: string) => (out += s), cwd: ws, env: {}, isTTY: false, now: () => NOW };
      expect(await runCli(['policy', 'validate', 'p.yml'], io)).toBe(0);
      expect(out).toMatch(/p\.yml:\d+:\d+: warning: exceptions\.entries\[0\]\.match: exception "EX-1" matches every finding/);
      out = '';
      expect(await runCli(['policy', 'validate', '--strict', 'p.yml'], io)).toBe(2);
      expect(out).toMatch(/p\.yml:\d+:\d+: error: exceptions\.entries\[0\]\.match: exception "EX-1" matches every finding/);
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });
});

const BOMB = `a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
`;

describe('YAML alias bombs and duplicate keys are policy errors at their line', () => {
  const policy = policyFrom(BASE_POLICY);
  const testErrors = (text: string) => {
    try {
      parsePolicyTests(text, 't.yml', policy);
    } catch (e) {
      if (e instanceof PolicyTestFileError) return e.errors.map(formatPolicyError);
      throw e;
    }
    throw new Error('expected the test file to be rejected');
  };

  it('a billion-laughs bomb (policy, exceptions file, policy tests)', () => {
    const msg = /^(p|ex|t)\.yml:2:8: YAML aliases expand too much \(more than 100 alias expansions, as in a "billion laughs" bomb\)/;
    expect(policyErrors(() => parsePolicy(`${BOMB}${BASE_POLICY}`, 'p.yml'))).toEqual([expect.stringMatching(msg)]);
    expect(policyErrors(() => parseExceptionsFile(`${BOMB}entries: []\n`, 'ex.yml', undefined, ['high']))).toEqual([
      expect.stringMatching(msg),
    ]);
    expect(testErrors(`${BOMB}cases: []\n`)).toEqual([expect.stringMatching(msg)]);
    // A few aliases are fine.
    expect(() =>
      parsePolicy(BASE_POLICY.replace('levels: [critical', 'levels: &l [critical').replace('gates:', 'x-levels: *l\ngates:'), 'p.yml'),
    ).toThrow(/unknown key "x-levels"/);
  });

  it('duplicate keys, wherever they are', () => {
    const dup = /duplicate key: a key may appear only once in a mapping/;
    const p = policyErrors(() => parsePolicy(BASE_POLICY.replace('gates:', 'sla: {critical: 7}\nsla: {critical: 700}\ngates:'), 'p.yml'));
    expect(p).toEqual([expect.stringMatching(/^p\.yml:8:1: duplicate key/)]);
    const nested = policyErrors(() =>
      parsePolicy(withExceptions(EX().replace('      reason:', '      expires: 2099-12-31\n      reason:')), 'p.yml'),
    );
    expect(nested).toEqual([expect.stringMatching(/^p\.yml:16:7: duplicate key/)]);
    const ex = policyErrors(() => parseExceptionsFile('entries: []\nentries: []\n', 'ex.yml', undefined, ['high']));
    expect(ex).toEqual([expect.stringMatching(/^ex\.yml:2:1: duplicate key/)]);
    expect(testErrors('cases:\n  - name: a\n    name: b\n    finding: {}\n    expect: {gated: true}\n')).toEqual([
      expect.stringMatching(/^t\.yml:3:5: duplicate key/),
    ]);
    for (const e of [...p, ...nested, ...ex]) expect(e).toMatch(dup);
  });

  it('policy validate reports them as errors (exit 2), not a crash', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'dg-yaml-'));
    try {
      writeFileSync(join(ws, 'bomb.yml'), `${BOMB}${BASE_POLICY}`);
      let out = '';
      const io = { stdout: (s: string) => (out += s), stderr: (s: string) => (out += s), cwd: ws, env: {}, isTTY: false, now: () => NOW };
      expect(await runCli(['policy', 'validate', 'bomb.yml'], io)).toBe(2);
      expect(out).toMatch(/bomb\.yml:2:8: error: YAML aliases expand too much/);
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });
});
