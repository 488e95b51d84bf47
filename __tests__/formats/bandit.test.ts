import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { banditCodeLine, banditParser } from '../../src/ingest/formats/bandit';
import { DEFECTDOJO, expectClaimsExactly, filePaths, ingester, load } from '../support/corpus';

const DD = `${DEFECTDOJO}/bandit`;

const ingest = ingester([banditParser]);
const files = filePaths(DD);

describe('bandit detection', () => {
  it('claims exactly the Bandit files of the corpus', () => {
    expectClaimsExactly(
      (doc) => banditParser.detect(doc),
      (file) => file.includes('/bandit/'),
    );
  });
  it('does not claim error objects, null, empty arrays or Semgrep output', () => {
    for (const d of [null, [], {}, { error: 'x' }, { results: [], errors: [] }, { results: [], errors: [], version: '1.0' }]) {
      expect(banditParser.detect(d)).toBe(false);
    }
  });
});

describe('bandit corpus', () => {
  it.each(files)('%s: one finding per result, no errors', (file) => {
    const raw = load(file) as { results: unknown[]; errors: unknown[] };
    const r = ingest(file);
    expect(r.format).toBe('bandit');
    expect(r.errors).toHaveLength(raw.errors.length);
    expect(r.findings).toHaveLength(raw.results.length);
    expect(r.tools).toEqual([{ name: 'Bandit' }]);
    for (const f of r.findings) {
      expect(f.kind).toBe('sast');
      expect(f.path).toBeDefined();
      expect(f.startLine).toBeGreaterThan(0);
      expect(['low', 'medium', 'high']).toContain(f.scannerSeverity);
      expect(f.fingerprintSource).toBe('computed:line');
    }
  });

  it('reads the fields of a result', () => {
    const r = ingest(`${DD}/one_vuln.json`);
    expect(r.findings[0]).toMatchObject({
      ruleId: 'B101',
      title: 'Use of assert detected. The enclosed code will be removed when compiling to optimised byte code.',
      scannerSeverity: 'low',
      path: 'one/one.py',
      startLine: 2,
      endLine: 2,
      snippet: 'assert False',
      helpUri: 'https://bandit.readthedocs.io/en/latest/plugins/b101_assert_used.html',
      source: { format: 'bandit', pointer: '$.results[0]' },
    });
    expect(r.findings[0]?.tags).toEqual(['sast', 'assert_used', 'confidence:high']);
  });

  it('normalizes Windows separators in file names', () => {
    const r = ingest(`${DD}/many_vulns.json`);
    expect(r.findings.every((f) => f.path !== undefined && !f.path.includes('\\'))).toBe(true);
    expect(r.findings.some((f) => f.path === 'dojo/benchmark/views.py')).toBe(true);
  });

  it('fingerprints by the flagged line: stable when lines move, the source line wins when known', () => {
    const text = readFileSync(`${DD}/one_vuln.json`, 'utf8');
    const moved = text
      .replace('"1 import os\\n2 assert False\\n"', '"7 import os\\n8 assert False\\n"')
      .replace('"line_number": 2', '"line_number": 8')
      .replace(/"line_range": \[\s*2\s*\]/, '"line_range": [8]');
    const a = ingest('a.json', text).findings[0];
    const b = ingest('b.json', moved).findings[0];
    expect(b?.startLine).toBe(8);
    expect(b?.fingerprint).toBe(a?.fingerprint);
    const withSource = ingest('c.json', text, { sourceLine: (p, l) => (p === 'one/one.py' && l === 2 ? '    assert   False' : undefined) })
      .findings[0];
    expect(withSource?.fingerprint).toBe(a?.fingerprint);
    const changed = ingest('d.json', text, { sourceLine: () => 'assert True' }).findings[0];
    expect(changed?.fingerprint).not.toBe(a?.fingerprint);
  });

  it('reads CWE and columns of newer Bandit versions and reports scan errors as scanner errors', () => {
    const r = ingest('__fixtures__/edge/bandit/modern-with-errors.json');
    expect(r.findings[0]).toMatchObject({
      cwe: ['CWE-78'],
      path: 'src/app.py',
      startLine: 4,
      startColumn: 1,
      endColumn: 33,
      scannerSeverity: 'high',
      snippet: 'subprocess.call(cmd, shell=True)',
    });
    expect(r.errors).toEqual([
      {
        file: '__fixtures__/edge/bandit/modern-with-errors.json',
        jsonPath: '$.errors[0]',
        message: 'Bandit could not scan src/broken.py: syntax error while parsing AST from file',
        hint: expect.any(String),
        severity: 'scanner',
      },
    ]);
  });

  it('reports structurally wrong results without throwing, keeps hostile text, ignores __proto__', () => {
    const hostile = '<b>x</b> $(rm -rf /) `whoami` ::error::oops';
    const text = `{"errors": 3, "generated_at": "x", "metrics": {}, "results": [7, {"__proto__": {"polluted": true}, "test_id": "B1", "issue_text": ${JSON.stringify(hostile)}, "filename": "../../etc/passwd", "line_number": "nope", "code": 5}]}`;
    const r = ingest('b.json', text);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]?.message).toBe(hostile);
    expect(r.findings[0]?.path).toBeUndefined();
    expect(r.findings[0]?.location).toBe('../../etc/passwd');
    expect(r.findings[0]?.startLine).toBeUndefined();
    expect(r.errors.map((e) => [e.jsonPath, e.message])).toEqual([
      ['$.results[0]', 'expected an object, found a number'],
      ['$.errors', 'expected an array, found a number'],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('takes the flagged line from the code excerpt', () => {
    expect(banditCodeLine('22     try:\n23         tree = parse(x)\n', 23)).toBe('        tree = parse(x)');
    expect(banditCodeLine('1 a\n', 2)).toBeUndefined();
    expect(banditCodeLine(undefined, 2)).toBeUndefined();
  });
});
