import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { combine, ingestText } from '../src/ingest/index';
import { PARSERS } from '../src/ingest/registry';
import { parseJson } from '../src/ingest/json';
import { parseXml } from '../src/ingest/xml';
import { runEngine } from '../src/engine';
import { defaultPolicy } from './helpers';

/** Every file of the real corpus, whatever its format. */
function corpusFiles(dir = '__fixtures__/corpus'): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...corpusFiles(p));
    else if (/\.(json|sarif|xml)$/i.test(e)) out.push(p);
  }
  return out;
}

const FILES = corpusFiles();
/** Corpus files that are not one JSON or XML document (deliberately broken samples). */
const UNREADABLE = ['defectdojo/gitlab_dast/empty_with_error.json', 'defectdojo/osv_scanner/no_findings.json'];

describe('the whole corpus', () => {
  it('has the files we expect to test on', () => {
    expect(FILES.length).toBeGreaterThan(180);
  });

  it.each(FILES)('%s loads, or is rejected with a clear error, without throwing', (file) => {
    const text = readFileSync(file, 'utf8');
    const r = ingestText(text, { file });
    if (r.format === undefined) {
      // Rejected: one fatal error that names the file and says what was expected.
      expect(r.findings).toEqual([]);
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]?.file).toBe(file);
      expect(r.errors[0]?.severity).toBe('fatal');
      expect(r.errors[0]?.message.length).toBeGreaterThan(10);
      expect(r.errors[0]?.hint ?? '').toMatch(/expected one of|set the format|single JSON document|scanner step/);
    } else {
      for (const f of r.findings) {
        expect(typeof f.fingerprint).toBe('string');
        expect(f.fingerprint.length).toBeGreaterThan(8);
        expect(f.source.file).toBe(file);
        expect(f.tool.name).not.toBe('');
      }
      expect(new Set(r.findings.map((f) => f.fingerprint)).size).toBe(r.findings.length);
    }
  });

  it('no file is claimed by two formats', () => {
    const unreadable: string[] = [];
    for (const file of FILES) {
      const text = readFileSync(file, 'utf8');
      const isXml = text
        .replace(/^\uFEFF/, '')
        .trimStart()
        .startsWith('<');
      const parsed = isXml ? parseXml(text) : parseJson(text);
      if (!parsed.ok) {
        unreadable.push(file);
        continue;
      }
      const claims = PARSERS.filter((p) => p.syntax === (isXml ? 'xml' : 'json') && p.detect(parsed.value)).map((p) => p.id);
      expect({ file, claims: claims.length <= 1 ? 'ok' : claims }).toEqual({ file, claims: 'ok' });
    }
    // The files passed over are named, so the check cannot shrink to nothing unnoticed.
    expect(unreadable.map((f) => f.replace('__fixtures__/corpus/', ''))).toEqual(UNREADABLE);
  });

  it('only the generic DefectDojo format and deliberate edge cases are unrecognized', () => {
    const unrecognized = FILES.filter((file) => ingestText(readFileSync(file, 'utf8'), { file }).format === undefined).map((f) =>
      f.replace('__fixtures__/corpus/', ''),
    );
    for (const f of unrecognized) {
      expect(f).toMatch(
        /^defectdojo\/(generic\/|gitleaks\/no_findings|trivy\/legacy_no_vuln|npm_audit\/empty_with_error|osv_scanner\/no_findings|gitlab_dast\/empty_with_error|semgrep\/empty)/,
      );
    }
  });
});

describe('one defect across tools', () => {
  it('Trivy and Grype reporting the same CVE in the same package version are one finding listing both tools', () => {
    const trivy = ingestText(readFileSync('__fixtures__/edge/trivy/pair-trivy.json', 'utf8'), { file: 'trivy.json' });
    const grype = ingestText(readFileSync('__fixtures__/edge/grype/pair-grype.json', 'utf8'), { file: 'grype.json' });
    expect(trivy.format).toBe('trivy');
    expect(grype.format).toBe('grype');
    const all = combine([trivy, grype]);
    const shared = all.findings.filter((f) => f.alsoReportedBy?.some((t) => t.name.toLowerCase() === 'grype'));
    expect(shared.length).toBeGreaterThanOrEqual(2);
    for (const f of shared) expect(f.tool.name.toLowerCase()).toBe('trivy');
    expect(all.findings.length).toBe(trivy.findings.length + grype.findings.length - shared.length);
    const r = runEngine({
      files: [trivy, grype],
      policy: defaultPolicy(),
      environment: 'production',
      onInputError: 'fail',
      now: new Date(),
    });
    expect(r.counts.total).toBe(all.findings.length);
  });
});
