import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ingestText } from '../src/ingest/index';
import { PARSERS } from '../src/ingest/registry';

/**
 * Issue #14, "fail closed everywhere": input files, formats, gzip, encodings, enrichment files. Every bypass class
 * (a way to make the gate read fewer findings than the files hold without an error) has a regression test here.
 */

const CORPUS = '__fixtures__/corpus/defectdojo';

/** One real file per format: the first of each corpus folder that detection reads, with its format. */
function onePerFormat(): { file: string; format: string }[] {
  const out = new Map<string, string>();
  for (const dir of readdirSync(CORPUS).sort()) {
    let entries: string[];
    try {
      entries = readdirSync(join(CORPUS, dir)).sort();
    } catch {
      continue;
    }
    for (const e of entries) {
      const file = join(CORPUS, dir, e);
      if (!/\.(json|sarif|xml)$/.test(e)) continue;
      const r = ingestText(readFileSync(file, 'utf8'), { file });
      if (r.format && !out.has(r.format)) out.set(r.format, file);
    }
  }
  return [...out].map(([format, file]) => ({ file, format }));
}

describe('forced formats must fit the content', () => {
  const samples = onePerFormat();

  it('covers most formats', () => {
    expect(samples.length).toBeGreaterThanOrEqual(12);
  });

  it.each(samples)('$format ($file) forced as any other format is an input error naming what it looks like', ({ file, format }) => {
    const text = readFileSync(file, 'utf8');
    const label = PARSERS.find((p) => p.id === format)?.label as string;
    for (const other of PARSERS) {
      if (other.id === format) continue;
      const r = ingestText(text, { file }, other.id);
      expect(r.findings).toEqual([]);
      expect(r.errors).toHaveLength(1);
      const e = r.errors[0];
      expect(e?.severity).toBe('fatal');
      expect(e?.file).toBe(file);
      if (other.syntax === PARSERS.find((p) => p.id === format)?.syntax) {
        expect(e?.message).toBe(`forced as ${other.id}, but the content looks like ${label}`);
      } else {
        expect(e?.message).toMatch(/XML|looks like/);
      }
    }
  });

  it('a SARIF log forced as Grype is an error, not 0 findings and a pass', () => {
    const sarif = JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 'CodeQL' } }, results: [] }] });
    const r = ingestText(sarif, { file: 'codeql.json' }, 'grype');
    expect(r.errors).toEqual([
      expect.objectContaining({ file: 'codeql.json', jsonPath: '$', severity: 'fatal', message: 'forced as grype, but the content looks like SARIF 2.1.0' }),
    ]);
    expect(r.errors[0]?.hint).toMatch(/remove the input-formats override/);
  });

  it('content of no known format forced as Grype says what it is', () => {
    const r = ingestText('{"foo": 1}', { file: 'x.json' }, 'grype');
    expect(r.errors[0]?.message).toBe('forced as grype, but the content is not Grype JSON: an object with top-level keys "foo"');
  });

  it('empty reports that detection cannot tell apart still load when their format is forced', () => {
    for (const [text, format] of [
      ['[]', 'gitleaks'],
      ['null', 'gitleaks'],
      ['[]', 'trivy'],
      ['{"results": []}', 'osv-scanner'],
      ['{"results": [], "errors": []}', 'semgrep'],
    ] as const) {
      const r = ingestText(text, { file: 'x.json' }, format);
      expect({ text, format, errors: r.errors, got: r.format }).toEqual({ text, format, errors: [], got: format });
    }
    // Without the override they are not guessed.
    expect(ingestText('[]', { file: 'x.json' }).errors[0]?.message).toMatch(/unrecognized input/);
  });
});
