import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { zapParser, zapXmlParser } from '../../src/ingest/formats/zap';
import type { FormatParser } from '../../src/ingest/types';
import { CORPUS, DEFECTDOJO, corpusDocsOf, expectClaimsExactly, filePaths, ingester, load, parseDoc } from '../support/corpus';

const PARSERS: FormatParser[] = [zapParser, zapXmlParser];
const DD = `${DEFECTDOJO}/zap`;
const JSON_FILE = `${CORPUS}/other/zap/zap-2.17.0-report.json`;

const ingest = ingester(PARSERS);
const xmlFiles = filePaths(DD, '.xml');

/** Instances counted the simple way: `<instance>` tags outside XML comments; alerts without instances count once. */
function countXmlInstances(text: string): number {
  const body = text.replace(/<!--[\s\S]*?-->/g, '');
  const alerts = body.split('<alertitem>').slice(1);
  return alerts.reduce((n, a) => n + Math.max(1, (a.match(/<instance>/g) ?? []).length), 0);
}

describe('zap detection', () => {
  it('claims exactly the ZAP files of the corpus', () => {
    expectClaimsExactly(
      (doc) => zapParser.detect(doc) || zapXmlParser.detect(doc),
      (file) => file.includes('/zap/'),
    );
  });
  it('each of its files is claimed by the parser of its syntax (JSON or XML)', () => {
    const docs = corpusDocsOf((file) => file.includes('/zap/'));
    expect(docs.some(({ file }) => file.endsWith('.xml'))).toBe(true);
    expect(docs.map(({ file, doc }) => [file, (file.endsWith('.xml') ? zapXmlParser : zapParser).detect(doc)])).toEqual(
      docs.map(({ file }) => [file, true]),
    );
  });
  it('does not claim error objects, null or empty arrays', () => {
    for (const d of [null, [], {}, { error: 'x' }, { site: 'x' }, 5, 'zap']) {
      expect(zapParser.detect(d)).toBe(false);
      expect(zapXmlParser.detect(d)).toBe(false);
    }
  });
});

describe('zap-xml corpus', () => {
  it.each(xmlFiles)('%s: one finding per instance, no errors', (file) => {
    const r = ingest(file);
    expect(r.format).toBe('zap-xml');
    expect(r.errors).toEqual([]);
    expect(r.findings).toHaveLength(countXmlInstances(readFileSync(file, 'utf8')));
    expect(r.tools).toHaveLength(1);
    expect(r.tools[0]?.name).toBe('ZAP');
    for (const f of r.findings) {
      expect(f.kind).toBe('dast');
      expect(f.path).toBeUndefined();
      expect(f.location).toMatch(/^https?:\/\//);
      expect(['informational', 'low', 'medium', 'high']).toContain(f.scannerSeverity);
      expect(f.resultKind).toBe('fail');
      expect(f.source.format).toBe('zap-xml');
    }
  });

  it('reads fields of an alert instance', () => {
    const r = ingest(`${DD}/zap_2.16.1_with_req_resp.xml`);
    expect(r.tools).toEqual([{ name: 'ZAP', version: '2.16.1' }]);
    const f = r.findings.find((x) => x.cwe.includes('CWE-565'));
    expect(f).toBeDefined();
    expect(f?.tags).toContain('OWASP_2021_A03');
    const first = ingest(`${DD}/0_zap_sample.xml`).findings[0];
    expect(first).toMatchObject({
      ruleId: '10011',
      title: 'Cookie Without Secure Flag',
      scannerSeverity: 'low',
      cwe: ['CWE-614'],
      tool: { name: 'ZAP', version: '2.9.0' },
      source: { pointer: '/OWASPZAPReport/site[0]/alerts/alertitem[0]/instances/instance[0]' },
    });
    expect(first?.location).toMatch(/^https:\/\/mainsite\.com/);
    expect(first?.tags).toEqual(expect.arrayContaining(['WASC-13', 'confidence:medium', 'method:GET']));
  });

  it('keeps HTML descriptions as text', () => {
    const f = ingest(`${DD}/dvwa_baseline_dojo.xml`).findings[0];
    expect(
      f?.message.startsWith(
        "<p>X-Frame-Options header is not included in the HTTP response to protect against 'ClickJacking' attacks.</p>",
      ),
    ).toBe(true);
  });

  it('keeps fingerprints of the same alerts across the rescan pair', () => {
    const key = (f: { ruleId: string; location?: string; tags: string[] }): string =>
      `${f.ruleId} ${f.tags.find((t) => t.startsWith('method:')) ?? ''} ${f.location ?? ''} ${f.tags.find((t) => t.startsWith('param:')) ?? ''}`;
    const first = zapXmlParser.parse(parseDoc(`${DD}/zap-results-first-scan.xml`).doc, { file: 'a.xml' }).findings;
    const second = zapXmlParser.parse(parseDoc(`${DD}/zap-results-second-scan.xml`).doc, { file: 'b.xml' }).findings;
    const byKey = new Map(first.map((f) => [key(f), f.fingerprint]));
    let common = 0;
    for (const f of second) {
      const fp = byKey.get(key(f));
      if (fp === undefined) continue;
      common++;
      expect(f.fingerprint).toBe(fp);
    }
    expect(common).toBeGreaterThan(50);
    // Query values do not take part: product.jsp?typeid=5 and ?typeid=6 under one alert share the base fingerprint.
    const typeIds = first.filter((f) => f.ruleId === '10202' && /product\.jsp\?typeid=/.test(f.location ?? ''));
    expect(new Set(typeIds.map((f) => f.fingerprint)).size).toBeLessThan(typeIds.length || 1);
  });

  it('reads the legacy layout with uri/method/param on the alert item', () => {
    const r = ingest('__fixtures__/edge/zap/legacy-no-instances.xml');
    expect(r.errors).toEqual([]);
    expect(r.findings).toHaveLength(2);
    expect(r.findings[0]).toMatchObject({
      location: 'http://example.test/login?user=1',
      ruleId: '40012',
      scannerSeverity: 'high',
      cwe: ['CWE-79'],
    });
    expect(r.findings[1]?.location).toBe('http://example.test');
  });

  it('reports a structurally wrong document without throwing', () => {
    const r = ingest('bad.xml', '<OWASPZAPReport version="2.11.0"><site name="x"><alerts>text</alerts></site></OWASPZAPReport>');
    expect(r.findings).toEqual([]);
    expect(r.errors[0]).toMatchObject({ jsonPath: '/OWASPZAPReport/site[0]/alerts', severity: 'partial' });
  });
});

describe('zap JSON', () => {
  it('parses the ZAP 2.17.0 report', () => {
    const raw = load(JSON_FILE) as { site: { alerts: { instances: unknown[] }[] }[] };
    const expected = raw.site.reduce((n, s) => n + s.alerts.reduce((m, a) => m + a.instances.length, 0), 0);
    const r = ingest(JSON_FILE);
    expect(r.format).toBe('zap');
    expect(r.errors).toEqual([]);
    expect(r.findings).toHaveLength(expected);
    expect(r.tools).toEqual([{ name: 'ZAP', version: '2.17.0' }]);
    const f = r.findings[0];
    expect(f).toMatchObject({
      ruleId: '10037',
      scannerSeverity: 'low',
      cwe: ['CWE-497'],
      kind: 'dast',
      location: 'http://localhost:5132',
      snippet: 'X-Powered-By: ASP.NET',
      helpUri:
        'https://owasp.org/www-project-web-security-testing-guide/v42/4-Web_Application_Security_Testing/01-Information_Gathering/08-Fingerprint_Web_Application_Framework',
      source: { file: JSON_FILE, format: 'zap', pointer: '$.site[0].alerts[0].instances[0]' },
    });
    expect(r.findings.filter((x) => x.scannerSeverity === 'informational')).toHaveLength(3);
    expect(new Set(r.findings.map((x) => x.fingerprint)).size).toBe(r.findings.length);
  });

  it('accepts a single site object, reports wrong members with their path, keeps the rest', () => {
    const doc = {
      '@version': '2.14.0',
      site: {
        '@name': 'http://h',
        alerts: [
          { pluginid: '1', riskcode: '3', cweid: '-1', name: 'A', instances: 5 },
          7,
          { pluginid: '2', riskcode: '0', cweid: '0', name: 'B', instances: [{ uri: 'http://h/x?id=1', method: 'post', param: 'id' }] },
        ],
      },
    };
    const r = ingest('x.json', JSON.stringify(doc));
    expect(r.errors.map((e) => e.jsonPath)).toEqual(['$.site.alerts[0].instances', '$.site.alerts[1]']);
    expect(r.errors[0]?.message).toBe('expected an array, found a number');
    expect(r.findings).toHaveLength(2);
    expect(r.findings[0]).toMatchObject({ scannerSeverity: 'high', cwe: [], location: 'http://h' });
    expect(r.findings[1]).toMatchObject({ scannerSeverity: 'informational', cwe: [], location: 'http://h/x?id=1' });
    const other = ingest(
      'y.json',
      JSON.stringify({
        ...doc,
        site: {
          ...doc.site,
          alerts: [
            {
              ...(doc.site.alerts[2] as object),
              instances: [{ uri: 'http://h/x?id=2', method: 'POST', param: 'id', evidence: 'changed' }],
            },
          ],
        },
      }),
    );
    expect(other.findings[0]?.fingerprint).toBe(r.findings[1]?.fingerprint);
  });

  it('ignores __proto__ keys and keeps hostile text verbatim', () => {
    const hostile = '<script>alert(1)</script> & "quotes" `${x}`';
    const text = `{"@version":"2.15.0","site":[{"@name":"http://h","alerts":[{"__proto__":{"polluted":true},"pluginid":"9","riskcode":"2","name":"n","desc":${JSON.stringify(hostile)},"instances":[{"__proto__":{"polluted":true},"uri":"http://h/"}]}]}]}`;
    const r = ingest('p.json', text);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]?.message).toBe(hostile);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a report with an empty site list is ZAP with zero findings and the tool', () => {
    const r = ingest('e.json', JSON.stringify({ '@programName': 'ZAP', '@version': '2.17.0', site: [] }));
    expect(r.format).toBe('zap');
    expect(r.findings).toEqual([]);
    expect(r.tools).toEqual([{ name: 'ZAP', version: '2.17.0' }]);
  });
});
