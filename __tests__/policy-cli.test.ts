import { describe, expect, it, beforeAll, afterAll } from '@jest/globals';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from '../src/cli';
import { loadPolicy } from '../src/io/policy';
import { implies, lintPolicy } from '../src/policy/lint';
import { buildTestFinding, parsePolicyTests, PolicyTestFileError, runPolicyTests } from '../src/policy/testing';
import { defaultPolicy } from './helpers';

const REPO = resolve('.');
let ws: string;
beforeAll(() => {
  ws = mkdtempSync(join(tmpdir(), 'dg-policy-cli-'));
});
afterAll(() => rmSync(ws, { recursive: true, force: true }));

async function cli(args: string[], cwd = REPO) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    cwd,
    env: {},
    isTTY: false,
    now: () => new Date('2026-11-25T12:00:00Z'),
  });
  return { code, stdout, stderr };
}

const EXAMPLES = readdirSync('policies/examples')
  .filter((f) => f.endsWith('.yml') && !f.endsWith('.test.yml'))
  .map((f) => `policies/examples/${f}`);

describe('shipped policies', () => {
  it('has the three example policies', () => {
    expect(EXAMPLES.sort()).toEqual([
      'policies/examples/kev-first.yml',
      'policies/examples/regulated.yml',
      'policies/examples/small-team.yml',
    ]);
  });

  it.each(['policies/default.yml', ...EXAMPLES])('%s loads, lints clean and passes its tests', async (file) => {
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')[0]).toMatch(/^# yaml-language-server: \$schema=(\.\.\/)+schema\/policy\.schema\.json$/);
    const { policy } = loadPolicy(file, REPO);
    expect(lintPolicy(text, file, { levels: policy.levels, now: new Date('2026-11-25T00:00:00Z') })).toEqual([]);
    const r = await cli(['policy', 'test', file]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/: \d+ passed, 0 failed, \d+ total\n$/);
    expect(r.code).toBe(0);
    const v = await cli(['policy', 'validate', '--strict', file]);
    expect(v.code).toBe(0);
  });

  it('the default policy has meaningful tests', () => {
    const text = readFileSync('policies/default.test.yml', 'utf8');
    const suite = parsePolicyTests(text, 'policies/default.test.yml', defaultPolicy());
    expect(suite.cases.length).toBeGreaterThanOrEqual(25);
    for (const band of ['9.0', '8.95', '7.0', '4.0', '0.1', '0 ']) expect(text).toContain(`securitySeverity: ${band.trim()}`);
  });
});

describe('policy validate', () => {
  it('validates the built-in policy by default', async () => {
    const r = await cli(['policy', 'validate']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'policies/default.yml (built in): valid (5 levels, 2 rating rules, 3 gate profiles (pull-request, default, production), 0 exceptions); 0 warning(s)\n',
    );
  });

  it('prints loader errors as file:line:column: error and exits 2', async () => {
    writeFileSync(
      join(ws, 'bad.yml'),
      'version: 1\nseverity:\n  levels: [high, low]\n  rulez: []\ngates:\n  default:\n    - {name: X, severity: ">= critical"}\n',
    );
    const r = await cli(['policy', 'validate', 'bad.yml'], ws);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('bad.yml:4:3: error: severity.rulez: unknown key "rulez"');
    // Every problem in one run (#15 A): the unknown key no longer hides the unknown level.
    expect(r.stdout).toContain('bad.yml:7:27: error: gates.default[0].severity: unknown level "critical": expected one of high, low');
    expect(r.stdout).toMatch(/bad\.yml: invalid: 2 error\(s\), 0 warning\(s\)\n$/);
    const missing = await cli(['policy', 'validate', 'nope.yml'], ws);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toContain('nope.yml:1:1: error: cannot read the policy: file not found');
  });

  const LINT = `version: 1
severity:
  levels: [critical, high, medium, low, info]
  rules:
    - {name: KEV, when: {kev: true}, set: critical, stop: true}
    - {name: KEV npm, when: {tool: npm-audit, kev: true}, raise: 1}
    - {name: Tests, when: {path: "**/test/**"}, lower: 1}
    - {name: Tests 2, when: {path: ["**/test/**"]}, floor: info}
    - {name: Top, when: {epss: ">= 0.1"}, cap: critical}
    - {name: Likely, when: {epss: ">= 0.5", kev: true, cwe: 79}, raise: 1}
    - {name: Broader, when: {epss: ">= 0.05"}, raise: 1}
gates:
  default:
    - {name: Never, severity: "> critical"}
    - {name: Contradiction, new: true, status: existing}
    - {name: Fine, severity: ">= high"}
exceptions:
  entries:
    - {id: A, type: false-positive, match: {rule: x/y, path: "src/**"}, reason: r, approved-by: me, expires: 2026-01-01}
    - {id: B, type: false-positive, match: {path: ["src/**"], rule: x/y}, reason: r, approved-by: me, expires: 2027-01-01}
    - {id: C, type: false-positive, match: {fingerprint: [abc, def]}, reason: r, approved-by: me, expires: 2027-01-01}
    - {id: D, type: false-positive, match: {fingerprint: def, path: "x/**"}, reason: r, approved-by: me, expires: 2027-01-01}
    - {id: E, type: false-positive, match: {cve: CVE-2021-44228, package: log4j-core}, reason: r, approved-by: me, expires: 2027-01-01}
    - {id: F, type: false-positive, match: {cve: [cve-2021-44228], package: [log4j-core, log4j-api]}, reason: r, approved-by: me, expires: 2027-01-01}
`;

  it('lints: unreachable and no-op rules, gates that count nothing, overlapping and expired exceptions', async () => {
    writeFileSync(join(ws, 'lint.yml'), LINT);
    const r = await cli(['policy', 'validate', 'lint.yml'], ws);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toEqual([
      'lint.yml:6:7: warning: severity.rules[1]: rule "KEV npm" never applies: every finding it matches also matches rule "KEV" (line 5), which has `stop: true`',
      'lint.yml:8:29: warning: severity.rules[3].when: rule "Tests 2" has the same conditions as rule "Tests" (line 7): both always apply together; merge them into one rule',
      'lint.yml:8:60: warning: severity.rules[3].floor: `floor: info` changes nothing: info is the least severe level, every finding is at least that',
      'lint.yml:9:48: warning: severity.rules[4].cap: `cap: critical` changes nothing: critical is the most severe level, every finding is at most that',
      'lint.yml:10:7: warning: severity.rules[5]: rule "Likely" never applies: every finding it matches also matches rule "KEV" (line 5), which has `stop: true`',
      'lint.yml:14:31: warning: gates.default[0].severity: gate rule "Never" can never count anything: severity "> critical" matches no level of critical, high, medium, low, info',
      'lint.yml:15:48: warning: gates.default[1].status: gate rule "Contradiction" can never count anything: `new: true` excludes status existing',
      'lint.yml:19:110: warning: exceptions.entries[0].expires: exception "A" expired on 2026-01-01: it no longer applies; renew it (with a new approval) or remove it',
      'lint.yml:20:44: warning: exceptions.entries[1].match: exception "B" has the same `match` as exception "A" (line 19): only the first that applies is used',
      'lint.yml:22:44: warning: exceptions.entries[3].match: exception "D" and exception "C" (line 21) may both match fingerprint def: only the first that applies is used',
      'lint.yml:24:44: warning: exceptions.entries[5].match: exception "F" and exception "E" (line 23) may both match CVE-2021-44228 in package log4j-core: only the first that applies is used',
      'lint.yml: valid (5 levels, 7 rating rules, 1 gate profiles (default), 6 exceptions); 11 warning(s)',
    ]);
    expect((await cli(['policy', 'validate', '--strict', 'lint.yml'], ws)).code).toBe(1);
    const json = await cli(['policy', 'validate', '--format', 'json', 'lint.yml'], ws);
    expect(JSON.parse(json.stdout)).toMatchObject({ file: 'lint.yml', valid: true, errors: 0, warnings: 11 });
  });

  it('implication is decided soundly, field by field', () => {
    expect(implies({ kev: true, tool: 'x' }, { kev: true })).toBe(true);
    expect(implies({ kev: true }, { kev: true, tool: 'x' })).toBe(false);
    expect(implies({ kind: 'sca' }, { kind: ['sca', 'container'] })).toBe(true);
    expect(implies({ kind: ['sca', 'secret'] }, { kind: ['sca', 'container'] })).toBe(false);
    expect(implies({ epss: '>= 0.5' }, { epss: '> 0.1' })).toBe(true);
    expect(implies({ epss: '> 0.1' }, { epss: '>= 0.1' })).toBe(true);
    expect(implies({ epss: '>= 0.1' }, { epss: '> 0.1' })).toBe(false);
    expect(implies({ score: 9.8 }, { score: '>= 9' })).toBe(true);
    expect(implies({ score: '< 4' }, { score: '<= 4.0' })).toBe(true);
    expect(implies({ cwe: 'CWE-079' }, { cwe: [79, 89] })).toBe(true);
    expect(implies({ tool: 'CodeQL' }, { tool: 'codeql' })).toBe(true);
    expect(implies({ path: 'SRC/**' }, { path: 'src/**' })).toBe(false);
    // Globs are compared as text: a narrower glob is not known to imply a wider one (no false "unreachable").
    expect(implies({ path: 'src/a/**' }, { path: 'src/**' })).toBe(false);
  });
});

describe('policy test', () => {
  it('reports failed cases with a diff and the rating, exit 1', async () => {
    writeFileSync(
      join(ws, 'fail.test.yml'),
      'cases:\n  - name: wrong\n    finding: {securitySeverity: 8.95, kind: secret}\n    expect: {severity: critical, gates: {production: [No critical findings]}}\n  - name: right\n    finding: {level: note}\n    expect: {severity: low}\n',
    );
    const r = await cli(['policy', 'test', '--tests', 'fail.test.yml'], ws);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      [
        'FAIL  wrong',
        '      fail.test.yml:2:5',
        '      severity: expected critical, got high',
        '      gates.production: expected "No critical findings", got "No high findings" (missing "No critical findings") (unexpected "No high findings")',
        '      rating: security-severity 8.95 >= 7.0 → high; rule "Leaked secrets are at least high" (matched, no change): high → high',
        'PASS  right',
        'fail.test.yml: 1 passed, 1 failed, 2 total',
        '',
      ].join('\n'),
    );
    const json = JSON.parse((await cli(['policy', 'test', '--format', 'json', '--tests', 'fail.test.yml'], ws)).stdout) as {
      failed: number;
      results: { diffs: string[] }[];
    };
    expect(json.failed).toBe(1);
  });

  it('reports problems in the test file with file:line:column, exit 2', async () => {
    writeFileSync(
      join(ws, 'bad.test.yml'),
      'cases:\n  - name: a\n    finding: {level: eror, sevrity: 3}\n    expect: {severity: hihg, gates: {prod: [x], production: [Nope]}}\n  - name: a\n    finding: {}\n    expect: {}\n',
    );
    const r = await cli(['policy', 'test', '--tests', 'bad.test.yml'], ws);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bad.test.yml:3:22: cases[0].finding.level: ');
    expect(r.stderr).toContain('bad.test.yml:3:28: cases[0].finding.sevrity: unknown key "sevrity"');
    expect(r.stderr).toContain('bad.test.yml:7:13: cases[1].expect: expect at least one of severity, gated, gates, exception');
    writeFileSync(
      join(ws, 'bad2.test.yml'),
      'cases:\n  - name: a\n    finding: {}\n    expect: {severity: hihg, gates: {prod: [x], production: [Nope]}}\n',
    );
    const r2 = await cli(['policy', 'test', '--tests', 'bad2.test.yml'], ws);
    expect(r2.stderr).toContain('bad2.test.yml:4:24: cases[0].expect.severity: unknown level "hihg"');
    expect(r2.stderr).toContain('bad2.test.yml:4:38: cases[0].expect.gates.prod: no gate profile "prod"');
    expect(r2.stderr).toContain('bad2.test.yml:4:62: cases[0].expect.gates.production[0]: no gate rule "Nope" in profile "production"');
  });

  it('finds <name>.test.yml beside the policy; without arguments tests the built-in policy', async () => {
    writeFileSync(join(ws, 'p.yml'), readFileSync('policies/examples/small-team.yml'));
    expect((await cli(['policy', 'test', 'p.yml'], ws)).stderr).toMatch(/cannot read the policy tests p\.test\.yml: file not found/);
    writeFileSync(join(ws, 'p.test.yml'), readFileSync('policies/examples/small-team.test.yml'));
    expect((await cli(['policy', 'test', 'p.yml'], ws)).code).toBe(0);
    // #15 A: `policy test` without arguments tests the built-in policy with its bundled tests (was a usage error).
    expect((await cli(['policy', 'test'], ws)).code).toBe(0);
    expect((await cli(['policy', 'frobnicate'], ws)).stderr).toMatch(/unknown policy command "frobnicate"/);
  });

  it('judges exceptions at the test file`s now, or --now', async () => {
    const r = await cli(['policy', 'test', '--now', '2027-02-01', 'policies/examples/regulated.yml']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('exception: expected RISK-2026-007 (active), got RISK-2026-007 (expired: expired on 2027-01-29)');
  });

  it('builds findings with neutral defaults', () => {
    const f = buildTestFinding(
      { cwe: [79, 'CWE-89'], tool: 'Semgrep', cvss: 5, package: 'lodash', scannerSeverity: 'HIGH', path: 'a.js' },
      2,
    );
    expect(f).toMatchObject({
      fingerprint: 'policy-test-3',
      tool: { name: 'Semgrep' },
      kind: 'sast',
      resultKind: 'fail',
      cwe: ['CWE-79', 'CWE-89'],
      cvss: { score: 5 },
      package: { name: 'lodash' },
      scannerSeverity: 'high',
      path: 'a.js',
      startLine: 1,
    });
    const suite = parsePolicyTests(
      'cases:\n  - {name: x, finding: {status: existing, level: error}, expect: {gated: true}}\n',
      't.yml',
      defaultPolicy(),
    );
    expect(runPolicyTests(suite, defaultPolicy(), new Date())[0]?.passed).toBe(true);
    expect(() => parsePolicyTests('', 't.yml', defaultPolicy())).toThrow(PolicyTestFileError);
  });
});
