import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestText } from '../src/ingest/index';
import { ingestSarifFile } from '../src/ingest/stream';
import { findDuplicateKey } from '../src/ingest/json';

/**
 * Issue #14, "fail closed everywhere", in the scanner parsers: whatever may hide a finding is an input error with a
 * position, never a silent zero.
 */

const EDGE = '__fixtures__/edge/fail-closed';
const WS = '/home/runner/work/app/app';
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dg-fail-closed-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** Reads `text` whole and by streaming (tiny chunks); both must agree. */
function both(text: string, chunkSize = 7) {
  const path = join(dir, `f${n++}.sarif`);
  writeFileSync(path, text);
  const ctx = { file: 'in.sarif', workspace: WS };
  const mem = ingestText(text, ctx);
  const streamed = ingestSarifFile(path, ctx, undefined, { chunkSize });
  expect(streamed.errors).toEqual(mem.errors);
  expect(streamed.findings).toEqual(mem.findings);
  return mem;
}

const fixture = (name: string) => readFileSync(join(EDGE, name), 'utf8');

describe('duplicate JSON keys', () => {
  it('a second "results" in a SARIF run is a fatal error at its JSON path and position, read whole or streamed', () => {
    const r = both(fixture('duplicate-results.sarif'));
    expect(r.findings).toEqual([]);
    expect(r.errors).toEqual([
      expect.objectContaining({ severity: 'fatal', jsonPath: '$.runs[0].results', line: 10, column: 7, message: expect.stringContaining('duplicate key "results"') }),
    ]);
  });

  it('a second "runs", and keys repeated inside a result or written with escapes, are caught the same way', () => {
    const cases: [string, string][] = [
      ['{"version":"2.1.0","runs":[],"runs":[{"tool":{"driver":{"name":"T"}},"results":[]}]}', '$.runs'],
      ['{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T"}},"results":[{"ruleId":"a","properties":{"x":[{},"s"],"security-severity":"1","security-severity":"9.8"}}]}]}', '$.runs[0].results[0].properties.security-severity'],
      ['{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T"}},"results":[{"ruleId":"a","\\u0072uleId":"b"}]}]}', '$.runs[0].results[0].ruleId'],
      ['{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"T","name":"U"}},"results":[]}]}', '$.runs[0].tool.driver.name'],
      ['{"version":"2.1.0","version":"2.1.0","runs":[]}', '$.version'],
    ];
    for (const [text, jsonPath] of cases) {
      for (const chunk of [5, 1 << 20]) expect(both(text, chunk).errors).toEqual([expect.objectContaining({ severity: 'fatal', jsonPath })]);
    }
  });

  it('native formats too: a second "Vulnerabilities" in a Trivy result', () => {
    const r = ingestText(fixture('duplicate-trivy.json'), { file: 'trivy.json' });
    expect(r.findings).toEqual([]);
    expect(r.errors).toEqual([expect.objectContaining({ severity: 'fatal', jsonPath: '$.Results[0].Vulnerabilities', line: 8, column: 7 })]);
  });

  it('equal keys in different objects, and keys that only look alike, are fine', () => {
    expect(findDuplicateKey('{"a":{"a":1},"b":[{"a":1},{"a":2}],"A":1,"a\\"":2}')).toBeUndefined();
    expect(findDuplicateKey('[{}, "x", {"k":1,"k":2}]')).toEqual({ offset: 17, path: '$[2].k', key: 'k' });
    // Objects with many keys are checked with a Set.
    const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]));
    const text = JSON.stringify(many);
    expect(findDuplicateKey(text)).toBeUndefined();
    expect(findDuplicateKey(`${text.slice(0, -1)},"k17":0}`)?.path).toBe('$.k17');
  });
});
