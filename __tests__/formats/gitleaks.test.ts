import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { gitleaksParser } from '../../src/ingest/formats/gitleaks';
import { DEFECTDOJO, EDGE as EDGES, fileNames, fileParser, load } from '../support/corpus';
import { at } from '../helpers';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DIR = `${DEFECTDOJO}/gitleaks`;
const EDGE = `${EDGES}/gitleaks`;
const parse = fileParser(gitleaksParser);
const files = fileNames(DIR);

/** Every secret value of a raw report, to check none leaks into findings (`REDACTED`: gitleaks --redact already did). */
function secretsOf(raw: J[]): string[] {
  return raw.flatMap((x) => [x.Secret, x.offender]).filter((s): s is string => typeof s === 'string' && s.length > 3 && s !== 'REDACTED');
}

describe('gitleaks parser: corpus', () => {
  for (const f of files.filter((x) => x !== 'no_findings.json')) {
    it(`parses ${f} without leaking secrets`, () => {
      const raw = load(path.join(DIR, f)) as J[];
      expect(gitleaksParser.detect(raw)).toBe(true);
      const r = gitleaksParser.parse(raw, { file: f });
      expect(r.findings).toHaveLength(raw.length);
      expect(r.errors).toEqual([]);
      expect(r.tools).toEqual([{ name: 'Gitleaks' }]);
      const text = JSON.stringify(r.findings);
      for (const s of secretsOf(raw)) expect(text).not.toContain(s);
      // Each finding says that its secret was redacted, with a hash of it.
      for (const x of r.findings) expect(x.message).toMatch(/Secret: \[REDACTED secret sha256:[0-9a-f]{8}\]/);
      for (const x of r.findings) {
        expect(x.kind).toBe('secret');
        expect(x.scannerSeverity).toBeUndefined();
        expect(x.fingerprint).toMatch(/^[0-9a-f]{32}$/);
      }
    });
  }

  it('does not claim null (no_findings.json) and yields nothing for it', () => {
    const raw = load(path.join(DIR, 'no_findings.json'));
    expect(gitleaksParser.detect(raw)).toBe(false);
    expect(gitleaksParser.parse(raw, { file: 'x' }).findings).toEqual([]);
  });

  it('reads v7 fields (data_many.json)', () => {
    const f = at(parse(path.join(DIR, 'data_many.json')).findings, 0);
    expect(f).toMatchObject({ ruleId: 'Github', path: '.bashrc', tags: ['key', 'Github'], fingerprintSource: 'computed:line' });
    expect(f.snippet).toMatch(/^export JEKYLL_\[REDACTED secret sha256:[0-9a-f]{8}\]$/);
    expect(f.message).toContain('d54ce70d0cf8');
  });

  it('reads v7.5 line numbers (version_7.5.0.json)', () => {
    const f = at(parse(path.join(DIR, 'version_7.5.0.json')).findings, 0);
    expect(f).toMatchObject({
      ruleId: 'AWS Access Key',
      startLine: 13,
      path: 'dojo/unittests/scans/gitlab_secret_detection_report/gitlab_secret_detection_report_1_vuln.json',
    });
  });

  it('reads v8 fields (gitleaks8_many.json)', () => {
    const r = parse(path.join(DIR, 'gitleaks8_many.json'));
    const f = at(r.findings, 2);
    expect(f).toMatchObject({
      ruleId: 'RSA-PK',
      title: 'RSA private key',
      path: 'conf/rsa.pk',
      startLine: 57,
      endLine: 57,
      startColumn: 665,
      tags: ['tag1', 'tag2'],
    });
    expect(at(r.findings, 0).location).toBe('/conf/aws.tf'); // absolute, outside the workspace
  });
});

describe('gitleaks parser: edge cases', () => {
  it('redacts the secret everywhere, skips bad records, and ignores the line-number fingerprint of gitleaks', () => {
    const raw = load(path.join(EDGE, 'v8-secret.json')) as J[];
    expect(gitleaksParser.detect(raw)).toBe(true);
    const r = gitleaksParser.parse(raw, { file: 'v8-secret.json' });
    expect(r.findings).toHaveLength(1);
    expect(r.errors.map((e) => e.jsonPath)).toEqual(['$[1]', '$[2]']);
    const f = at(r.findings, 0);
    expect(JSON.stringify(f)).not.toContain('ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789');
    expect(JSON.stringify(f)).not.toContain('aBcDeF');
    expect(f.snippet).toMatch(/^GITHUB_TOKEN=\[REDACTED secret sha256:[0-9a-f]{8}\]$/);
    expect(f.tags).toEqual(['github', 'token']);
    expect(f.fingerprintSource).toBe('computed:line');
    // The same leak on another line keeps its fingerprint.
    const moved = gitleaksParser.parse([{ ...raw[0], StartLine: 40, EndLine: 40, Fingerprint: 'x:config/.env:github-pat:40' }], {
      file: 'x',
    });
    expect(at(moved.findings, 0).fingerprint).toBe(f.fingerprint);
  });

  it('detection is precise', () => {
    expect(gitleaksParser.detect([])).toBe(false);
    expect(gitleaksParser.detect([{ Target: 'x', Vulnerabilities: [] }])).toBe(false);
    expect(gitleaksParser.detect({ RuleID: 'x', Secret: 'y' })).toBe(false);
  });

  it('never throws', () => {
    for (const d of [null, 1, 'x', {}, [null], [{ RuleID: 5 }], [{ rule: 'r', offender: {}, line: 7 }]]) {
      expect(() => gitleaksParser.parse(d, { file: 'x' })).not.toThrow();
    }
    expect(gitleaksParser.parse({ a: 1 }, { file: 'x' }).errors[0]).toMatchObject({ jsonPath: '$', severity: 'fatal' });
  });
});
