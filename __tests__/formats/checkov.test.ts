import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { checkovParser } from '../../src/ingest/formats/checkov';
import { DEFECTDOJO, expectClaimsExactly, filePaths, ingester, load } from '../support/corpus';

const DD = `${DEFECTDOJO}/checkov`;

const ingest = ingester([checkovParser]);
const files = filePaths(DD);

interface RawReport {
  results?: { failed_checks?: unknown[]; skipped_checks?: unknown[] };
}

describe('checkov detection', () => {
  it('claims exactly the Checkov files of the corpus', () => {
    expectClaimsExactly(
      (doc) => checkovParser.detect(doc),
      (file) => file.includes('/checkov/'),
    );
  });
  it('does not claim error objects, null or empty arrays', () => {
    for (const d of [null, [], {}, { error: 'x' }, { passed: 0, failed: 0 }, [{ check_type: 'x' }]])
      expect(checkovParser.detect(d)).toBe(false);
  });
});

describe('checkov corpus', () => {
  it.each(files)('%s: one finding per failed or skipped check, no errors', (file) => {
    const raw = load(file) as RawReport | RawReport[];
    const expected = (Array.isArray(raw) ? raw : [raw]).reduce(
      (n, x) => n + (x.results?.failed_checks?.length ?? 0) + (x.results?.skipped_checks?.length ?? 0),
      0,
    );
    const r = ingest(file);
    expect(r.format).toBe('checkov');
    expect(r.errors).toEqual([]);
    expect(r.findings).toHaveLength(expected);
    expect(r.tools).toHaveLength(1);
    expect(r.tools[0]?.name).toBe('Checkov');
    for (const f of r.findings) {
      expect(f.kind).toBe('iac');
      expect(f.path).toBeDefined();
      expect(f.path?.startsWith('/')).toBe(false);
    }
  });

  it('summary-only and empty reports give zero findings and the tool with its version', () => {
    expect(ingest(`${DD}/checkov2-report-0-vuln.json`)).toMatchObject({
      format: 'checkov',
      findings: [],
      errors: [],
      tools: [{ name: 'Checkov', version: '2.1.269' }],
    });
    expect(ingest(`${DD}/checkov-report-0-vuln.json`)).toMatchObject({ findings: [], tools: [{ name: 'Checkov', version: '1.0.467' }] });
  });

  it('reads severity, bc_check_id, guideline, lines and the repository path', () => {
    const r = ingest(`${DD}/checkov-report-severity.json`);
    expect(r.findings[0]).toMatchObject({
      ruleId: 'CKV_GCP_29',
      title: 'Ensure that Cloud Storage buckets have uniform bucket-level access enabled',
      scannerSeverity: 'medium',
      path: 'gcs.tf',
      startLine: 1,
      endLine: 15,
      component: 'google_storage_bucket.terragoat_website',
      helpUri: 'https://docs.bridgecrew.io/docs/bc_gcp_gcs_2',
      tool: { name: 'Checkov', version: '2.2.34' },
    });
    expect(r.findings[0]?.tags).toEqual(expect.arrayContaining(['terraform', 'BC_GCP_GCS_2']));
    expect(new Set(r.findings.map((f) => f.scannerSeverity))).toEqual(new Set(['medium', 'low', 'high']));
    const multi = ingest(`${DD}/checkov-report-multiple-check_type.json`);
    expect(multi.findings[0]?.path).toBe('infra/terraform/aws/db-app.tf');
    const docker = multi.findings.find((f) => f.tags.includes('dockerfile'));
    expect(docker?.path).toBe('infra/terraform/aws/resources/Dockerfile');
    expect(docker?.scannerSeverity).toBeUndefined();
    expect(docker?.startLine).toBeUndefined();
  });

  it('reports skipped checks as suppressed, parsing errors as scanner errors, fingerprints by resource', () => {
    const r = ingest('__fixtures__/edge/checkov/skipped-and-parsing-errors.json', undefined, {
      workspace: '/home/runner/work/infra/infra',
    });
    expect(r.findings).toHaveLength(3);
    expect(r.findings[2]).toMatchObject({
      ruleId: 'CKV_AWS_144',
      suppressions: [{ kind: 'inSource', justification: 'single-region by design' }],
    });
    expect(r.findings[0]?.suppressions).toEqual([]);
    expect(r.findings[0]?.path).toBe('main.tf');
    expect(r.findings[0]?.fingerprint).not.toBe(r.findings[1]?.fingerprint);
    expect(r.errors).toEqual([expect.objectContaining({ jsonPath: '$[0].results.parsing_errors[0]', severity: 'scanner' })]);
    expect(r.tools).toEqual([{ name: 'Checkov', version: '3.2.100' }]);
    // Moving the resource within the file keeps its identity.
    const moved = readFileSync('__fixtures__/edge/checkov/skipped-and-parsing-errors.json', 'utf8').replace(
      '"file_line_range": [10, 17]',
      '"file_line_range": [30, 37]',
    );
    expect(ingest('m.json', moved).findings[1]?.fingerprint).toBe(
      ingest('n.json', readFileSync('__fixtures__/edge/checkov/skipped-and-parsing-errors.json', 'utf8')).findings[1]?.fingerprint,
    );
  });

  it('reports structurally wrong parts without throwing, keeps hostile text, ignores __proto__', () => {
    const hostile = '<script>x</script> %0a::set-output name=x::y';
    const text = `{"check_type":"terraform","results":{"failed_checks":[1,{"__proto__":{"polluted":true},"check_id":"CKV_X","check_name":${JSON.stringify(hostile)},"file_path":"/a.tf","file_line_range":"1-2"}],"skipped_checks":{"a":1}},"summary":{"checkov_version":"3.0.0"}}`;
    const r = ingest('c.json', text);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ title: hostile, path: 'a.tf' });
    expect(r.findings[0]?.startLine).toBeUndefined();
    expect(r.errors.map((e) => [e.jsonPath, e.message])).toEqual([
      ['$.results.failed_checks[0]', 'expected an object, found a number'],
      ['$.results.skipped_checks', 'expected an array, found an object'],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
