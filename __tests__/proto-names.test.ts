import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEngine } from '../src/engine';
import { emptyBook, migrateLedger } from '../src/ledger/schema';
import { buildReport } from '../src/report/json';
import { renderMarkdown } from '../src/report/markdown';
import { renderText } from '../src/report/text';
import { UnknownEnvironmentError } from '../src/gate/gate';
import { parsePolicyTests, runPolicyTests } from '../src/policy/testing';
import { loadPolicy } from '../src/io/policy';
import { runCli } from '../src/cli';
import { finding, policyErrors, policyFrom } from './helpers';
import { parsePolicy } from '../src/policy/load';
import { addCount } from '../src/own';
import { summarizeExceptions } from '../src/exceptions/apply';

/**
 * Issue #14: names from policies and the command line that are Object.prototype members (constructor, toString,
 * __proto__, hasOwnProperty, valueOf) work like any other name, or are refused clearly; none reaches an inherited
 * member of a plain object.
 */

const NOW = new Date('2026-11-25T12:00:00Z');
const PROTO = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

/**
 * A policy whose levels, components, tools, profiles and exception ids are all Object.prototype names (`__proto__` is
 * not a valid level name or exception id, which must start with a letter or digit: see the last test).
 */
const POLICY = `version: 1
severity:
  levels: [constructor, toString, hasOwnProperty, valueOf]
  from-score: {constructor: 9.0, toString: 7.0, hasOwnProperty: 4.0}
  from-scanner: {constructor: constructor, hasownproperty: toString, valueof: hasOwnProperty}
  default: hasOwnProperty
  rules:
    - {name: toString, when: {tool: constructor, component: toString}, raise: 1}
components:
  - {name: toString, paths: ["src/**"], criticality: high}
  - {name: __proto__, paths: ["lib/**"]}
criticality: {high: {floor: toString}}
sla: {constructor: 7, toString: 30, hasOwnProperty: 90}
exceptions:
  max-days: {toString: 30, hasOwnProperty: 365}
  entries:
    - {id: constructor, type: accepted-risk, match: {component: __proto__}, reason: r, approved-by: hasOwnProperty, approved-on: 2026-11-01, expires: 2026-11-20}
    - {id: toString, type: false-positive, match: {tool: valueOf}, reason: r, approved-by: __proto__, approved-on: 2026-11-01, expires: 2026-12-31}
gates:
  valueOf:
    - {name: constructor, severity: ">= toString"}
  constructor:
    extends: valueOf
    rules:
      - {name: toString, tool: constructor, max: 0}
  toString: [{name: hasOwnProperty, severity: constructor, action: warn}]
`;

const FINDINGS = () => [
  finding({ fingerprint: 'a', tool: { name: 'constructor' }, path: 'src/a.js', securitySeverity: 5 }),
  finding({ fingerprint: 'b', tool: { name: '__proto__' }, path: 'lib/b.js', scannerSeverity: 'hasownproperty' }),
  finding({ fingerprint: 'c', tool: { name: 'valueOf' }, path: 'x/c.js', scannerSeverity: 'valueof' }),
  finding({ fingerprint: 'd', tool: { name: 'toString' }, path: 'x/d.js', level: undefined }),
];

describe('a policy and a run where every name is an Object.prototype member', () => {
  const policy = policyFrom(POLICY);
  const run = (environment: string) =>
    runEngine({
      files: [{ file: 'x', findings: FINDINGS(), errors: [], tools: PROTO.map((name) => ({ name })) }],
      policy,
      environment,
      onInputError: 'fail',
      now: NOW,
    });

  it('rates with levels, components and rules so named', () => {
    expect(policy.levels).toEqual(['constructor', 'toString', 'hasOwnProperty', 'valueOf']);
    expect(Object.keys(policy.gates)).toEqual(['valueOf', 'constructor', 'toString']);
    const r = run('valueOf');
    const by = Object.fromEntries(r.findings.map((f) => [f.fingerprint, f]));
    // 5.0 -> hasOwnProperty band; rule toString (tool constructor, component toString) raises 1 -> toString.
    expect(by.a).toMatchObject({ severity: 'toString', component: 'toString', criticality: 'high' });
    expect(by.b).toMatchObject({ severity: 'toString', component: '__proto__' });
    expect(by.c).toMatchObject({ severity: 'hasOwnProperty' });
    expect(by.d).toMatchObject({ severity: 'hasOwnProperty' });
    // A level named valueOf without an SLA has none (not Object.prototype.valueOf).
    expect(Object.entries(policy.sla.days)).toEqual([
      ['constructor', 7],
      ['toString', 30],
      ['hasOwnProperty', 90],
    ]);
    expect(policy.sla.days.valueOf).toBeUndefined();
  });

  it('gates by profiles named valueOf, constructor (extends valueOf) and toString', () => {
    const proto = run('valueOf');
    expect(proto.verdict.rules.map((x) => [x.name, x.count])).toEqual([['constructor', 2]]);
    expect(proto.verdict.status).toBe('fail');
    const ctor = run('constructor');
    expect(ctor.verdict.rules.map((x) => [x.name, x.count])).toEqual([
      ['constructor', 2],
      ['toString', 1],
    ]);
    const ts = run('toString');
    expect(ts.verdict.rules.map((x) => [x.name, x.count])).toEqual([['hasOwnProperty', 0]]);
  });

  it('exceptions with ids constructor and toString: expired and active, max-days by level names', () => {
    const r = run('valueOf');
    expect(r.exceptions.map((e) => [e.id, e.state, e.applied])).toEqual([
      ['constructor', 'expired', 0],
      ['toString', 'active', 1],
    ]);
    const c = r.findings.find((f) => f.fingerprint === 'c');
    expect(c).toMatchObject({ gated: false, exception: { id: 'toString', state: 'active' } });
    expect(r.findings.find((f) => f.fingerprint === 'b')).toMatchObject({
      gated: true,
      exception: { id: 'constructor', state: 'expired' },
    });
    const report = buildReport(r, 'p.yml');
    expect(JSON.stringify(report)).toContain('"__proto__"');
    expect(() => renderMarkdown(r)).not.toThrow();
    expect(() => renderText(r, { color: false })).not.toThrow();
  });

  it('environments that are not profiles are refused clearly, whatever their name', () => {
    for (const env of ['__proto__', 'hasOwnProperty', 'isPrototypeOf', '__defineGetter__', 'production']) {
      expect(() => run(env)).toThrow(UnknownEnvironmentError);
      expect(() => run(env)).toThrow(`no gate profile "${env}" in the policy: expected one of valueOf, constructor, toString`);
    }
    const plain = policyFrom(POLICY.replace(/gates:[\s\S]*$/, 'gates:\n  production: [{name: No constructor, severity: constructor}]\n'));
    for (const env of PROTO) {
      expect(() => runEngine({ files: [], policy: plain, environment: env, onInputError: 'fail', now: NOW })).toThrow(
        UnknownEnvironmentError,
      );
    }
  });

  it('fingerprints named constructor, __proto__ and toString are tracked in the ledger like any other', () => {
    const fps = ['constructor', '__proto__', 'toString', 'hasOwnProperty'];
    const mk = () => fps.map((fp) => finding({ fingerprint: fp, tool: { name: 'CodeQL' }, securitySeverity: 9.5 }));
    const input = { policy, environment: 'valueOf', onInputError: 'fail' as const };
    const first = runEngine({
      ...input,
      files: [{ file: 'x', findings: mk(), errors: [], tools: [{ name: 'CodeQL' }] }],
      now: NOW,
      ledger: emptyBook(),
    });
    expect(first.findings.map((f) => f.status)).toEqual(['new', 'new', 'new', 'new']);
    const book = first.nextLedger as NonNullable<typeof first.nextLedger>;
    expect(Object.keys(book.entries).sort()).toEqual([...fps].sort());
    // Through JSON, as a store keeps it.
    const stored = JSON.parse(JSON.stringify(book)) as typeof book;
    const second = runEngine({
      ...input,
      files: [{ file: 'x', findings: mk().slice(1), errors: [], tools: [{ name: 'CodeQL' }] }],
      now: new Date('2026-11-26T12:00:00Z'),
      ledger: stored,
    });
    expect(second.findings.map((f) => [f.fingerprint, f.status])).toEqual([
      ['__proto__', 'existing'],
      ['toString', 'existing'],
      ['hasOwnProperty', 'existing'],
    ]);
    expect(second.fixed.map((f) => f.fingerprint)).toEqual(['constructor']);
  });

  it('policy tests name profiles and levels so named', () => {
    const suite = parsePolicyTests(
      `cases:\n  - name: proto\n    finding: {tool: constructor, path: src/a.js, securitySeverity: 5}\n    expect: {severity: toString, gates: {valueOf: [constructor], constructor: [constructor, toString], toString: []}}\n`,
      't.yml',
      policy,
    );
    expect(runPolicyTests(suite, policy, NOW).map((x) => [x.passed, x.diffs])).toEqual([[true, []]]);
    expect(() =>
      parsePolicyTests('cases:\n  - name: x\n    finding: {}\n    expect: {gates: {hasOwnProperty: []}}\n', 't.yml', policy),
    ).toThrow(/no gate profile "hasOwnProperty" in the policy/);
  });

  it('unknown level names in maps are errors, even inherited ones', () => {
    const base = POLICY.replace(/exceptions:[\s\S]*?gates:/, 'gates:');
    for (const name of ['isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString']) {
      const errs = policyErrors(() => parsePolicy(base.replace('sla: {constructor: 7', `sla: {${name}: 1, constructor: 7`), 'p.yml'));
      expect(errs.join('\n')).toMatch(new RegExp(`sla\\.${name}: unknown level "${name}"`));
    }
    const errs = policyErrors(() =>
      parsePolicy(
        base.replace('[{name: hasOwnProperty, severity: constructor', '[{name: hasOwnProperty, severity: isPrototypeOf'),
        'p.yml',
      ),
    );
    expect(errs.join('\n')).toMatch(/unknown level "isPrototypeOf"/);
    const ex = policyErrors(() =>
      parsePolicy(POLICY.replace('max-days: {toString: 30', 'max-days: {isPrototypeOf: 5, toString: 30'), 'p.yml'),
    );
    expect(ex.join('\n')).toMatch(/exceptions\.max-days\.isPrototypeOf: unknown level "isPrototypeOf"/);
  });

  it('__proto__ as a level name or an exception id is refused clearly, at its line', () => {
    const levels = policyErrors(() => parsePolicy(POLICY.replace('levels: [constructor,', 'levels: [__proto__, constructor,'), 'p.yml'));
    expect(levels.join('\n')).toMatch(/p\.yml:3:\d+: severity\.levels\[0\]: a level name: letters, digits/);
    const id = policyErrors(() => parsePolicy(POLICY.replace('{id: constructor,', '{id: __proto__,'), 'p.yml'));
    expect(id.join('\n')).toMatch(/p\.yml:17:\d+: exceptions\.entries\[0\]\.id: an id of letters, digits/);
  });
});

describe('policy files: a __proto__ key is a key, never a prototype', () => {
  it('a top-level __proto__ key is an unknown key, not inherited settings (also through extends)', () => {
    const ws = mkdtempSync(join(tmpdir(), 'dg-proto-'));
    try {
      writeFileSync(
        join(ws, 'base.yml'),
        'version: 1\nseverity: {levels: [high, low]}\ngates: {production: [{name: No high, severity: high}]}\n',
      );
      const refused = /a key named "__proto__" is not allowed \(JavaScript reads it as the prototype of the mapping\): rename it/;
      writeFileSync(join(ws, 'p.yml'), 'extends: base.yml\nversion: 1\n__proto__: {gates: {production: []}}\n');
      expect(policyErrors(() => loadPolicy('p.yml', ws))).toEqual([expect.stringMatching(/^p\.yml:3:1: /)]);
      expect(policyErrors(() => loadPolicy('p.yml', ws))[0]).toMatch(refused);
      writeFileSync(
        join(ws, 'q.yml'),
        'version: 1\nseverity: {levels: [high, low]}\ngates:\n  __proto__: [{name: No high, severity: high}]\n',
      );
      expect(policyErrors(() => loadPolicy('q.yml', ws))).toEqual([expect.stringMatching(/^q\.yml:4:3: a key named "__proto__"/)]);
      writeFileSync(
        join(ws, 'ex.yml'),
        'entries:\n  - {id: X, type: false-positive, match: {rule: r}, reason: r, approved-by: me, expires: 2027-01-01, __proto__: {}}\n',
      );
      writeFileSync(
        join(ws, 'r.yml'),
        'version: 1\nseverity: {levels: [high, low], from-scanner: {__proto__: high}}\nexceptions: {include: [ex.yml]}\ngates: {production: []}\n',
      );
      const both = policyErrors(() => loadPolicy('r.yml', ws)).join('\n');
      expect(both).toMatch(/r\.yml:2:48: a key named "__proto__"/);
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });

  it('--environment and --ledger-scope named like prototype members (CLI)', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'dg-proto-cli-'));
    try {
      writeFileSync(join(ws, 'p.yml'), POLICY);
      writeFileSync(
        join(ws, 'r.sarif'),
        JSON.stringify({
          version: '2.1.0',
          runs: [
            {
              tool: { driver: { name: 'constructor', rules: [{ id: 'R', properties: { 'security-severity': '9.5' } }] } },
              results: [
                {
                  ruleId: 'R',
                  message: { text: 'm' },
                  locations: [{ physicalLocation: { artifactLocation: { uri: 'src/a.js' }, region: { startLine: 1 } } }],
                },
              ],
            },
          ],
        }),
      );
      const cli = async (args: string[]) => {
        let out = '';
        const code = await runCli(args, {
          stdout: (s) => (out += s),
          stderr: (s) => (out += s),
          cwd: ws,
          env: {},
          isTTY: false,
          now: () => NOW,
        });
        return { code, out };
      };
      for (const env of ['valueOf', 'constructor']) {
        const r = await cli(['check', 'r.sarif', '--policy', 'p.yml', '--environment', env, '--format', 'json']);
        expect(r.code).toBe(1);
        expect(JSON.parse(r.out.slice(0, r.out.lastIndexOf('}') + 1)).verdict.status).toBe('fail');
      }
      for (const env of ['__proto__', 'hasOwnProperty']) {
        const bad = await cli(['check', 'r.sarif', '--policy', 'p.yml', '--environment', env]);
        expect(bad.code).toBe(2);
        expect(bad.out).toContain(`no gate profile "${env}" in the policy`);
      }
      const proto = await cli([
        'check',
        'r.sarif',
        '--policy',
        'p.yml',
        '--environment',
        'toString',
        '--ledger',
        'file:ledger.json',
        '--ledger-scope',
        '__proto__',
      ]);
      expect(proto.code).toBe(2);
      expect(proto.out).toContain('invalid ledger scope "__proto__"');
      for (const scope of ['constructor', 'toString', 'hasOwnProperty']) {
        const first = await cli([
          'check',
          'r.sarif',
          '--policy',
          'p.yml',
          '--environment',
          'toString',
          '--ledger',
          'file:ledger.json',
          '--ledger-scope',
          scope,
        ]);
        expect(first.code).toBe(0);
        const again = await cli([
          'check',
          'r.sarif',
          '--policy',
          'p.yml',
          '--environment',
          'toString',
          '--ledger',
          'file:ledger.json',
          '--ledger-scope',
          scope,
          '--format',
          'json',
        ]);
        expect(again.code).toBe(0);
        expect(again.out).toContain('"existing"');
      }
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });
});

describe('a ledger holding a "__proto__" key (hand-edited or forged)', () => {
  const entry = { fingerprint: 'x', firstSeen: '2026-11-01T00:00:00.000Z', state: 'open' };
  it('is refused at its JSON path, never read with the entry silently dropped (its SLA clock would restart)', () => {
    const entries = JSON.parse(`{"__proto__": ${JSON.stringify(entry)}, "abc": ${JSON.stringify(entry)}}`) as unknown;
    const doc = {
      schema: 'defect-gate-ledger',
      version: 1,
      updatedAt: '2026-11-01T00:00:00.000Z',
      books: { default: { entries, runs: [] } },
    };
    expect(() => migrateLedger(doc, 'ledger.json')).toThrow(/invalid ledger at \$\.books\.default\.entries: the key "__proto__"/);
    const books = JSON.parse(`{"__proto__": {"entries": {}, "runs": []}}`) as unknown;
    expect(() => migrateLedger({ ...doc, books }, 'ledger.json')).toThrow(/invalid ledger at \$\.books: the key "__proto__"/);
  });
});

describe('the counter for data keys (src/own.ts addCount)', () => {
  it('counts __proto__, constructor and toString as own keys of a record, and in a Map', () => {
    const rec: Record<string, number> = { high: 0 };
    const map = new Map<string, number>();
    for (const k of ['__proto__', 'constructor', 'toString', 'constructor', 'high']) {
      addCount(rec, k);
      addCount(map, k);
    }
    addCount(rec, '__proto__', 2);
    expect(Object.getPrototypeOf(rec)).toBe(Object.prototype);
    expect(Object.entries(rec)).toEqual([
      ['high', 1],
      ['__proto__', 3],
      ['constructor', 2],
      ['toString', 1],
    ]);
    expect([...map]).toEqual([
      ['__proto__', 1],
      ['constructor', 2],
      ['toString', 1],
      ['high', 1],
    ]);
  });

  it('exception summaries count approvers named like prototype members', () => {
    const base = { type: 'accepted-risk' as const, file: 'p.yml', state: 'active' as const, matched: 1, applied: 1, notAllowed: 0 };
    const s = summarizeExceptions([
      { ...base, id: 'a', approvedBy: 'constructor' },
      { ...base, id: 'b', approvedBy: '__proto__' },
      { ...base, id: 'c', approvedBy: 'constructor' },
    ]);
    expect(Object.entries(s.byApprover)).toEqual([
      ['constructor', 2],
      ['__proto__', 1],
    ]);
    expect(s.byType).toEqual({ 'accepted-risk': 3 });
  });
});
