import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { combine, ingestText } from '../src/ingest/index';
import { sarifParser } from '../src/ingest/formats/sarif';

const DIR = '__fixtures__/corpus/defectdojo/sarif';
const read = (f: string) => readFileSync(`${DIR}/${f}`, 'utf8');
const ingest = (text: string, file = 'in.sarif', workspace?: string) =>
  ingestText(text, { file, ...(workspace ? { workspace } : {}) }, undefined, [sarifParser]);

/** A minimal SARIF log around the given runs. */
const log = (runs: unknown[]) => JSON.stringify({ version: '2.1.0', runs });

describe('SARIF corpus', () => {
  const files = readdirSync(DIR).sort();

  it.each(files)('%s loads with one finding per result', (file) => {
    const raw = JSON.parse(read(file).replace(/^\uFEFF/, '')) as { runs: { results?: unknown[] }[] };
    // Counted a second, simpler way: every result of every run.
    const expected = raw.runs.reduce((n, r) => n + (Array.isArray(r.results) ? r.results.length : 0), 0);
    const r = ingest(read(file), file);
    expect(r.format).toBe('sarif');
    // spotbugs.sarif says its run did not complete (executionSuccessful: false, with 56 results): its findings are
    // read, and the run is a "scan incomplete" input error (the policy's incomplete-scans may accept it as a warning).
    // no_runs.sarif has `"runs": []`: no tool reported, an incomplete scan of an unknown tool (policy `default`).
    const incomplete =
      file === 'spotbugs.sarif'
        ? [
            expect.objectContaining({
              severity: 'partial',
              jsonPath: '$.runs[0].invocations[0].executionSuccessful',
              incompleteScan: { tool: 'SpotBugs' },
            }),
          ]
        : file === 'no_runs.sarif'
          ? [expect.objectContaining({ severity: 'fatal', jsonPath: '$.runs', incompleteScan: { tool: 'default' } })]
          : [];
    expect(r.errors.filter((e) => e.severity !== 'scanner')).toEqual(incomplete);
    expect(r.findings).toHaveLength(expected);
    expect(r.tools.length).toBe(raw.runs.length);
    // Fingerprints are unique within a file.
    expect(new Set(r.findings.map((f) => f.fingerprint)).size).toBe(r.findings.length);
    for (const f of r.findings) {
      expect(f.ruleId).not.toBe('');
      expect(['error', 'warning', 'note', 'none']).toContain(f.level);
      expect(f.source.pointer).toMatch(/^\$\.runs\[\d+\]\.results\[\d+\]$/);
    }
  });

  it('reads CodeQL rules by ruleIndex, CWE tags and partial fingerprints', () => {
    const r = ingest(read('codeQL-output.sarif'));
    const f = r.findings.find((x) => x.ruleId === 'py/sql-injection');
    expect(f).toBeDefined();
    expect(f?.tool).toEqual({ name: 'CodeQL', version: '2.5.4' });
    expect(f?.cwe).toContain('CWE-89');
    expect(f?.title).toBe('SQL query built from user-controlled sources');
    expect(f?.fingerprintSource).toBe('sarif:partialFingerprints/primaryLocationLineHash');
    expect(f?.path).toBe('bad/libuser.py');
    expect(f?.startLine).toBe(12);
    expect(f?.kind).toBe('sast');
  });

  it('uses security-severity from Grype rules and finds CVE ids in rule ids', () => {
    const r = ingest(read('cxf-3.4.6.sarif'));
    const f = r.findings.find((x) => x.ruleId.startsWith('CVE-2019-12419'));
    expect(f?.securitySeverity).toBe(9.8);
    expect(f?.cve).toEqual(['CVE-2019-12419']);
    expect(f?.kind).toBe('sca');
  });

  it('keeps suppressions and baselineState, and reads firstDetectionTimeUtc', () => {
    const r = ingest(read('appendix_k4.sarif'));
    const f = r.findings[0];
    expect(f?.suppressions).toEqual([{ kind: 'external', status: 'accepted' }]);
    expect(f?.baselineState).toBe('unchanged');
    expect(f?.firstDetected).toBe('2016-07-15T14:20:42.000Z');
    // messageStrings with arguments
    expect(f?.message).toContain('Variable "ptr" was used without being initialized.');
  });

  it('keeps the secret out of gitleaks findings', () => {
    const r = ingest(read('gitleaks_7.5.0.sarif'));
    expect(r.findings.every((f) => f.kind === 'secret')).toBe(true);
    expect(JSON.stringify(r.findings)).not.toContain('AKIAIOSFODNN7EXAMPLE');
  });

  it('keeps non-fail results (flawfinder pass results) with level none by default', () => {
    const r = ingest(read('flawfinder.sarif'));
    const pass = r.findings.filter((f) => f.resultKind === 'pass');
    expect(pass.length).toBeGreaterThan(0);
    expect(pass.every((f) => f.level === 'note' || f.level === 'none')).toBe(true);
  });
});

describe('SARIF semantics', () => {
  const tool = (extra: object = {}) => ({
    driver: { name: 'T', rules: [{ id: 'R1', defaultConfiguration: { level: 'error' } }] },
    ...extra,
  });

  it('resolves level: result, then rule default, then warning; non-fail kinds default to none', () => {
    const r = ingest(
      log([
        {
          tool: tool(),
          results: [
            { ruleId: 'R1', level: 'note', message: { text: 'a' } },
            { ruleId: 'R1', message: { text: 'b' } },
            { ruleId: 'R2', message: { text: 'c' } },
            { ruleId: 'R2', kind: 'review', message: { text: 'd' } },
          ],
        },
      ]),
    );
    expect(r.findings.map((f) => f.level)).toEqual(['note', 'error', 'warning', 'none']);
    expect(r.findings[3]?.resultKind).toBe('review');
  });

  it('finds rules in tool.extensions through rule.toolComponent.index', () => {
    const r = ingest(
      log([
        {
          tool: {
            driver: { name: 'CodeQL', rules: [{ id: 'other' }] },
            extensions: [
              {
                name: 'pack',
                rules: [
                  {
                    id: 'js/xss',
                    shortDescription: { text: 'XSS' },
                    properties: { 'security-severity': '6.1', tags: ['external/cwe/cwe-079'] },
                  },
                ],
              },
            ],
          },
          results: [{ ruleId: 'js/xss', rule: { id: 'js/xss', index: 0, toolComponent: { index: 0 } }, message: { text: 'x' } }],
        },
      ]),
    );
    const f = r.findings[0];
    expect(f?.title).toBe('XSS');
    expect(f?.securitySeverity).toBe(6.1);
    expect(f?.cwe).toEqual(['CWE-79']);
  });

  it('reads CWE from taxa and result-level security-severity', () => {
    const r = ingest(
      log([
        {
          tool: { driver: { name: 'T' } },
          taxonomies: [{ name: 'CWE', taxa: [{ id: '502' }] }],
          results: [
            {
              ruleId: 'A',
              message: { text: 'x' },
              taxa: [{ id: '502', toolComponent: { name: 'CWE' } }],
              properties: { 'security-severity': 7.5 },
            },
            { ruleId: 'B', message: { text: 'y' }, taxa: [{ id: '22', toolComponent: { index: 0 } }] },
          ],
        },
      ]),
    );
    expect(r.findings[0]?.cwe).toEqual(['CWE-502']);
    expect(r.findings[0]?.securitySeverity).toBe(7.5);
    expect(r.findings[1]?.cwe).toEqual(['CWE-22']);
  });

  it('normalizes URIs: uriBaseId, file:// inside and outside the workspace, artifact index', () => {
    const r = ingest(
      log([
        {
          tool: { driver: { name: 'T' } },
          originalUriBaseIds: { SRC: { uri: 'file:///home/runner/work/app/app/' } },
          artifacts: [{ location: { uri: 'lib/a.js', uriBaseId: 'SRC' } }],
          results: [
            {
              ruleId: 'A',
              message: { text: '1' },
              locations: [{ physicalLocation: { artifactLocation: { uri: 'src/x.ts', uriBaseId: 'SRC' } } }],
            },
            {
              ruleId: 'A',
              message: { text: '2' },
              locations: [{ physicalLocation: { artifactLocation: { uri: 'file:///home/runner/work/app/app/src/y.ts' } } }],
            },
            { ruleId: 'A', message: { text: '3' }, locations: [{ physicalLocation: { artifactLocation: { uri: 'file:///etc/passwd' } } }] },
            { ruleId: 'A', message: { text: '4' }, locations: [{ physicalLocation: { artifactLocation: { index: 0 } } }] },
            { ruleId: 'A', message: { text: '5' }, locations: [{ physicalLocation: { artifactLocation: { uri: '../../outside.txt' } } }] },
            { ruleId: 'A', message: { text: '6' }, locations: [{ physicalLocation: { artifactLocation: { uri: 'dir%20name/./z.py' } } }] },
            {
              ruleId: 'A',
              message: { text: '7' },
              locations: [{ physicalLocation: { artifactLocation: { uri: 'https://example.com/x' } } }],
            },
          ],
        },
      ]),
      'in.sarif',
      '/home/runner/work/app/app',
    );
    const where = r.findings.map((f) => f.path ?? `LOC:${f.location}`);
    expect(where).toEqual([
      'src/x.ts',
      'src/y.ts',
      'LOC:file:///etc/passwd',
      'lib/a.js',
      'LOC:../../outside.txt',
      'dir name/z.py',
      'LOC:https://example.com/x',
    ]);
  });

  it('maps a source-root base to repository paths when the scan ran elsewhere', () => {
    const r = ingest(
      log([
        {
          tool: { driver: { name: 'T' } },
          originalUriBaseIds: { '%SRCROOT%': { uri: 'file:///build/agent/src/' } },
          results: [
            {
              ruleId: 'A',
              message: { text: '1' },
              locations: [{ physicalLocation: { artifactLocation: { uri: 'app/main.go', uriBaseId: '%SRCROOT%' } } }],
            },
          ],
        },
      ]),
      'in.sarif',
      '/home/runner/work/app/app',
    );
    expect(r.findings[0]?.path).toBe('app/main.go');
  });

  it('prefers fingerprints, then partialFingerprints; computed ones ignore line numbers', () => {
    const mk = (line: number, extra: object) => ({
      ruleId: 'A',
      message: { text: `bad thing at line ${line}` },
      locations: [{ physicalLocation: { artifactLocation: { uri: 'a.js' }, region: { startLine: line } } }],
      ...extra,
    });
    const r1 = ingest(
      log([
        {
          tool: { driver: { name: 'T' } },
          results: [
            mk(10, {}),
            mk(20, { fingerprints: { 'k/v1': 'abc' } }),
            mk(30, { partialFingerprints: { primaryLocationLineHash: 'h:1' } }),
          ],
        },
      ]),
    );
    const r2 = ingest(
      log([
        {
          tool: { driver: { name: 'T' } },
          results: [
            mk(14, {}),
            mk(24, { fingerprints: { 'k/v1': 'abc' } }),
            mk(34, { partialFingerprints: { primaryLocationLineHash: 'h:1' } }),
          ],
        },
      ]),
    );
    expect(r1.findings.map((f) => f.fingerprintSource)).toEqual([
      'computed:message',
      'sarif:fingerprints/k/v1',
      'sarif:partialFingerprints/primaryLocationLineHash',
    ]);
    expect(r1.findings.map((f) => f.fingerprint)).toEqual(r2.findings.map((f) => f.fingerprint));
  });

  it('uses the flagged line from the workspace for computed fingerprints, and keeps two findings on one line apart', () => {
    const lines: Record<string, string[]> = { 'a.js': ['x', 'eval(input)', 'y'] };
    const res = (line: number) => ({
      ruleId: 'A',
      message: { text: 'eval' },
      locations: [{ physicalLocation: { artifactLocation: { uri: 'a.js' }, region: { startLine: line } } }],
    });
    const r = ingestText(
      log([{ tool: { driver: { name: 'T' } }, results: [res(2), res(2)] }]),
      { file: 'f', sourceLine: (p, l) => lines[p]?.[l - 1] },
      undefined,
      [sarifParser],
    );
    expect(r.findings[0]?.fingerprintSource).toBe('computed:line');
    expect(r.findings[0]?.fingerprint).not.toBe(r.findings[1]?.fingerprint);
    // The same line moved down by inserted lines keeps its identity.
    const moved: Record<string, string[]> = { 'a.js': ['new', 'new', 'x', '  eval(input)', 'y'] };
    const r2 = ingestText(
      log([{ tool: { driver: { name: 'T' } }, results: [res(4)] }]),
      { file: 'f', sourceLine: (p, l) => moved[p]?.[l - 1] },
      undefined,
      [sarifParser],
    );
    expect(r2.findings[0]?.fingerprint).toBe(r.findings[0]?.fingerprint);
  });
});

describe('SARIF bad input', () => {
  it('tolerates a UTF-8 BOM', () => {
    const r = ingest(`\uFEFF${log([{ tool: { driver: { name: 'T' } }, results: [{ ruleId: 'A', message: { text: 'm' } }] }])}`);
    expect(r.errors).toEqual([]);
    expect(r.findings).toHaveLength(1);
  });

  it('reports invalid JSON with line and column', () => {
    const r = ingest('{\n  "version": "2.1.0",\n  "runs": [\n    {"tool": }\n  ]\n}', 'broken.sarif');
    expect(r.findings).toEqual([]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ file: 'broken.sarif', line: 4, column: 14, severity: 'fatal' });
    expect(r.errors[0]?.message).toMatch(/not valid JSON: expected a JSON value/);
  });

  it('rejects other SARIF versions naming the JSON path', () => {
    const r = ingest(JSON.stringify({ version: '2.0.0', $schema: 'http://json.schemastore.org/sarif-2.0.0', runs: [] }));
    expect(r.errors[0]).toMatchObject({ jsonPath: '$.version', severity: 'fatal' });
    expect(r.errors[0]?.message).toContain('"2.0.0"');
  });

  it('names a version that is not a string briefly, however large or deep it is (no stack overflow)', () => {
    const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
    const r = ingest(`{"version":${deep},"$schema":"https://json.schemastore.org/sarif-2.1.0.json","runs":[]}`);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({
      jsonPath: '$.version',
      severity: 'fatal',
      message: 'SARIF version an object is not supported: expected "2.1.0"',
    });
    const long = ingest(
      JSON.stringify({ version: 'x'.repeat(100_000), $schema: 'https://json.schemastore.org/sarif-2.1.0.json', runs: [] }),
    );
    expect(long.errors[0]?.message).toBe(`SARIF version "${'x'.repeat(60)}…" is not supported: expected "2.1.0"`);
    expect(ingest(JSON.stringify({ version: [1, 2], runs: [] })).errors[0]?.message).toContain('SARIF version an array of 2 element(s)');
  });

  it('reports "results": 42 at its JSON path and keeps the other runs', () => {
    const r = ingest(
      log([
        { tool: { driver: { name: 'A' } }, results: 42 },
        { tool: { driver: { name: 'B' } }, results: [{ ruleId: 'x', message: { text: 'ok' } }, 7] },
      ]),
    );
    expect(r.findings).toHaveLength(1);
    expect(r.errors.map((e) => [e.jsonPath, e.severity])).toEqual([
      ['$.runs[0].results', 'partial'],
      ['$.runs[1].results[1]', 'partial'],
    ]);
    expect(r.errors[0]?.message).toBe('expected an array of results, found a number');
  });

  it('reports "runs" that is not an array', () => {
    const r = ingest(JSON.stringify({ version: '2.1.0', runs: { a: 1 } }));
    expect(r.errors[0]).toMatchObject({ jsonPath: '$.runs', severity: 'fatal' });
  });

  it('reports empty files, null and unknown documents clearly', () => {
    expect(ingest('').errors[0]?.message).toBe('the file is empty');
    expect(ingest('null').errors[0]?.message).toMatch(/`null`/);
    expect(ingest('{"error": "boom"}').errors[0]?.message).toMatch(/error object \("boom"\)/);
    expect(ingest('{"a":1}\n{"b":2}\n').errors[0]?.message).toMatch(/NDJSON/);
  });

  it('is not polluted by __proto__ keys', () => {
    const r = ingest(
      '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T","__proto__":{"polluted":1}}},"results":[{"__proto__":{"polluted":2},"ruleId":"A","message":{"text":"m"}}]}]}',
    );
    expect(r.findings).toHaveLength(1);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('one bad file does not hide the findings of the others', () => {
    const good = ingest(read('codeQL-output.sarif'), 'good.sarif');
    const bad = ingest('{"version": "2.1.0", "runs": [', 'bad.sarif');
    const all = combine([good, bad]);
    expect(all.findings).toHaveLength(72);
    expect(all.errors.map((e) => e.file)).toEqual(['bad.sarif']);
  });
});
