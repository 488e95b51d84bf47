import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { runEngine } from '../src/engine';
import { ingestText } from '../src/ingest/index';
import { buildReport } from '../src/report/json';
import { ReportSchema } from '../src/report/schema';
import { renderMarkdown } from '../src/report/markdown';
import { renderText } from '../src/report/text';
import { buildRatedSarif, representativeScores } from '../src/report/sarif';
import { code, html, link, md, safeUrl } from '../src/text/escape';
import { defaultPolicy, finding, policyFrom, BASE_POLICY } from './helpers';
import type { IngestedFile } from '../src/ingest/index';

const NOW = new Date('2026-11-25T12:00:00Z');
const corpus = (f: string) => readFileSync(`__fixtures__/corpus/defectdojo/sarif/${f}`, 'utf8');

function run(files: IngestedFile[], environment = 'production') {
  return runEngine({ files, policy: defaultPolicy(), environment, onInputError: 'fail', now: NOW });
}

function fileWith(findings: ReturnType<typeof finding>[], name = 'x.sarif'): IngestedFile {
  return { file: name, format: 'sarif', findings, errors: [], tools: [{ name: 'CodeQL' }] };
}

describe('JSON report', () => {
  it('validates against its schema, with versions, counts, findings and errors', () => {
    const good = ingestText(corpus('codeQL-output.sarif'), { file: 'codeql.sarif' });
    const bad = ingestText('{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":42}]}', { file: 'bad.sarif' });
    const r = run([good, bad]);
    const report = buildReport(r, 'policies/default.yml');
    expect(() => ReportSchema.parse(report)).not.toThrow();
    expect(report.reportVersion).toBe(1);
    expect(report.verdict.status).toBe('fail');
    expect(report.counts.total).toBe(72);
    expect(report.counts.bySeverity).toEqual({ critical: 0, high: 11, medium: 4, low: 57, info: 0 });
    expect(report.errors).toEqual([
      {
        file: 'bad.sarif',
        jsonPath: '$.runs[0].results',
        message: 'expected an array of results, found a number',
        hint: 'this run was skipped; the other runs were used',
        severity: 'partial',
      },
    ]);
    const f = report.findings[0];
    expect(f).toMatchObject({ severity: 'high', blocking: true, tool: { name: 'CodeQL' }, kind: 'sast' });
    expect(f?.explanation[0]?.step).toBe('base');
    expect(Object.keys(f ?? {})).toEqual(
      expect.arrayContaining(['fingerprint', 'tool', 'ruleId', 'severity', 'kind', 'path', 'startLine', 'explanation']),
    );
  });

  it('sorts blocking findings first, then by severity and location', () => {
    const r = run([
      fileWith([
        finding({ level: 'note', path: 'a' }),
        finding({ securitySeverity: 9.9, path: 'z' }),
        finding({ level: 'error', path: 'b' }),
      ]),
    ]);
    expect(r.findings.map((f) => f.severity)).toEqual(['critical', 'high', 'low']);
  });

  it('folds the same defect given twice into one finding', () => {
    const a = ingestText(corpus('codeQL-output.sarif'), { file: 'a.sarif' });
    const b = ingestText(corpus('codeQL-output.sarif'), { file: 'b.sarif' });
    const r = run([a, b]);
    expect(r.counts.total).toBe(72);
    expect(r.duplicates).toHaveLength(72);
  });
});

const HOSTILE =
  'Hi @octocat see #1 <img src=x onerror=alert(1)> [click](javascript:alert(1)) **bold** | pipe `tick`\n\nnew para\u001b[31m red \u202e';

describe('escaping untrusted scanner text', () => {
  it('md() makes markdown, HTML, mentions, references and control characters inert', () => {
    const s = md(HOSTILE, 1000);
    expect(s).not.toMatch(/<img/);
    expect(s).not.toMatch(/@octocat/);
    expect(s).toContain('@\u200boctocat');
    expect(s).not.toMatch(/(^|[^\\])#1/);
    expect(s).not.toContain('](javascript');
    expect(s).not.toMatch(/(^|[^\\])\|/);
    expect(s).not.toMatch(/\n/);
    expect(s).not.toContain('\u001b');
    expect(s).not.toContain('\u202e');
    expect(s).toContain('&lt;img');
  });

  it('cuts long text with an ellipsis', () => {
    expect(md('x'.repeat(500), 10)).toBe('xxxxxxxxx…');
  });

  it('allows only http(s) links', () => {
    expect(safeUrl('javascript:alert(1)')).toBeUndefined();
    expect(safeUrl('data:text/html,x')).toBeUndefined();
    expect(safeUrl('https://example.com/a b')).toBeUndefined();
    expect(safeUrl('https://example.com/a(b)')).toBe('https://example.com/a%28b%29');
    expect(link('x', 'javascript:alert(1)')).toBe('x');
    expect(code('a`b')).toBe("`a'b`");
    expect(html('<a href="x">')).toBe('&lt;a href=&quot;x&quot;&gt;');
  });

  it('the job summary and the terminal report render hostile findings inert', () => {
    const evil = finding({
      title: HOSTILE,
      message: HOSTILE,
      ruleId: HOSTILE,
      path: 'src/<b>.js',
      helpUri: 'javascript:alert(1)',
      securitySeverity: 9.9,
      tool: { name: '@evil <script>' },
    });
    const r = run([fileWith([evil])]);
    const summary = renderMarkdown(r);
    // Code spans render their content literally (no HTML, no mentions); outside them nothing may be live.
    const outsideCode = summary.replace(/`[^`]*`/g, '');
    expect(outsideCode).not.toMatch(/<img|<script|@octocat|@evil|\]\(javascript/);
    for (const span of summary.match(/`[^`]*`/g) ?? []) expect(span).not.toMatch(/(^|[^\\])\|/);
    const text = renderText(r, { color: false });
    expect(text).not.toContain('\u001b');
    expect(text).not.toContain('\u202e');
  });
});

describe('job summary', () => {
  it('has the verdict banner, counts by severity and tool, blocking findings with the explanation, and gate rules', () => {
    const r = run([
      ingestText(corpus('codeQL-output.sarif'), { file: 'codeql.sarif' }),
      ingestText(corpus('cxf-3.4.6.sarif'), { file: 'grype.sarif' }),
    ]);
    const s = renderMarkdown(r, { title: 'Security gate' });
    expect(s.split('\n')[0]).toBe('## ❌ Security gate: failed (production)');
    expect(s).toContain('| Severity | CodeQL | Grype | Total |');
    expect(s).toMatch(/\| critical \| 0 \| \d+ \| \*\*\d+\*\* \|/);
    expect(s).toContain('### Blocking findings');
    expect(s).toContain('security-severity 9.8 &gt;= 9.0 → critical');
    expect(s).toContain('### Gate `production`');
  });

  it('stays within the size budget and says what was cut', () => {
    const many = Array.from({ length: 5000 }, (_, i) =>
      finding({ fingerprint: `f${i}`, securitySeverity: 9.5, message: 'm'.repeat(300), title: `Finding ${i} ${'t'.repeat(100)}` }),
    );
    const r = run([fileWith(many)]);
    const s = renderMarkdown(r, { maxBytes: 64 * 1024, fullReport: 'defect-gate-report.json' });
    expect(Buffer.byteLength(s)).toBeLessThanOrEqual(64 * 1024);
    expect(s).toMatch(/… \d+ more not shown \(size limit\); see defect-gate-report\.json/);
    const full = renderMarkdown(r);
    expect(Buffer.byteLength(full)).toBeLessThanOrEqual(1024 * 1024);
  });

  it('lists input problems', () => {
    const bad = ingestText('{', { file: 'broken.json' });
    const s = renderMarkdown(run([bad]));
    expect(s).toContain('### Input problems (1)');
    expect(s).toContain('broken.json:1:2: not valid JSON');
  });
});

describe('rated SARIF', () => {
  it('writes every input result back with the org severity, and rule security-severity for code scanning', () => {
    const doc = corpus('codeQL-output.sarif');
    const ingested = ingestText(doc, { file: 'codeql.sarif' });
    const r = run([ingested]);
    const out = buildRatedSarif(r, defaultPolicy(), new Map([['codeql.sarif', ingested.document]]));
    expect(out.version).toBe('2.1.0');
    const results = out.runs[0]?.results ?? [];
    expect(results).toHaveLength(72);
    const sqli = results.find((x) => x.ruleId === 'py/sql-injection');
    expect(sqli?.properties).toMatchObject({ 'defect-gate/severity': 'high', 'security-severity': '8.0', 'defect-gate/blocking': true });
    expect(sqli?.level).toBe('error');
    const rules = [...(out.runs[0]?.tool.driver.rules ?? []), ...(out.runs[0]?.tool.extensions ?? []).flatMap((e) => e.rules ?? [])];
    const rule = rules.find((x) => x.id === 'py/sql-injection');
    expect(rule?.properties?.['security-severity']).toBe('8.0');
    // The input document is not modified.
    expect(JSON.stringify(ingested.document)).not.toContain('defect-gate/severity');
  });

  it('maps each org level to a score in the matching GitHub class; custom levels spread by rank', () => {
    expect(representativeScores(defaultPolicy())).toEqual([9.5, 8, 5.5, 2.1, 0]);
    const custom = policyFrom(
      BASE_POLICY.replace('levels: [critical, high, medium, low, info]', 'levels: [critical, high, medium, low, info, ignore]'),
    );
    expect(representativeScores(custom)[5]).toBe(0);
  });

  it('writes findings of native formats as a run per tool', () => {
    const f = finding({
      source: { file: 't.json', format: 'trivy', pointer: '$' },
      tool: { name: 'Trivy' },
      ruleId: 'CVE-2024-1',
      securitySeverity: 9.8,
    });
    const r = run([{ file: 't.json', format: 'trivy', findings: [f], errors: [], tools: [{ name: 'Trivy' }] }]);
    const out = buildRatedSarif(r, defaultPolicy(), new Map());
    expect(out.runs[0]?.tool.driver.name).toBe('Trivy');
    expect(out.runs[0]?.results?.[0]?.properties?.['defect-gate/severity']).toBe('critical');
    expect(out.runs[0]?.results?.[0]?.locations?.[0]?.physicalLocation?.artifactLocation?.uri).toBe('src/app.js');
  });
});

describe('md() keeps ordinary text readable', () => {
  it('escapes line-start block syntax only at the start', () => {
    expect(md('- item')).toBe('\\- item');
    expect(md('1. first')).toBe('\\1. first');
    expect(md('a-b.c = d: e')).toBe('a-b.c = d: e');
  });
});
