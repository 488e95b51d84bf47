import { describe, expect, it, beforeEach, afterEach, beforeAll, afterAll } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadPolicy, loadPolicyAsync, parseRemoteSpec } from '../src/io/policy';
import { rateFinding, explainLine } from '../src/rate/rate';
import { runEngine } from '../src/engine';
import { GitHubServer } from './support/github-server';
import { readRepoFile } from '../src/github/contents';
import { createGitHubClient } from '../src/github/octokit';
import { silentLogger } from '../src/logger';
import { finding, policyErrors } from './helpers';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dg-ext-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

const errorsOf = (main: string): string[] => policyErrors(() => loadPolicy(main, dir));

const BASE = `version: 1
locked: [sla.critical, gates.production]
severity:
  levels: [critical, high, medium, low, info]
  from-score: {critical: 9.0, high: 7.0, medium: 4.0, low: 0.1}
  from-level: {error: high, warning: medium, note: low, none: info}
  rules:
    - {name: Org - secrets are high, when: {kind: secret}, floor: high}
sla: {critical: 7, high: 30, medium: 90, low: 180}
exceptions:
  entries:
    - {id: ORG-1, type: false-positive, match: {rule: "org/*"}, reason: r, approved-by: sec, expires: 2027-01-01}
gates:
  production:
    - {name: No critical, severity: critical}
  pull-request:
    - {name: No new high, new: true, severity: ">= high"}
`;

describe('extends', () => {
  it('merges as documented: levels and SLA from the base, rules appended, gates by profile, exceptions merged', () => {
    write({
      'org/base.yml': BASE,
      'repo/policy.yml': `version: 1
extends: ../org/base.yml
severity:
  rules:
    - {name: Repo - tests are lower, when: {path: "test/**"}, lower: 1}
sla: {high: 20}
exceptions:
  entries:
    - {id: REPO-1, type: accepted-risk, match: {rule: "x"}, reason: r, approved-by: me, expires: 2027-01-01}
gates:
  pull-request:
    - {name: No high, severity: ">= high"}
`,
    });
    const { policy } = loadPolicy('repo/policy.yml', dir);
    expect(policy.levels).toEqual(['critical', 'high', 'medium', 'low', 'info']);
    expect(policy.sla.days).toEqual({ critical: 7, high: 20, medium: 90, low: 180 });
    expect(policy.rules.map((r) => r.name)).toEqual(['Org - secrets are high', 'Repo - tests are lower']);
    expect(Object.keys(policy.gates).sort()).toEqual(['production', 'pull-request']);
    expect(policy.gates['pull-request']?.map((g) => g.name)).toEqual(['No high']);
    expect(policy.exceptions.entries.map((e) => [e.id, e.file])).toEqual([
      ['ORG-1', 'org/base.yml'],
      ['REPO-1', 'repo/policy.yml'],
    ]);
  });

  it('refuses changes to locked keys, pointing at them', () => {
    write({
      'org/base.yml': BASE,
      'policy.yml': `version: 1\nextends: org/base.yml\nsla: {critical: 30}\ngates:\n  production: []\n`,
    });
    expect(errorsOf('policy.yml')).toEqual([
      'policy.yml:3:7: sla.critical: "sla.critical" is locked by org/base.yml: this policy may not change it',
      'policy.yml:5:3: gates.production: "gates.production" is locked by org/base.yml: this policy may not change it',
    ]);
  });

  it('reports cycles and missing bases at the extends entry', () => {
    write({
      'a.yml': 'version: 1\nextends: b.yml\n',
      'b.yml': 'version: 1\nextends: [c.yml, a.yml]\n',
      'c.yml': BASE,
    });
    expect(errorsOf('a.yml')).toEqual(['b.yml:2:18: extends: policies extend each other in a cycle: a.yml → b.yml → a.yml']);
    write({ 'd.yml': 'version: 1\nextends: nowhere.yml\n' });
    expect(errorsOf('d.yml')).toEqual(['d.yml:2:10: extends: cannot read nowhere.yml: file not found']);
  });

  it('locates errors in the file that wrote them, also for appended rules and exceptions', () => {
    write({
      'org/base.yml': BASE,
      'policy.yml': `version: 1
extends: org/base.yml
severity:
  rules:
    - {name: Bad, when: {kind: sast}, set: P0}
exceptions:
  entries:
    - {id: ORG-1, type: false-positive, match: {rule: x}, reason: r, approved-by: me, expires: 2027-01-01}
`,
    });
    expect(errorsOf('policy.yml')).toEqual([
      'policy.yml:5:44: severity.rules[1].set: unknown level "P0": expected one of critical, high, medium, low, info',
      'policy.yml:8:8: exceptions.entries[1].id: exception id "ORG-1" is used twice: ids must be unique',
    ]);
  });

  it('tells how to get a remote base when the command cannot use the API', () => {
    write({ 'policy.yml': 'version: 1\nextends: acme/security-policies/base.yml@v3\n' });
    expect(errorsOf('policy.yml')).toEqual([
      'policy.yml:2:10: extends: acme/security-policies/base.yml@v3 is read through the GitHub API, which this command does not use: download it and extend the local copy',
    ]);
    expect(parseRemoteSpec('acme/security-policies/policies/base.yml@v3')).toEqual({
      owner: 'acme',
      repo: 'security-policies',
      path: 'policies/base.yml',
      ref: 'v3',
    });
    expect(parseRemoteSpec('../org/base.yml')).toBeUndefined();
    expect(parseRemoteSpec('org/base/x.yml')).toBeUndefined();
  });
});

describe('remote bases through the GitHub API (local validating server)', () => {
  let server: GitHubServer;
  beforeAll(async () => {
    server = await GitHubServer.start();
    // The base policies, at the tag v3 of acme/security.
    const security = server.history('acme', 'security');
    security.refs.set(
      'v3',
      security.commit({
        'policies/base.yml': BASE.replace('exceptions:\n', 'exceptions:\n  include: [exceptions.yml]\n'),
        'policies/exceptions.yml':
          'entries:\n  - {id: ORG-2, type: false-positive, match: {rule: "y"}, reason: r, approved-by: sec, expires: 2027-01-01}\n',
      }),
    );
  });
  afterAll(async () => server.close());

  it('reads owner/repo/path@ref and the files it includes, with every request valid', async () => {
    write({ 'policy.yml': 'version: 1\nextends: acme/security/policies/base.yml@v3\nsla: {medium: 60}\n' });
    const client = createGitHubClient('tok', { baseUrl: server.url, logger: silentLogger, retryBaseMs: 1 });
    const { policy } = await loadPolicyAsync('policy.yml', dir, (spec) => readRepoFile(client, spec));
    expect(policy.sla.days.medium).toBe(60);
    expect(policy.exceptions.entries.map((e) => [e.id, e.file])).toEqual([
      ['ORG-1', 'acme/security/policies/base.yml@v3'],
      ['ORG-2', 'acme/security/policies/exceptions.yml@v3'],
    ]);
    expect(server.errors).toEqual([]);
    write({ 'bad.yml': 'version: 1\nextends: acme/security/policies/nope.yml@v3\n' });
    await expect(loadPolicyAsync('bad.yml', dir, (spec) => readRepoFile(client, spec))).rejects.toThrow(
      /acme\/security\/policies\/nope\.yml@v3:1:1: cannot read the base policy through the GitHub API: .*HTTP 404/,
    );
  });
});

describe('components and business criticality', () => {
  const policyWith = (extra: string) => {
    write({
      'p.yml': `version: 1
severity:
  levels: [critical, high, medium, low, info]
  from-level: {error: high, warning: medium, note: low, none: info}
components:
  - {name: payments, paths: ["services/payments/**"], owner: team-pay, criticality: high}
  - {name: docs-site, paths: ["docs/**"], criticality: low}
  - {name: shared-libs, packages: ["com.acme:*"], owner: platform}
${extra}gates:
  default:
    - {name: No critical in payments, severity: critical, component: payments}
`,
    });
    return loadPolicy('p.yml', dir).policy;
  };

  it('assigns components by path and package, and adjusts the rating by criticality', () => {
    const p = policyWith('criticality: {high: {raise: 1}, low: {lower: 1}}\n');
    const pay = rateFinding(finding({ path: 'services/payments/api.go', level: 'error' }), p);
    expect(pay).toMatchObject({ component: 'payments', componentOwner: 'team-pay', criticality: 'high', severity: 'critical' });
    expect(explainLine(pay)).toBe('SARIF level "error" → high; component payments: business criticality high: high → critical');
    expect(rateFinding(finding({ path: 'docs/x.md', level: 'error' }), p)).toMatchObject({ component: 'docs-site', severity: 'medium' });
    expect(rateFinding(finding({ path: undefined, package: { name: 'com.acme:util', version: '1' }, level: 'warning' }), p)).toMatchObject({
      component: 'shared-libs',
      componentOwner: 'platform',
      severity: 'medium',
    });
    expect(rateFinding(finding({ path: 'src/x.js', level: 'error' }), p).component).toBeUndefined();
    const r = runEngine({
      files: [
        { file: 'x', findings: [finding({ fingerprint: 'p', path: 'services/payments/api.go', level: 'error' })], errors: [], tools: [] },
      ],
      policy: p,
      environment: 'default',
      onInputError: 'fail',
      now: new Date(),
    });
    expect(r.verdict.status).toBe('fail');
  });

  it('OWASP risk matrix: likelihood (the technical rating) × impact (criticality)', () => {
    const p = policyWith(`criticality:
  method: matrix
  likelihood: {high: ">= high", medium: medium, low: "<= low"}
  matrix:
    high: {high: critical, medium: high, low: medium}
    medium: {high: high, medium: medium, low: low}
    low: {high: medium, medium: low, low: info}
`);
    const cases: [string, 'error' | 'warning' | 'note', string][] = [
      ['services/payments/a.go', 'error', 'critical'],
      ['services/payments/a.go', 'note', 'medium'],
      ['docs/a.md', 'error', 'medium'],
      ['docs/a.md', 'note', 'info'],
      ['src/a.js', 'error', 'high'],
      ['src/a.js', 'warning', 'medium'],
    ];
    for (const [path, level, want] of cases)
      expect([path, level, rateFinding(finding({ path, level }), p).severity]).toEqual([path, level, want]);
    expect(explainLine(rateFinding(finding({ path: 'services/payments/a.go', level: 'note' }), p))).toBe(
      'SARIF level "note" → low; risk matrix: likelihood low (low) × impact high (component payments): low → medium',
    );
  });

  it('checks components and criticality', () => {
    write({
      'p.yml': `version: 1
severity: {levels: [high, low]}
components:
  - {name: a, paths: [x]}
  - {name: a}
criticality: {high: {set: critical}}
gates: {default: []}
`,
    });
    expect(errorsOf('p.yml')).toEqual([
      'p.yml:5:12: components[1].name: component "a" is listed twice',
      'p.yml:5:5: components[1]: component "a" matches nothing: give `paths` or `packages`',
      'p.yml:6:27: criticality.high.set: unknown level "critical": expected one of high, low',
    ]);
  });
});

describe('gate profiles inherit', () => {
  it('a profile extends another: its rules first, same-named rules replaced; cycles and unknown parents are errors', () => {
    write({
      'p.yml': `version: 1
severity: {levels: [critical, high, medium, low]}
gates:
  staging:
    - {name: No critical, severity: critical}
    - {name: Highs, severity: high, max: 5, action: warn}
  production:
    extends: staging
    rules:
      - {name: Highs, severity: high, max: 0}
      - {name: No breached SLA, sla: breached}
`,
    });
    const { policy } = loadPolicy('p.yml', dir);
    expect(policy.gates.production?.map((g) => [g.name, g.max, g.action])).toEqual([
      ['No critical', 0, 'fail'],
      ['Highs', 0, 'fail'],
      ['No breached SLA', 0, 'fail'],
    ]);
    write({ 'q.yml': 'version: 1\nseverity: {levels: [high]}\ngates:\n  a: {extends: b}\n  b: {extends: a}\n  c: {extends: nope}\n' });
    expect(errorsOf('q.yml')).toEqual([
      'q.yml:4:3: gates.a: gate profiles extend each other in a cycle: a → b → a',
      'q.yml:6:3: gates.c: profile "c" extends "nope", which is not a gate profile: expected one of a, b, c',
    ]);
  });
});
